import type { ScalingStrategy, SqsTrigger } from './manifests.ts';

/**
 * KEDA's ScaledJob arithmetic, for one aws-sqs-queue trigger, as KEDA 2.20 does it
 * (pkg/scalers/aws_sqs_queue_scaler.go, pkg/scaling/scaledjob/metrics.go and
 * pkg/scaling/executor/scale_jobs.go). Pure: the runner feeds it the queue's attributes and
 * its own count of unfinished Jobs, and starts what it returns.
 */
export interface QueueAttributes {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The SQS scaler's metric: visible messages, plus in-flight and delayed ones if asked. */
export function sqsQueueLength(q: QueueAttributes, trigger: SqsTrigger): number {
  return (
    q.visible +
    (trigger.scaleOnInFlight ? q.inFlight : 0) +
    (trigger.scaleOnDelayed ? q.delayed : 0)
  );
}

export interface ScaleInput {
  readonly queueLength: number;
  readonly trigger: SqsTrigger;
  readonly strategy: ScalingStrategy;
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  /** Jobs not yet finished (KEDA's running count includes pending ones). */
  readonly running: number;
  /** Unfinished Jobs none of whose pods is running or done yet. */
  readonly pending: number;
}

export interface ScaleDecision {
  readonly active: boolean;
  /** ceil(min(queueLength / queueLength target, maxReplicaCount)). */
  readonly maxScale: number;
  readonly effectiveMaxScale: number;
  /** Jobs to create now. */
  readonly create: number;
}

export function decideScale(input: ScaleInput): ScaleDecision {
  const { queueLength, trigger, strategy, minReplicaCount, maxReplicaCount, running, pending } =
    input;
  // The scaler is active above the activation threshold; minReplicaCount > 0 keeps it active.
  const active = queueLength > trigger.activationQueueLength || minReplicaCount > 0;
  const maxValue = Math.min(queueLength / trigger.queueLength, maxReplicaCount);
  const maxScale = Math.ceil(maxValue);
  let scaleTo = Math.ceil(queueLength);
  let effective: number;
  if (running < minReplicaCount) {
    scaleTo = minReplicaCount - running;
    effective = scaleTo;
  } else {
    const r = running - minReplicaCount;
    switch (strategy.strategy) {
      case 'accurate':
        effective = maxScale + r > maxReplicaCount ? maxReplicaCount - r : maxScale - pending;
        break;
      case 'eager':
        effective = Math.min(maxReplicaCount - r - pending, maxScale);
        scaleTo = maxReplicaCount;
        break;
      case 'custom':
        effective = Math.min(
          maxScale -
            (strategy.customScalingQueueLengthDeduction ?? 0) -
            Math.trunc(r * (strategy.customScalingRunningJobPercentage ?? 0)),
          maxReplicaCount,
        );
        break;
      default:
        effective = maxScale - r;
    }
  }
  effective = Math.max(0, effective);
  const create = active && effective > 0 ? Math.min(scaleTo, effective) : 0;
  return { active, maxScale, effectiveMaxScale: effective, create };
}
