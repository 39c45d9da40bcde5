import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueArgs, RUN_KEY_VARIABLE } from '../../charts/config/schedules.ts';
import { startApi, TOKEN } from '../support/api.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';

const exec = promisify(execFile);
const CLI = join(ROOT, 'worker/src/cli/main.ts');

/** The CLI as a person runs it: a process, its output and its exit code. */
describe('the keda-transcoder CLI', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let clip: string;

  beforeAll(async () => {
    env = await createTestEnv('cli');
    api = await startApi(env);
    clip = await makeClip({ seconds: 1, width: 320, height: 180 });
  });
  afterAll(async () => {
    await api.stop();
    env.destroy();
  });

  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    exec(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env.env(), ...extraEnv },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  it('explains itself with examples', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['enqueue', 'status', 'list', 'stats', 'schedule', 'dlq'])
      expect(stdout).toContain(command);
    expect(stdout).toContain('Examples:');
    expect((await run(['dlq', '--help'])).stdout).toMatch(/list[\s\S]*redrive/);
  });

  it('probes an s3:// source with the environment the worker has, and says why one cannot be read', async () => {
    const input = await env.putSource('uploads/probe-me.mp4', clip);
    const ok = await run(['probe', input, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      file: input,
      accepted: true,
      source: { width: 320, height: 180, audio: 'aac' },
      rungs: [{ name: '144p' }],
    });
    const missing = await run(['probe', `s3://${env.resources.bucket}/uploads/nothing.mp4`]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(
      /nothing\.mp4: refused \([A-Z_]+\): .*(not found|does not exist)/i,
    );
  });

  it('uploads a local file, enqueues it, and follows it to SUCCEEDED', async () => {
    const enqueued = await run([
      'enqueue',
      clip,
      '--job-id',
      'cli-1',
      '--formats',
      'mp4',
      '--ladder',
      '[{"height":144}]',
    ]);
    expect(enqueued).toMatchObject({ code: 0, stdout: 'cli-1 QUEUED\n' });
    expect(enqueued.stderr).toMatch(
      new RegExp(`uploaded .* to s3://${env.resources.bucket}/uploads/`),
    );
    expect((await run(['status', 'cli-1'])).stdout).toMatch(/^cli-1 QUEUED/);

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const status = await run(['status', 'cli-1']);
    expect(status.stdout).toMatch(/^cli-1 SUCCEEDED {2}attempts 1, retries 0/);
    expect(status.stdout).toMatch(/144p +256x144/);
    const json = JSON.parse((await run(['--json', 'status', 'cli-1'])).stdout) as {
      status: string;
      result: { output: string };
    };
    expect(json.status).toBe('SUCCEEDED');
    expect(json.result.output).toBe(`s3://${env.resources.bucket}/outputs/cli-1/`);

    const list = JSON.parse((await run(['list', '--json', '--limit', '5'])).stdout) as {
      items: { jobId: string }[];
    };
    expect(list.items.map((j) => j.jobId)).toContain('cli-1');
    const stats = JSON.parse((await run(['stats', '--json'])).stdout) as {
      succeeded: number;
      queue: { visible: number };
    };
    expect(stats.succeeded).toBe(1);
    expect((await run(['stats'])).stdout).toMatch(
      /^succeeded 1 {2}failed 0 {2}retries 0 {2}running 0/,
    );
  });

  it('reports a job it cannot find, and a job it refuses, with exit codes', async () => {
    expect(await run(['status', 'no-such-job'])).toMatchObject({
      code: 3,
      stderr: 'no job no-such-job\n',
    });
    const bad = await run(['enqueue', 's3://Bad_Bucket/a.mp4']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/input: bucket "Bad_Bucket" is not a valid S3 bucket name/);
    const usage = await run(['list', '--limit', 'many']);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/must be a whole number/);
  });

  it('lists the dead-letter queue with reasons and redrives it', async () => {
    await run(['enqueue', `s3://${env.resources.bucket}/in/absent.mp4`, '--job-id', 'cli-dead']);
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const list = await run(['dlq', 'list']);
    expect(list.stdout).toMatch(
      /^cli-dead {2}FAILED {2}SOURCE_UNAVAILABLE: the source s3:\/\/.*absent\.mp4 does not exist/m,
    );
    expect(JSON.parse((await run(['dlq', 'redrive', '--json'])).stdout)).toEqual({
      mode: 'resend',
      moved: 1,
    });
    expect((await env.depth()).visible).toBe(1);
    await env.runWorker();
    await env.drainDeadLetters();
  });

  it("enqueues as a schedule's CronJob does: once per scheduled time, however often it retries", async () => {
    const job = {
      version: 1,
      input: `s3://${env.resources.bucket}/in/weekly.mp4`,
      formats: ['hls'],
      ladder: 'economy',
    };
    // Kubernetes expands $(VAR) in args from the container's environment; so does this.
    const asKubelet = (runName: string) =>
      enqueueArgs(job).map((a) => a.replace(`$(${RUN_KEY_VARIABLE})`, runName));
    const before = (await env.depth()).visible;
    const first = await run(asKubelet('promo-29395620'));
    expect(first.code).toBe(0);
    const retried = await run(asKubelet('promo-29395620'));
    const next = await run(asKubelet('promo-29405700'));
    const [a, b, c] = [first, retried, next].map((r) => JSON.parse(r.stdout) as { jobId: string });
    expect(b!.jobId).toBe(a!.jobId);
    expect(c!.jobId).not.toBe(a!.jobId);
    expect((await env.depth()).visible).toBe(before + 2);
    expect(JSON.parse((await run(['--json', 'status', a!.jobId])).stdout)).toMatchObject({
      status: 'QUEUED',
    });
    const sent = (await env.drainQueue()).map((body) => JSON.parse(body) as object);
    expect(sent).toEqual(
      expect.arrayContaining([
        { ...job, jobId: a!.jobId },
        { ...job, jobId: c!.jobId },
      ]),
    );
  });

  it('needs EventBridge Scheduler for schedules and says so', async () => {
    const result = await run([
      'schedule',
      'add',
      '0 7 * * MON',
      '--input',
      `s3://${env.resources.bucket}/in/x.mp4`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/schedules need EventBridge Scheduler: set SCHEDULER_ROLE_ARN/);
  });

  it('talks to the API with --api, uploading through a presigned URL', async () => {
    const bare = { KT_API_URL: '', QUEUE_URL: '', TABLE_NAME: '' };
    const viaApi = (args: string[], token = TOKEN) =>
      run(['--api', api.url, '--token', token, ...args], bare);
    const enqueued = await viaApi([
      '--json',
      'enqueue',
      clip,
      '--job-id',
      'cli-api',
      '--formats',
      'mp4',
      '--ladder',
      'economy',
    ]);
    expect(enqueued.code).toBe(0);
    const body = JSON.parse(enqueued.stdout) as { jobId: string; input: string };
    expect(body.jobId).toBe('cli-api');
    expect(body.input).toMatch(new RegExp(`^s3://${env.resources.bucket}/uploads/.*\\.mp4$`));
    expect((await viaApi(['status', 'cli-api'])).stdout).toMatch(/^cli-api QUEUED/);
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    expect((await viaApi(['status', 'cli-api'])).stdout).toMatch(/^cli-api SUCCEEDED/);
    const denied = await viaApi(['stats'], 'not-the-right-token-at-all');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/a valid bearer token is required/);
  });

  it('names the missing settings when neither the environment nor --api is given', async () => {
    const result = await exec(process.execPath, [CLI, 'stats'], {
      env: { PATH: process.env.PATH },
    }).catch((err: { code: number; stderr: string }) => err);
    expect((result as { code: number }).code).toBe(2);
    expect((result as { stderr: string }).stderr).toMatch(
      /QUEUE_URL: is required[\s\S]*TABLE_NAME: is required[\s\S]*or use --api/,
    );
  });
});
