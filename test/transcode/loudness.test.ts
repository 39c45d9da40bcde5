import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { ROOT } from '../support/env.ts';
import { PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';

const run = promisify(execFile);

/**
 * Loudness normalization as a streaming service asks for it (-16 LUFS, true peak under -1.5 dBTP),
 * measured on the outputs with ffmpeg's own EBU R128 meter (the machine's ffmpeg).
 */
const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });

async function clipWithAudio(name: string, audio: string): Promise<string> {
  const dir = join(ROOT, '.local', 'clips');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `loudness-${name}-v1.mp4`);
  if (existsSync(path)) return path;
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp.mp4`;
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=8'],
    ...['-f', 'lavfi', '-i', audio],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '128k', '-shortest'],
    ...['-y', tmp],
  ]);
  await run('mv', [tmp, path]);
  return path;
}

/** Integrated loudness and true peak of a file's audio, by ffmpeg's ebur128 meter. */
async function ebur128(file: string) {
  const { stderr } = await run('ffmpeg', [
    ...['-hide_banner', '-nostats', '-i', file, '-map', '0:a:0'],
    ...['-af', 'ebur128=peak=true', '-f', 'null', '-'],
  ]);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  return {
    lufs: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]),
    truePeak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]),
  };
}

describe('loudness normalization', () => {
  it('brings a quiet programme to -16 LUFS in every rung and records what the source measured', async () => {
    // A tone 30 dB down, with a louder burst: dynamics a single gain keeps.
    const source = await clipWithAudio(
      'quiet',
      'sine=frequency=440:sample_rate=48000:duration=8,volume=-30dB,volume=enable=between(t\\,3\\,4):volume=6dB',
    );
    const before = await ebur128(source);
    expect(before.lufs).toBeLessThan(-35);
    const outDir = mkdtempSync(join(tmpdir(), 'kt-loudness-'));
    const result = await transcoder.transcode({
      sourcePath: source,
      outDir,
      request: {
        ladder: [{ height: 240 }, { height: 144, audioBitrateKbps: 64 }],
        formats: ['mp4'],
        thumbnails: false,
        loudness: { targetLufs: -16, truePeakDb: -1.5 },
      },
      signal: AbortSignal.timeout(120_000),
    });
    expect(result.loudness).toMatchObject({ targetLufs: -16, truePeakDb: -1.5 });
    expect(result.loudness!.measured.integratedLufs).toBeCloseTo(before.lufs, 0);
    for (const r of result.renditions) {
      const after = await ebur128(join(outDir, r.mp4!.key));
      expect(Math.abs(after.lufs - -16), r.name).toBeLessThanOrEqual(1);
      expect(after.truePeak, r.name).toBeLessThanOrEqual(-1);
    }
    expect(result.warnings).toEqual([]);
  });

  it('leaves silence as it is, and says so', async () => {
    const source = await clipWithAudio(
      'silent',
      'anullsrc=sample_rate=48000:channel_layout=stereo',
    );
    const result = await transcoder.transcode({
      sourcePath: source,
      outDir: mkdtempSync(join(tmpdir(), 'kt-loudness-')),
      request: {
        ladder: [{ height: 144 }],
        formats: ['mp4'],
        thumbnails: false,
        loudness: { targetLufs: -23, truePeakDb: -1 },
      },
      signal: AbortSignal.timeout(120_000),
    });
    expect(result.loudness).toBeUndefined();
    expect(result.audio).toBe('encoded');
    expect(result.warnings).toEqual(['the audio is silent: its loudness was not changed']);
  });
});
