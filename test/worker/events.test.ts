import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionEventTopic, type EventTopic } from '../../scripts/local-stack/provision.ts';
import { signWebhook, type JobEvent } from '../../worker/src/record/job-event.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A webhook receiver on 127.0.0.1 that verifies signatures, and can be told to fail. */
async function startReceiver() {
  const received: { headers: IncomingHttpHeaders; body: string; verified: boolean }[] = [];
  let failNext = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('down');
        return;
      }
      const id = String(req.headers['webhook-id']);
      const ts = Number(req.headers['webhook-timestamp']);
      const fresh = Math.abs(Date.now() / 1000 - ts) < 300;
      const verified =
        fresh && req.headers['webhook-signature'] === signWebhook(SECRET, id, ts, body);
      received.push({ headers: req.headers, body, verified });
      res.writeHead(verified ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/transcoder`,
    received,
    fail(n: number) {
      failNext = n;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Applications hear when a job ends: each terminal state is published once to the
 * deployment's SNS topic (read back through a queue subscribed to it, as an application would)
 * and to the webhook the message names, signed; a webhook that is down never fails the job.
 */
describe('job events', () => {
  let env: TestEnv;
  let topic: EventTopic;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clip: string;
  const settings = () => ({
    EVENTS_SNS_TOPIC_ARN: topic.topicArn,
    EVENTS_SOURCE: 'com.example.media',
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_INSECURE: 'true',
    WEBHOOK_ATTEMPTS: '3',
  });

  beforeAll(async () => {
    env = await createTestEnv('events');
    topic = await provisionEventTopic(env.clients, `events-${env.resources.tableName}`);
    receiver = await startReceiver();
    clip = await makeClip({ seconds: 2, width: 320, height: 180, fps: 25 });
  });
  afterAll(async () => {
    await receiver.stop();
    env.destroy();
  });

  async function heard(): Promise<JobEvent[]> {
    const events: JobEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await env.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: topic.tapQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const m of out.Messages ?? []) {
        events.push(JSON.parse(m.Body!) as JobEvent);
        await env.clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: topic.tapQueueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
    return events;
  }

  it('announces a finished job once on SNS and once, signed, on its webhook', async () => {
    const input = await env.putSource('in/ok.mp4', clip);
    await env.send({
      version: 1,
      jobId: 'ok',
      input,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
      webhook: receiver.url,
    });
    expect(await env.runWorker(settings())).toEqual({ kind: 'handled', outcome: 'succeeded' });

    const events = await heard();
    expect(events).toHaveLength(1);
    const record = await env.record('ok');
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      id: 'ok.SUCCEEDED.1',
      source: 'com.example.media',
      type: 'keda-transcoder.job.succeeded',
      subject: 'ok',
      data: { version: 1, jobId: 'ok', status: 'SUCCEEDED', attempts: 1, result: record!.result },
    });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.verified).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toEqual(events[0]);
    expect(receiver.received[0]!.headers['webhook-id']).toBe('ok.SUCCEEDED.1');
    expect(record!.notifications).toMatchObject({
      eventId: 'ok.SUCCEEDED.1',
      state: 'done',
      deliveries: [
        { target: 'sns', ok: true, attempts: 1 },
        { target: 'webhook', ok: true, attempts: 1 },
      ],
    });
    receiver.received.length = 0;
  });

  it('announces a split job as PLAYABLE while it runs (its growing master), then its end, on SNS and its webhook', async () => {
    const long = await makeClip({ seconds: 12, width: 320, height: 180, fps: 25 });
    const input = await env.putSource('in/long.mp4', long);
    await env.send({
      version: 1,
      jobId: 'long',
      input,
      ladder: [{ height: 144 }],
      webhook: receiver.url,
    });
    const split = { ...settings(), SPLIT_THRESHOLD_SECONDS: '6', CHUNK_SECONDS: '4' };
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const out = await env.runWorker(split);
      outcomes.push(out.kind === 'handled' ? out.outcome : out.kind);
      if ((await env.record('long'))?.status === 'SUCCEEDED') break;
    }
    // The plan, the audio, three chunks, the stitch.
    expect(outcomes).toEqual([
      'split',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const record = (await env.record('long'))!;
    const master = `${input.replace(/in\/long\.mp4$/, '')}outputs/long/hls/master.m3u8`;
    expect(record.playable).toMatchObject({ master, event: 'done' });
    const events = await heard();
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['keda-transcoder.job.playable', `long.PLAYABLE.${record.fanout!.id}`],
      ['keda-transcoder.job.succeeded', `long.SUCCEEDED.${record.attempts}`],
    ]);
    expect(events[0]).toMatchObject({
      subject: 'long',
      time: record.playable!.at,
      data: { jobId: 'long', status: 'RUNNING', playable: { at: record.playable!.at, master } },
    });
    expect(receiver.received.map((r) => (JSON.parse(r.body) as JobEvent).type)).toEqual([
      'keda-transcoder.job.playable',
      'keda-transcoder.job.succeeded',
    ]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    receiver.received.length = 0;
  });

  it('announces a failed job with its error code and reason', async () => {
    const text = join(ROOT, '.local', 'not-a-video.mp4');
    writeFileSync(text, 'not a video at all\n'.repeat(100));
    const input = await env.putSource('in/bad.mp4', text);
    await env.send({ version: 1, jobId: 'bad', input, webhook: receiver.url });
    expect(await env.runWorker(settings())).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const [event, ...more] = await heard();
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      id: 'bad.FAILED.1',
      type: 'keda-transcoder.job.failed',
      data: { status: 'FAILED', error: { code: 'INVALID_MEDIA', retryable: false } },
    });
    expect(event!.data.error!.message).toMatch(/not a readable media file/);
    expect(receiver.received.map((r) => JSON.parse(r.body) as JobEvent)).toEqual([event]);
    receiver.received.length = 0;
    await env.drainDeadLetters();
  });

  it('retries a webhook that is down; the job ends SUCCEEDED either way, and the record says what happened', async () => {
    const input = await env.putSource('in/flaky.mp4', clip);
    receiver.fail(2); // two 503s, then it answers
    await env.send({
      version: 1,
      jobId: 'flaky',
      input,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
      webhook: receiver.url,
    });
    expect(await env.runWorker(settings())).toEqual({ kind: 'handled', outcome: 'succeeded' });
    expect((await env.record('flaky'))!.notifications!.deliveries).toContainEqual(
      expect.objectContaining({ target: 'webhook', ok: true, attempts: 3 }),
    );
    expect(receiver.received).toHaveLength(1);
    receiver.received.length = 0;

    receiver.fail(100); // down for good
    await env.send({
      version: 1,
      jobId: 'down',
      input,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
      webhook: receiver.url,
    });
    expect(await env.runWorker(settings())).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const down = await env.record('down');
    expect(down!.status).toBe('SUCCEEDED');
    expect(down!.notifications!.deliveries).toEqual([
      expect.objectContaining({ target: 'sns', ok: true }),
      expect.objectContaining({ target: 'webhook', ok: false, attempts: 3, error: 'HTTP 503' }),
    ]);
    receiver.fail(0);
    expect((await heard()).map((e) => e.id)).toEqual(['flaky.SUCCEEDED.1', 'down.SUCCEEDED.1']);
  });

  it("sends the events of a worker that died before sending them, on its message's redelivery", async () => {
    const input = await env.putSource('in/orphan.mp4', clip);
    const body = {
      version: 1,
      jobId: 'orphan',
      input,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
    };
    await env.send(body);
    // The first worker finishes the job but dies before any event goes out: here, by having no
    // destination configured yet while the record is marked pending by hand.
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const finished = (await env.record('orphan'))!;
    await env.ledger.transition(
      'orphan',
      (current) => ({
        write: {
          ...current!,
          version: current!.version + 1,
          notifications: { eventId: 'orphan.SUCCEEDED.1', state: 'pending' },
        },
        result: undefined,
      }),
      { known: finished },
    );
    const before = await env.stats();
    await env.send(body); // the message comes back, as it would after the dead worker's visibility
    expect(await env.runWorker(settings())).toEqual({ kind: 'handled', outcome: 'duplicate' });
    expect((await heard()).map((e) => e.id)).toEqual(['orphan.SUCCEEDED.1']);
    expect((await env.record('orphan'))!.notifications!.state).toBe('done');
    // Counted once: the redelivery changed no stats.
    expect(await env.stats()).toEqual(before);
  });
});
