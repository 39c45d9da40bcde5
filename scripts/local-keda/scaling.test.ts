import { describe, expect, it } from 'vitest';
import { goParseBool, goParseFloat, goParseInt, jsonInt64 } from './go-parse.ts';
import {
  BOUNDS_VECTORS,
  MIN_REPLICA_VECTORS,
  PENDING_VECTORS,
  SCALED_JOB_STATE_VECTORS,
  SOURCES,
  STRATEGY_VECTORS,
} from './keda-vectors.ts';
import {
  SQS_ATTRIBUTE_VECTORS,
  SQS_METADATA_VECTORS,
  SQS_METRIC_ATTRIBUTES,
  SQS_METRIC_VECTORS,
} from './keda-sqs-vectors.ts';
import {
  countJobs,
  decideScale,
  effectiveMaxScale,
  replicaBounds,
  scaledJobMetrics,
  scalingDecision,
  selectStrategy,
  type ScaleInput,
} from './scaling.ts';
import { parseSqsTrigger, sqsActive, sqsQueueLength } from './sqs-scaler.ts';

describe(`KEDA's vectors: ${SOURCES.scaleJobsTest}`, () => {
  describe.each(STRATEGY_VECTORS)('$test', (v) => {
    it(`selects ${v.selects}`, () => {
      expect(selectStrategy(v.spec).kind).toBe(v.selects);
    });
    it.each(v.cases)('GetEffectiveMaxScale($args) = $effectiveMaxScale', (c) => {
      const [maxScale, running, pending, max] = c.args;
      const out = effectiveMaxScale(selectStrategy(v.spec), maxScale, running, pending, max, 1);
      expect(out.effectiveMaxScale).toBe(c.effectiveMaxScale);
      if (c.scaleTo !== undefined) expect(out.scaleTo).toBe(c.scaleTo);
    });
  });

  it.each(MIN_REPLICA_VECTORS)('$test', (v) => {
    const out = scalingDecision(
      replicaBounds({ minReplicaCount: v.minReplicaCount, maxReplicaCount: 100 }),
      selectStrategy({}),
      v.running,
      v.scaleTo,
      v.maxScale,
      v.pending,
    );
    expect(out).toEqual({ effectiveMaxScale: v.effectiveMaxScale, scaleTo: v.expectScaleTo });
  });

  it.each(PENDING_VECTORS)('TestGetPendingJobCount: $test → $pending', (v) => {
    expect(countJobs([{ pods: v.pods }], v.pendingPodConditions)).toEqual({
      running: 1,
      pending: v.pending,
    });
  });
});

describe(`KEDA's vectors: ${SOURCES.scaledJobTypesTest}`, () => {
  it.each(BOUNDS_VECTORS)('$test → max $max, min $min', (v) => {
    expect(replicaBounds(v)).toEqual({ max: v.max, min: v.min });
  });
});

describe(`KEDA's vectors: ${SOURCES.scaleHandlerTest}`, () => {
  it.each(SCALED_JOB_STATE_VECTORS)('$test', (v) => {
    const out = scaledJobMetrics(v.scaler, replicaBounds(v));
    expect(out).toEqual({ isActive: v.isActive, scaleTo: v.queueLength, maxScale: v.maxValue });
  });
});

describe(`KEDA's vectors: ${SOURCES.sqsScalerTest}`, () => {
  it.each(SQS_METADATA_VECTORS)('TestSQSParseMetadata: $comment', (v) => {
    const parse = () => parseSqsTrigger(v.metadata, v.env ?? {});
    if (v.isError) expect(parse).toThrow();
    else expect(parse).not.toThrow();
  });

  it.each(SQS_METRIC_VECTORS)('TestAWSSQSScalerGetMetrics: $comment → $expected', (v) => {
    const trigger = parseSqsTrigger({
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: '1',
      awsRegion: 'eu-west-1',
      ...v.metadata,
    });
    expect(sqsQueueLength(SQS_METRIC_ATTRIBUTES, trigger)).toBe(v.expected);
  });

  it.each(SQS_ATTRIBUTE_VECTORS)('processQueueLength: $comment', (v) => {
    const all = {
      attributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    } as const;
    if (v.expected === 'error') expect(() => sqsQueueLength(v.attributes, all)).toThrow();
    else expect(sqsQueueLength(v.attributes, all)).toBe(v.expected);
  });
});

describe('the Go parsers KEDA reads its settings with', () => {
  it.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('ParseBool(%s) is true', (s) =>
    expect(goParseBool(s)).toBe(true),
  );
  it.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('ParseBool(%s) is false', (s) =>
    expect(goParseBool(s)).toBe(false),
  );
  it.each(['yes', 'on', 'tRUE', '', ' true'])('ParseBool(%j) is an error', (s) =>
    expect(goParseBool(s)).toBeUndefined(),
  );
  it('parses integers the way each parser does', () => {
    expect(jsonInt64('5')).toBe(5);
    expect(jsonInt64('-3')).toBe(-3);
    for (const bad of ['5.0', '+5', '05', '1e2', 'a', '']) expect(jsonInt64(bad)).toBeUndefined();
    expect(goParseInt('+5')).toBe(5);
    expect(goParseInt('007')).toBe(7);
    expect(goParseInt('9223372036854775808')).toBeUndefined();
    expect(goParseInt('1.5')).toBeUndefined();
  });
  it('parses floats as ParseFloat does, for what a percentage is written as', () => {
    expect(goParseFloat('0.5')).toBe(0.5);
    expect(goParseFloat('.5')).toBe(0.5);
    expect(goParseFloat('1e-1')).toBe(0.1);
    expect(goParseFloat('Inf')).toBe(Infinity);
    expect(goParseFloat('')).toBeUndefined();
    expect(goParseFloat('50%')).toBeUndefined();
    expect(goParseFloat('half')).toBeUndefined();
  });
});

describe('the SQS trigger as KEDA reads it', () => {
  const base = {
    queueURL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs',
    awsRegion: 'eu-west-1',
  };
  it('takes the defaults KEDA documents', () => {
    expect(parseSqsTrigger(base)).toMatchObject({
      queueName: 'jobs',
      queueLength: 5,
      activationQueueLength: 0,
      scaleOnInFlight: true,
      scaleOnDelayed: false,
      attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    });
  });
  it('reads booleans with ParseBool: "True" is true, "yes" is an error naming the field', () => {
    expect(parseSqsTrigger({ ...base, scaleOnDelayed: 'True' }).scaleOnDelayed).toBe(true);
    expect(() => parseSqsTrigger({ ...base, scaleOnInFlight: 'yes' })).toThrow(/scaleOnInFlight/);
  });
  it('names the field of a non-integer count', () => {
    expect(() => parseSqsTrigger({ ...base, queueLength: '1.5' })).toThrow(/queueLength: "1.5"/);
  });
  it('treats an empty value as unset (the default applies)', () => {
    expect(parseSqsTrigger({ ...base, queueLength: ' ' }).queueLength).toBe(5);
  });
  it('asks SQS only for the attributes it counts, and errors on one it asked for and lacks', () => {
    const t = parseSqsTrigger({ ...base, scaleOnInFlight: 'false' });
    expect(sqsQueueLength({ ApproximateNumberOfMessages: '4' }, t)).toBe(4);
    expect(() =>
      sqsQueueLength({ ApproximateNumberOfMessages: '4' }, parseSqsTrigger(base)),
    ).toThrow(/ApproximateNumberOfMessagesNotVisible not found/);
  });
  it('is active above activationQueueLength only', () => {
    const t = parseSqsTrigger({ ...base, activationQueueLength: '2' });
    expect(sqsActive(2, t)).toBe(false);
    expect(sqsActive(3, t)).toBe(true);
  });
});

describe('one polling cycle, end to end (decideScale)', () => {
  const base: ScaleInput = {
    queueLength: 0,
    target: 1,
    active: false,
    bounds: replicaBounds({ maxReplicaCount: 10 }),
    strategy: { kind: 'default' },
    running: 0,
    pending: 0,
  };
  const cycle = (input: Partial<ScaleInput>) => {
    const merged = { ...base, ...input };
    return decideScale({ ...merged, active: input.active ?? merged.queueLength > 0 }).create;
  };

  it.each<[string, Partial<ScaleInput>, number]>([
    ['an empty queue starts nothing', { queueLength: 0 }, 0],
    ['one Job per message, from zero', { queueLength: 3 }, 3],
    ['never past maxReplicaCount', { queueLength: 30 }, 10],
    ['unfinished Jobs are subtracted (default)', { queueLength: 5, running: 2 }, 3],
    ['in-flight messages held by running Jobs start nothing', { queueLength: 2, running: 2 }, 0],
    ['more Jobs than messages: none, never negative', { queueLength: 1, running: 4 }, 0],
    ['queueLength 5 per Job rounds up', { queueLength: 12, target: 5 }, 3],
    ['an inactive scaler starts nothing', { queueLength: 3, active: false }, 0],
    ['a target of 0 starts nothing', { queueLength: 3, target: 0 }, 0],
    [
      'minReplicaCount keeps Jobs with an empty queue',
      { queueLength: 0, bounds: replicaBounds({ minReplicaCount: 2, maxReplicaCount: 10 }) },
      2,
    ],
    [
      'minReplicaCount is part of maxReplicaCount: 12 messages, min 2, max 10, 2 running → 8',
      {
        queueLength: 12,
        running: 2,
        bounds: replicaBounds({ minReplicaCount: 2, maxReplicaCount: 10 }),
      },
      8,
    ],
    [
      'accurate: pending Jobs are subtracted',
      { queueLength: 5, running: 3, pending: 3, strategy: { kind: 'accurate' } },
      2,
    ],
    [
      'accurate: over the ceiling, fill to maxReplicaCount',
      { queueLength: 8, running: 4, strategy: { kind: 'accurate' } },
      6,
    ],
    [
      'eager: bounded by free replicas',
      { queueLength: 9, running: 6, pending: 1, strategy: { kind: 'eager' } },
      3,
    ],
    [
      'custom without a usable percentage runs as default',
      { queueLength: 5, running: 2, strategy: selectStrategy({ strategy: 'custom' }) },
      3,
    ],
  ])('%s', (_name, input, create) => {
    expect(cycle(input)).toBe(create);
  });

  // With minReplicaCount > maxReplicaCount KEDA's bounds are (max, max) and it can go past the
  // max; the charts never write that.
  it('never has more than maxReplicaCount unfinished, for any minReplicaCount up to it', () => {
    for (const min of [0, 1, 3, 9, 10])
      for (const running of [0, 1, 5, 9, 10]) {
        const bounds = replicaBounds({ minReplicaCount: min, maxReplicaCount: 10 });
        for (const kind of ['default', 'accurate', 'eager'] as const) {
          const made = decideScale({
            ...base,
            queueLength: 50,
            active: true,
            bounds,
            strategy: { kind },
            running,
          }).create;
          expect(running + made).toBeLessThanOrEqual(Math.max(10, running));
        }
      }
  });
});
