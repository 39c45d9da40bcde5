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
});
