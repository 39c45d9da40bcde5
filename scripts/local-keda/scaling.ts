import { goParseFloat } from './go-parse.ts';

/**
 * KEDA 2.20's ScaledJob arithmetic for one trigger, pure, function for function:
 *
 * - `replicaBounds`: ScaledJob.MinReplicaCount() / MaxReplicaCount()
 *   (apis/keda/v1alpha1/scaledjob_types.go);
 * - `scaledJobMetrics`: the scale handler's queueLength / maxValue / isActive for a ScaledJob
 *   (pkg/scaling/scale_handler.go, pkg/scaling/scaledjob/metrics.go, multipleScalersCalculation
 *   `max` over one scaler);
 * - `selectStrategy`, `effectiveMaxScale`, `scalingDecision`, `jobsToCreate`, `countJobs`:
 *   the scale executor (pkg/scaling/executor/scale_jobs.go).
 *
 * The runner feeds it the queue's metric and its own Jobs, and starts what `decideScale`
 * returns. `scaling.test.ts` checks it against KEDA's own test vectors (`keda-vectors.ts`).
 */

export interface ReplicaBounds {
  /** MinReplicaCount(): the spec's, clamped to the max; default 0. */
  readonly min: number;
  /** MaxReplicaCount(): the spec's max minus the min (the max alone when min > max); default 100. */
  readonly max: number;
}

export function replicaBounds(spec: {
  readonly minReplicaCount?: number | undefined;
  readonly maxReplicaCount?: number | undefined;
}): ReplicaBounds {
  const { minReplicaCount: minSpec, maxReplicaCount: maxSpec } = spec;
  const min =
    minSpec === undefined ? 0 : maxSpec !== undefined && minSpec > maxSpec ? maxSpec : minSpec;
  const max =
    maxSpec === undefined
      ? 100
      : minSpec !== undefined && minSpec > maxSpec
        ? maxSpec
        : maxSpec - min;
  return { min, max };
}

/** The scalingStrategy block as the ScaledJob carries it. */
export interface ScalingStrategySpec {
  readonly strategy?: string | undefined;
  readonly customScalingQueueLengthDeduction?: number | undefined;
  /** A string in the CRD: KEDA parses it as a Go float. */
  readonly customScalingRunningJobPercentage?: string | undefined;
  readonly pendingPodConditions?: readonly string[] | undefined;
}

export type Strategy =
  | { readonly kind: 'default' }
  | { readonly kind: 'accurate' }
  | { readonly kind: 'eager' }
  | { readonly kind: 'custom'; readonly deduction: number; readonly percentage: number };

/**
 * NewScalingStrategy: `custom` needs a percentage that parses as a float, else it is `default`
 * (an unset deduction is 0); an unknown or empty name is `default`.
 */
export function selectStrategy(spec: ScalingStrategySpec): Strategy {
  switch (spec.strategy) {
    case 'custom': {
      const percentage = goParseFloat(spec.customScalingRunningJobPercentage ?? '');
      if (percentage === undefined) return { kind: 'default' };
      return { kind: 'custom', deduction: spec.customScalingQueueLengthDeduction ?? 0, percentage };
    }
    case 'accurate':
      return { kind: 'accurate' };
    case 'eager':
      return { kind: 'eager' };
    default:
      return { kind: 'default' };
  }
}

export interface Scale {
  readonly effectiveMaxScale: number;
  readonly scaleTo: number;
}

/** GetEffectiveMaxScale(maxScale, runningJobCount, pendingJobCount, maxReplicaCount, scaleTo). */
export function effectiveMaxScale(
  strategy: Strategy,
  maxScale: number,
  running: number,
  pending: number,
  maxReplicaCount: number,
  scaleTo: number,
): Scale {
  switch (strategy.kind) {
    case 'custom':
      return {
        effectiveMaxScale: Math.min(
          maxScale - strategy.deduction - Math.trunc(running * strategy.percentage),
          maxReplicaCount,
        ),
        scaleTo,
      };
    case 'accurate':
      // KEDA ≥ 2.19 (kedacore/keda#7329): pending Jobs are part of the ceiling check.
      return {
        effectiveMaxScale:
          maxScale + running - pending > maxReplicaCount
            ? maxReplicaCount - running
            : maxScale - pending,
        scaleTo,
      };
    case 'eager':
      return {
        effectiveMaxScale: Math.min(maxReplicaCount - running - pending, maxScale),
        scaleTo: maxReplicaCount,
      };
    default:
      return { effectiveMaxScale: maxScale - running, scaleTo };
  }
}

/**
 * getScalingDecision: below minReplicaCount, make up the difference; otherwise the strategy,
 * with the Jobs beyond the minimum as the running count.
 */
export function scalingDecision(
  bounds: ReplicaBounds,
  strategy: Strategy,
  running: number,
  scaleTo: number,
  maxScale: number,
  pending: number,
): Scale {
  if (running < bounds.min) {
    const missing = bounds.min - running;
    return { effectiveMaxScale: missing, scaleTo: missing };
  }
  return effectiveMaxScale(strategy, maxScale, running - bounds.min, pending, bounds.max, scaleTo);
}

export interface ScaledJobMetrics {
  readonly isActive: boolean;
  /** ceil(queueLength): the "scaleTo" the executor starts from. */
  readonly scaleTo: number;
  /** ceil(min(queueLength / target, MaxReplicaCount())). */
  readonly maxScale: number;
}

/**
 * One scaler's metric and activity through the scale handler: maxValue = min(MaxReplicaCount(),
 * queueLength / target) when the target is not 0 (else 0); the `max` calculation keeps the
 * scaler only if it is active and its queueLength is above 0; minReplicaCount > 0 makes the
 * ScaledJob active regardless.
 */
export function scaledJobMetrics(
  scaler: { readonly queueLength: number; readonly target: number; readonly active: boolean },
  bounds: ReplicaBounds,
): ScaledJobMetrics {
  const maxValue =
    scaler.target !== 0 ? Math.min(bounds.max, scaler.queueLength / scaler.target) : 0;
  const kept = scaler.active && scaler.queueLength > 0;
  return {
    isActive: kept || bounds.min > 0,
    scaleTo: Math.ceil(kept ? scaler.queueLength : 0),
    maxScale: Math.ceil(Math.min(kept ? maxValue : 0, bounds.max)),
  };
}

/** RequestJobScale + createJobs: nothing unless active; never more than the effective max. */
export function jobsToCreate(isActive: boolean, scale: Scale): number {
  const effective = Math.max(0, scale.effectiveMaxScale);
  if (!isActive || effective <= 0) return 0;
  return Math.min(scale.scaleTo, effective);
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  readonly phase?: PodPhase;
  /** Condition types whose status is True. */
  readonly conditions?: readonly string[];
}

/** A Job that has not finished (no Complete or Failed condition), with its pods. */
export interface UnfinishedJob {
  readonly pods: readonly PodStatus[];
}

/**
 * getRunningJobCount / getPendingJobCount: every unfinished Job is running; it is also pending
 * unless one of its pods is Running or Succeeded — or, when pendingPodConditions is set, unless
 * one of its pods has all of those conditions True. A Job with no pod yet is pending.
 */
export function countJobs(
  jobs: readonly UnfinishedJob[],
  pendingPodConditions: readonly string[] = [],
): { running: number; pending: number } {
  const started = (job: UnfinishedJob) =>
    pendingPodConditions.length > 0
      ? job.pods.some((p) => pendingPodConditions.every((c) => p.conditions?.includes(c)))
      : job.pods.some((p) => p.phase === 'Running' || p.phase === 'Succeeded');
  return { running: jobs.length, pending: jobs.filter((j) => !started(j)).length };
}

export interface ScaleInput {
  /** The scaler's metric, its target per Job and whether it reported itself active. */
  readonly queueLength: number;
  readonly target: number;
  readonly active: boolean;
  readonly bounds: ReplicaBounds;
  readonly strategy: Strategy;
  readonly running: number;
  readonly pending: number;
}

export interface ScaleDecision extends ScaledJobMetrics, Scale {
  /** Jobs to create now. */
  readonly create: number;
}

/** One polling cycle of KEDA's ScaledJob loop, from the metric to the Jobs it creates. */
export function decideScale(input: ScaleInput): ScaleDecision {
  const metrics = scaledJobMetrics(input, input.bounds);
  const scale = scalingDecision(
    input.bounds,
    input.strategy,
    input.running,
    metrics.scaleTo,
    metrics.maxScale,
    input.pending,
  );
  return {
    ...metrics,
    ...scale,
    create: jobsToCreate(metrics.isActive, scale),
  };
}
