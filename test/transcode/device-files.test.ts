import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodedTimeline, qualityAgainstSource } from '../../scripts/corpus/measure.ts';
import { EncryptedMediaError, InvalidMediaError } from '../../worker/src/base/errors.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import type { TranscodeInput } from '../../worker/src/transcode/inputs.ts';
import {
  cencEncrypted,
  editListCut,
  hlgEditListCut,
  fragmentedWithUnknownDuration,
  lateShortVideoTs,
  matroskaWithoutFrameDurations,
  undecodableAudio,
  undecodableVideo,
  videoBesideAStill,
} from '../support/device-clips.ts';
import { probeFile, videoPackets } from '../support/media.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { runSplitJob } from '../support/transcoder.ts';
import { PRODUCT_FFMPEG, PRODUCT_FFPROBE } from '../support/media-tools.ts';

/**
 * The ways real device and encoder files disagree with their own headers (issue 17), each
 * reproduced in a generated clip: the product must read what the streams hold, not what the
 * container claims, and compare its outputs with the source's decoded frames.
 */
const transcoder = new Transcoder({
  paths: { ffmpegPath: PRODUCT_FFMPEG, ffprobePath: PRODUCT_FFPROBE },
  limits: { maxDurationSeconds: 14_400, maxDimension: 8192, maxFrameRate: 120 },
});
const request: TranscodeInput['request'] = {
  ladder: [{ height: 360 }, { height: 144 }],
  formats: ['hls', 'mp4'],
  thumbnails: false,
};

async function transcode(source: string, over: Partial<TranscodeInput['request']> = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'kt-device-'));
  const result = await transcoder.transcode({
    sourcePath: source,
    outDir,
    request: { ...request, ...over },
    signal: AbortSignal.timeout(120_000),
  });
  // Every playlist as strict players read it (RFC 8216, hls-parser in strict mode).
  if (result.masterPlaylist)
    expect(strictHlsProblems(join(outDir, result.masterPlaylist))).toEqual([]);
  return { result, outDir, mp4: join(outDir, result.renditions[0]!.mp4!.key) };
}

/** The output's top rendition against the source's own decoded frames. */
async function compare(source: string, mp4: string, videoIndex: number, fps: number) {
  const [src, out] = await Promise.all([
    decodedTimeline('ffprobe', source, String(videoIndex)),
    decodedTimeline('ffprobe', mp4, 'v:0'),
  ]);
  return { src: src!, out: out!, frame: 1 / fps };
}

/** The top rendition's PSNR-Y/SSIM-Y against the frames a player presents of the source. */
async function quality(source: string, mp4: string, result: TranscodeResult) {
  const q = await qualityAgainstSource(
    'ffmpeg',
    mp4,
    source,
    result.source.video.index,
    result.renditions[0]!,
    result.source.video.picture,
  );
  return q!;
}

/**
 * The clip has the shape under test: the decoder starts at a sync sample the edit list hides,
 * and frames that are not sync samples lie between it and the edit's start (decoded, dropped).
 */
async function expectEditAfterNonSyncSample(source: string) {
  const packets = await videoPackets(source);
  expect(packets[0]!.flags).toMatch(/^K.*D/);
  expect(
    packets.filter((p) => p.flags.includes('D') && !p.flags.includes('K')).length,
  ).toBeGreaterThan(10);
}

describe('files whose containers misreport their streams', () => {
  it('reads 30 fps from a Matroska file whose container average says 500 fps', async () => {
    const source = await matroskaWithoutFrameDurations();
    const [symptom] = (await probeFile(source)).streams as unknown as { avg_frame_rate: string }[];
    const [n, d] = symptom!.avg_frame_rate.split('/').map(Number);
    expect(n! / d!).toBeGreaterThan(120); // the clip has the symptom

    const { result, mp4, outDir } = await transcode(source);
    expect(result.source.video.frameRate).toBe(30);
    expect(result.source.notes.join()).toMatch(/frame rate 30 fps .*500 fps/);
    const master = readFileSync(join(outDir, 'hls/master.m3u8'), 'utf8');
    expect(master).toMatch(/FRAME-RATE=30\.000/);
    const { src, out, frame } = await compare(source, mp4, result.source.video.index, 30);
    expect(Math.abs(out.frames - src.frames)).toBeLessThanOrEqual(1);
    expect(Math.abs(out.endSeconds - src.endSeconds)).toBeLessThanOrEqual(frame + 0.002);
  });

  it('finds the real length of a fragmented MP4 whose headers say "unknown" (143,166 s)', async () => {
    const source = await fragmentedWithUnknownDuration();
    expect(Number((await probeFile(source)).format.duration)).toBeGreaterThan(100_000);

    const { result, mp4 } = await transcode(source);
    expect(result.source.video.durationSeconds).toBeCloseTo(4, 1);
    expect(result.source.notes.join()).toMatch(/from the video packets/);
    const { src, out, frame } = await compare(source, mp4, 0, 30);
    expect(Math.abs(out.endSeconds - src.endSeconds)).toBeLessThanOrEqual(frame + 0.002);
  });

  it.each([
    { name: 'H.264', clip: () => editListCut() },
    { name: 'HLG in 10-bit HEVC, 2.77 s (issue 28)', clip: () => hlgEditListCut() },
  ])(
    'honours an edit list that starts between sync samples ($name): same first frame, length and sync',
    async ({ clip }) => {
      const source = await clip();
      await expectEditAfterNonSyncSample(source);
      const { result, mp4 } = await transcode(source);
      const fps = result.source.video.frameRate;
      const { src, out, frame } = await compare(source, mp4, result.source.video.index, fps);
      expect(out.firstSeconds).toBeCloseTo(src.firstSeconds, 2);
      expect(Math.abs(out.endSeconds - src.endSeconds)).toBeLessThanOrEqual(frame + 0.002);
      const [srcAudio, outAudio] = await Promise.all([
        decodedTimeline('ffprobe', source, 'a:0'),
        decodedTimeline('ffprobe', mp4, 'a:0'),
      ]);
      // A/V sync: the audio starts where it started against the video, within one AAC frame.
      expect(Math.abs(outAudio!.firstSeconds - srcAudio!.firstSeconds)).toBeLessThanOrEqual(0.024);
      // The picture matches the source frame for frame (a shift by one frame scores far lower).
      expect((await quality(source, mp4, result)).psnrY).toBeGreaterThan(35);
    },
  );

  it('splits an HLG source whose edit list starts between sync samples: the pieces, chunks and stitch keep the presented frames', async () => {
    const source = await hlgEditListCut(16);
    await expectEditAfterNonSyncSample(source);
    const split = await runSplitJob(transcoder, {
      sourcePath: source,
      request,
      settings: { thresholdSeconds: 10, chunkSeconds: 8 },
      root: mkdtempSync(join(tmpdir(), 'kt-device-split-')),
      signal: AbortSignal.timeout(300_000),
    });
    expect(split.plan.chunks).toHaveLength(2);
    // Both chunks read their stream-copied piece (the first one starts with the source's edit).
    expect(split.pieces.map((p) => ('file' in p ? p.index : p.reason))).toEqual([0, 1]);
    const { result } = split;
    const mp4 = join(split.outDir, result.renditions[0]!.mp4!.key);
    const fps = result.source.video.frameRate;
    const { src, out, frame } = await compare(source, mp4, result.source.video.index, fps);
    expect(out.firstSeconds).toBeCloseTo(src.firstSeconds, 2);
    expect(Math.abs(out.endSeconds - src.endSeconds)).toBeLessThanOrEqual(frame + 0.002);
    expect((await quality(source, mp4, result)).psnrY).toBeGreaterThan(35);
  });

  it('takes the video beside a larger one-frame still, and says it passed the still over', async () => {
    const source = await videoBesideAStill();
    const { result } = await transcode(source);
    expect(result.source.video).toMatchObject({ index: 1, width: 640, height: 480 });
    expect(result.source.video.durationSeconds).toBeCloseTo(4, 1);
    expect(result.source.notes.join()).toMatch(
      /video #0 h264: 1280x960, 1 frame beside the main video/,
    );
    expect(result.renditions.map((r) => r.name)).toEqual(['360p', '144p']);
  });
});

describe('audio that cannot be decoded', () => {
  it('goes on without it by default, and says so in the result', async () => {
    const source = await undecodableAudio();
    const { result, mp4 } = await transcode(source);
    expect(result.audio).toBe('undecodable');
    expect(result.warnings).toEqual([
      'the audio codec "fpcm" cannot be decoded; the outputs have no audio',
    ]);
    const streams = (await probeFile(mp4)).streams.map((s) => s.codec_type);
    expect(streams).toEqual(['video']);
    expect(result.renditions[0]!.codecs).not.toMatch(/mp4a/);
  });

  it('fails the job with the codec named when the job requires audio', async () => {
    const source = await undecodableAudio();
    const failure = transcode(source, { audio: 'required' });
    await expect(failure).rejects.toThrow(InvalidMediaError);
    await expect(failure).rejects.toThrow(
      'the audio codec "fpcm" cannot be decoded, and the job requires audio',
    );
  });

  it('leaves audio out when asked to', async () => {
    const { result, mp4 } = await transcode(await editListCut(), { audio: 'none' });
    expect(result.audio).toBe('omitted');
    expect((await probeFile(mp4)).streams.map((s) => s.codec_type)).toEqual(['video']);
  });
});

describe('sources that cannot be transcoded say why', () => {
  it('refuses a CENC-encrypted MP4 as encrypted, before ffmpeg decodes anything', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'kt-device-'));
    const failure = transcoder.transcode({
      sourcePath: await cencEncrypted(),
      outDir,
      request,
      signal: AbortSignal.timeout(60_000),
    });
    await expect(failure).rejects.toThrow(EncryptedMediaError);
    await expect(failure).rejects.toThrow(
      'the source is encrypted (DRM) (Common Encryption, cenc) and cannot be transcoded: upload the unencrypted master instead',
    );
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('refuses a bitstream no decoder can read with what the decoder said, not ffmpeg internals', async () => {
    const failure = transcode(await undecodableVideo());
    await expect(failure).rejects.toThrow(InvalidMediaError);
    await expect(failure).rejects.toThrow(/^the source cannot be decoded: .*h264/);
    await expect(failure).rejects.not.toThrow(/marking filters/);
  });
});

describe('what the record names exists', () => {
  it('makes the poster of a video that starts late and lasts 0.1 s', async () => {
    const source = await lateShortVideoTs();
    const { result, outDir } = await transcode(source, { thumbnails: { intervalSeconds: 1 } });
    expect(result.source.video.startSeconds).toBeGreaterThan(0.6);
    const named = [
      result.poster,
      ...(result.masterPlaylist ? [result.masterPlaylist] : []),
      ...result.files.map((f) => f.relativeKey),
      ...result.renditions
        .flatMap((r) => [r.mp4?.key, r.hls?.playlist])
        .filter((k) => k !== undefined),
    ];
    for (const key of named) {
      expect(existsSync(join(outDir, key)), key).toBe(true);
      expect(statSync(join(outDir, key)).size, key).toBeGreaterThan(0);
    }
  });
});
