/**
 * Splitting a long source across many Jobs (pure). A source longer than the threshold is cut
 * into chunks of whole HLS segments, so every chunk boundary is a segment boundary and a forced
 * keyframe in every rung. Each chunk is read from a frame-exact point: it starts at the first
 * frame at or after its boundary (rounded up to a frame every rung keeps, so a rung that keeps
 * every other frame keeps the same ones as a single pass), and ends where the next one starts.
 */

export interface ChunkSettings {
  /** Sources up to this long are transcoded by one Job. */
  readonly thresholdSeconds: number;
  /** Wanted chunk length; rounded to whole segments. */
  readonly chunkSeconds: number;
  /**
   * The first chunk's length (whole segments), from which the next ones ramp up to
   * `chunkSeconds` (rampedLength); absent or 0: every chunk as long.
   */
  readonly firstChunkSeconds?: number;
}

export const DEFAULT_CHUNKING: ChunkSettings = {
  thresholdSeconds: 300,
  chunkSeconds: 60,
  firstChunkSeconds: 8,
};

export interface ChunkWindow {
  readonly index: number;
  /** The chunk's part of the outputs' timeline: [start, end); the last one ends with the source. */
  readonly startSeconds: number;
  readonly endSeconds?: number;
  /** Where ffmpeg seeks (input -ss): a quarter frame before the chunk's first frame. */
  readonly seekSeconds: number;
  /** How much ffmpeg reads from there (input -t), to a quarter frame before the next chunk's first frame. */
  readonly readSeconds?: number;
  /**
   * The chunk's first frame lies this far past its boundary (under a frame, or under the largest
   * frame step): keyframes forced relative to that frame are moved back by it.
   */
  readonly keyOffsetSeconds: number;
}

export interface ChunkPlan {
  readonly chunkSeconds: number;
  readonly chunks: readonly ChunkWindow[];
}

/** How many chunks, from the first, end by `seconds` on the outputs' timeline. */
export function chunksWithin(plan: ChunkPlan, seconds: number): number {
  let n = 0;
  for (const c of plan.chunks) {
    if (c.endSeconds === undefined || c.endSeconds > seconds + 1e-6) break;
    n++;
  }
  return n;
}

/**
 * The chunks of a source, or undefined when one Job should do it all. `frameRate` is the rate
 * the outputs have (ffmpeg's `fps=` expression: `30000/1001`, `25`); `frameStep` the largest
 * thinning of any rung (2 when a rung keeps every other frame).
 */
export function planChunks(p: {
  readonly durationSeconds: number;
  readonly frameRate: string;
  readonly frameStep: number;
  readonly segmentSeconds: number;
  readonly settings: ChunkSettings;
}): ChunkPlan | undefined {
  const { durationSeconds, segmentSeconds, settings } = p;
  if (!(durationSeconds > settings.thresholdSeconds)) return undefined;
  const fps = parseRate(p.frameRate);
  const step = Math.max(1, Math.round(p.frameStep));
  // At most this many segments (one more for a last chunk with a tail): see chunkHlsTime.
  const segments = Math.max(1, maxChunkSegments(segmentSeconds, step / fps) - 1);
  const length =
    Math.min(segments, Math.max(1, Math.round(settings.chunkSeconds / segmentSeconds))) *
    segmentSeconds;
  const starts: number[] = [];
  const first = Math.round((settings.firstChunkSeconds ?? 0) / segmentSeconds) * segmentSeconds;
  for (let s = 0; s < durationSeconds;) {
    starts.push(s);
    s += first > 0 ? rampedLength(starts.length - 1, s, length, first, segmentSeconds) : length;
  }
  // A tail shorter than a segment joins the chunk before it.
  if (starts.length > 1 && durationSeconds - starts.at(-1)! < segmentSeconds) starts.pop();
  if (starts.length < 2) return undefined;
  // The first frame at or after t that every rung keeps.
  const firstFrame = (t: number) => Math.ceil(Math.ceil(t * fps - 1e-6) / step) * step;
  const chunks = starts.map((start, index): ChunkWindow => {
    const last = index === starts.length - 1;
    const first = firstFrame(start);
    const seek = index === 0 ? 0 : (first - 0.25) / fps;
    const end = last ? undefined : starts[index + 1]!;
    return {
      index,
      startSeconds: start,
      ...(end === undefined ? {} : { endSeconds: end }),
      seekSeconds: round6(seek),
      ...(end === undefined ? {} : { readSeconds: round6((firstFrame(end) - 0.25) / fps - seek) }),
      keyOffsetSeconds: round6(first / fps - start),
    };
  });
  return { chunkSeconds: length, chunks };
}

/**
 * How the first chunks ramp up to the chunk length, so that a split job plays soon and without a
 * stall. The first chunk is short (firstChunkSeconds): its Job ends first, and the job is
 * playable then (publish.ts). With every chunk started at once, chunk i ends at its length times
 * the encode's pace; a viewer who started at the first chunk's end reaches chunk i after the
 * first chunk's time plus the seconds before chunk i. So chunk i may last at most the first's
 * length plus those seconds over the pace (PACE: a pessimistic 2 s of encode per second of
 * source, about 1.4 measured for the example pod's 1080p ladder), in whole segments, up to the
 * chunk length. With 4 s segments and 60 s chunks: 8, 12, 16, 24, 36, 56, then 60 s.
 */
const PACE = 2;

function rampedLength(
  index: number,
  start: number,
  length: number,
  firstSeconds: number,
  segment: number,
): number {
  const first = Math.min(length, Math.max(segment, firstSeconds));
  if (index === 0) return first;
  const most = Math.floor((first + start / PACE) / segment + 1e-9) * segment;
  return Math.min(length, Math.max(segment, most));
}

/**
 * The `hls_time` of a chunk's run. ffmpeg's HLS muxer cuts a segment at the first keyframe at
 * or past n × hls_time, counted from the run's first frame; a chunk's first frame lies
 * keyOffsetSeconds past its boundary, so on its own timeline its keyframes (on the whole
 * source's grid) come that much before n whole segments. With hls_time = segment - offset the
 * n-th cut lies at or before the n-th keyframe, and after the one before it while
 * (n - 1) × offset stays under a segment less a frame: planChunks keeps chunks that short.
 */
export function chunkHlsTime(window: ChunkWindow, segmentSeconds: number): number {
  return round6(segmentSeconds - window.keyOffsetSeconds);
}

/**
 * The most segments a chunk can hold for chunkHlsTime's cuts to land between its keyframes,
 * `frameSeconds` apart at most (the key offset is under that): (n - 1) × frame < segment - frame.
 */
export function maxChunkSegments(segmentSeconds: number, frameSeconds: number): number {
  return 1 + Math.max(0, Math.floor((segmentSeconds - frameSeconds) / frameSeconds - 1e-9));
}

/**
 * The poster's time on a chunk's own timeline, or false when its frame (at `posterSeconds`
 * into the video) lies in another chunk.
 */
export function posterInChunk(window: ChunkWindow, posterSeconds: number): number | false {
  const inside =
    posterSeconds >= window.startSeconds &&
    (window.endSeconds === undefined || posterSeconds < window.endSeconds);
  return inside ? Math.max(0, posterSeconds - window.seekSeconds) : false;
}

/**
 * A chunk's piece: the part of the source it reads, stream-copied (no re-encode) by the Job that
 * plans the split, so a chunk's Job downloads that instead of the whole source. It starts at the
 * keyframe at or before the chunk's seek point (where ffmpeg's copy starts) and runs this far
 * past the chunk's last frame: frames stored out of order (B-frames) near the end are in it.
 */
export const PIECE_MARGIN_SECONDS = 2;

/** Where a piece is cut from the source: input `-ss`, and `-t` (none: to the end). */
export function pieceCut(window: ChunkWindow): {
  readonly seekSeconds: number;
  readonly readSeconds?: number;
} {
  return {
    seekSeconds: window.seekSeconds,
    ...(window.readSeconds === undefined
      ? {}
      : { readSeconds: round6(window.readSeconds + PIECE_MARGIN_SECONDS) }),
  };
}

/** What ffprobe says of a cut piece, on the source's timeline (the copy keeps timestamps). */
export interface PieceFacts {
  /** The source's start time (ffmpeg's format start_time): input -ss counts from it. */
  readonly sourceStartSeconds: number;
  /** The piece's start and end times. */
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly startsOnKeyframe: boolean;
  /**
   * Where the source's video ends (the last frame it shows, on its timeline) and how long a
   * frame lasts: a last chunk's piece must not run past it by half a frame (a stream copy keeps
   * frames the source's edit list hides at its end).
   */
  readonly sourceEndSeconds: number;
  readonly frameSeconds: number;
}

/**
 * Where a chunk seeks in its piece so that it reads exactly the frames it reads in the source,
 * with the same timestamps (input -ss counts from a file's start, which for the piece is its
 * first keyframe), or why the piece cannot stand in for the source: the chunk then reads the
 * whole source, as before.
 */
export function seekInPiece(
  window: ChunkWindow,
  facts: PieceFacts,
):
  | { readonly ok: true; readonly seekSeconds: number }
  | { readonly ok: false; readonly reason: string } {
  if (!facts.startsOnKeyframe)
    return { ok: false, reason: 'the piece does not start on a keyframe' };
  const seek = round6(window.seekSeconds + facts.sourceStartSeconds - facts.startSeconds);
  if (window.index === 0 ? Math.abs(seek) > 1e-6 : !(seek > 0)) {
    return {
      ok: false,
      reason: `the piece starts at ${facts.startSeconds} s, not before the chunk's first frame (source start ${facts.sourceStartSeconds} s, seek ${window.seekSeconds} s)`,
    };
  }
  if (window.readSeconds === undefined) {
    if (facts.endSeconds > facts.sourceEndSeconds + facts.frameSeconds / 2) {
      return {
        ok: false,
        reason: `the piece ends at ${facts.endSeconds} s, past the source's last frame (${facts.sourceEndSeconds} s)`,
      };
    }
  } else {
    const needed = facts.sourceStartSeconds + window.seekSeconds + window.readSeconds;
    if (facts.endSeconds < needed) {
      return {
        ok: false,
        reason: `the piece ends at ${facts.endSeconds} s, before the chunk's last frame (${round6(needed)} s)`,
      };
    }
  }
  return { ok: true, seekSeconds: window.index === 0 ? 0 : seek };
}

/** `30000/1001` or `25` -> frames per second. */
export function parseRate(expression: string): number {
  const [num, den] = expression.split('/');
  const value = Number(num) / Number(den ?? 1);
  if (!(value > 0)) throw new Error(`not a frame rate: ${expression}`);
  return value;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6 || 0; // never -0
}
