import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';

const exec = promisify(execFile);
/** Debian's awscli (v2), not whatever else `aws` on PATH may be. */
const AWS = '/usr/bin/aws';

describe('work dropped with the real AWS CLI', () => {
  let env: TestEnv;
  let aws: (args: string[], endpoint: string) => Promise<string>;

  beforeAll(async () => {
    env = await createTestEnv('awscli');
    const dir = join(ROOT, '.local', 'test-awscli');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'config');
    // Path-style S3 addressing, as every S3 emulator needs.
    writeFileSync(config, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
    aws = async (args, endpoint) =>
      (
        await exec(AWS, ['--endpoint-url', endpoint, '--output', 'json', ...args], {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_CONFIG_FILE: config,
            AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_PAGER: '',
          },
        })
      ).stdout;
  });
  afterAll(() => env.destroy());

  it('uploads with aws s3 cp, enqueues with aws sqs send-message, and the worker runs it', async () => {
    const clip = await makeClip({ seconds: 1, width: 320, height: 180 });
    await aws(
      ['s3', 'cp', clip, `s3://${env.resources.bucket}/uploads/cli.mp4`],
      env.stack.s3Endpoint,
    );
    const body = JSON.stringify({
      version: 1,
      jobId: 'from-aws-cli',
      input: `s3://${env.resources.bucket}/uploads/cli.mp4`,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
    });
    const sent = JSON.parse(
      await aws(
        ['sqs', 'send-message', '--queue-url', env.resources.queueUrl, '--message-body', body],
        env.stack.sqsEndpoint,
      ),
    ) as { MessageId: string };
    expect(sent.MessageId).toMatch(/\S+/);
    const depth = JSON.parse(
      await aws(
        [
          'sqs',
          'get-queue-attributes',
          '--queue-url',
          env.resources.queueUrl,
          '--attribute-names',
          'ApproximateNumberOfMessages',
        ],
        env.stack.sqsEndpoint,
      ),
    ) as { Attributes: Record<string, string> };
    expect(depth.Attributes.ApproximateNumberOfMessages).toBe('1');

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    expect(await env.record('from-aws-cli')).toMatchObject({
      status: 'SUCCEEDED',
      messageId: sent.MessageId,
    });
    const listed = JSON.parse(
      await aws(
        [
          's3api',
          'list-objects-v2',
          '--bucket',
          env.resources.bucket,
          '--prefix',
          'outputs/from-aws-cli/',
        ],
        env.stack.s3Endpoint,
      ),
    ) as { Contents: { Key: string }[] };
    expect(listed.Contents.map((o) => o.Key)).toContain('outputs/from-aws-cli/mp4/144p.mp4');
  });

  it('takes every aws sqs command a person types: batches, an empty receive, visibility, deletes', async () => {
    const sqs = async (...args: string[]) => {
      const out = await aws(
        ['sqs', ...args, '--queue-url', env.resources.queueUrl],
        env.stack.sqsEndpoint,
      );
      return (out.trim() ? JSON.parse(out) : {}) as Record<string, unknown>;
    };
    // An empty queue answers with nothing, not with a crash of the CLI.
    expect(await sqs('receive-message', '--wait-time-seconds', '0')).toEqual({});

    const job = (id: string) => JSON.stringify({ version: 1, jobId: id, input: 's3://b/in/a.mp4' });
    const sent = await sqs(
      'send-message-batch',
      '--entries',
      JSON.stringify([
        { Id: 'first', MessageBody: job('batch-1') },
        {
          Id: 'second',
          MessageBody: job('batch-2'),
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'cli' } },
        },
      ]),
    );
    expect((sent.Successful as { Id: string }[]).map((e) => e.Id).sort()).toEqual([
      'first',
      'second',
    ]);
    expect(sent.Failed ?? []).toEqual([]);
    const attributes = await sqs('get-queue-attributes', '--attribute-names', 'All');
    expect((attributes.Attributes as Record<string, string>).ApproximateNumberOfMessages).toBe('2');

    const received = (
      await sqs(
        'receive-message',
        '--max-number-of-messages',
        '10',
        '--message-attribute-names',
        'All',
        '--visibility-timeout',
        '60',
      )
    ).Messages as {
      Body: string;
      ReceiptHandle: string;
      MessageAttributes?: Record<string, { StringValue: string }>;
    }[];
    const jobIdOf = (m: { Body: string }) => (JSON.parse(m.Body) as { jobId: string }).jobId;
    expect(received.map(jobIdOf).sort()).toEqual(['batch-1', 'batch-2']);
    const withOrigin = received.find((m) => jobIdOf(m) === 'batch-2')!;
    expect(withOrigin.MessageAttributes?.origin?.StringValue).toBe('cli');

    await sqs(
      'change-message-visibility',
      '--receipt-handle',
      received[0]!.ReceiptHandle,
      '--visibility-timeout',
      '120',
    );
    const deleted = await sqs(
      'delete-message-batch',
      '--entries',
      JSON.stringify(received.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle }))),
    );
    expect((deleted.Successful as unknown[]).length).toBe(2);
    const after = await sqs(
      'get-queue-attributes',
      '--attribute-names',
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
    );
    expect(after.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });
});
