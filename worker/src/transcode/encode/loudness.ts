/**
 * Loudness normalization to a target in LUFS (EBU R128 / ITU-R BS.1770), two-pass as ffmpeg's
 * loudnorm filter is meant to run: a first pass over the source's audio measures its integrated
 * loudness, loudness range and true peak; the ladder's one audio decode then applies a single
 * gain (linear mode) computed from those figures, so the programme's dynamics are kept, unless
 * the gain would push the true peak over its ceiling, when loudnorm compresses instead. Pure:
 * filters out, loudnorm's report in.
 */

export interface LoudnessTarget {
  /** Integrated loudness, LUFS: -23 broadcast (EBU R128), -16 to -14 streaming. */
  readonly targetLufs: number;
  /** True-peak ceiling, dBTP. */
  readonly truePeakDb: number;
}

/** What the first pass measured. */
export interface LoudnessMeasurement {
  readonly integratedLufs: number;
  readonly truePeakDb: number;
  readonly rangeLu: number;
  readonly thresholdLufs: number;
  readonly targetOffsetLu: number;
}

/** The loudness range loudnorm is given; wide enough that linear mode is the rule. */
const TARGET_RANGE_LU = 20;

/** The first pass: measure, print loudnorm's report as JSON. */
export function loudnessAnalysisFilter(target: LoudnessTarget): string {
  return `loudnorm=I=${num(target.targetLufs)}:TP=${num(target.truePeakDb)}:LRA=${TARGET_RANGE_LU}:print_format=json`;
}

/**
 * loudnorm's report from the first pass's log (the last JSON object it printed); undefined
 * when there is none or the audio is silent (its loudness is -inf: nothing to normalize).
 */
export function parseLoudnessReport(log: string): LoudnessMeasurement | undefined {
  const start = log.lastIndexOf('{');
  const end = log.indexOf('}', start);
  if (start < 0 || end < 0) return undefined;
  let json: Record<string, string>;
  try {
    json = JSON.parse(log.slice(start, end + 1)) as Record<string, string>;
  } catch {
    return undefined;
  }
  const m = {
    integratedLufs: Number(json.input_i),
    truePeakDb: Number(json.input_tp),
    rangeLu: Number(json.input_lra),
    thresholdLufs: Number(json.input_thresh),
    targetOffsetLu: Number(json.target_offset),
  };
  return Object.values(m).every(Number.isFinite) && m.integratedLufs > -70 ? m : undefined;
}

/**
 * The second pass, in the ladder: the measured figures given back, linear gain, and the sample
 * rate restored (loudnorm works, and outputs, at 192 kHz for its true-peak detection).
 */
export function loudnessFilter(
  target: LoudnessTarget,
  measured: LoudnessMeasurement,
  sampleRate: number,
): string {
  return (
    `loudnorm=I=${num(target.targetLufs)}:TP=${num(target.truePeakDb)}:LRA=${TARGET_RANGE_LU}` +
    `:measured_I=${num(measured.integratedLufs)}:measured_TP=${num(measured.truePeakDb)}` +
    `:measured_LRA=${num(measured.rangeLu)}:measured_thresh=${num(measured.thresholdLufs)}` +
    `:offset=${num(measured.targetOffsetLu)}:linear=true,aresample=${sampleRate}`
  );
}

function num(n: number): string {
  return Number(n.toFixed(2)).toString();
}
