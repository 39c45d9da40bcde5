import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodedFrames, qualityAgainstSource } from '../../scripts/corpus/measure.ts';
import type { JobRequest } from '../../worker/src/contract/message.ts';
import { fpsExpression } from '../../worker/src/transcode/ffmpeg/expressions.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import { PIECE_MARGIN_SECONDS, type ChunkPlan } from '../../worker/src/transcode/split/chunks.ts';
import type { PieceOutcome } from '../../worker/src/transcode/split/pieces.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import { makeClip } from '../support/clips.ts';
import { runSplitJob } from '../support/transcoder.ts';
import { readDash } from '../support/dash-check.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { audioDigest, frameCount, keyframeTimes } from '../support/media.ts';
import { PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';

const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });
const signal = new AbortController().signal;

/**
 * A long source split across Jobs must publish what one Job publishes. Each part runs as its
 * own Job would, in its own directory (chunks one after another here, as pods would run them at
 * once), and the stitched outputs are compared with a single run's, rung by rung.
 */
describe.each([
  { name: '29.97 fps camera-like footage', fps: 30000 / 1001, seconds: 41, audioDelay: 0 },
  {
    name: '60 fps (small rungs keep every other frame), the audio 43.7 ms late',
    fps: 60,
    seconds: 26,
    audioDelay: 0.0437,
  },
])('a source cut into chunks: $name', ({ fps, seconds, audioDelay }) => {
  const request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'> = {
    ladder: [{ height: 720 }, { height: 360 }, { height: 144 }],
    formats: ['hls', 'mp4'],
    thumbnails: { intervalSeconds: 3 },
  };
  let source: string;
  let single: TranscodeResult;
  let singleDir: string;
  let chunked: TranscodeResult;
  let chunkedDir: string;
  let chunkCount = 0;
  let pieces: readonly PieceOutcome[] = [];
  let audioPiece: Awaited<ReturnType<Transcoder['cutAudioPiece']>>;
  let plan: ChunkPlan;
  let piecesDir: string;
  let sourceBytes = 0;

  beforeAll(async () => {
    source = await makeClip({
      seconds,
      width: 1280,
      height: 720,
      fps,
      ...(audioDelay ? { audioDelaySeconds: audioDelay } : {}),
      // Noise on a moving pattern: every frame differs, as camera footage does.
      video: `testsrc2=size=1280x720:rate=${fpsExpression(fps)}:duration=${seconds},noise=alls=10:allf=t+u[out0]`,
    });
    singleDir = mkdtempSync(join(tmpdir(), 'single-'));
    single = await transcoder.transcode({ sourcePath: source, outDir: singleDir, request, signal });

    sourceBytes = statSync(source).size;
    const split = await runSplitJob(transcoder, {
      sourcePath: source,
      request,
      settings: { thresholdSeconds: 10, chunkSeconds: 8 },
      root: mkdtempSync(join(tmpdir(), 'split-')),
      signal,
    });
    ({ plan, pieces, audioPiece, piecesDir } = split);
    chunkCount = plan.chunks.length;
    chunked = split.result;
    chunkedDir = split.outDir;
  }, 600_000);

  it('plans chunks of whole segments', () => {
    expect(chunkCount).toBe(Math.floor(seconds / 8) + (seconds % 8 >= 4 ? 1 : 0));
  });

  it('cuts each chunk a piece of the source that a chunk reads exactly as it reads the source', async () => {
    expect(pieces.map((p) => ('file' in p ? p.index : p.reason))).toEqual([
      ...Array(chunkCount).keys(),
    ]);
    // Each is its chunk's share of the source, plus at most a keyframe interval before it
    // (the copy starts at a keyframe) and the margin after it.
    const keys = await keyframeTimes(source);
    const interval = Math.max(...keys.slice(1).map((k, i) => k - keys[i]!));
    for (const [i, p] of pieces.entries()) {
      const share = (8 + interval + PIECE_MARGIN_SECONDS) / seconds;
      expect('file' in p && p.bytes / sourceBytes, `piece ${i}`).toBeLessThan(share);
    }
    // Every chunk reads the very frames, at the very times, from its piece as from the source
    // (the encodes themselves vary run to run: x264's threads).
    for (const [i, window] of plan.chunks.entries()) {
      const piece = pieces[i]!;
      if (!('file' in piece)) continue;
      const read = (file: string, seek: number) =>
        decodedFrames('ffmpeg', file, {
          seekSeconds: seek,
          ...(window.readSeconds === undefined ? {} : { readSeconds: window.readSeconds }),
        });
      const fromSource = await read(source, window.seekSeconds);
      expect(fromSource.length, `chunk ${i}`).toBeGreaterThan(0);
      expect(await read(join(piecesDir, piece.file), piece.seekSeconds), `chunk ${i}`).toEqual(
        fromSource,
      );
    }
  });

  it('has every rung, frame for frame, with keyframes and HLS segments where a single run puts them', async () => {
    expect(chunked.renditions.map((r) => r.name)).toEqual(single.renditions.map((r) => r.name));
    for (const [i, r] of chunked.renditions.entries()) {
      const one = single.renditions[i]!;
      const [a, b] = [join(singleDir, one.mp4!.key), join(chunkedDir, r.mp4!.key)];
      expect(await frameCount(b), `${r.name} frames`).toBe(await frameCount(a));
      expect(Math.abs(r.durationSeconds - one.durationSeconds)).toBeLessThanOrEqual(
        1 / fps + 0.001,
      );
      expect(await keyframeTimes(b), `${r.name} keyframes`).toEqual(await keyframeTimes(a));
      const segments = (dir: string, rendition: typeof r) =>
        parseMediaPlaylist(readFileSync(join(dir, rendition.hls!.playlist), 'utf8')).segments.map(
          (s) => s.durationSeconds,
        );
      expect(segments(chunkedDir, r)).toEqual(segments(singleDir, one));
    }
  });

  it('looks as good as a single run: PSNR of every rung within 0.3 dB of the single run’s', async () => {
    // Measured with Debian's ffmpeg (the image's has no psnr filter), as the benchmark does.
    for (const [i, r] of chunked.renditions.entries()) {
      const one = single.renditions[i]!;
      const rate = r.frameRate < fps - 0.01 ? fpsExpression(r.frameRate) : undefined;
      const score = (file: string) =>
        qualityAgainstSource('ffmpeg', file, source, 0, r, undefined, rate);
      const [a, b] = await Promise.all([
        score(join(singleDir, one.mp4!.key)),
        score(join(chunkedDir, r.mp4!.key)),
      ]);
      expect(
        Math.abs(b!.psnrY - a!.psnrY),
        `${r.name}: ${b!.psnrY} vs ${a!.psnrY} dB`,
      ).toBeLessThan(0.3);
    }
  });

  it('carries the same audio, byte for byte, in sync: encoded once for the whole source, from its piece', async () => {
    // The audio track alone, copied with its timing: a sliver of the source.
    expect(audioPiece).toMatchObject({ file: 'audio.mov' });
    if (!('file' in audioPiece)) return;
    expect(audioPiece.bytes).toBeLessThan(sourceBytes / 10);
    expect(audioPiece.offsetSeconds).toBeGreaterThan(audioDelay - 0.03);
    expect(readdirSync(piecesDir).filter((f) => f.startsWith('audio'))).toEqual(['audio.mov']);
    for (const [i, r] of chunked.renditions.entries()) {
      const one = single.renditions[i]!;
      expect(await audioDigest(join(chunkedDir, r.mp4!.key))).toBe(
        await audioDigest(join(singleDir, one.mp4!.key)),
      );
    }
    expect(chunked.audioRenditions.map((a) => [a.name, a.hls.segments])).toEqual(
      single.audioRenditions.map((a) => [a.name, a.hls.segments]),
    );
  });

  it('publishes the same tree: strict HLS, a DASH manifest over it, the same thumbnails and poster', () => {
    expect(strictHlsProblems(join(chunkedDir, chunked.masterPlaylist!))).toEqual([]);
    expect(readDash(join(chunkedDir, chunked.dashManifest!)).problems).toEqual([]);
    const keys = (r: TranscodeResult) => r.files.map((f) => f.relativeKey).sort();
    expect(keys(chunked)).toEqual(keys(single));
    expect(readFileSync(join(chunkedDir, 'thumbnails/thumbnails.vtt'), 'utf8')).toBe(
      readFileSync(join(singleDir, 'thumbnails/thumbnails.vtt'), 'utf8'),
    );
  });
});

describe("the audio's piece", () => {
  it('is refused when its copy decodes differently (Opus in Matroska), with the reason, and the audio reads the whole source', async () => {
    const source = await makeClip({
      seconds: 6,
      width: 320,
      height: 240,
      container: 'mkv',
      audioDelaySeconds: 0.0437,
      audioOptions: ['-c:a', 'libopus', '-b:a', '64k'],
    });
    const probed = await transcoder.probe(source, signal);
    expect(probed.audio?.codec).toBe('opus');
    const outDir = mkdtempSync(join(tmpdir(), 'audio-piece-'));
    const piece = await transcoder.cutAudioPiece({
      sourcePath: source,
      source: probed,
      outDir,
      signal,
    });
    // Matroska's Opus trims its start differently once copied: the frame hashes say so.
    expect('reason' in piece && piece.reason).toMatch(
      /^its copy decodes differently from the source \(line \d+ of their frame hashes\)$/,
    );
    // Nothing is left to upload: no copy, no hashes.
    expect(readdirSync(outDir)).toEqual([]);
    // The audio then reads the whole source, and is encoded all the same.
    const audioDir = mkdtempSync(join(tmpdir(), 'audio-'));
    const audio = await transcoder.encodeAudio({
      sourcePath: () => Promise.resolve(source),
      outDir: audioDir,
      request: { ladder: [{ height: 240 }], formats: ['mp4'], thumbnails: false },
      signal,
      probed,
    });
    expect(audio.audio).toBe('encoded');
    expect(readdirSync(join(audioDir, 'chunk')).filter((f) => f.endsWith('.m4a'))).not.toEqual([]);
  }, 120_000);
});
