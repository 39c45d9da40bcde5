import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';

describe('SIGTERM mid-transcode', () => {
  let env: TestEnv;
  let input: string;

  beforeAll(async () => {
    env = await createTestEnv('shutdown');
    // Long enough that the transcode is certainly running when the signal comes.
    input = await env.putSource(
      'in/long.mp4',
      await makeClip({ seconds: 60, width: 640, height: 360, fps: 25 }),
    );
  });
  afterAll(() => env.destroy());

  it('stops ffmpeg, makes the message visible again, records the interruption, and the next worker finishes', async () => {
    const before = await env.stats();
    await env.send({ version: 1, jobId: 'interrupted', input });
    const grace = 10;
    const worker = spawn(process.execPath, [join(ROOT, 'worker/src/main.ts')], {
      env: {
        ...process.env,
        ...env.env({ SHUTDOWN_GRACE_SECONDS: String(grace), WORKER_ID: 'pod-a' }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: { msg: string; [k: string]: unknown }[] = [];
    const exited = new Promise<number | null>((resolve) =>
      worker.once('exit', (code) => resolve(code)),
    );

    // Wait until ffmpeg is reporting progress, then send the signal.
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: worker.stdout });
      rl.on('line', (line) => {
        const entry = JSON.parse(line) as { msg: string };
        lines.push(entry);
        if (entry.msg === 'transcode progress') resolve();
      });
      void exited.then(() => reject(new Error('worker exited before transcoding')));
    });
    const running = await env.record('interrupted');
    expect(running).toMatchObject({ status: 'RUNNING', lease: { owner: 'pod-a' } });

    const signalledAt = Date.now();
    worker.kill('SIGTERM');
    const code = await exited;
    const tookMs = Date.now() - signalledAt;

    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(grace * 1000);
    expect(lines.map((l) => l.msg)).toContain('job interrupted; message released');
    // No ffmpeg left behind working on this job.
    expect(processesMentioning(join(env.workDir, 'interrupted'))).toEqual([]);

    const record = await env.record('interrupted');
    expect(record).toMatchObject({ status: 'QUEUED', attempts: 1, retries: 0 });
    expect(record?.lease).toBeUndefined();
    expect(record?.error).toMatchObject({ code: 'INTERRUPTED', retryable: true });
    expect(record?.history[0]).toMatchObject({ outcome: 'interrupted' });
    expect(await env.depth()).toMatchObject({ visible: 1, inFlight: 0 });
    const middle = await env.stats();
    expect(middle.succeeded).toBe(before.succeeded);
    expect(middle.running).toBe(before.running);

    // The next worker takes it from the top and finishes.
    expect(await env.runWorker({ WORKER_ID: 'pod-b' })).toEqual({
      kind: 'handled',
      outcome: 'succeeded',
    });
    const done = await env.record('interrupted');
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2, retries: 1 });
    expect(done?.history.map((h) => [h.worker, h.outcome])).toEqual([
      ['pod-a', 'interrupted'],
      ['pod-b', 'succeeded'],
    ]);
    const after = await env.stats();
    expect(after.succeeded - before.succeeded).toBe(1);
    expect(after.retries - before.retries).toBe(1);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}
