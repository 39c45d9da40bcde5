import { describe, expect, it } from 'vitest';
import {
  decideClaim,
  decideFailure,
  decideHeartbeat,
  decideNotified,
  decideSuccess,
  statsDelta,
  ZERO_STATS,
  type ClaimContext,
  type Decision,
  type JobRecord,
  type Stats,
} from './job-record.ts';
import { decideRejected } from './unclaimed.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const claimCtx = (over: Partial<ClaimContext> = {}): ClaimContext => ({
  jobId: 'job',
  messageId: 'm1',
  receiveCount: 1,
  workerId: 'a',
  now: T0,
  leaseMs: 60_000,
  input: 's3://b/in.mp4',
  output: 's3://b/out/job/',
  request: { version: 1 },
  ...over,
});

function written<R>(d: Decision<R>): JobRecord {
  if (!d.write) throw new Error(`expected a write, got ${JSON.stringify(d.result)}`);
  return d.write;
}

const error = { code: 'TRANSIENT', message: 'SlowDown', retryable: true };

describe('claiming a job', () => {
  it('creates a RUNNING record with a lease for a new job', () => {
    const d = decideClaim(undefined, claimCtx());
    expect(d.result.kind).toBe('claimed');
    expect(written(d)).toMatchObject({
      status: 'RUNNING',
      version: 1,
      attempts: 1,
      retries: 0,
      lease: { owner: 'a', expiresAt: T0 + 60_000 },
    });
    expect(statsDelta(undefined, written(d))).toEqual({ ...ZERO_STATS, running: 1 });
  });

  it('treats a finished job as a duplicate and writes nothing', () => {
    const running = written(decideClaim(undefined, claimCtx()));
    const done = written(decideSuccess(running, { workerId: 'a', now: T0 + 1, result: {} }));
    const again = decideClaim(done, claimCtx({ messageId: 'm2', workerId: 'b' }));
    expect(again.write).toBeUndefined();
    expect(again.result.kind).toBe('duplicate');
  });

  it('leaves a job under another live lease alone, but takes over an expired one as a retry', () => {
    const running = written(decideClaim(undefined, claimCtx()));
    const busy = decideClaim(
      running,
      claimCtx({ workerId: 'b', now: T0 + 59_999, receiveCount: 2 }),
    );
    expect(busy.write).toBeUndefined();
    expect(busy.result.kind).toBe('busy');

    const takeover = written(
      decideClaim(running, claimCtx({ workerId: 'b', now: T0 + 60_001, receiveCount: 2 })),
    );
    expect(takeover).toMatchObject({
      status: 'RUNNING',
      attempts: 2,
      retries: 1,
      lease: { owner: 'b' },
    });
    expect(takeover.history.map((h) => h.outcome)).toEqual(['lost', undefined]);
    expect(statsDelta(running, takeover)).toEqual({ ...ZERO_STATS, retries: 1 });
  });

  it('runs a retry after a transient failure and counts it', () => {
    const running = written(decideClaim(undefined, claimCtx()));
    const queued = written(
      decideFailure(running, { workerId: 'a', now: T0 + 5, final: false, outcome: 'retry', error }),
    );
    expect(queued).toMatchObject({ status: 'QUEUED', attempts: 1, retries: 0 });
    expect(queued.lease).toBeUndefined();
    expect(statsDelta(running, queued)).toEqual({ ...ZERO_STATS, running: -1 });
    const retry = written(decideClaim(queued, claimCtx({ receiveCount: 2, now: T0 + 40_000 })));
    expect(retry).toMatchObject({
      status: 'RUNNING',
      attempts: 2,
      retries: 1,
      error: { code: 'TRANSIENT' },
    });
    expect(statsDelta(queued, retry)).toEqual({ ...ZERO_STATS, running: 1, retries: 1 });
  });

  it('refuses the message that failed a job, but runs a redriven copy again', () => {
    const running = written(decideClaim(undefined, claimCtx()));
    const failed = written(
      decideFailure(running, { workerId: 'a', now: T0 + 5, final: true, outcome: 'failed', error }),
    );
    expect(decideClaim(failed, claimCtx({ receiveCount: 2 })).result.kind).toBe('already-failed');
    const redriven = written(
      decideClaim(failed, claimCtx({ messageId: 'copy-from-dlq', now: T0 + 9 })),
    );
    expect(redriven).toMatchObject({ status: 'RUNNING', attempts: 2, retries: 1 });
    expect(statsDelta(failed, redriven)).toEqual({
      succeeded: 0,
      failed: -1,
      running: 1,
      retries: 1,
    });
  });
});

describe('transitions that need the lease', () => {
  const running = written(decideClaim(undefined, claimCtx()));

  it('renews the lease and records progress for the owner only', () => {
    const beat = written(
      decideHeartbeat(running, {
        workerId: 'a',
        now: T0 + 30_000,
        leaseMs: 60_000,
        progress: { stage: 'transcoding', percent: 42.5, speed: 3.1 },
      }),
    );
    expect(beat.lease?.expiresAt).toBe(T0 + 90_000);
    expect(beat.progress).toMatchObject({ percent: 42.5, speed: 3.1 });
    expect(beat.version).toBe(running.version + 1);
    expect(decideHeartbeat(running, { workerId: 'b', now: T0, leaseMs: 1 }).result).toEqual({
      kind: 'lease-lost',
    });
  });

  it('refuses success and failure from a worker that no longer holds the lease', () => {
    const takenOver = written(decideClaim(running, claimCtx({ workerId: 'b', now: T0 + 70_000 })));
    expect(decideSuccess(takenOver, { workerId: 'a', now: T0, result: {} }).result).toEqual({
      kind: 'lease-lost',
    });
    expect(
      decideFailure(takenOver, { workerId: 'a', now: T0, final: true, outcome: 'failed', error })
        .result,
    ).toEqual({
      kind: 'lease-lost',
    });
    expect(decideSuccess(undefined, { workerId: 'a', now: T0, result: {} }).result).toEqual({
      kind: 'lease-lost',
    });
  });

  it('records success with the result, clears the lease and the old error', () => {
    const done = written(
      decideSuccess(running, { workerId: 'a', now: T0 + 9, result: { output: 's3://b/out/' } }),
    );
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      result: { output: 's3://b/out/' },
      progress: { percent: 100 },
    });
    expect(done.lease).toBeUndefined();
    expect(done.error).toBeUndefined();
    expect(done.history.at(-1)?.outcome).toBe('succeeded');
    expect(statsDelta(running, done)).toEqual({ succeeded: 1, failed: 0, running: -1, retries: 0 });
  });
});

describe('record expiry', () => {
  it('stamps finished records with expiresAt when a TTL is configured, and only finished ones', () => {
    const running = written(decideClaim(undefined, claimCtx()));
    expect(running.expiresAt).toBeUndefined();
    const done = written(
      decideSuccess(running, { workerId: 'a', now: T0, result: {}, ttlSeconds: 86_400 }),
    );
    expect(done.expiresAt).toBe(T0 / 1000 + 86_400);
    const retry = written(
      decideFailure(running, {
        workerId: 'a',
        now: T0,
        final: false,
        outcome: 'retry',
        error,
        ttlSeconds: 60,
      }),
    );
    expect(retry.expiresAt).toBeUndefined();
    const failed = written(
      decideFailure(running, {
        workerId: 'a',
        now: T0,
        final: true,
        outcome: 'failed',
        error,
        ttlSeconds: 60,
      }),
    );
    expect(failed.expiresAt).toBe(T0 / 1000 + 60);
    expect(
      written(decideSuccess(running, { workerId: 'a', now: T0, result: {} })).expiresAt,
    ).toBeUndefined();
  });
});

describe('rejected (malformed) messages', () => {
  const ctx = {
    jobId: 'bad',
    messageId: 'mx',
    receiveCount: 1,
    workerId: 'a',
    now: T0,
    error: { code: 'INVALID_MESSAGE', message: 'nope' },
    body: '{',
  };

  it('records FAILED for a new job', () => {
    const d = written(decideRejected(undefined, ctx));
    expect(d).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      retries: 0,
      error: { code: 'INVALID_MESSAGE', retryable: false },
    });
    expect(statsDelta(undefined, d)).toEqual({ ...ZERO_STATS, failed: 1 });
  });

  it('never overwrites a succeeded job, a live lease, or its own earlier record', () => {
    const running = written(decideClaim(undefined, claimCtx({ jobId: 'bad' })));
    expect(decideRejected(running, ctx).result.kind).toBe('unchanged');
    const done = written(decideSuccess(running, { workerId: 'a', now: T0, result: {} }));
    expect(decideRejected(done, ctx).result.kind).toBe('unchanged');
    const failed = written(decideRejected(undefined, ctx));
    expect(decideRejected(failed, ctx).result.kind).toBe('unchanged');
  });
});

describe('stats always equal the records', () => {
  it('holds over many random transitions by many workers', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const records = new Map<string, JobRecord>();
    let stats: Stats = { ...ZERO_STATS };
    let now = T0;
    for (let step = 0; step < 5000; step++) {
      now += Math.floor(random() * 20_000);
      const jobId = pick(['j1', 'j2', 'j3', 'j4']);
      const workerId = pick(['a', 'b', 'c']);
      const current = records.get(jobId);
      const op = pick(['claim', 'beat', 'succeed', 'retry', 'fail', 'reject']);
      let d: Decision<unknown>;
      switch (op) {
        case 'claim':
          d = decideClaim(
            current,
            claimCtx({ jobId, workerId, now, messageId: pick(['m1', 'm2']) }),
          );
          break;
        case 'beat':
          d = decideHeartbeat(current, { workerId, now, leaseMs: 60_000 });
          break;
        case 'succeed':
          d = decideSuccess(current, { workerId, now, result: {} });
          break;
        case 'retry':
          d = decideFailure(current, { workerId, now, final: false, outcome: 'retry', error });
          break;
        case 'fail':
          d = decideFailure(current, { workerId, now, final: true, outcome: 'failed', error });
          break;
        default:
          d = decideRejected(current, {
            jobId,
            messageId: pick(['m1', 'm3']),
            receiveCount: 1,
            workerId,
            now,
            error,
            body: '',
          });
      }
      if (!d.write) continue;
      const delta = statsDelta(current, d.write);
      stats = {
        succeeded: stats.succeeded + delta.succeeded,
        failed: stats.failed + delta.failed,
        running: stats.running + delta.running,
        retries: stats.retries + delta.retries,
      };
      expect(d.write.version).toBe((current?.version ?? 0) + 1);
      records.set(jobId, d.write);
    }
    const all = [...records.values()];
    expect(stats).toEqual({
      succeeded: all.filter((r) => r.status === 'SUCCEEDED').length,
      failed: all.filter((r) => r.status === 'FAILED').length,
      running: all.filter((r) => r.status === 'RUNNING').length,
      retries: all.reduce((s, r) => s + r.retries, 0),
    });
    expect(all.every((r) => r.retries === Math.max(0, r.attempts - 1))).toBe(true);
  });
});

describe("a finished job's events", () => {
  const running = () => written(decideClaim(undefined, claimCtx()));

  it('marks a terminal state pending when there is somewhere to send it, with an id per outcome', () => {
    const done = written(
      decideSuccess(running(), { workerId: 'a', now: T0 + 1, result: {}, notify: true }),
    );
    expect(done.notifications).toEqual({ eventId: 'job.SUCCEEDED.1', state: 'pending' });
    const failed = written(
      decideFailure(running(), {
        workerId: 'a',
        now: T0 + 1,
        final: true,
        outcome: 'failed',
        error,
        notify: true,
      }),
    );
    expect(failed.notifications).toEqual({ eventId: 'job.FAILED.1', state: 'pending' });
    // A retry is not an end: nothing to announce.
    const retry = written(
      decideFailure(running(), {
        workerId: 'a',
        now: T0 + 1,
        final: false,
        outcome: 'retry',
        error,
        notify: true,
      }),
    );
    expect(retry.notifications).toBeUndefined();
    expect(
      written(decideSuccess(running(), { workerId: 'a', now: T0 + 1, result: {} })).notifications,
    ).toBeUndefined();
  });

  it('records the deliveries once, without touching the stats, and drops them for a job that moved on', () => {
    const done = written(
      decideSuccess(running(), { workerId: 'a', now: T0 + 1, result: {}, notify: true }),
    );
    const deliveries = [{ target: 'sns', ok: true, attempts: 1, at: 'now' }];
    const notified = decideNotified(done, { eventId: 'job.SUCCEEDED.1', deliveries, now: T0 + 2 });
    expect(written(notified).notifications).toEqual({
      eventId: 'job.SUCCEEDED.1',
      state: 'done',
      deliveries,
    });
    expect(statsDelta(done, written(notified))).toEqual(ZERO_STATS);
    expect(decideNotified(done, { eventId: 'job.FAILED.1', deliveries, now: T0 + 2 })).toEqual({
      result: { kind: 'stale' },
    });
  });

  it('announces a rejected message too', () => {
    const rejected = decideRejected(undefined, {
      jobId: 'bad',
      messageId: 'm9',
      receiveCount: 1,
      workerId: 'a',
      now: T0,
      error: { code: 'INVALID_MESSAGE', message: 'not JSON' },
      body: '{',
      notify: true,
    });
    expect(written(rejected).notifications).toEqual({ eventId: 'bad.FAILED.1', state: 'pending' });
  });
});
