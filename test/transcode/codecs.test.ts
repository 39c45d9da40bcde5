import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRequest } from '../../worker/src/contract/message.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { makeClip } from '../support/clips.ts';
import { readDash } from '../support/dash-check.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { keyframeTimes, probeFile } from '../support/media.ts';
import { ffmpegWithoutEncoder, PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';
import { runSplitJob } from '../support/transcoder.ts';

const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });
const signal = new AbortController().signal;

const request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails' | 'codecs'> = {
  ladder: [{ height: 360 }, { height: 240 }],
  formats: ['hls', 'mp4'],
  thumbnails: false,
  codecs: ['h264', 'hevc', 'av1'],
};

/** What ffprobe reads of an MP4's video: the codec, its sample entry, profile and level. */
async function videoOf(file: string) {
  const probe = await probeFile(file);
  return probe.streams.find((s) => s.codec_type === 'video')!;
}

/**
 * A ladder in every codec from one decode: H.264, HEVC (x265, hvc1) and AV1 (SVT-AV1) rungs of
 * the same pictures, on the same keyframes, in one HLS master (with the CODECS each needs), one
 * DASH adaptation set per codec, and MP4s named per codec; and the same from a split job.
 */
describe('a ladder in H.264, HEVC and AV1', () => {
  let single: TranscodeResult;
  let dir: string;
  let source: string;

  beforeAll(async () => {
    source = await makeClip({ seconds: 10, width: 640, height: 360 });
    dir = mkdtempSync(join(tmpdir(), 'codecs-'));
    single = await transcoder.transcode({ sourcePath: source, outDir: dir, request, signal });
  }, 300_000);

  it('writes each rung in each codec, named per codec, from the same pictures', async () => {
    expect(single.renditions.map((r) => [r.name, r.codec, `${r.width}x${r.height}`])).toEqual([
      ['360p', 'h264', '640x360'],
      ['240p', 'h264', '426x240'],
      ['360p-hevc', 'hevc', '640x360'],
      ['240p-hevc', 'hevc', '426x240'],
      ['360p-av1', 'av1', '640x360'],
      ['240p-av1', 'av1', '426x240'],
    ]);
    for (const r of single.renditions) {
      expect(r.mp4!.key).toBe(`mp4/${r.name}.mp4`);
      const video = await videoOf(join(dir, r.mp4!.key));
      expect(video, r.name).toMatchObject({
        codec_name: r.codec,
        width: r.width,
        height: r.height,
        pix_fmt: 'yuv420p',
      });
      if (r.codec === 'hevc') {
        // Safari plays HEVC only from an hvc1 sample entry (parameter sets out of band).
        expect(video).toMatchObject({ codec_tag_string: 'hvc1', profile: 'Main' });
      }
      if (r.codec === 'av1') expect(video).toMatchObject({ codec_tag_string: 'av01' });
    }
  });

  it('puts every codec’s keyframes, and so its segments, on the same instants', async () => {
    const grid = await keyframeTimes(join(dir, single.renditions[0]!.mp4!.key));
    expect(grid).toEqual([0, 4, 8]);
    for (const r of single.renditions) {
      expect(await keyframeTimes(join(dir, r.mp4!.key)), r.name).toEqual(grid);
      const segments = parseMediaPlaylist(
        readFileSync(join(dir, r.hls!.playlist), 'utf8'),
      ).segments.map((s) => s.durationSeconds);
      expect(segments, r.name).toEqual([4, 4, 2]);
    }
  });

  it('lists every variant in one strict HLS master with the CODECS its stream has', async () => {
    const master = readFileSync(join(dir, single.masterPlaylist!), 'utf8');
    expect(strictHlsProblems(join(dir, single.masterPlaylist!))).toEqual([]);
    for (const r of single.renditions) {
      const entry = new RegExp(`CODECS="([^"]+)"[^\\n]*\\n${r.name}/playlist\\.m3u8\\n`).exec(
        master,
      );
      expect(entry?.[1], r.name).toBe(r.codecs);
      // The level from ffprobe's own reading of the frames; the rest as these encoders write.
      const { level } = await videoOf(join(dir, r.mp4!.key));
      const expected = {
        h264: new RegExp(`^avc1\\.6400${level!.toString(16).padStart(2, '0')},mp4a\\.40\\.2$`),
        hevc: new RegExp(`^hvc1\\.1\\.6\\.L${level}\\.90,mp4a\\.40\\.2$`),
        av1: new RegExp(`^av01\\.0\\.${String(level).padStart(2, '0')}M\\.08,mp4a\\.40\\.2$`),
      }[r.codec];
      expect(r.codecs, r.name).toMatch(expected);
    }
    // Every codec's variants play with the same audio renditions.
    expect(new Set(single.renditions.map((r) => r.audio))).toEqual(
      new Set(single.audioRenditions.map((a) => a.name)),
    );
  });

  it('gives DASH one video adaptation set per codec over the same segments', () => {
    const mpd = readFileSync(join(dir, single.dashManifest!), 'utf8');
    const dash = readDash(join(dir, single.dashManifest!));
    expect(dash.problems).toEqual([]);
    const sets = [
      ...mpd.matchAll(/<AdaptationSet [^>]*contentType="video"[^>]*>([\s\S]*?)<\/AdaptationSet>/g),
    ];
    expect(sets.map((s) => [...s[1]!.matchAll(/codecs="(\w+)\./g)].map((m) => m[1]))).toEqual([
      ['avc1', 'avc1'],
      ['hvc1', 'hvc1'],
      ['av01', 'av01'],
    ]);
    const video = dash.tracks.filter((t) => t.contentType === 'video');
    expect(video.map((t) => t.id).sort()).toEqual(single.renditions.map((r) => r.name).sort());
    const timeline = (id: string) => video.find((t) => t.id === id)!.segments;
    for (const r of single.renditions) expect(timeline(r.name)).toEqual(timeline('360p'));
  });

  it('is the same from a split job: every codec’s rungs cut into chunks and stitched', async () => {
    const split = await runSplitJob(transcoder, {
      sourcePath: source,
      request,
      settings: { thresholdSeconds: 5, chunkSeconds: 4 },
      root: mkdtempSync(join(tmpdir(), 'codecs-split-')),
      signal,
    });
    expect(split.plan.chunks.length).toBeGreaterThan(1);
    const stitched = split.result;
    expect(stitched.renditions.map((r) => [r.name, r.codecs])).toEqual(
      single.renditions.map((r) => [r.name, r.codecs]),
    );
    for (const r of stitched.renditions) {
      const file = join(split.outDir, r.mp4!.key);
      expect(await keyframeTimes(file), r.name).toEqual([0, 4, 8]);
      expect((await videoOf(file)).codec_name).toBe(r.codec);
      expect(Math.abs(r.durationSeconds - 10)).toBeLessThan(0.05);
    }
    expect(strictHlsProblems(join(split.outDir, stitched.masterPlaylist!))).toEqual([]);
    expect(readDash(join(split.outDir, stitched.dashManifest!)).problems).toEqual([]);
  }, 300_000);
});

describe('a codec this worker’s ffmpeg cannot write', () => {
  it('is refused before anything runs, naming the codecs it can', async () => {
    // The same ffmpeg, built (as far as the worker can tell) without SVT-AV1.
    const wrapper = ffmpegWithoutEncoder('libsvtav1');
    const limited = new Transcoder({
      paths: { ...PRODUCT_PATHS, ffmpegPath: wrapper },
      limits: TEST_LIMITS,
    });
    await expect(limited.checkCodecs(['h264'])).resolves.toBeUndefined();
    await expect(limited.checkCodecs(['h264', 'av1'])).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
      message:
        "codecs: this worker's ffmpeg has no encoder for av1 (libsvtav1); the codecs available here are h264, hevc",
    });
    // The real one has them all (the image's too: CI runs this on its ffmpeg).
    await expect(transcoder.checkCodecs(['h264', 'hevc', 'av1'])).resolves.toBeUndefined();
  });
});
