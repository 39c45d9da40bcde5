import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../worker/src/contract/message.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { makeClip, type ClipSpec } from '../support/clips.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';

const run = promisify(execFile);

/**
 * The picture path on sources as cameras and broadcasters make them: HDR (HLG, PQ) tone-mapped
 * to SDR, interlaced video deinterlaced, SD BT.601 and full-range video converted, and every
 * output tagged SDR BT.709 in the stream and the container. Clips are generated in the run.
 */
const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });
const request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'> = {
  ladder: 'standard',
  formats: ['hls', 'mp4'],
  thumbnails: false,
};

const tagged = (transfer: string, primaries = 'bt2020', matrix = 'bt2020nc') => [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-profile:v',
  'high10',
  '-pix_fmt',
  'yuv420p10le',
  '-color_primaries',
  primaries,
  '-color_trc',
  transfer,
  '-colorspace',
  matrix,
];

async function transcode(clip: ClipSpec) {
  const sourcePath = await makeClip(clip);
  const outDir = mkdtempSync(join(tmpdir(), 'kt-picture-'));
  const result = await transcoder.transcode({
    sourcePath,
    outDir,
    request,
    signal: AbortSignal.timeout(120_000),
  });
  // Every playlist as strict players read it (RFC 8216, hls-parser in strict mode).
  if (result.masterPlaylist)
    expect(strictHlsProblems(join(outDir, result.masterPlaylist))).toEqual([]);
  return { result, outDir };
}

/** What a player reads of a file's first video stream: colour tags, depth, field order. */
async function videoTags(file: string) {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=pix_fmt,color_range,color_space,color_transfer,color_primaries,field_order',
    '-of',
    'json',
    file,
  ]);
  return (JSON.parse(stdout) as { streams: Record<string, string>[] }).streams[0]!;
}

const SDR_709 = {
  pix_fmt: 'yuv420p',
  color_range: 'tv',
  color_space: 'bt709',
  color_transfer: 'bt709',
  color_primaries: 'bt709',
};

describe('the picture path', () => {
  it.each([
    ['HLG', 'arib-std-b67', /HDR \(HLG, ARIB STD-B67, bt2020\): tone-mapped to SDR BT\.709/],
    ['PQ (HDR10)', 'smpte2084', /HDR \(PQ, SMPTE ST 2084, bt2020\): tone-mapped to SDR BT\.709/],
  ])('tone-maps %s 10-bit video to SDR BT.709, 8-bit, tagged', async (_name, transfer, note) => {
    const { result, outDir } = await transcode({
      seconds: 3,
      width: 640,
      height: 360,
      outputOptions: tagged(transfer),
    });
    expect(result.source.notes.join('\n')).toMatch(note);
    for (const r of result.renditions) {
      expect(await videoTags(join(outDir, r.mp4!.key)), r.name).toMatchObject({
        ...SDR_709,
        field_order: 'progressive',
      });
      // The init segment holds no frame: its colr box and the SPS say what the segments hold.
      const { pix_fmt: _depth, ...tags } = SDR_709;
      expect(await videoTags(join(outDir, 'hls', r.name, 'init.mp4')), r.name).toMatchObject(tags);
    }
  });

  it('deinterlaces an interlaced source once, before the split: every rung is progressive', async () => {
    const { result, outDir } = await transcode({
      seconds: 3,
      width: 720,
      height: 576,
      // 50 pictures a second woven into 25 interlaced frames, as a broadcast camera makes them.
      video: 'testsrc2=size=720x576:rate=50:duration=3,tinterlace=mode=interleave_top,setfield=tff',
      outputOptions: [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-flags',
        '+ildct+ilme',
        '-x264-params',
        'interlaced=1:tff=1',
        '-pix_fmt',
        'yuv420p',
      ],
    });
    expect(result.source.notes.join('\n')).toMatch(
      /interlaced \(top field first\): deinterlaced with bwdif/,
    );
    const top = join(outDir, result.renditions[0]!.mp4!.key);
    expect(await videoTags(top)).toMatchObject({ ...SDR_709, field_order: 'progressive' });
    // ffmpeg's own interlace detector, on the pictures: no combing left (the machine's ffmpeg
    // measures; the product's has no encoder for the null muxer).
    const { stderr } = await run('ffmpeg', ['-i', top, '-an', '-vf', 'idet', '-f', 'null', '-']);
    const counts = /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)/.exec(
      stderr,
    );
    expect(counts).not.toBeNull();
    const [tff, bff, progressive] = counts!.slice(1).map(Number) as [number, number, number];
    expect(progressive).toBeGreaterThan(10 * (tff + bff));
  });

  it('finds interlacing the stream does not declare (a capture re-wrapped as progressive)', async () => {
    const { result, outDir } = await transcode({
      seconds: 3,
      width: 720,
      height: 576,
      // Woven fields, encoded as progressive frames: the flag says progressive, the picture combs.
      video:
        'testsrc2=size=720x576:rate=50:duration=3,tinterlace=mode=interleave_top,setfield=prog',
    });
    expect(result.source.notes.join('\n')).toMatch(
      /interlaced \(top field first, found by idet in \d+ of \d+ sampled frames; the stream does not say so\): deinterlaced with bwdif/,
    );
    const top = join(outDir, result.renditions[0]!.mp4!.key);
    const { stderr } = await run('ffmpeg', ['-i', top, '-an', '-vf', 'idet', '-f', 'null', '-']);
    const [tff, bff, progressive] =
      /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)/
        .exec(stderr)!
        .slice(1)
        .map(Number) as [number, number, number];
    expect(progressive).toBeGreaterThan(10 * (tff + bff));
  });

  it('leaves progressive video in an interlaced format alone after sampling it', async () => {
    const { result } = await transcode({ seconds: 3, width: 720, height: 576 });
    expect(result.source.video.picture?.deinterlace).toBeUndefined();
    expect(result.source.notes.join('\n')).not.toMatch(/interlac/);
  });

  it('converts SD BT.601 and full-range video to BT.709 limited, and says so', async () => {
    const { result, outDir } = await transcode({
      seconds: 2,
      width: 640,
      height: 480,
      outputOptions: [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuvj420p',
        '-color_range',
        'pc',
        '-colorspace',
        'smpte170m',
        '-color_primaries',
        'smpte170m',
        '-color_trc',
        'smpte170m',
      ],
    });
    const notes = result.source.notes.join('\n');
    expect(notes).toMatch(/colours in smpte170m: converted to BT\.709/);
    expect(notes).toMatch(/full-range video: converted to limited range/);
    for (const r of result.renditions) {
      expect(await videoTags(join(outDir, r.mp4!.key)), r.name).toMatchObject(SDR_709);
    }
  });

  it('tags ordinary HD video BT.709 without converting it, and notes nothing', async () => {
    const { result, outDir } = await transcode({ seconds: 2, width: 1280, height: 720 });
    expect(result.source.notes).toEqual([]);
    expect(await videoTags(join(outDir, result.renditions[0]!.mp4!.key))).toMatchObject(SDR_709);
  });

  it('writes media playlists strict players accept: every rounded EXTINF within the target', async () => {
    // 2.5 s: one segment ffmpeg 5.1 would list under TARGETDURATION:2.
    const { result, outDir } = await transcode({ seconds: 2.5, width: 320, height: 240 });
    for (const r of result.renditions) {
      const text = readFileSync(join(outDir, r.hls!.playlist), 'utf8');
      const target = Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(text)![1]);
      const durations = [...text.matchAll(/^#EXTINF:([\d.]+),/gm)].map((m) => Number(m[1]));
      expect(durations.length, r.name).toBeGreaterThan(0);
      expect(target, r.name).toBeGreaterThanOrEqual(1);
      for (const d of durations) expect(Math.round(d), r.name).toBeLessThanOrEqual(target);
    }
    const master = readFileSync(join(outDir, result.masterPlaylist!), 'utf8');
    expect(master).toMatch(/VIDEO-RANGE=SDR/);
  });
});
