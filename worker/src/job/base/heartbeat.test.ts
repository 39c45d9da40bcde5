import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decideClaim, type Decision, type JobRecord } from '../../record/job-record.ts';
import { startHeartbeat } from './heartbeat.ts';
import type { LedgerPort, QueuePort } from './ports.ts';

/** Timing of the heartbeat with fake timers; the real SQS and DynamoDB paths are in test/. */
describe('startHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  function setup() {
    const claimed = decideClaim(undefined, {
      jobId: 'j',
      messageId: 'm',
      receiveCount: 1,
      workerId: 'me',
      now: Date.now(),
      leaseMs: 55_000,
      input: 's3://b/k',
      output: 's3://b/o/',
      request: {},
    }).write!;
    let stored: JobRecord = claimed;
    const visibility: { at: number; seconds: number }[] = [];
    const queue: Pick<QueuePort, 'changeVisibility'> = {
      changeVisibility: (_handle, seconds) => {
        visibility.push({ at: Date.now(), seconds });
        return Promise.resolve();
      },
    };
    const ledger: Pick<LedgerPort, 'transition'> = {
      transition: <R>(_id: string, decide: (c: JobRecord | undefined) => Decision<R>) => {
        const d = decide(stored);
        if (d.write) stored = d.write;
        return Promise.resolve(d.result);
      },
    };
    const holder = { record: claimed };
    const onLeaseLost = vi.fn();
    const beat = startHeartbeat({
      queue: queue as QueuePort,
      ledger: ledger as LedgerPort,
      clock: { now: () => Date.now() },
      logger: pino({ level: 'silent' }),
      receiptHandle: 'rh',
      holder,
      workerId: 'me',
      periodSeconds: 30,
      visibilitySeconds: 60,
      leaseMs: 55_000,
      progress: () => ({ stage: 'transcoding', percent: 12.5 }),
      onLeaseLost,
    });
    return {
      beat,
      visibility,
      holder,
      onLeaseLost,
      steal: () =>
        (stored = {
          ...stored,
          lease: { owner: 'other', expiresAt: Infinity },
          version: stored.version + 1,
        }),
      stored: () => stored,
    };
  }

  it('extends visibility and the lease every period, with progress, and stops cleanly', async () => {
    const t0 = Date.now();
    const { beat, visibility, holder, stored } = setup();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(visibility).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(visibility).toEqual([
      { at: t0 + 30_000, seconds: 60 },
      { at: t0 + 60_000, seconds: 60 },
      { at: t0 + 90_000, seconds: 60 },
    ]);
    expect(stored().lease?.expiresAt).toBe(t0 + 90_000 + 55_000);
    expect(stored().progress?.percent).toBe(12.5);
    expect(holder.record).toBe(stored());
    await beat.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(visibility).toHaveLength(3);
  });

  it('reports a lease taken by another worker and stops beating', async () => {
    const { visibility, onLeaseLost, steal } = setup();
    await vi.advanceTimersByTimeAsync(30_000);
    steal();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(onLeaseLost).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(visibility).toHaveLength(2);
  });
});
