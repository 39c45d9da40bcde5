import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/env.ts';

const exec = promisify(execFile);

describe('worker start-up', () => {
  it('exits 2 and names every bad field when the configuration is wrong', async () => {
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      OUTPUT_URI: 'bucket/prefix',
      VISIBILITY_TIMEOUT_SECONDS: '60',
      HEARTBEAT_SECONDS: '45',
    };
    const failure = await exec(process.execPath, [join(ROOT, 'worker/src/main.ts')], { env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('invalid configuration');
    for (const field of [
      'DLQ_URL: is required',
      'TABLE_NAME: is required',
      'OUTPUT_URI: must be an S3 URI',
      'HEARTBEAT_SECONDS: must be at most half',
    ]) {
      expect(failure?.stderr).toContain(field);
    }
  });
});
