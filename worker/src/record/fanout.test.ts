import { describe, expect, it } from 'vitest';
import {
  decideAssembleClaim,
  decideDispatched,
  decidePlanned,
  decideTaskDone,
  decideTaskFailed,
} from './fanout.ts';
import {
  decideClaim,
  decideSuccess,
  statsDelta,
  type Decision,
  type JobRecord,
} from './job-record.ts';
import { decideRejected } from './unclaimed.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function written<R>(d: Decision<R>): JobRecord {
  if (!d.write) throw new Error(`expected a write, got ${JSON.stringify(d.result)}`);
  return d.write;
}

/** A job claimed by worker `a` and split into three chunks and the audio. */
function splitJob(): JobRecord {
  const claimed = written(
    decideClaim(undefined, {
      jobId: 'job',
      messageId: 'm1',
      receiveCount: 1,
      workerId: 'a',
      now: T0,
      leaseMs: 60_000,
      input: 's3://b/in.mp4',
      output: 's3://b/out/job/',
      request: { version: 1 },
    }),
  );
  const planned = written(
    decidePlanned(claimed, {
      workerId: 'a',
      now: T0 + 1,
      fanout: {
        id: 1,
        work: 's3://b/out/_work/job/f1/',
        chunks: 3,
        tasks: ['chunk-0', 'chunk-1', 'chunk-2', 'audio'],
      },
    }),
  );
  return written(decideDispatched(planned, { workerId: 'a', now: T0 + 2 }));
}

const done = (r: JobRecord, task: string, receiveCount = 1, fanoutId = 1) =>
  decideTaskDone(r, { fanoutId, task, receiveCount, now: T0 + 10 });

describe('a split job', () => {
  it('lets go of the lease once dispatched, and a redelivery of its message finds it split', () => {
    const r = splitJob();
    expect(r).toMatchObject({ status: 'RUNNING', fanout: { dispatched: true } });
    expect(r.lease).toBeUndefined();
    expect(r.history.at(-1)?.outcome).toBe('split');
    const again = decideClaim(r, {
      jobId: 'job',
      messageId: 'm1',
      receiveCount: 2,
      workerId: 'b',
      now: T0 + 5,
      leaseMs: 60_000,
      input: 's3://b/in.mp4',
      output: 's3://b/out/job/',
      request: { version: 1 },
    });
    expect(again.write).toBeUndefined();
    expect(again.result.kind).toBe('split');
  });

  it('is not failed by a malformed message naming it', () => {
    const d = decideRejected(splitJob(), {
      jobId: 'job',
      messageId: 'bad',
      receiveCount: 1,
      workerId: 'b',
      now: T0 + 5,
      error: { code: 'INVALID_MESSAGE', message: 'x' },
      body: '{}',
    });
    expect(d.write).toBeUndefined();
  });

  it('counts each task once however often it is delivered, and says when the set is complete', () => {
    let r = splitJob();
    for (const task of ['chunk-0', 'chunk-1', 'chunk-2']) {
      const d = done(r, task);
      expect(d.result).toMatchObject({ kind: 'done', complete: false, counted: true });
      r = written(d);
    }
    const dup = done(r, 'chunk-1', 2);
    expect(dup.write).toBeUndefined();
    expect(dup.result).toMatchObject({ kind: 'done', counted: false, complete: false });
    const last = done(r, 'audio');
    expect(last.result).toMatchObject({ kind: 'done', complete: true, counted: true });
    r = written(last);
    expect(r.progress).toMatchObject({ percent: 100, tasks: { done: 4, total: 4 } });
    expect(r.fanout!.done).toEqual(['chunk-0', 'chunk-1', 'chunk-2', 'audio']);
    // A repeat after completion still says complete (its worker may have died before the stitch).
    expect(done(r, 'audio', 3).result).toMatchObject({ complete: true, counted: false });
  });

  it('counts a task redelivered after its worker died as one retry of the job, once', () => {
    let r = splitJob();
    r = written(done(r, 'chunk-0', 2));
    expect(r.retries).toBe(1);
    expect(statsDelta(splitJob(), r)).toEqual({ succeeded: 0, failed: 0, running: 0, retries: 1 });
    r = written(
      decideTaskFailed(r, {
        fanoutId: 1,
        task: 'chunk-1',
        messageId: 'c1',
        receiveCount: 3,
        workerId: 'b',
        now: T0 + 20,
        final: false,
        error: { code: 'TRANSIENT', message: 'SlowDown', retryable: true },
      }),
    );
    expect(r.retries).toBe(3);
    expect(r.status).toBe('RUNNING');
    expect(r.error?.message).toBe('chunk 2 of 3: SlowDown');
    // The same receive count again adds nothing.
    expect(written(done(r, 'chunk-1', 3)).retries).toBe(3);
  });

  it('drops a task of an earlier plan or of an ended job', () => {
    expect(done(splitJob(), 'chunk-0', 1, 7).result.kind).toBe('stale');
    const failed = written(
      decideTaskFailed(splitJob(), {
        fanoutId: 1,
        task: 'chunk-2',
        messageId: 'c2',
        receiveCount: 1,
        workerId: 'b',
        now: T0 + 20,
        final: true,
        error: { code: 'INVALID_MEDIA', message: 'broken', retryable: false },
      }),
    );
    expect(failed.status).toBe('FAILED');
    expect(statsDelta(splitJob(), failed)).toEqual({
      succeeded: 0,
      failed: 1,
      running: -1,
      retries: 0,
    });
    expect(done(failed, 'chunk-0').result.kind).toBe('stale');
    // A second task failing for good does not fail the job twice.
    const second = decideTaskFailed(failed, {
      fanoutId: 1,
      task: 'chunk-1',
      messageId: 'c1',
      receiveCount: 1,
      workerId: 'c',
      now: T0 + 21,
      final: true,
      error: { code: 'INVALID_MEDIA', message: 'broken', retryable: false },
    });
    expect(second.write).toBeUndefined();
  });

  it('gives the stitch to one worker at a time, only when every task is done', () => {
    let r = splitJob();
    const claim = (rec: JobRecord, workerId: string, receiveCount: number, now = T0 + 30) =>
      decideAssembleClaim(rec, {
        fanoutId: 1,
        messageId: 'asm',
        receiveCount,
        workerId,
        now,
        leaseMs: 60_000,
      });
    expect(claim(r, 'x', 1).result.kind).toBe('stale');
    for (const t of ['chunk-0', 'chunk-1', 'chunk-2', 'audio']) r = written(done(r, t));
    const first = written(claim(r, 'x', 1));
    expect(first).toMatchObject({ status: 'RUNNING', lease: { owner: 'x' }, attempts: 2 });
    expect(claim(first, 'y', 1).result.kind).toBe('busy');
    // x died: after its lease, the redelivered stitch message is the next attempt, one retry.
    const second = written(claim(first, 'y', 2, T0 + 120_000));
    expect(second).toMatchObject({ lease: { owner: 'y' }, attempts: 3, retries: 1 });
    expect(second.history.slice(-2).map((h) => [h.task, h.outcome])).toEqual([
      ['assemble', 'lost'],
      ['assemble', undefined],
    ]);
    const ok = written(
      decideSuccess(second, { workerId: 'y', now: T0 + 130_000, result: { output: 'x' } }),
    );
    expect(statsDelta(second, ok)).toEqual({ succeeded: 1, failed: 0, running: -1, retries: 0 });
    expect(claim(ok, 'z', 3).result.kind).toBe('duplicate');
  });
});
