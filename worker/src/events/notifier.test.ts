import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DependencyRejectedError, TransientError } from '../base/errors.ts';
import { buildJobEvent } from '../record/job-event.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { Notifier } from './notifier.ts';
import { isPrivateAddress, postWebhook } from './webhook.ts';

const event = buildJobEvent(
  {
    jobId: 'j1',
    status: 'SUCCEEDED',
    version: 3,
    createdAt: '2026-12-02T10:00:00.000Z',
    updatedAt: '2026-12-02T10:01:00.000Z',
    finishedAt: '2026-12-02T10:01:00.000Z',
    attempts: 1,
    retries: 0,
    history: [],
  },
  'keda-transcoder',
);
const now = () => Date.parse('2026-12-02T10:01:05Z');

describe('Notifier', () => {
  it('tries each destination on its own: one that recovers is delivered, one refused stops at once', async () => {
    const calls: string[] = [];
    let flaky = 0;
    const notifier = new Notifier({
      targets: [
        {
          name: 'sns',
          publish: () => {
            calls.push('sns');
            return ++flaky < 3
              ? Promise.reject(new TransientError('throttled'))
              : Promise.resolve();
          },
        },
        {
          name: 'eventbridge',
          publish: () => {
            calls.push('eventbridge');
            return Promise.reject(new DependencyRejectedError('AccessDenied'));
          },
        },
      ],
      retryDelayMs: 1,
      now,
    });
    expect(await notifier.deliver(event, undefined)).toEqual([
      { target: 'sns', ok: true, attempts: 3, at: '2026-12-02T10:01:05.000Z' },
      {
        target: 'eventbridge',
        ok: false,
        attempts: 1,
        at: '2026-12-02T10:01:05.000Z',
        error: 'AccessDenied',
      },
    ]);
    expect(calls.filter((c) => c === 'eventbridge')).toHaveLength(1);
  });

  it('records a webhook as not delivered when the deployment has no secret to sign it with', async () => {
    const notifier = new Notifier({ targets: [], now });
    expect(notifier.hasTargets).toBe(false);
    const [delivery] = await notifier.deliver(event, 'https://hooks.example.com/x');
    expect(delivery).toMatchObject({ target: 'webhook', ok: false, attempts: 0 });
    expect(delivery!.error).toMatch(/no WEBHOOK_SECRET/);
  });
});

describe('webhooks reach only public HTTPS addresses', () => {
  const options = {
    secret: 'a plain secret of 24 chars',
    timeoutMs: 2000,
    allowInsecure: false,
    now,
  };

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['169.254.169.254', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['::1', true],
    ['fd00::1', true],
    ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('refuses http://, a private address, and a name that resolves to one', async () => {
    await expect(postWebhook('http://hooks.example.com/x', event, options)).rejects.toThrow(
      'webhooks must use https:// (not http://)',
    );
    await expect(postWebhook('https://169.254.169.254/latest', event, options)).rejects.toThrow(
      /169\.254\.169\.254 is a private address/,
    );
    await expect(postWebhook('https://localhost:9/x', event, options)).rejects.toThrow(
      /localhost resolves to (127\.0\.0\.1|::1), a private address/,
    );
  });

  it('posts the event signed, to a local receiver when the deployment allows it', async () => {
    const seen: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await postWebhook(`http://127.0.0.1:${port}/hook`, event, {
        ...options,
        allowInsecure: true,
      });
    } finally {
      server.close();
    }
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.body)).toEqual(event);
    expect(seen[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'j1.SUCCEEDED.1',
      'webhook-timestamp': String(Math.floor(now() / 1000)),
    });
    expect(seen[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  });
});

describe('EventBridgePublisher', () => {
  it('puts one entry shaped like MediaConvert state changes, and fails on a refused entry', async () => {
    const sent: unknown[] = [];
    let answer: object = { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] };
    const client = {
      send: (command: { input: unknown }) => {
        sent.push(command.input);
        return Promise.resolve(answer);
      },
    };
    const publisher = new EventBridgePublisher(
      client as never,
      'arn:aws:events:eu-west-1:123456789012:event-bus/media',
    );
    await publisher.publish(event);
    expect(sent).toEqual([
      {
        Entries: [
          {
            EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/media',
            Source: 'keda-transcoder',
            DetailType: 'Transcode Job State Change',
            Time: new Date('2026-12-02T10:01:00.000Z'),
            Detail: JSON.stringify({ eventId: 'j1.SUCCEEDED.1', ...event.data }),
          },
        ],
      },
    ]);
    answer = {
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }],
    };
    await expect(publisher.publish(event)).rejects.toThrow(DependencyRejectedError);
    answer = {
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' }],
    };
    await expect(publisher.publish(event)).rejects.toThrow(TransientError);
  });
});
