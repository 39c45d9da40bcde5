/**
 * KEDA's own unit-test vectors for what the local stand-in models, as data, each with the file
 * (and the commit of kedacore/keda it was read at) it comes from. `scaling.test.ts` runs the
 * stand-in over every one. Where KEDA's behaviour is in its code but no upstream test pins it,
 * the vector says so (`source: CODE`).
 */

const KEDA = 'https://github.com/kedacore/keda/blob';
export const SOURCES = {
  scaleJobsTest: `${KEDA}/002180f1ed5554990e79853ff4a51f1ed6185809/pkg/scaling/executor/scale_jobs_test.go`,
  scaledJobTypesTest: `${KEDA}/1bcb2acae2ddda264dd10323991fb76fd0188b6c/apis/keda/v1alpha1/scaledjob_types_test.go`,
  scaleHandlerTest: `${KEDA}/bed93ac534095570cbc29850814ff60c255ede4d/pkg/scaling/scale_handler_test.go`,
  sqsScalerTest: `${KEDA}/56ed011d4d83f8398dbc0e42ae462c2fe46dd4b1/pkg/scalers/aws_sqs_queue_scaler_test.go`,
  /** Behaviour read from KEDA's code (scale_handler.go, scale_jobs.go) with no upstream vector. */
  code: 'KEDA 2.20 source (pkg/scaling/scale_handler.go, pkg/scaling/executor/scale_jobs.go)',
} as const;

/** GetEffectiveMaxScale(maxScale, running, pending, maxReplicaCount, scaleTo) per strategy. */
export interface StrategyVector {
  readonly test: string;
  /** The ScaledJob's scalingStrategy as the test builds it. */
  readonly spec: {
    readonly strategy: string;
    readonly customScalingQueueLengthDeduction?: number;
    readonly customScalingRunningJobPercentage?: string;
  };
  /** The strategy NewScalingStrategy selects. */
  readonly selects: 'default' | 'custom' | 'accurate' | 'eager';
  readonly cases: readonly {
    readonly args: readonly [maxScale: number, running: number, pending: number, max: number];
    readonly effectiveMaxScale: number;
    /** Checked when the test checks it (eager); the input scaleTo is 1 in every case. */
    readonly scaleTo?: number;
  }[];
}

export const STRATEGY_VECTORS: readonly StrategyVector[] = [
  {
    test: 'TestDefaultScalingStrategy',
    spec: { strategy: 'default' },
    selects: 'default',
    cases: [
      { args: [3, 2, 0, 5], effectiveMaxScale: 1 },
      { args: [2, 0, 0, 5], effectiveMaxScale: 2 },
    ],
  },
  {
    test: 'TestCustomScalingStrategy (deduction 1, percentage "0.5")',
    spec: {
      strategy: 'custom',
      customScalingQueueLengthDeduction: 1,
      customScalingRunningJobPercentage: '0.5',
    },
    selects: 'custom',
    cases: [
      { args: [3, 2, 0, 5], effectiveMaxScale: 1 },
      { args: [10, 0, 0, 10], effectiveMaxScale: 9 },
    ],
  },
  {
    test: 'TestCustomScalingStrategy (both parameters unset: default)',
    spec: { strategy: 'custom' },
    selects: 'default',
    cases: [
      { args: [3, 2, 0, 5], effectiveMaxScale: 1 },
      { args: [2, 0, 0, 5], effectiveMaxScale: 2 },
    ],
  },
  {
    test: 'TestCustomScalingStrategy (empty percentage: default)',
    spec: {
      strategy: 'custom',
      customScalingQueueLengthDeduction: 1,
      customScalingRunningJobPercentage: '',
    },
    selects: 'default',
    cases: [],
  },
  {
    test: 'TestCustomScalingStrategy (deduction 2, percentage "0")',
    spec: {
      strategy: 'custom',
      customScalingQueueLengthDeduction: 2,
      customScalingRunningJobPercentage: '0',
    },
    selects: 'custom',
    cases: [{ args: [3, 2, 0, 5], effectiveMaxScale: 1 }],
  },
  {
    test: 'TestCustomScalingStrategy (deduction -2: capped at maxReplicaCount)',
    spec: {
      strategy: 'custom',
      customScalingQueueLengthDeduction: -2,
      customScalingRunningJobPercentage: '0',
    },
    selects: 'custom',
    cases: [{ args: [3, 2, 0, 4], effectiveMaxScale: 4 }],
  },
  {
    test: 'TestCustomScalingStrategyNilQueueLengthDeduction',
    spec: { strategy: 'custom', customScalingRunningJobPercentage: '0.5' },
    selects: 'custom',
    cases: [
      { args: [3, 2, 0, 5], effectiveMaxScale: 2 },
      { args: [10, 0, 0, 10], effectiveMaxScale: 10 },
    ],
  },
  {
    test: 'TestAccurateScalingStrategy',
    spec: { strategy: 'accurate' },
    selects: 'accurate',
    cases: [
      { args: [3, 2, 0, 5], effectiveMaxScale: 3 },
      { args: [5, 2, 0, 5], effectiveMaxScale: 3 },
      { args: [3, 4, 2, 10], effectiveMaxScale: 1 },
      { args: [5, 4, 2, 5], effectiveMaxScale: 1 },
      { args: [3, 3, 3, 5], effectiveMaxScale: 0 },
      { args: [15, 15, 15, 20], effectiveMaxScale: 0 },
      { args: [10, 10, 10, 15], effectiveMaxScale: 0 },
      { args: [20, 15, 10, 20], effectiveMaxScale: 5 },
    ],
  },
  {
    test: 'TestEagerScalingStrategy',
    spec: { strategy: 'eager' },
    selects: 'eager',
    cases: [
      { args: [4, 3, 0, 10], effectiveMaxScale: 4, scaleTo: 10 },
      { args: [4, 0, 3, 10], effectiveMaxScale: 4, scaleTo: 10 },
      { args: [4, 7, 0, 10], effectiveMaxScale: 3, scaleTo: 10 },
      { args: [4, 1, 6, 10], effectiveMaxScale: 3, scaleTo: 10 },
      { args: [15, 0, 0, 10], effectiveMaxScale: 10, scaleTo: 10 },
    ],
  },
];

/** getScalingDecision with minReplicaCount (maxReplicaCount 100, default strategy). */
export const MIN_REPLICA_VECTORS = [
  {
    test: 'TestRunningJobCountSmallerMinReplicaCount',
    minReplicaCount: 2,
    running: 0,
    scaleTo: 0,
    maxScale: 0,
    pending: 0,
    effectiveMaxScale: 2,
    expectScaleTo: 2,
  },
  {
    test: 'TestRunningJobCountIsDeductedFromMinReplicaCount',
    minReplicaCount: 2,
    running: 1,
    scaleTo: 0,
    maxScale: 0,
    pending: 0,
    effectiveMaxScale: 1,
    expectScaleTo: 1,
  },
  {
    test: 'TestRunningJobCountGreaterOrEqualMinReplicaCountExecutesScalingStrategy',
    minReplicaCount: 1,
    running: 1,
    scaleTo: 2,
    maxScale: 2,
    pending: 0,
    effectiveMaxScale: 2,
    expectScaleTo: 2,
  },
] as const;

/** getPendingJobCount over one unfinished Job with the given pods. */
export const PENDING_VECTORS: readonly {
  readonly test: string;
  readonly pendingPodConditions: readonly string[];
  readonly pods: readonly {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    conditions?: readonly string[];
  }[];
  readonly pending: number;
}[] = [
  { test: 'phase Succeeded', pendingPodConditions: [], pods: [{ phase: 'Succeeded' }], pending: 0 },
  { test: 'phase Running', pendingPodConditions: [], pods: [{ phase: 'Running' }], pending: 0 },
  { test: 'phase Failed', pendingPodConditions: [], pods: [{ phase: 'Failed' }], pending: 1 },
  { test: 'phase Pending', pendingPodConditions: [], pods: [{ phase: 'Pending' }], pending: 1 },
  { test: 'phase Unknown', pendingPodConditions: [], pods: [{ phase: 'Unknown' }], pending: 1 },
  {
    test: 'conditions: none',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: [] }],
    pending: 1,
  },
  {
    test: 'conditions: Ready only',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['Ready'] }],
    pending: 1,
  },
  {
    test: 'conditions: PodScheduled only',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['PodScheduled'] }],
    pending: 1,
  },
  {
    test: 'conditions: both',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['Ready', 'PodScheduled'] }],
    pending: 0,
  },
  {
    test: 'two pods, both with all conditions (#6727)',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['Ready', 'PodScheduled'] }, { conditions: ['Ready', 'PodScheduled'] }],
    pending: 0,
  },
  {
    test: 'two pods, one with all conditions',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['Ready', 'PodScheduled'] }, { conditions: ['Ready'] }],
    pending: 0,
  },
  {
    test: 'two pods, neither with all conditions',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: ['Ready'] }, { conditions: ['PodScheduled'] }],
    pending: 1,
  },
  {
    test: 'three pods, one with all conditions',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [
      { conditions: [] },
      { conditions: ['Ready'] },
      { conditions: ['Ready', 'PodScheduled'] },
    ],
    pending: 0,
  },
  {
    test: 'three pods, none with all conditions',
    pendingPodConditions: ['Ready', 'PodScheduled'],
    pods: [{ conditions: [] }, { conditions: ['Ready'] }, { conditions: ['PodScheduled'] }],
    pending: 1,
  },
  {
    test: 'empty condition list: the phase decides',
    pendingPodConditions: [],
    pods: [{ phase: 'Running', conditions: ['Ready'] }],
    pending: 0,
  },
];

/** ScaledJob.MaxReplicaCount() / MinReplicaCount() (TestScaledJob). */
export const BOUNDS_VECTORS: readonly {
  readonly test: string;
  readonly maxReplicaCount?: number;
  readonly minReplicaCount?: number;
  readonly max: number;
  readonly min: number;
}[] = [
  { test: 'max 10, min 0', maxReplicaCount: 10, minReplicaCount: 0, max: 10, min: 0 },
  { test: 'max 10, min unset', maxReplicaCount: 10, max: 10, min: 0 },
  { test: 'max 10, min 1', maxReplicaCount: 10, minReplicaCount: 1, max: 9, min: 1 },
  { test: 'max unset, min 1', minReplicaCount: 1, max: 100, min: 1 },
  { test: 'both unset', max: 100, min: 0 },
  { test: 'max 1, min 10', maxReplicaCount: 1, minReplicaCount: 10, max: 1, min: 1 },
];

/** getScaledJobState over one scaler (TestGetScaledJobState and its empty-queue sibling). */
export const SCALED_JOB_STATE_VECTORS = [
  {
    test: 'TestGetScaledJobState (single trigger)',
    source: SOURCES.scaleHandlerTest,
    minReplicaCount: 1,
    maxReplicaCount: 100,
    scaler: { queueLength: 20, target: 2, active: true },
    isActive: true,
    queueLength: 20,
    maxValue: 10,
  },
  {
    test: 'TestGetScaledJobStateIfQueueEmptyButMinReplicaCountGreaterZero',
    source: SOURCES.scaleHandlerTest,
    minReplicaCount: 1,
    maxReplicaCount: 100,
    scaler: { queueLength: 0, target: 1, active: true },
    isActive: true,
    queueLength: 0,
    maxValue: 0,
  },
  {
    test: 'a target of 0: no maxValue (targetAverageValue != 0 guards the division)',
    source: SOURCES.code,
    minReplicaCount: 0,
    maxReplicaCount: 100,
    scaler: { queueLength: 7, target: 0, active: true },
    isActive: true,
    queueLength: 7,
    maxValue: 0,
  },
  {
    test: 'an inactive scaler is left out of the max calculation',
    source: SOURCES.code,
    minReplicaCount: 0,
    maxReplicaCount: 100,
    scaler: { queueLength: 3, target: 1, active: false },
    isActive: false,
    queueLength: 0,
    maxValue: 0,
  },
] as const;
