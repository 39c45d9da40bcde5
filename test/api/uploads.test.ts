import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../worker/src/cli/client.ts';
import { startApi, TOKEN } from '../support/api.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * Uploads of any size through the control API, against the local S3 (fauxqs, which refuses
 * bodies over 11 MiB, as AWS refuses single PUTs over 5 GiB): the bytes go straight to S3 in
 * presigned parts, and land byte-identical.
 */
describe('uploads through the API', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let proxy: FaultProxy;
  let proxied: Awaited<ReturnType<typeof startApi>>;
  const dir = mkdtempSync(join(tmpdir(), 'kt-uploads-'));

  beforeAll(async () => {
    env = await createTestEnv('uploads');
    api = await startApi(env);
    // A second API whose presigned URLs point through a proxy that fails chosen parts.
    proxy = await startFaultProxy(env.stack.s3Endpoint);
    proxied = await startApi(env, {}, { AWS_ENDPOINT_URL_S3: proxy.endpoint });
  });
  afterAll(async () => {
    await api.stop();
    await proxied.stop();
    await proxy.stop();
    env.destroy();
  });

  const file = (name: string, bytes: number) => {
    const path = join(dir, name);
    writeFileSync(path, randomBytes(bytes));
    return path;
  };
  const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
  async function stored(input: string): Promise<Buffer> {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(input)!;
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  it('plans a 6 GiB upload the way S3 takes it, hands out every part URL in batches, and aborts it', async () => {
    const created = await api.call('POST', '/uploads', {
      filename: 'all-hands.mov',
      contentType: 'video/quicktime',
      size: 6 * GIB,
    });
    expect(created.status).toBe(201);
    const body = created.body as {
      kind: string;
      uploadId: string;
      partSize: number;
      partCount: number;
      parts: { partNumber: number; start: number; end: number; url: string }[];
      links: { parts: string; complete: string; abort: string };
    };
    expect(body).toMatchObject({ kind: 'multipart', partSize: 8 * MIB, partCount: 768 });
    expect(created.headers.get('location')).toBe(body.links.abort);
    // S3's rules: at most 10,000 parts, each 5 MiB-5 GiB but the last, together exactly the file.
    const parts = [...body.parts];
    for (let from = 101; from <= body.partCount; from += 100) {
      const batch = await api.call('GET', `/uploads/${body.uploadId}/parts?from=${from}`);
      expect(batch.status).toBe(200);
      parts.push(...(batch.body as { parts: typeof parts }).parts);
    }
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 768 }, (_, i) => i + 1));
    expect(body.partCount).toBeLessThanOrEqual(10_000);
    for (const [i, p] of parts.entries()) {
      expect(p.start).toBe(i === 0 ? 0 : parts[i - 1]!.end);
      if (i < parts.length - 1) expect(p.end - p.start).toBeGreaterThanOrEqual(5 * MIB);
      expect(new URL(p.url).searchParams.get('partNumber')).toBe(String(p.partNumber));
    }
    expect(parts.at(-1)!.end).toBe(6 * GIB);

    expect((await api.call('DELETE', body.links.abort)).status).toBe(204);
    const late = await api.call('POST', body.links.complete, {
      parts: parts.map((p) => ({ partNumber: p.partNumber, etag: '"x"' })),
    });
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect(late.status).toBeLessThan(500);
  });

  it('sends a 30 MB file up in parts, in parallel, and it lands byte-identical', async () => {
    const path = file('thirty.mp4', 30 * 1000 * 1000);
    const progress: number[] = [];
    const client = new HttpClient(api.url, TOKEN);
    const input = await client.upload(path, { onProgress: (p) => progress.push(p.partsDone) });
    expect(input).toMatch(new RegExp(`^s3://${env.resources.bucket}/uploads/.+/thirty\\.mp4$`));
    expect(sha256(await stored(input))).toBe(sha256(readFileSync(path)));
    expect(progress.at(-1)).toBe(4); // 3 parts of 8 MiB and the rest
  });

  it('sends a part again when it fails once, and the upload goes on', async () => {
    const path = file('flaky.mp4', 20 * MIB);
    proxy.add({
      match: (r) => r.method === 'PUT' && /(^|&)partNumber=2(&|$)/.test(r.query),
      fault: 's3-slow-down',
      times: 1,
    });
    const client = new HttpClient(proxied.url, TOKEN);
    const input = await client.upload(path, { retryDelayMs: 10 });
    expect(proxy.injected.filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(sha256(await stored(input))).toBe(sha256(readFileSync(path)));
    proxy.clear();
  });

  it('names the part that failed every try, and aborts the upload so nothing is left', async () => {
    const path = file('doomed.mp4', 20 * MIB);
    proxy.add({
      match: (r) => r.method === 'PUT' && /(^|&)partNumber=3(&|$)/.test(r.query),
      fault: 's3-slow-down',
      times: Infinity,
    });
    const client = new HttpClient(proxied.url, TOKEN);
    const failure = client.upload(path, { retryDelayMs: 10 });
    await expect(failure).rejects.toThrow(
      /^part 3 of 3 failed 3 times: HTTP 503 .*SlowDown.*; the upload was aborted$/,
    );
    // The API told S3 to drop the upload and the parts already sent.
    const aborts = proxy.seen.filter((r) => r.method === 'DELETE' && /uploadId=/.test(r.query));
    expect(aborts.map((r) => r.path)).toEqual([expect.stringMatching(/\/doomed\.mp4$/)]);
    proxy.clear();
  });

  it('refuses a size over the limit by naming it, before anything is sent', async () => {
    const refused = await api.call('POST', '/uploads', {
      filename: 'huge.mp4',
      contentType: 'video/mp4',
      size: 21 * GIB,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'invalid-upload',
      errors: [
        {
          field: 'size',
          message: `must be a whole number of bytes from 1 to ${20 * GIB} (UPLOAD_MAX_BYTES)`,
        },
      ],
    });
  });
});
