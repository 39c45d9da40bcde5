import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';

/**
 * Retries and the dead-letter queue, with failures injected where AWS would produce them: the
 * worker's S3 traffic goes through a proxy that answers 503 SlowDown for chosen requests, so
 * the SDK parses a real error and the worker classifies it by the SDK's own flags.
 */
describe('retries and the dead-letter queue', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let clip: string;
  const s3ViaProxy = () => ({ AWS_ENDPOINT_URL_S3: proxy.endpoint });

  beforeAll(async () => {
    env = await createTestEnv('retries');
    proxy = await startFaultProxy(env.stack.s3Endpoint);
    clip = await makeClip({ seconds: 2, width: 320, height: 180, fps: 25 });
  });
  afterEach(() => proxy.clear());
  afterAll(async () => {
    await proxy.stop();
    env.destroy();
  });

  const failDownloadsOf = (key: string, times: number) =>
    proxy.add({
      match: (r) => r.method === 'GET' && r.path === `/${env.resources.bucket}/${key}`,
      fault: 's3-slow-down',
      times,
    });

  it('retries a transient failure after the delay, then succeeds and counts one retry', async () => {
    const input = await env.putSource('in/flaky.mp4', clip);
    // Two 503s: every attempt the SDK makes within one worker attempt (AWS_MAX_ATTEMPTS=2).
    failDownloadsOf('in/flaky.mp4', 2);
    const before = await env.stats();
    await env.send({
      version: 1,
      jobId: 'flaky',
      input,
      formats: ['mp4'],
      ladder: [{ height: 144 }],
    });

    const settings = { ...s3ViaProxy(), RETRY_DELAY_SECONDS: '3', RETRY_DELAY_MAX_SECONDS: '3' };
    expect(await env.runWorker(settings)).toEqual({ kind: 'handled', outcome: 'retry-scheduled' });
    expect(proxy.injected).toHaveLength(2);
    const failed = await env.record('flaky');
    expect(failed).toMatchObject({ status: 'QUEUED', attempts: 1, retries: 0 });
    expect(failed?.error).toMatchObject({ code: 'TRANSIENT', retryable: true });
    expect(failed?.error?.message).toMatch(/SlowDown/);
    expect(failed?.history[0]).toMatchObject({ attempt: 1, outcome: 'retry' });

    // Within the delay the message stays hidden: a worker finds nothing.
    expect(await env.runWorker({ ...settings, IDLE_TIMEOUT_SECONDS: '1' })).toEqual({
      kind: 'idle',
    });

    expect(await env.runWorker({ ...settings, IDLE_TIMEOUT_SECONDS: '15' })).toEqual({
      kind: 'handled',
      outcome: 'succeeded',
    });
    const done = await env.record('flaky');
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2, retries: 1, receiveCount: 2 });
    const firstEnded = Date.parse(done!.history[0]!.endedAt!);
    const secondStarted = Date.parse(done!.history[1]!.startedAt);
    expect(secondStarted - firstEnded).toBeGreaterThanOrEqual(3000);

    const after = await env.stats();
    expect(after.succeeded - before.succeeded).toBe(1);
    expect(after.retries - before.retries).toBe(1);
    expect(after.failed).toBe(before.failed);
    expect(await env.drainDeadLetters()).toEqual([]);
  });

  it('fails every try: FAILED and in the dead-letter queue after the third receive, with two retries', async () => {
    const input = await env.putSource('in/always-down.mp4', clip);
    failDownloadsOf('in/always-down.mp4', Infinity);
    const before = await env.stats();
    const body = {
      version: 1,
      jobId: 'always-down',
      input,
      formats: ['mp4'],
      ladder: [{ height: 144 }],
    };
    await env.send(body);

    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const result = await env.runWorker({ ...s3ViaProxy(), IDLE_TIMEOUT_SECONDS: '10' });
      outcomes.push(result.kind === 'handled' ? result.outcome : result.kind);
    }
    expect(outcomes).toEqual(['retry-scheduled', 'retry-scheduled', 'dead-lettered']);

    const record = await env.record('always-down');
    expect(record).toMatchObject({ status: 'FAILED', attempts: 3, retries: 2, receiveCount: 3 });
    expect(record?.error).toMatchObject({ code: 'TRANSIENT', attempt: 3 });
    expect(record?.history.map((h) => h.outcome)).toEqual(['retry', 'retry', 'failed']);

    const dead = await env.drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toEqual(body);
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.jobId]).toBe('always-down');
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.receiveCount]).toBe('3');
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.reason]).toMatch(/SlowDown/);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    expect(after.retries - before.retries).toBe(2);
    expect(after.running).toBe(before.running);
  });

  it('recognises the redelivery of a finished job whose delete was lost, and deletes it without redoing it', async () => {
    const sqsProxy = await startFaultProxy(env.stack.sqsEndpoint);
    try {
      const input = await env.putSource('in/lost-delete.mp4', clip);
      sqsProxy.add({
        match: (r) => r.target === 'AmazonSQS.DeleteMessage',
        fault: 'sqs-internal-error',
        times: 2,
      });
      const settings = { AWS_ENDPOINT_URL_SQS: sqsProxy.endpoint, VISIBILITY_TIMEOUT_SECONDS: '4' };
      const messageId = await env.send({
        version: 1,
        jobId: 'lost-delete',
        input,
        formats: ['mp4'],
        ladder: [{ height: 144 }],
      });

      expect(await env.runWorker(settings)).toEqual({ kind: 'handled', outcome: 'succeeded' });
      expect(sqsProxy.injected.map((r) => r.target)).toEqual([
        'AmazonSQS.DeleteMessage',
        'AmazonSQS.DeleteMessage',
      ]);
      const done = await env.record('lost-delete');
      const stats = await env.stats();

      // The same message (same MessageId) comes back once its visibility runs out.
      expect(await env.runWorker({ ...settings, IDLE_TIMEOUT_SECONDS: '10' })).toEqual({
        kind: 'handled',
        outcome: 'duplicate',
      });
      expect(done?.messageId).toBe(messageId);
      expect(await env.record('lost-delete')).toEqual(done);
      expect(await env.stats()).toEqual(stats);
      expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    } finally {
      await sqsProxy.stop();
    }
  });

  it('sends a permanent failure to the dead-letter queue at once: a missing source', async () => {
    const before = await env.stats();
    const missing = `s3://${env.resources.bucket}/in/never-uploaded.mp4`;
    await env.send({ version: 1, jobId: 'missing', input: missing });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const record = await env.record('missing');
    expect(record).toMatchObject({ status: 'FAILED', attempts: 1, retries: 0 });
    expect(record?.error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', retryable: false });
    const dead = await env.drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.reason]).toBe(`the source ${missing} does not exist`);
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.receiveCount]).toBe('1');
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    expect(after.retries).toBe(before.retries);
  });

  it('sends a permanent failure to the dead-letter queue at once: a text file that is not a video', async () => {
    const file = join(ROOT, '.local', 'not-a-video.mp4');
    writeFileSync(file, 'this is a shopping list, not a film\n'.repeat(100));
    const input = await env.putSource('in/not-a-video.mp4', file);
    await env.send({ version: 1, jobId: 'not-a-video', input });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const record = await env.record('not-a-video');
    expect(record).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(record?.error?.code).toBe('INVALID_MEDIA');
    expect(record?.error?.message).toMatch(/not a readable media file/);
    const dead = await env.drainDeadLetters();
    expect(dead.map((d) => d.attributes[DLQ_ATTRIBUTES.code])).toEqual(['INVALID_MEDIA']);
  });
});
