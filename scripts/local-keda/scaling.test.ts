import { describe, expect, it } from 'vitest';
import type { ScalingStrategy, SqsTrigger } from './manifests.ts';
import { decideScale, sqsQueueLength } from './scaling.ts';

const trigger: SqsTrigger = {
  queueURL: 'q',
  queueLength: 1,
  activationQueueLength: 0,
  scaleOnInFlight: true,
  scaleOnDelayed: false,
};
const base = {
  trigger,
  strategy: { strategy: 'default' } as ScalingStrategy,
  minReplicaCount: 0,
  maxReplicaCount: 10,
  running: 0,
  pending: 0,
};

describe("KEDA's ScaledJob arithmetic for an SQS trigger", () => {
  it('counts visible messages, and in-flight or delayed ones when asked', () => {
    const q = { visible: 2, inFlight: 3, delayed: 4 };
    expect(sqsQueueLength(q, trigger)).toBe(5);
    expect(sqsQueueLength(q, { ...trigger, scaleOnInFlight: false })).toBe(2);
    expect(sqsQueueLength(q, { ...trigger, scaleOnDelayed: true })).toBe(9);
  });

  it.each([
    ['an empty queue starts nothing', { queueLength: 0 }, 0],
    ['one Job per message, from zero', { queueLength: 3 }, 3],
    ['never past maxReplicaCount', { queueLength: 30 }, 10],
    ['unfinished Jobs are subtracted (default)', { queueLength: 5, running: 2 }, 3],
    ['in-flight messages held by running Jobs start nothing', { queueLength: 2, running: 2 }, 0],
    ['more Jobs than messages: none, never negative', { queueLength: 1, running: 4 }, 0],
    [
      'queueLength 5 per Job rounds up',
      { queueLength: 12, trigger: { ...trigger, queueLength: 5 } },
      3,
    ],
    [
      'at the activation threshold: inactive',
      { queueLength: 2, trigger: { ...trigger, activationQueueLength: 2 } },
      0,
    ],
    ['above it: active', { queueLength: 3, trigger: { ...trigger, activationQueueLength: 2 } }, 3],
    ['minReplicaCount keeps Jobs with an empty queue', { queueLength: 0, minReplicaCount: 2 }, 2],
    [
      'accurate: room left, subtract pending only',
      { queueLength: 5, running: 3, pending: 1, strategy: { strategy: 'accurate' } },
      4,
    ],
    [
      'accurate: over the ceiling, fill to maxReplicaCount',
      { queueLength: 8, running: 4, strategy: { strategy: 'accurate' } },
      6,
    ],
    [
      'eager: fill up to the messages',
      { queueLength: 3, running: 1, strategy: { strategy: 'eager' } },
      3,
    ],
    [
      'eager: bounded by free replicas',
      { queueLength: 9, running: 6, pending: 1, strategy: { strategy: 'eager' } },
      3,
    ],
    [
      'custom: deduction and running percentage',
      {
        queueLength: 6,
        running: 4,
        strategy: {
          strategy: 'custom',
          customScalingQueueLengthDeduction: 1,
          customScalingRunningJobPercentage: 0.5,
        },
      },
      3,
    ],
  ] as const)('%s', (_name, input, create) => {
    expect(decideScale({ ...base, ...input }).create).toBe(create);
  });
});
