import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack/index.ts';
import type { JobRecord } from '../../worker/src/record/job-record.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';
import { spawnWorker } from '../support/worker-process.ts';

const QUICK = {
  VISIBILITY_TIMEOUT_SECONDS: '6',
  HEARTBEAT_SECONDS: '2',
  RETRY_DELAY_SECONDS: '1',
  RETRY_DELAY_MAX_SECONDS: '2',
  IDLE_TIMEOUT_SECONDS: '12',
  AWS_MAX_ATTEMPTS: '2',
};

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The job is in ffmpeg, with progress recorded: the middle of a transcode. */
const transcoding = (env: TestEnv, jobId: string) =>
  until(`${jobId} to be transcoding`, async () => {
    const r = await env.record(jobId);
    return r?.status === 'RUNNING' && r.progress?.stage === 'transcoding' && r.progress.percent > 0
      ? r
      : undefined;
  });

/** Runs workers (as processes) until the job is finished, as KEDA would keep starting pods. */
async function workUntilDone(env: TestEnv, jobId: string, logFile: string): Promise<JobRecord> {
  for (let i = 0; i < 8; i++) {
    const worker = spawnWorker(env.env(QUICK), logFile);
    await worker.exited;
    const r = await env.record(jobId);
    if (r?.status === 'SUCCEEDED' || r?.status === 'FAILED') return r;
  }
  throw new Error(`${jobId} did not finish`);
}

function ffmpegProcessesUnder(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.startsWith('ffmpeg') && cmd.includes(dir) ? [cmd] : [];
      } catch {
        return [];
      }
    });
}

describe('a worker SIGKILLed mid-transcode', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('sigkill', { visibilityTimeoutSeconds: 6 });
  });
  afterAll(() => env.destroy());

  it('runs again after the visibility timeout and succeeds once; the stats count one success and one retry', async () => {
    const input = await env.putSource(
      'in/kill.mp4',
      await makeClip({ seconds: 20, width: 640, height: 360 }),
    );
    await env.send({ version: 1, jobId: 'killed-1', input, ladder: 'economy', formats: ['hls'] });
    const logFile = join(ROOT, '.local', 'test-logs', 'sigkill.log');
    const victim = spawnWorker(env.env(QUICK), logFile);
    const running = await transcoding(env, 'killed-1');
    victim.killGroup();
    expect((await victim.exited).signal).toBe('SIGKILL');
    // The pod and its ffmpeg are gone together; nothing of it keeps writing.
    await new Promise((r) => setTimeout(r, 300));
    expect(ffmpegProcessesUnder(env.workDir)).toEqual([]);

    const done = await workUntilDone(env, 'killed-1', logFile);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2, retries: 1 });
    expect(done.history.map((h) => h.outcome)).toEqual(['lost', 'succeeded']);
    expect(done.history[0]!.worker).toBe(running.lease!.owner);
    expect(await env.stats()).toEqual({ succeeded: 1, failed: 0, running: 0, retries: 1 });
    const totals = await env.ledgerTotals();
    expect({ ...totals, records: undefined }).toEqual({
      succeeded: 1,
      failed: 0,
      running: 0,
      retries: 1,
      records: undefined,
    });
    expect(await env.drainDeadLetters()).toEqual([]);
    expect((await env.listOutputs('outputs/killed-1/hls/')).length).toBeGreaterThan(4);
  });
});

describe('the emulators stopped and restarted during a job', () => {
  let stack: LocalStack;
  let env: TestEnv;
  beforeAll(async () => {
    // A stack of its own: stopping the shared one would break the other test files.
    stack = await startLocalStack({
      stateDir: join(ROOT, '.local', 'test-outage-stack'),
      persistent: true,
    });
    env = await createTestEnv('outage', {
      stack,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 6,
    });
  }, 60_000);
  afterAll(async () => {
    env?.destroy();
    await stack?.stop();
  });

  it.each([
    ['fauxqs (SQS and S3)', 'fauxqs'],
    ['DynamoDB Local', 'dynamodb-local'],
  ] as const)(
    '%s: a transient failure, a retry, no loss, no double count',
    async (_label, server) => {
      const jobId = `outage-${server}`;
      const input = await env.putSource(
        `in/${jobId}.mp4`,
        await makeClip({ seconds: 12, width: 640, height: 360 }),
      );
      const before = await env.stats();
      await env.send({ version: 1, jobId, input, ladder: 'economy', formats: ['hls'] });
      const logFile = join(ROOT, '.local', 'test-logs', `${jobId}.log`);
      const worker = spawnWorker(env.env({ ...QUICK, MAX_RECEIVE_COUNT: '5' }), logFile);
      await transcoding(env, jobId);
      const restart = await stack.outage(server);
      // Down until the worker has met the outage and given up on this attempt.
      const exit = await worker.exited;
      await restart();
      expect(exit.signal).toBeNull();

      const done = await workUntilDone(env, jobId, logFile);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.retries).toBeGreaterThanOrEqual(1);
      const after = await env.stats();
      expect(after.succeeded - before.succeeded).toBe(1);
      expect(after.failed - before.failed).toBe(0);
      expect(after.retries - before.retries).toBe(done.retries);
      expect(after.running).toBe(0);
      const totals = await env.ledgerTotals();
      expect(totals.succeeded).toBe(after.succeeded);
      expect(totals.retries).toBe(after.retries);
      expect(await env.drainDeadLetters()).toEqual([]);
      expect((await env.depth()).visible + (await env.depth()).inFlight).toBe(0);
      const master = await env.getObject(`outputs/${jobId}/hls/master.m3u8`);
      expect(master.body.toString()).toMatch(/^#EXTM3U/);
    },
    120_000,
  );
});
