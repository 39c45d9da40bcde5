/**
 * Fargate's pod sizes (Amazon EKS user guide, "Fargate Pod configuration"): Fargate adds 256 MiB
 * to the pod's memory request for kubelet, kube-proxy and containerd, then rounds up to the next
 * of these vCPU / memory combinations.
 */
const GIB = 1024;
export const FARGATE_OVERHEAD_MIB = 256;

interface Combination {
  readonly vcpu: number;
  readonly memoryGiB: readonly number[];
}

const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

export const FARGATE_COMBINATIONS: readonly Combination[] = [
  { vcpu: 0.25, memoryGiB: [0.5, 1, 2] },
  { vcpu: 0.5, memoryGiB: range(1, 4, 1) },
  { vcpu: 1, memoryGiB: range(2, 8, 1) },
  { vcpu: 2, memoryGiB: range(4, 16, 1) },
  { vcpu: 4, memoryGiB: range(8, 30, 1) },
  { vcpu: 8, memoryGiB: range(16, 60, 4) },
  { vcpu: 16, memoryGiB: range(32, 120, 8) },
];

/** Most ephemeral storage an EKS Fargate pod may request. */
export const FARGATE_MAX_EPHEMERAL_GIB = 175;

export interface FargateSize {
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** What the pod asked for, with Fargate's 256 MiB added. */
  readonly requestedMemoryMiB: number;
}

/**
 * The Fargate size a pod of `cpu` vCPU and `memoryMiB` is billed as. Throws, with what to ask
 * for instead, when the request is not a Fargate vCPU value, when Fargate's 256 MiB pushes the
 * memory past what that vCPU allows (Fargate would silently bill the next vCPU size), or when
 * nothing is large enough.
 */
export function fargateSize(cpu: number, memoryMiB: number, field = 'worker'): FargateSize {
  const combination = FARGATE_COMBINATIONS.find((c) => c.vcpu === cpu);
  if (!combination) {
    throw new Error(
      `${field}.cpu ${cpu} is not a Fargate vCPU size; use one of ${FARGATE_COMBINATIONS.map((c) => c.vcpu).join(', ')}`,
    );
  }
  const requestedMemoryMiB = memoryMiB + FARGATE_OVERHEAD_MIB;
  const fit = combination.memoryGiB.find((g) => g * GIB >= requestedMemoryMiB);
  const min = combination.memoryGiB[0]!;
  const max = combination.memoryGiB[combination.memoryGiB.length - 1]!;
  if (fit === undefined) {
    throw new Error(
      `${field}.memoryMiB ${memoryMiB} plus the ${FARGATE_OVERHEAD_MIB} MiB Fargate adds is ${requestedMemoryMiB} MiB, ` +
        `more than ${cpu} vCPU allows (${min}-${max} GiB); Fargate would bill a larger vCPU size. ` +
        `Ask for at most ${max * GIB - FARGATE_OVERHEAD_MIB} MiB, or more vCPU.`,
    );
  }
  return { vcpu: cpu, memoryGiB: fit, requestedMemoryMiB };
}
