import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideClaim, type ClaimResult } from '../../worker/src/record/job-record.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

describe('concurrent workers', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('concurrency');
  });
  afterAll(() => env.destroy());

  it('lets exactly one of many simultaneous claims on one job win', async () => {
    const now = Date.now();
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        env.ledger.transition<ClaimResult>(
          'contended',
          (current) =>
            decideClaim(current, {
              jobId: 'contended',
              messageId: `m-${i}`,
              receiveCount: 1,
              workerId: `worker-${i}`,
              now,
              leaseMs: 60_000,
              input: 's3://b/k.mp4',
              output: 's3://b/out/',
              request: {},
            }),
          { known: undefined },
        ),
      ),
    );
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(11);
    const stats = await env.ledgerTotals();
    expect(await env.stats()).toEqual({
      succeeded: stats.succeeded,
      failed: stats.failed,
      running: stats.running,
      retries: stats.retries,
    });
    expect(stats.running).toBe(1);
  });

  it('keeps the stats equal to the ledger with four workers on many messages, duplicates and bad ones', async () => {
    const input = await env.putSource(
      'in/tiny.mp4',
      await makeClip({ seconds: 1, width: 256, height: 144, fps: 15 }),
    );
    const job = (id: string) => ({
      version: 1,
      jobId: id,
      input,
      formats: ['mp4'],
      ladder: [{ height: 144 }],
    });
    const ids = Array.from({ length: 10 }, (_, i) => `batch-${i}`);
    for (const id of ids) await env.send(job(id));
    // Producers retrying: three jobs sent a second time, racing with the first copies.
    for (const id of ids.slice(0, 3)) await env.send(job(id));
    await env.send('not json at all');
    await env.send({ version: 1, jobId: 'bad-format', input, formats: ['avi'] });
    const missing = `s3://${env.resources.bucket}/in/absent.mp4`;
    await env.send({ version: 1, jobId: 'absent', input: missing });

    const short = { VISIBILITY_TIMEOUT_SECONDS: '6', HEARTBEAT_SECONDS: '2' };
    const outcomes: string[] = [];
    const loop = async (n: number) => {
      for (;;) {
        const result = await env.runWorker({
          ...short,
          WORKER_ID: `loop-${n}`,
          IDLE_TIMEOUT_SECONDS: '2',
        });
        if (result.kind !== 'handled') return;
        outcomes.push(result.outcome);
      }
    };
    await Promise.all([0, 1, 2, 3].map(loop));
    // A duplicate that met its twin still running was left alone; it comes back after the
    // visibility timeout. Let one more worker sweep those up.
    for (
      let depth = await env.depth();
      depth.inFlight + depth.visible > 0;
      depth = await env.depth()
    ) {
      const result = await env.runWorker({ ...short, IDLE_TIMEOUT_SECONDS: '10' });
      if (result.kind === 'handled') outcomes.push(result.outcome);
    }

    const ledger = await env.ledgerTotals();
    const stats = await env.stats();
    expect(stats).toEqual({
      succeeded: ledger.succeeded,
      failed: ledger.failed,
      running: ledger.running,
      retries: ledger.retries,
    });
    const batch = ledger.records.filter((r) => r.jobId.startsWith('batch-'));
    expect(batch).toHaveLength(10);
    expect(batch.every((r) => r.status === 'SUCCEEDED' && r.attempts === 1)).toBe(true);
    expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'duplicate' || o === 'busy').length).toBeGreaterThanOrEqual(
      3,
    );
    expect(outcomes.filter((o) => o === 'dead-lettered')).toHaveLength(3);
    expect(ledger.running).toBe(1); // only the synthetic 'contended' claim above
    expect(await env.drainDeadLetters()).toHaveLength(3);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
