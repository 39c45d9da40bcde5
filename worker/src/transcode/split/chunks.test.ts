import { describe, expect, it } from 'vitest';
import {
  chunkHlsTime,
  maxChunkSegments,
  parseRate,
  PIECE_MARGIN_SECONDS,
  pieceCut,
  planChunks,
  seekInPiece,
} from './chunks.ts';

const base = {
  frameRate: '25',
  frameStep: 1,
  segmentSeconds: 4,
  settings: { thresholdSeconds: 300, chunkSeconds: 60 },
};

describe('planChunks', () => {
  it('leaves a source up to the threshold to one Job', () => {
    expect(planChunks({ ...base, durationSeconds: 300 })).toBeUndefined();
    expect(planChunks({ ...base, durationSeconds: 301 })).toBeDefined();
  });

  it('cuts whole segments: a chunk length rounded to the segment, a short tail joined to the chunk before', () => {
    const plan = planChunks({
      ...base,
      durationSeconds: 3601,
      settings: { thresholdSeconds: 300, chunkSeconds: 62 },
    })!;
    expect(plan.chunkSeconds).toBe(64);
    // 56 x 64 s = 3584 s, then a 17 s tail: a chunk of its own (longer than a segment).
    expect(plan.chunks).toHaveLength(57);
    expect(plan.chunks.at(-1)).toMatchObject({ startSeconds: 3584 });
    expect(plan.chunks.at(-1)!.endSeconds).toBeUndefined();
    const tail = planChunks({ ...base, durationSeconds: 362 })!; // 2 s past 360: joins chunk 5
    expect(tail.chunks.map((c) => [c.startSeconds, c.endSeconds])).toEqual([
      [0, 60],
      [60, 120],
      [120, 180],
      [180, 240],
      [240, 300],
      [300, undefined],
    ]);
  });

  it('reads from a quarter frame before each chunk’s first frame to a quarter frame before the next one’s', () => {
    const [first, second, last] = planChunks({
      ...base,
      durationSeconds: 150,
      settings: { thresholdSeconds: 100, chunkSeconds: 60 },
    })!.chunks;
    // 25 fps: boundaries fall on frames.
    expect(first).toEqual({
      index: 0,
      startSeconds: 0,
      endSeconds: 60,
      seekSeconds: 0,
      readSeconds: 59.99,
      keyOffsetSeconds: 0,
    });
    expect(second).toEqual({
      index: 1,
      startSeconds: 60,
      endSeconds: 120,
      seekSeconds: 59.99,
      readSeconds: 60,
      keyOffsetSeconds: 0,
    });
    expect(last).toEqual({ index: 2, startSeconds: 120, seekSeconds: 119.99, keyOffsetSeconds: 0 });
  });

  it('starts a chunk on a frame every rung keeps: NTSC rates and thinned rungs', () => {
    // 59.94 fps with a rung keeping every other frame: the first frame at or after 60 s is
    // 3597 (odd), so the chunk starts at 3598, 0.0267 s past its boundary.
    const [, second] = planChunks({
      ...base,
      durationSeconds: 400,
      frameRate: '60000/1001',
      frameStep: 2,
    })!.chunks;
    expect(second!.keyOffsetSeconds).toBeCloseTo(3598 / (60000 / 1001) - 60, 6);
    expect(second!.seekSeconds).toBeCloseTo(3597.75 / (60000 / 1001), 6);
  });

  it("gives a chunk's HLS muxer cuts that land between its keyframes, and keeps chunks short enough for that", () => {
    // 29.97 fps: the chunk from 32 s starts at frame 960 (32.032 s); its keyframes on its own
    // timeline are the frames at or past 4n - 0.032 s. Every cut n x hls_time must fall after
    // keyframe n-1 and at or before keyframe n.
    const fps = 30000 / 1001;
    const plan = planChunks({
      ...base,
      frameRate: '30000/1001',
      durationSeconds: 3600,
      settings: { thresholdSeconds: 300, chunkSeconds: 3600 },
    })!;
    // 119 segments fit 29.97 fps (118 x 1 frame < 4 s - 1 frame); a chunk holds one fewer, for a tail.
    expect(maxChunkSegments(4, 1 / fps)).toBe(119);
    expect(plan.chunkSeconds).toBe(118 * 4);
    for (const window of plan.chunks) {
      const h = chunkHlsTime(window, 4);
      const key = (n: number) => Math.ceil((4 * n - window.keyOffsetSeconds) * fps - 1e-6) / fps;
      const count = Math.round(((window.endSeconds ?? 3600) - window.startSeconds) / 4);
      for (let n = 1; n <= count; n++) {
        expect(h * n).toBeLessThanOrEqual(key(n) + 1e-9);
        expect(h * n).toBeGreaterThan(key(n - 1));
      }
    }
    expect(chunkHlsTime(plan.chunks[0]!, 4)).toBe(4);
    expect(maxChunkSegments(4, 1)).toBe(3);
    expect(maxChunkSegments(4, 2 / 60)).toBe(119);
  });

  it('ramps up from a short first chunk, each no longer than a viewer who started at the first one’s end can wait for', () => {
    const plan = planChunks({
      ...base,
      durationSeconds: 600,
      settings: { thresholdSeconds: 300, chunkSeconds: 60, firstChunkSeconds: 8 },
    })!;
    const lengths = plan.chunks.map((c) => (c.endSeconds ?? 600) - c.startSeconds);
    expect(lengths).toEqual([8, 12, 16, 24, 36, 56, 60, 60, 60, 60, 60, 60, 60, 28]);
    expect(plan.chunkSeconds).toBe(60);
    // Every chunk started at once and encoded at 2 s per second of source ends in time for a
    // viewer who started when the first one ended, playing at 1x.
    for (const c of plan.chunks) {
      const length = (c.endSeconds ?? 600) - c.startSeconds;
      expect(2 * length).toBeLessThanOrEqual(2 * 8 + c.startSeconds);
    }
    // No ramp asked for, or a chunk length under the first's: every chunk as long.
    const flat = planChunks({ ...base, durationSeconds: 600 })!;
    expect(new Set(flat.chunks.slice(0, -1).map((c) => c.endSeconds! - c.startSeconds))).toEqual(
      new Set([60]),
    );
  });

  it('reads frame rates as ffmpeg writes them', () => {
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 3);
    expect(parseRate('25')).toBe(25);
    expect(() => parseRate('0/0')).toThrow(/frame rate/);
  });
});

describe('pieces of the source', () => {
  const plan = planChunks({ ...base, durationSeconds: 400 })!;
  const [first, middle, last] = [plan.chunks[0]!, plan.chunks[1]!, plan.chunks.at(-1)!];
  const facts = {
    sourceStartSeconds: 0,
    startsOnKeyframe: true,
    sourceEndSeconds: 400,
    frameSeconds: 0.04,
  };

  it('cuts from the chunk’s seek point to the margin past its last frame; the last to the end', () => {
    expect(pieceCut(middle)).toEqual({
      seekSeconds: middle.seekSeconds,
      readSeconds: middle.readSeconds! + PIECE_MARGIN_SECONDS,
    });
    expect(pieceCut(last)).toEqual({ seekSeconds: last.seekSeconds });
  });

  it('seeks in a piece as far past its keyframe as the chunk’s first frame lies, counting from the source’s start', () => {
    // Chunk 1 seeks to 59.99 s; its piece starts at the keyframe at 58 s.
    expect(middle.seekSeconds).toBe(59.99);
    expect(seekInPiece(middle, { ...facts, startSeconds: 58, endSeconds: 125 })).toEqual({
      ok: true,
      seekSeconds: 1.99,
    });
    // A source starting at 1.4 s (a transport stream): -ss counts from there in both files.
    expect(
      seekInPiece(middle, {
        ...facts,
        sourceStartSeconds: 1.4,
        startSeconds: 59.4,
        endSeconds: 126,
      }),
    ).toEqual({ ok: true, seekSeconds: 1.99 });
    expect(seekInPiece(first, { ...facts, startSeconds: 0, endSeconds: 62 })).toEqual({
      ok: true,
      seekSeconds: 0,
    });
  });

  it('refuses a piece that does not hold the chunk’s frames from a keyframe, or keeps the timeline only by luck', () => {
    const refused = (f: Parameters<typeof seekInPiece>[1], window = middle) =>
      (seekInPiece(window, f) as { reason?: string }).reason;
    expect(
      refused({ ...facts, startsOnKeyframe: false, startSeconds: 58, endSeconds: 125 }),
    ).toMatch(/keyframe/);
    // Starts after the chunk's seek point (ffmpeg's seek in a file without an index).
    expect(refused({ ...facts, startSeconds: 59.99, endSeconds: 125 })).toMatch(/not before/);
    // Ends before the chunk's last frame.
    expect(refused({ ...facts, startSeconds: 58, endSeconds: 119.9 })).toMatch(/before the chunk/);
    // The first chunk's piece starts with its video; the source's audio started earlier, so
    // the piece's timeline would start later than the source's.
    expect(refused({ ...facts, startSeconds: 0.05, endSeconds: 62 }, first)).toMatch(/not before/);
    // The last chunk's piece holds a frame past the source's last one (hidden by its edit list).
    expect(refused({ ...facts, startSeconds: 358, endSeconds: 400.04 }, last)).toMatch(
      /past the source/,
    );
    expect(seekInPiece(last, { ...facts, startSeconds: 358, endSeconds: 400.01 }).ok).toBe(true);
  });
});
