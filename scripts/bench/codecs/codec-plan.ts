import type { VideoCodec } from '../../../worker/src/contract/ladder-presets.ts';
import { av1Encoder, DEFAULT_SVT_AV1 } from '../../../worker/src/transcode/encode/video/av1.ts';
import type { VideoEncoder } from '../../../worker/src/transcode/encode/video/encoder.ts';
import { DEFAULT_X264, h264Encoder } from '../../../worker/src/transcode/encode/video/h264.ts';
import { DEFAULT_X265, hevcEncoder } from '../../../worker/src/transcode/encode/video/hevc.ts';
import { bdRate, type RatePoint } from '../quality/bd-rate.ts';

/**
 * What the codec comparison measures (pure): which encoders, at which CRFs, and how a curve
 * is read. The CRFs are on the ladder's scale (x264's, 0-51), mapped by each encoder as the
 * worker maps them (x265: + its offset; SVT-AV1: scale and offset), so the point at step 0 is
 * what the product encodes with today, in every codec.
 */

/** Steps around the preset's CRF: five points, a curve from well under to well over VMAF 93-95. */
export const CURVE_STEPS = [-6, -3, 0, 3, 6] as const;

/** The ladder CRFs of one curve around `ladderCrf` (x264's range, 1-51). */
export function curveCrfs(ladderCrf: number, steps: readonly number[] = CURVE_STEPS): number[] {
  return steps.map((s) => Math.min(51, Math.max(1, ladderCrf + s)));
}

/** One encoder under test: a codec at one preset, with the worker's CRF mapping and caps. */
export interface Contender {
  readonly codec: VideoCodec;
  /** `x265 medium`, `SVT-AV1 preset 9`: how the tables name it. */
  readonly label: string;
  readonly encoder: VideoEncoder;
  /** The worker's default for its codec (the others are the preset sweep). */
  readonly isDefault: boolean;
}

/** The worker's default encoder of each codec: the curves every source gets. */
export function defaultContenders(): Contender[] {
  return [
    contender('h264', `x264 ${DEFAULT_X264.preset}`, h264Encoder(), true),
    contender('hevc', `x265 ${DEFAULT_X265.preset}`, hevcEncoder(), true),
    contender('av1', `SVT-AV1 preset ${DEFAULT_SVT_AV1.preset}`, av1Encoder(), true),
  ];
}

/** SVT-AV1 presets and x265 presets beside the defaults, for the preset sweep. */
export const SWEEP = {
  svtAv1Presets: [8, 10, 12],
  x265Presets: ['faster'],
} as const;

export function sweepContenders(): Contender[] {
  return [
    ...SWEEP.x265Presets.map((preset) =>
      contender('hevc', `x265 ${preset}`, hevcEncoder({ ...DEFAULT_X265, preset }), false),
    ),
    ...SWEEP.svtAv1Presets.map((preset) =>
      contender(
        'av1',
        `SVT-AV1 preset ${preset}`,
        av1Encoder({ ...DEFAULT_SVT_AV1, preset }),
        false,
      ),
    ),
  ];
}

function contender(
  codec: VideoCodec,
  label: string,
  encoder: VideoEncoder,
  isDefault: boolean,
): Contender {
  return { codec, label, encoder, isDefault };
}

/** A measured curve: a contender's points in CRF order, with their CPU. */
export interface Curve {
  readonly label: string;
  readonly codec: VideoCodec;
  readonly points: readonly (RatePoint & { readonly crf: number; readonly cpuSeconds: number })[];
}

/**
 * BD-rate of `test` against `anchor` in percent, or the reason it has none (curves whose VMAF
 * ranges do not overlap): a table prints either.
 */
export function bdRateOrWhy(anchor: Curve, test: Curve): number | string {
  try {
    return Math.round(bdRate(anchor.points, test.points) * 10) / 10;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The ladder CRF at which a curve reaches `vmaf`, by linear interpolation between the two
 * points around it (their VMAF falls as the CRF rises); undefined outside the curve's range.
 * Where the anchor's default point sits gives each codec's equal-quality CRF: how far its
 * mapping should move to match x264's picture rather than its own.
 */
export function crfForVmaf(curve: Curve, vmaf: number): number | undefined {
  const points = [...curve.points].sort((a, b) => a.crf - b.crf);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const lo = Math.min(a.vmaf, b.vmaf);
    const hi = Math.max(a.vmaf, b.vmaf);
    if (vmaf < lo || vmaf > hi) continue;
    if (a.vmaf === b.vmaf) return a.crf;
    return Math.round((a.crf + ((vmaf - a.vmaf) / (b.vmaf - a.vmaf)) * (b.crf - a.crf)) * 10) / 10;
  }
  return undefined;
}

/** The mean CPU seconds of a curve's encodes: what one encode of that rung costs. */
export function meanCpu(curve: Curve): number {
  const sum = curve.points.reduce((s, p) => s + p.cpuSeconds, 0);
  return curve.points.length === 0 ? 0 : sum / curve.points.length;
}

/** Targets of issue 28, printed beside the figures (never asserted). */
export const TARGETS = {
  /** BD-rate against x264 on camera content, percent (AV1 at most half the bits). */
  av1CameraBdRate: -50,
  hevcCameraBdRate: -35,
  /** The whole ladder's CPU in AV1 over H.264's. */
  av1LadderCpu: 3,
} as const;
