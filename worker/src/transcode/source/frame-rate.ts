/**
 * The frame rate of a video stream, decided from what the container claims and what the
 * packets show. Containers are often wrong: Matroska and FLV without per-frame default
 * durations report the time base (1000/1) as the average rate; B-frame reordering makes
 * ffprobe's `r_frame_rate` twice the real rate for Matroska (60 for 30 fps); phones record a
 * variable rate. Pure: numbers in, a decision and its reason out.
 */
export interface FrameRateEvidence {
  /** ffprobe's `avg_frame_rate` (frames / duration as the container states them). */
  readonly average: number;
  /** ffprobe's `r_frame_rate` (the smallest rate that represents every timestamp). */
  readonly real: number;
  /** Presentation times of the stream's first packets, in seconds, in any order. */
  readonly packetTimes: readonly number[];
}

export interface FrameRateDecision {
  readonly fps: number;
  /** How the rate was chosen, for the job record when it is not the container's average. */
  readonly source: 'container' | 'packets';
  /** Frames in the sample are unevenly spaced (more than 1 in 10 off the nominal interval). */
  readonly variable: boolean;
  readonly note?: string;
}

/** Rates cameras, encoders and broadcast use; a measured rate this close is snapped to one. */
const COMMON_RATES = [
  1, 5, 6, 7.5, 8, 10, 12, 12.5, 15, 16, 20, 23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94, 60,
  90, 95.904, 96, 100, 119.88, 120, 144, 180, 239.76, 240,
];
const SNAP_TOLERANCE = 0.01;
/** The container's rate is taken when it is this close to what the packets show. */
const AGREEMENT = 0.03;
/** Fewer distinct frame intervals than this is too little to measure from. */
const MIN_INTERVALS = 4;

export function decideFrameRate(evidence: FrameRateEvidence): FrameRateDecision {
  const measured = measureFromPackets(evidence.packetTimes);
  const plausible = (r: number) => Number.isFinite(r) && r > 0 && r <= 1000;
  if (!measured) {
    // Too few packets to measure (a still, a one-second clip): the container's word.
    const fps = plausible(evidence.average) ? evidence.average : evidence.real;
    return { fps: plausible(fps) ? fps : 0, source: 'container', variable: false };
  }
  const agrees = (r: number) =>
    plausible(r) && Math.abs(r - measured.fps) / measured.fps <= AGREEMENT;
  if (agrees(evidence.average)) {
    return { fps: evidence.average, source: 'container', variable: measured.variable };
  }
  if (agrees(evidence.real)) {
    return {
      fps: evidence.real,
      source: 'container',
      variable: measured.variable,
      ...(plausible(evidence.average) && evidence.average > 0
        ? {
            note: `frame rate ${round(evidence.real)} fps (the container's average, ${round(evidence.average)} fps, disagrees with the packets)`,
          }
        : {}),
    };
  }
  return {
    fps: measured.fps,
    source: 'packets',
    variable: measured.variable,
    note: `frame rate ${round(measured.fps)} fps, measured from the packets (the container says ${round(evidence.average)} fps average, ${round(evidence.real)} fps base)`,
  };
}

/**
 * The nominal rate of a run of packets: the median interval between consecutive presentation
 * times (robust to dropped frames and to millisecond rounding), refined by the mean over the
 * whole run when the two agree, and snapped to a common rate when one is within 1%.
 */
export function measureFromPackets(
  times: readonly number[],
): { fps: number; variable: boolean } | undefined {
  const sorted = [...new Set(times.filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const intervals = sorted
    .slice(1)
    .map((t, i) => t - sorted[i]!)
    .filter((d) => d > 1e-6);
  if (intervals.length < MIN_INTERVALS) return undefined;
  const median = [...intervals].sort((a, b) => a - b)[Math.floor(intervals.length / 2)]!;
  const mean = (sorted.at(-1)! - sorted[0]!) / (sorted.length - 1);
  const interval = Math.abs(mean - median) / median <= 0.03 ? mean : median;
  const raw = 1 / interval;
  const nearest = COMMON_RATES.reduce((a, b) => (Math.abs(b - raw) < Math.abs(a - raw) ? b : a));
  const snapped = Math.abs(nearest - raw) / nearest <= SNAP_TOLERANCE ? nearest : undefined;
  const fps = snapped === undefined ? raw : exactRate(snapped);
  const off = intervals.filter((d) => Math.abs(d - median) / median > 0.25).length;
  return { fps, variable: off / intervals.length > 0.1 };
}

/** 29.97 means 30000/1001: keep the exact NTSC rates. */
function exactRate(rate: number): number {
  const ntsc = [24, 30, 48, 60, 96, 120, 240].find(
    (r) => Math.abs((r * 1000) / 1001 - rate) < 0.01,
  );
  return ntsc === undefined ? rate : (ntsc * 1000) / 1001;
}

function round(fps: number): string {
  return Number.isFinite(fps) ? String(Math.round(fps * 100) / 100) : 'no';
}
