import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { matroskaWithSubtitles } from '../support/caption-clips.ts';
import { makeClip } from '../support/clips.ts';
import { ROOT } from '../support/env.ts';
import { PRODUCT_FFMPEG, PRODUCT_FFPROBE } from '../support/media-tools.ts';

const exec = promisify(execFile);
const CLI = join(ROOT, 'worker', 'src', 'cli', 'main.ts');

/** `keda-transcoder probe`, as a person runs it: no AWS, only ffprobe and the worker's rules. */
async function probe(...args: string[]) {
  try {
    const { stdout } = await exec(process.execPath, [CLI, 'probe', ...args], {
      env: { PATH: process.env.PATH, FFMPEG_PATH: PRODUCT_FFMPEG, FFPROBE_PATH: PRODUCT_FFPROBE },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('keda-transcoder probe', () => {
  it('names the subtitle tracks it would convert, for a file named relative to the directory', async () => {
    const clip = await matroskaWithSubtitles();
    const { code, stdout } = await exec(
      process.execPath,
      [CLI, 'probe', relative(process.cwd(), clip)],
      {
        env: { PATH: process.env.PATH, FFMPEG_PATH: PRODUCT_FFMPEG, FFPROBE_PATH: PRODUCT_FFPROBE },
      },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(': accepted');
    expect(stdout).toContain('#2 subrip → WebVTT s0 "English (SDH)" (en)');
    expect(stdout).toContain('#3 ass → WebVTT s1 "French" (fr)');
  });

  it('says what the worker would do with an HLG phone clip: the ladder and the tone mapping', async () => {
    const clip = await makeClip({
      seconds: 2,
      width: 1280,
      height: 720,
      outputOptions: [
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high10'],
        ...['-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020'],
        ...['-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc'],
      ],
    });
    const { code, stdout } = await probe(clip, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      accepted: boolean;
      source: { width: number; height: number; audio?: string };
      rungs: { name: string }[];
      notes: string[];
    };
    expect(report).toMatchObject({
      accepted: true,
      source: { width: 1280, height: 720, audio: 'aac' },
    });
    expect(report.rungs.map((r) => r.name)).toEqual(['720p', '480p', '360p', '240p', '144p']);
    expect(report.notes.join('\n')).toMatch(/HDR \(HLG.*tone-mapped to SDR BT\.709/);

    const text = await probe(clip, '--ladder', 'economy');
    expect(text.stdout).toMatch(
      /: accepted\n\s+source .*1280x720.*\n\s+ladder\s+720p 1280x720 \(≤2000 kbps\)/,
    );
  });

  it('says why it would refuse a file, exits 1, and touches nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-probe-'));
    const notes = join(dir, 'holiday.mp4');
    writeFileSync(notes, 'these are my holiday notes, not a video\n'.repeat(50));
    const { code, stdout } = await probe(notes);
    expect(code).toBe(1);
    expect(stdout).toMatch(/holiday\.mp4: refused \(INVALID_MEDIA\): /);
    expect(stdout).not.toMatch(/Invalid data|moov atom/);
  });
});
