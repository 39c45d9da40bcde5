import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';

const exec = promisify(execFile);
const OK = 's3://bucket-ok/in/source.mp4';

interface Row {
  readonly name: string;
  readonly body: string | object;
  readonly reason: RegExp;
}

/** Each must end FAILED in the ledger and in the DLQ with a reason a person understands. */
const ROWS: Row[] = [
  {
    name: 'not JSON',
    body: 'please transcode my holiday video',
    reason: /^message body is not JSON/,
  },
  { name: 'a JSON array', body: '[1, 2, 3]', reason: /must be a JSON object, got an array/ },
  {
    name: 'a JSON string',
    body: '"s3://bucket-ok/in/a.mp4"',
    reason: /must be a JSON object, got a string/,
  },
  { name: 'JSON null', body: 'null', reason: /must be a JSON object, got null/ },
  { name: 'no version', body: { input: OK }, reason: /version: must be 1/ },
  { name: 'a future version', body: { version: 2, input: OK }, reason: /version: must be 1/ },
  { name: 'version as a string', body: { version: '1', input: OK }, reason: /version: must be 1/ },
  { name: 'no input', body: { version: 1 }, reason: /input: is required/ },
  {
    name: 'input not a string',
    body: { version: 1, input: 42 },
    reason: /input: Invalid input: expected string/,
  },
  {
    name: 'an https input',
    body: { version: 1, input: 'https://example.com/a.mp4' },
    reason: /input: must be an S3 URI like s3:\/\/bucket/,
  },
  {
    name: 'a bad bucket name',
    body: { version: 1, input: 's3://Bad_Bucket/a.mp4' },
    reason: /bucket "Bad_Bucket" is not a valid S3 bucket name/,
  },
  {
    name: 'a bucket without a key',
    body: { version: 1, input: 's3://bucket-ok/' },
    reason: /no object key/,
  },
  {
    name: '".." in the input key',
    body: { version: 1, input: 's3://bucket-ok/in/../../etc/passwd' },
    reason: /input: key contains a "\.\." path segment/,
  },
  {
    name: '".." in the output prefix',
    body: { version: 1, input: OK, output: 's3://bucket-ok/out/../other/' },
    reason: /output: key contains a "\.\." path segment/,
  },
  {
    name: 'a file:// output',
    body: { version: 1, input: OK, output: 'file:///etc/' },
    reason: /output: must be an S3 URI/,
  },
  {
    name: 'a control character in the key',
    body: { version: 1, input: 's3://bucket-ok/in/a\u0000b.mp4' },
    reason: /control characters/,
  },
  {
    name: 'an unknown field',
    body: { version: 1, input: OK, priority: 'urgent' },
    reason: /unknown field "priority"/,
  },
  {
    name: 'an unknown format',
    body: { version: 1, input: OK, formats: ['webm'] },
    reason: /formats\.0: Invalid option: expected one of "hls"\|"mp4"/,
  },
  {
    name: 'no formats',
    body: { version: 1, input: OK, formats: [] },
    reason: /formats: Too small/,
  },
  {
    name: 'an unknown codec',
    body: { version: 1, input: OK, codecs: ['vp9'] },
    reason: /codecs\.0: must be one of h264, hevc, av1/,
  },
  {
    name: 'a codec twice',
    body: { version: 1, input: OK, codecs: ['av1', 'av1'] },
    reason: /codecs: must not repeat a codec/,
  },
  {
    name: 'an unknown ladder preset',
    body: { version: 1, input: OK, ladder: 'ultra-hd-max' },
    reason: /ladder: must be a preset name \(standard, high, economy\)/,
  },
  {
    name: 'a rung over the limit',
    body: { version: 1, input: OK, ladder: [{ height: 10_000 }] },
    reason: /ladder\.0\.height: Too big/,
  },
  {
    name: 'a path in the jobId',
    body: { version: 1, jobId: '../../etc/cron.d/x', input: OK },
    reason: /jobId: must be 1-128 letters/,
  },
  {
    name: 'thumbnails as a word',
    body: { version: 1, input: OK, thumbnails: 'yes please' },
    reason: /thumbnails: must be true, false or/,
  },
  {
    name: 'an oversized body',
    body: { version: 1, jobId: 'oversized', input: OK, notes: 'x'.repeat(80_000) },
    reason: /^message body is \d+ bytes; the limit is 65536$/,
  },
];

describe('malformed messages', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('malformed');
  });
  afterAll(() => env.destroy());

  it(`sends each of ${ROWS.length} malformed messages to the DLQ with its reason and records it FAILED, without crashing`, async () => {
    const before = await env.stats();
    const sent: { row: Row; messageId: string; body: string }[] = [];
    for (const row of ROWS) {
      const body = typeof row.body === 'string' ? row.body : JSON.stringify(row.body);
      sent.push({ row, messageId: await env.send(body), body });
      const outcome = await env.runWorker();
      expect(outcome, row.name).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    }

    const dead = await env.drainDeadLetters();
    expect(dead).toHaveLength(ROWS.length);
    for (const { row, messageId, body } of sent) {
      const copy = dead.find((d) => d.attributes[DLQ_ATTRIBUTES.sourceMessageId] === messageId);
      expect(copy, row.name).toBeDefined();
      expect(copy!.body, row.name).toBe(body);
      expect(copy!.attributes[DLQ_ATTRIBUTES.code], row.name).toBe('INVALID_MESSAGE');
      expect(copy!.attributes[DLQ_ATTRIBUTES.reason], row.name).toMatch(row.reason);

      const jobId = copy!.attributes[DLQ_ATTRIBUTES.jobId]!;
      const record = await env.record(jobId);
      expect(record?.status, row.name).toBe('FAILED');
      expect(record?.error?.code, row.name).toBe('INVALID_MESSAGE');
      expect(record?.error?.message, row.name).toMatch(row.reason);
    }
    // A body with a well-formed jobId is recorded under it; the rest under their MessageId.
    expect((await env.record('oversized'))?.status).toBe('FAILED');

    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(ROWS.length);
    expect(after.retries).toBe(before.retries);
    expect(after.running).toBe(before.running);
  });

  it('does not let a malformed message overwrite a job that succeeded', async () => {
    const input = await env.putSource(
      'in/good.mp4',
      await makeClip({ seconds: 1, width: 320, height: 180 }),
    );
    await env.send({
      version: 1,
      jobId: 'good-job',
      input,
      formats: ['mp4'],
      ladder: [{ height: 144 }],
    });
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const good = await env.record('good-job');

    await env.send({ version: 1, jobId: 'good-job', input, formats: ['gif'] });
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    expect(await env.record('good-job')).toEqual(good);
    const dead = await env.drainDeadLetters();
    expect(dead.map((d) => d.attributes[DLQ_ATTRIBUTES.jobId])).toEqual(['good-job']);
  });

  it('exits 0 as a process after dead-lettering a malformed message', async () => {
    await env.send('{"version": 1, "input": "s3://bucket-ok/in/a.mp4", "formats": "hls"}');
    const { stdout } = await exec(process.execPath, [join(ROOT, 'worker/src/main.ts')], {
      env: { ...process.env, ...env.env() },
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; outcome?: string });
    expect(lines.at(-1)).toMatchObject({ msg: 'worker done', outcome: 'dead-lettered' });
    expect(await env.drainDeadLetters()).toHaveLength(1);
  });
});
