// The API answers arbitrary JSON; the tests read it loosely.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument */
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideClaim } from '../../worker/src/record/job-record.ts';
import { startApi, TOKEN } from '../support/api.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

describe('control API over real HTTP', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let source: string;
  const tiny = { formats: ['mp4'], ladder: [{ height: 144 }] };

  beforeAll(async () => {
    env = await createTestEnv('api');
    api = await startApi(env);
    source = await env.putSource(
      'in/api.mp4',
      await makeClip({ seconds: 1, width: 320, height: 180 }),
    );
  });
  afterAll(async () => {
    await api.stop();
    env.destroy();
  });

  it('serves health, readiness and the OpenAPI document without a token', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status, path).toBe(200);
    }
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/jobs',
        '/jobs/{id}',
        '/jobs/stats',
        '/jobs/schedule',
        '/jobs/schedules',
        '/jobs/schedules/{name}',
        '/uploads',
        '/dlq',
        '/dlq/redrive',
      ]),
    );
    expect(doc.components.schemas.JobMessage?.required).toEqual(['version', 'input']);
  });

  it('serves the page and its scripts without a token, under a strict content policy', async () => {
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toContain('<script src="/ui/hls.min.js"></script>');
    for (const path of ['/ui/app.js', '/ui/player.js', '/ui/app.css', '/ui/hls.min.js']) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status, path).toBe(200);
    }
  });

  it("reads a finished job's outputs through the API: whole, by range, and nothing else", async () => {
    const created = await api.call('POST', '/jobs', {
      version: 1,
      input: source,
      ladder: [{ height: 144 }],
      formats: ['hls', 'mp4'],
    });
    const { jobId } = created.body as { jobId: string };
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const raw = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/jobs/${jobId}/outputs/${path}`, {
        headers: { Authorization: `Bearer ${TOKEN}`, ...headers },
      });
    const { result } = (await api.call('GET', `/jobs/${jobId}`)).body as {
      result: {
        output: string;
        master: string;
        renditions: { mp4: { uri: string; bytes: number } }[];
      };
    };
    const master = await raw(result.master.slice(result.output.length));
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toMatch(/mpegurl/i);
    expect(await master.text()).toMatch(/^#EXTM3U[\s\S]*RESOLUTION=256x144/);
    const mp4 = result.renditions[0]!.mp4;
    const mp4Path = mp4.uri.slice(result.output.length);
    const part = await raw(mp4Path, { Range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${mp4.bytes}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect((await raw('nothing-here.m3u8')).status).toBe(404);
    // (fetch resolves literal and %2E dot segments itself; %2F reaches the server.)
    expect((await raw('hls%2F..%2F..%2Fother-job%2Fsecret')).status).toBe(400);
    const anonymous = await fetch(`${api.url}/jobs/${jobId}/outputs/${mp4Path}`);
    expect(anonymous.status).toBe(401);
  });

  it('refuses every other route without a valid bearer token', async () => {
    for (const headers of [
      {},
      { Authorization: 'Bearer wrong-token-0000000000' },
      { Authorization: `Basic ${TOKEN}` },
    ]) {
      const response = await fetch(`${api.url}/jobs/stats`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await api.call('GET', '/jobs/stats')).status).toBe(200);
  });

  it('enqueues a job: 202 with the jobId, QUEUED, then the worker runs it', async () => {
    const created = await api.call('POST', '/jobs', { version: 1, input: source, ...tiny });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'QUEUED' });
    const { jobId } = created.body as { jobId: string };
    expect(created.headers.get('location')).toBe(`/jobs/${jobId}`);
    expect((await api.call('GET', `/jobs/${jobId}`)).body).toMatchObject({
      jobId,
      status: 'QUEUED',
      attempts: 0,
      input: source,
    });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const done = await api.call('GET', `/jobs/${jobId}`);
    expect(done.body).toMatchObject({ jobId, status: 'SUCCEEDED', attempts: 1, retries: 0 });
    expect(done.body.result.renditions[0]).toMatchObject({
      name: '144p',
      mp4: { bytes: expect.any(Number) },
    });
    expect(done.body).not.toHaveProperty('version');
  });

  it('returns the same job for a retried request with the same Idempotency-Key', async () => {
    const body = { version: 1, input: source, ...tiny };
    const key = { 'Idempotency-Key': `order-${Date.now()}` };
    const first = await api.call('POST', '/jobs', body, key);
    const second = await api.call('POST', '/jobs', { ...tiny, input: source, version: 1 }, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.jobId).toBe(first.body.jobId);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await env.depth()).visible).toBe(1);
    const reused = await api.call('POST', '/jobs', { ...body, formats: ['hls'] }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency-key-reused');
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
  });

  it('refuses a jobId that is already taken', async () => {
    const body = { version: 1, jobId: 'taken-1', input: source, ...tiny };
    expect((await api.call('POST', '/jobs', body)).status).toBe(202);
    const again = await api.call('POST', '/jobs', body);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/job taken-1 already exists \(QUEUED\)/);
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
  });

  it('lists jobs newest first, by status, in pages with a cursor, from the index', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await api.call('POST', '/jobs', {
        version: 1,
        jobId: `page-${i}`,
        input: source,
        ...tiny,
      });
      ids.push(r.body.jobId);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call(
        'GET',
        `/jobs?status=QUEUED&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((j: { jobId: string }) => j.jobId));
      cursor = page.body.cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const all = await api.call('GET', '/jobs?limit=100');
    const created = all.body.items.map((j: { createdAt: string }) => j.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(all.body.items.length).toBeGreaterThanOrEqual(10);
    // Drain them so later tests start from an empty queue.
    for (let i = 0; i < 7; i++) await env.runWorker();
  });

  it('keeps the stats exact after a mixed run, with the queue depths', async () => {
    await api.call('POST', '/jobs', { version: 1, jobId: 'mixed-ok', input: source, ...tiny });
    await api.call('POST', '/jobs', {
      version: 1,
      jobId: 'mixed-missing',
      input: `s3://${env.resources.bucket}/in/none.mp4`,
    });
    await env.send('this is not a job');
    for (let i = 0; i < 3; i++) await env.runWorker();
    const stats = await api.call('GET', '/jobs/stats');
    const ledger = await env.ledgerTotals();
    expect(stats.body).toMatchObject({
      succeeded: ledger.succeeded,
      failed: ledger.failed,
      running: ledger.running,
      retries: ledger.retries,
      queue: { visible: 0, inFlight: 0, delayed: 0 },
      deadLetterQueue: { visible: 2 },
    });
    expect(ledger.failed).toBe(2);
  });

  it('lists the dead letters with their reasons, and redrives them', async () => {
    const dlq = await api.call('GET', '/dlq');
    expect(dlq.status).toBe(200);
    const missing = dlq.body.items.find((d: { jobId: string }) => d.jobId === 'mixed-missing');
    expect(missing).toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      status: 'FAILED',
      receiveCount: 1,
    });
    expect(missing.reason).toMatch(/does not exist/);
    expect(dlq.body.items.some((d: { code: string }) => d.code === 'INVALID_MESSAGE')).toBe(true);
    expect((await env.depth(env.resources.deadLetterQueueUrl)).visible).toBe(2); // peeking took nothing

    const redrive = await api.call('POST', '/dlq/redrive');
    expect(redrive.status).toBe(202);
    expect(redrive.body).toEqual({ mode: 'resend', moved: 2 });
    expect((await env.depth()).visible).toBe(2);
    expect((await env.depth(env.resources.deadLetterQueueUrl)).visible).toBe(0);
    // The redriven copy is a new delivery: the FAILED job runs again (and fails again, the
    // source still missing), counted as a retry.
    await env.runWorker();
    await env.runWorker();
    expect(await env.record('mixed-missing')).toMatchObject({
      status: 'FAILED',
      attempts: 2,
      retries: 1,
    });
    await env.drainDeadLetters();
  });

  it('records FAILED a job whose worker died on its last attempt, found when listing the DLQ', async () => {
    // A worker claimed the job long ago and vanished; SQS's redrive moved the message.
    const past = Date.now() - 3_600_000;
    await env.ledger.transition(
      'lost-1',
      (current) =>
        decideClaim(current, {
          jobId: 'lost-1',
          messageId: 'm-lost',
          receiveCount: 3,
          workerId: 'gone',
          now: past,
          leaseMs: 60_000,
          input: source,
          output: 's3://x/y/',
          request: {},
        }),
      { known: undefined },
    );
    await env.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: env.resources.deadLetterQueueUrl,
        MessageBody: JSON.stringify({ version: 1, jobId: 'lost-1', input: source }),
      }),
    );
    const before = await api.call('GET', '/jobs/stats');
    const dlq = await api.call('GET', '/dlq');
    expect(dlq.body.items.find((d: { jobId: string }) => d.jobId === 'lost-1')).toMatchObject({
      status: 'FAILED',
      code: 'WORKER_LOST',
    });
    const after = await api.call('GET', '/jobs/stats');
    expect(after.body.running - before.body.running).toBe(-1);
    expect(after.body.failed - before.body.failed).toBe(1);
    await env.drainDeadLetters();
  });

  it('hands out a presigned upload, and the uploaded file becomes a job', async () => {
    const file = await makeClip({ seconds: 1, width: 320, height: 180 });
    const bytes = readFileSync(file);
    const upload = await api.call('POST', '/uploads', {
      filename: 'my holiday.mp4',
      contentType: 'video/mp4',
      size: bytes.length,
    });
    expect(upload.status).toBe(201);
    expect(upload.body.input).toMatch(
      new RegExp(`^s3://${env.resources.bucket}/uploads/[0-9a-f-]+/my_holiday\\.mp4$`),
    );
    expect(upload.body.headers).toEqual({
      'Content-Type': 'video/mp4',
      'Content-Length': String(bytes.length),
    });
    const put = await fetch(upload.body.url, {
      method: 'PUT',
      headers: upload.body.headers,
      body: bytes,
    });
    expect(put.status).toBe(200);
    const job = await api.call('POST', '/jobs', { version: 1, input: upload.body.input, ...tiny });
    expect(job.status).toBe(202);
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
  });

  describe('client mistakes are 4xx problems naming the field, never 500', () => {
    const ok = { version: 1, input: 's3://bucket-ok/in/a.mp4' };
    it.each([
      [
        'not JSON',
        'POST',
        '/jobs',
        '{"version": 1,',
        400,
        { 'Content-Type': 'application/json' },
        undefined,
      ],
      [
        'plain text',
        'POST',
        '/jobs',
        'transcode my video',
        415,
        { 'Content-Type': 'text/plain' },
        undefined,
      ],
      ['a JSON array', 'POST', '/jobs', [1, 2], 400, {}, ''],
      ['no input', 'POST', '/jobs', { version: 1 }, 400, {}, 'input'],
      [
        'a bad input URI',
        'POST',
        '/jobs',
        { version: 1, input: 'https://x/a.mp4' },
        400,
        {},
        'input',
      ],
      ['an unknown field', 'POST', '/jobs', { ...ok, priority: 1 }, 400, {}, 'message'],
      [
        'a bad rung',
        'POST',
        '/jobs',
        { ...ok, ladder: [{ height: 99999 }] },
        400,
        {},
        'ladder.0.height',
      ],
      [
        'an oversized body',
        'POST',
        '/jobs',
        { ...ok, notes: 'x'.repeat(70_000) },
        413,
        {},
        undefined,
      ],
      [
        'a form body',
        'POST',
        '/jobs',
        'version=1',
        415,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        undefined,
      ],
      [
        'a bad Idempotency-Key',
        'POST',
        '/jobs',
        ok,
        400,
        { 'Idempotency-Key': 'has spaces in it' },
        undefined,
      ],
      ['a bad status filter', 'GET', '/jobs?status=DONE', undefined, 400, {}, 'status'],
      ['a zero limit', 'GET', '/jobs?limit=0', undefined, 400, {}, 'limit'],
      ['a forged cursor', 'GET', '/jobs?cursor=bm90LWEtY3Vyc29y', undefined, 400, {}, undefined],
      ['an unknown job', 'GET', '/jobs/no-such-job', undefined, 404, {}, undefined],
      ['an unknown route', 'GET', '/nothing-here', undefined, 404, {}, undefined],
      [
        'an upload of a text file',
        'POST',
        '/uploads',
        { filename: 'a.txt', contentType: 'text/plain', size: 10 },
        400,
        {},
        'contentType',
      ],
      [
        'an upload over the size limit',
        'POST',
        '/uploads',
        { filename: 'a.mp4', contentType: 'video/mp4', size: 21 * 2 ** 30 },
        400,
        {},
        'size',
      ],
      [
        'an upload without a size',
        'POST',
        '/uploads',
        { filename: 'a.mp4', contentType: 'video/mp4' },
        400,
        {},
        'size',
      ],
      [
        'schedules without a scheduler',
        'POST',
        '/jobs/schedule',
        { cron: '0 7 * * *', job: ok },
        501,
        {},
        undefined,
      ],
      ['a redrive with a bad max', 'POST', '/dlq/redrive', { max: -1 }, 400, {}, 'max'],
    ] as const)('%s', async (_name, method, path, body, status, headers, field) => {
      const response = await api.call(method, path, body, headers);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({
        status,
        title: expect.any(String),
        detail: expect.any(String),
      });
      if (field !== undefined) {
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });
  });

  // Last: it leaves two QUEUED records behind, which the listing and stats tests would count.
  it('frees an Idempotency-Key after 24 hours, even where DynamoDB TTL has not removed it', async () => {
    let now = Date.parse('2026-11-01T00:00:00Z');
    const clocked = await startApi(env, { clock: { now: () => now } });
    try {
      const body = { version: 1, input: source, ...tiny };
      const key = { 'Idempotency-Key': `nightly-${Date.now()}` };
      const first = await clocked.call('POST', '/jobs', body, key);
      now += 23 * 3600 * 1000;
      const replay = await clocked.call('POST', '/jobs', body, key);
      expect(replay.body.jobId).toBe(first.body.jobId);
      now += 2 * 3600 * 1000;
      const fresh = await clocked.call('POST', '/jobs', body, key);
      expect(fresh.status).toBe(202);
      expect(fresh.headers.get('idempotent-replayed')).toBeNull();
      expect(fresh.body.jobId).not.toBe(first.body.jobId);
      expect((await env.drainQueue()).length).toBe(2);
    } finally {
      await clocked.stop();
    }
  });
});
