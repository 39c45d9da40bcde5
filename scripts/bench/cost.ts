/**
 * What a source minute costs: on EKS Fargate from measured CPU seconds and the pod's size, and
 * on AWS Elemental MediaConvert for the same ladder. Pure arithmetic over one table of list
 * prices; the benchmark feeds it its measurements.
 */

/**
 * On-demand list prices, US East (N. Virginia), as published on aws.amazon.com/fargate/pricing
 * and aws.amazon.com/mediaconvert/pricing, recorded on the date below. Check them before
 * quoting: prices change, other regions differ, and savings plans and MediaConvert's monthly
 * volume bands lower both.
 */
export const PRICES = {
  recorded: '2026-11-21',
  region: 'us-east-1',
  fargate: {
    /** Linux/x86, per vCPU-hour and per GB-hour, billed per second with a one-minute minimum. */
    vcpuHour: 0.04048,
    gbHour: 0.004445,
    /** Ephemeral storage above the 20 GB every pod gets, per GB-hour. */
    storageGbHour: 0.000111,
    includedStorageGb: 20,
    minimumSeconds: 60,
  },
  mediaConvert: {
    /**
     * Basic tier (AVC, single pass, up to 30 fps), per minute of each output, first volume band:
     * SD below 720 lines, HD from 720 to 1080. Basic is the cheaper tier and covers this ladder.
     */
    basicSdPerOutputMinute: 0.0075,
    basicHdPerOutputMinute: 0.015,
    hdFromHeight: 720,
  },
} as const;

export interface PodSize {
  readonly vcpu: number;
  /** Billed memory (Fargate's size, after its 256 MiB and rounding). */
  readonly memoryGiB: number;
  /** Requested ephemeral storage. */
  readonly ephemeralGiB: number;
}

/** Dollars per hour for one Fargate pod of this size. */
export function fargatePodHourly(pod: PodSize): number {
  const f = PRICES.fargate;
  const extraStorage = Math.max(0, pod.ephemeralGiB - f.includedStorageGb);
  return pod.vcpu * f.vcpuHour + pod.memoryGiB * f.gbHour + extraStorage * f.storageGbHour;
}

export interface FargateMinuteCost {
  /** Pod seconds per source minute: CPU seconds spread over the pod's vCPUs at the measured efficiency. */
  readonly podSeconds: number;
  readonly dollars: number;
}

/**
 * The Fargate cost of one source minute for a long source (a job shorter than a minute pays the
 * one-minute minimum; see `fargateJobCost`). `efficiency` is the share of the pod's vCPUs the
 * work keeps busy (CPU seconds / (wall seconds x cores), as measured).
 */
export function fargateCostPerSourceMinute(
  cpuSecondsPerSourceMinute: number,
  pod: PodSize,
  efficiency: number,
): FargateMinuteCost {
  const podSeconds = cpuSecondsPerSourceMinute / (pod.vcpu * clampEfficiency(efficiency));
  return { podSeconds, dollars: (podSeconds / 3600) * fargatePodHourly(pod) };
}

/** One job's Fargate cost: pod seconds with the one-minute minimum applied. */
export function fargateJobCost(podSeconds: number, pod: PodSize): number {
  const billed = Math.max(PRICES.fargate.minimumSeconds, podSeconds);
  return (billed / 3600) * fargatePodHourly(pod);
}

/** MediaConvert's price for one source minute of a ladder: every rung in every format is an output. */
export function mediaConvertCostPerSourceMinute(
  rungHeights: readonly number[],
  formats: number,
): { readonly outputs: number; readonly hdOutputs: number; readonly dollars: number } {
  const m = PRICES.mediaConvert;
  const hd = rungHeights.filter((h) => h >= m.hdFromHeight).length * formats;
  const sd = rungHeights.length * formats - hd;
  return {
    outputs: hd + sd,
    hdOutputs: hd,
    dollars: hd * m.basicHdPerOutputMinute + sd * m.basicSdPerOutputMinute,
  };
}

function clampEfficiency(e: number): number {
  if (!Number.isFinite(e) || e <= 0) throw new Error(`efficiency must be positive, got ${e}`);
  return Math.min(1, e);
}
