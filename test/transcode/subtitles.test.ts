import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../worker/src/contract/message.ts';
import { parseWebVtt } from '../../worker/src/transcode/package/webvtt.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import type { TranscodeInput } from '../../worker/src/transcode/inputs.ts';
import {
  CAPTION_CUES,
  cea608Captions,
  matroskaSubtitlesPastTheEnd,
  matroskaWithSubtitles,
  mp4WithMovText,
  SUBTITLE_CUES,
} from '../support/caption-clips.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';

const run = promisify(execFile);

/**
 * Subtitles and captions from sources as editors and broadcasters deliver them: text tracks
 * (SubRip, ASS, mov_text) and CEA-608 captions in the video become WebVTT, as sidecar files and
 * as HLS subtitle renditions that strict parsers accept; `"subtitles": "none"` turns it all off.
 */
const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });

async function transcode(sourcePath: string, request: Partial<TranscodeInput['request']> = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'kt-subs-'));
  const result = await transcoder.transcode({
    sourcePath,
    outDir,
    request: {
      ladder: [{ height: 240 }, { height: 144 }],
      formats: ['hls', 'mp4'],
      thumbnails: false,
      ...request,
    },
    signal: AbortSignal.timeout(120_000),
  });
  return { result, outDir };
}

const cues = (outDir: string, key: string) => parseWebVtt(readFileSync(join(outDir, key), 'utf8'));

/** Cues as the source has them, to a frame at 30 fps. */
function expectCues(
  actual: { start: number; end: number; text: string }[],
  expected: readonly { start: number; end: number; text: string }[],
) {
  expect(actual.map((c) => c.text)).toEqual(expected.map((c) => c.text));
  for (const [i, c] of actual.entries()) {
    expect(c.start).toBeCloseTo(expected[i]!.start, 1);
    expect(Math.abs(c.start - expected[i]!.start)).toBeLessThanOrEqual(0.034);
    expect(Math.abs(c.end - expected[i]!.end)).toBeLessThanOrEqual(0.034);
  }
}

/** The CEA-608 captions a file's video carries, read the way players decode them. */
async function captionsIn(file: string): Promise<string> {
  const { stdout } = await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `movie=${file.replace(/[\\:'[\],;]/g, '\\$&')}[out0+subcc]`,
    '-map',
    '0:1',
    '-f',
    'webvtt',
    '-',
  ]);
  return stdout;
}

describe('subtitles and captions', () => {
  it('turns SubRip and ASS tracks into WebVTT sidecars and HLS subtitle renditions', async () => {
    const { result, outDir } = await transcode(await matroskaWithSubtitles());
    const published = result.subtitles.published;
    expect(published.map((t) => [t.id, t.language, t.name, t.default, t.kind])).toEqual([
      ['s0', 'en', 'English (SDH)', true, 'subtitles'],
      ['s1', 'fr', 'French', false, 'subtitles'],
    ]);
    expectCues(cues(outDir, 'subtitles/s0.vtt'), SUBTITLE_CUES.english);
    // ASS styling is dropped, italics kept as WebVTT <i>.
    expect(cues(outDir, 'subtitles/s1.vtt').map((c) => c.text)).toEqual(['<i>Bonjour</i>']);

    const master = readFileSync(join(outDir, 'hls/master.m3u8'), 'utf8');
    expect(master).toContain(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English (SDH)",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subtitles/s0.m3u8"',
    );
    expect(master).toContain('LANGUAGE="fr",DEFAULT=NO');
    for (const line of master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'))) {
      expect(line).toContain('SUBTITLES="subs"');
      expect(line).toContain('CLOSED-CAPTIONS=NONE');
    }
    expect(strictHlsProblems(join(outDir, 'hls/master.m3u8'))).toEqual([]);
    // No captions in this video: nothing made of them, nothing said about them.
    expect(existsSync(join(outDir, 'subtitles/cc1.vtt'))).toBe(false);
    expect(result.warnings).toEqual([]);
  });

  it('transcodes a Matroska file whose subtitle track runs past its video (not "truncated")', async () => {
    const source = await matroskaSubtitlesPastTheEnd();
    const { result, outDir } = await transcode(source);
    expect(result.source.video.durationSeconds).toBeCloseTo(30, 1);
    expect(result.renditions[0]!.durationSeconds).toBeCloseTo(30, 0);
    expect(cues(outDir, 'subtitles/s0.vtt').map((c) => c.text)).toEqual([
      'Within the video',
      'After the video ends',
    ]);
    expect(strictHlsProblems(join(outDir, 'hls/master.m3u8'))).toEqual([]);
  });

  it('reads mov_text from an MP4', async () => {
    const { result, outDir } = await transcode(await mp4WithMovText(), { formats: ['mp4'] });
    expect(result.subtitles.published.map((t) => [t.id, t.language, t.name])).toEqual([
      ['s0', 'es', 'Spanish'],
    ]);
    expectCues(cues(outDir, 'subtitles/s0.vtt'), [
      { start: 1, end: 3, text: 'Hola desde mov_text' },
    ]);
    expect(existsSync(join(outDir, 'hls'))).toBe(false);
  });

  it.each([['hls', 'mp4'], ['hls']])(
    'turns CEA-608 captions in the video into WebVTT (formats %s)',
    async (...formats) => {
      const { result, outDir } = await transcode(await cea608Captions(), {
        formats: formats as JobRequest['formats'],
      });
      expect(result.subtitles.published.map((t) => [t.id, t.kind, t.name])).toEqual([
        ['cc1', 'captions', 'Captions (CC1)'],
      ]);
      expectCues(cues(outDir, 'subtitles/cc1.vtt'), CAPTION_CUES);
      const media = readFileSync(join(outDir, 'hls/subtitles/cc1.m3u8'), 'utf8');
      expect(media).toContain('../../subtitles/cc1.vtt');
      expect(strictHlsProblems(join(outDir, 'hls/master.m3u8'))).toEqual([]);
      expect(existsSync(join(outDir, '.captions-source.mp4'))).toBe(false);
      expect(result.files.every((f) => !f.relativeKey.startsWith('.'))).toBe(true);
    },
  );

  it('makes no subtitles, and carries no captions in the video, when the job says none', async () => {
    const { result, outDir } = await transcode(await cea608Captions(), { subtitles: 'none' });
    expect(result.subtitles.published).toEqual([]);
    expect(existsSync(join(outDir, 'subtitles'))).toBe(false);
    expect(readFileSync(join(outDir, 'hls/master.m3u8'), 'utf8')).not.toContain('SUBTITLES');
    expect(parseWebVtt(await captionsIn(join(outDir, 'mp4/240p.mp4')))).toEqual([]);
    // ...while by default the rungs keep the source's CEA-608 bytes (players with CC read them).
    const kept = await transcode(await cea608Captions(), { formats: ['mp4'] });
    expect(parseWebVtt(await captionsIn(join(kept.outDir, 'mp4/240p.mp4'))).length).toBe(2);
  });
});
