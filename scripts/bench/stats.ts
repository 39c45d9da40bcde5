import { performance } from 'node:perf_hooks';
import { loadControlConfig } from '../../worker/src/config/control.ts';
import { ControlService } from '../../worker/src/control/service.ts';
import { createAwsClients, createControlDeps } from '../../worker/src/wiring/deps.ts';
import { DynamoLedger } from '../../worker/src/ledger/dynamo-ledger.ts';
import { decideClaim, decideFailure, decideSuccess } from '../../worker/src/record/job-record.ts';
import { localClients, workerEnvironment, type StackEndpoints } from '../local-stack/index.ts';
import { provision, type Resources } from '../local-stack/provision.ts';
import { median } from './measure.ts';

export interface StatsResult {
  readonly calls: number;
  readonly small: { readonly jobs: number; readonly medianMs: number };
  readonly large: {
    readonly jobs: number;
    readonly medianMs: number;
    readonly recordSeconds: number;
  };
  /** Median of the per-pair ratios large/small. Target: at most 1.2 (flat). */
  readonly ratio: number;
  /** The stats read back: exact, so succeeded + failed = jobs recorded. */
  readonly exact: boolean;
}

/**
 * The stats call the API and CLI make (ControlService.stats: the counters plus the queue
 * depths) on a ledger holding `small` jobs and on one holding `large`, each job recorded through
 * the worker's own transitions (claimed, then succeeded or, one in ten, failed). Calls alternate
 * between the two so both see the same machine.
 */
export async function benchStats(
  stack: StackEndpoints,
  options: { small: number; large: number; calls: number },
): Promise<StatsResult> {
  const clients = localClients(stack);
  const small = await provision(clients, { prefix: `bench-stats-s-${process.pid}` });
  const large = await provision(clients, { prefix: `bench-stats-l-${process.pid}` });
  for (const c of Object.values(clients)) c.destroy();
  await record(stack, small, options.small);
  const startedAt = performance.now();
  await record(stack, large, options.large);
  const recordSeconds = (performance.now() - startedAt) / 1000;

  const service = (r: Resources) => {
    const config = loadControlConfig(workerEnvironment(stack, r));
    const aws = createAwsClients(config);
    return { service: new ControlService(createControlDeps(config, aws)), aws };
  };
  const a = service(small);
  const b = service(large);
  try {
    const timed = async (s: ControlService) => {
      const t = performance.now();
      const stats = await s.stats();
      return { ms: performance.now() - t, stats };
    };
    // Warm both connections and code paths.
    for (let i = 0; i < 5; i++) {
      await timed(a.service);
      await timed(b.service);
    }
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    const ratios: number[] = [];
    let exact = true;
    for (let i = 0; i < options.calls; i++) {
      // Alternate which goes first.
      let sa: Awaited<ReturnType<typeof timed>>;
      let y: Awaited<ReturnType<typeof timed>>;
      if (i % 2 === 0) {
        sa = await timed(a.service);
        y = await timed(b.service);
      } else {
        y = await timed(b.service);
        sa = await timed(a.service);
      }
      smallMs.push(sa.ms);
      largeMs.push(y.ms);
      ratios.push(y.ms / sa.ms);
      exact &&=
        sa.stats.succeeded + sa.stats.failed === options.small &&
        y.stats.succeeded + y.stats.failed === options.large;
    }
    return {
      calls: options.calls,
      small: { jobs: options.small, medianMs: round(median(smallMs)) },
      large: {
        jobs: options.large,
        medianMs: round(median(largeMs)),
        recordSeconds: round(recordSeconds),
      },
      ratio: round(median(ratios)),
      exact,
    };
  } finally {
    a.aws.destroy();
    b.aws.destroy();
  }
}

/** Records `count` finished jobs through the ledger's transitions, 32 at a time. */
async function record(stack: StackEndpoints, resources: Resources, count: number): Promise<void> {
  const config = loadControlConfig(workerEnvironment(stack, resources));
  const aws = createAwsClients(config);
  const ledger = new DynamoLedger(aws.dynamodb, resources.tableName);
  let next = 0;
  const one = async (i: number) => {
    const jobId = `stats-${i}`;
    const now = Date.now();
    const claimed = await ledger.transition(
      jobId,
      (current) =>
        decideClaim(current, {
          jobId,
          messageId: `m-${i}`,
          receiveCount: 1,
          workerId: 'bench',
          now,
          leaseMs: 60_000,
          input: 's3://bench/in.mp4',
          output: `s3://bench/out/${jobId}/`,
          request: { version: 1, jobId, input: 's3://bench/in.mp4' },
        }),
      { known: undefined },
    );
    if (claimed.kind !== 'claimed') throw new Error(`could not claim ${jobId}: ${claimed.kind}`);
    const fail = i % 10 === 9;
    await ledger.transition(
      jobId,
      (current) =>
        fail
          ? decideFailure(current, {
              workerId: 'bench',
              now: now + 1,
              final: true,
              outcome: 'failed',
              error: { code: 'INPUT_INVALID', message: 'bench', retryable: false },
            })
          : decideSuccess(current, { workerId: 'bench', now: now + 1, result: { bench: true } }),
      { known: claimed.record },
    );
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(32, count) }, async () => {
        while (next < count) await one(next++);
      }),
    );
  } finally {
    aws.destroy();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
