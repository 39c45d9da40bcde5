import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceUnavailableError, TransientError } from '../../worker/src/base/errors.ts';
import { S3Storage } from '../../worker/src/storage/s3-storage.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

describe('S3 adapter', () => {
  let env: TestEnv;
  let storage: S3Storage;
  const dir = mkdtempSync(join(tmpdir(), 'storage-'));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  beforeAll(async () => {
    env = await createTestEnv('storage');
    // 5 MiB parts: the smallest S3 allows, and under the emulator's 11 MiB body limit.
    storage = new S3Storage(env.clients.s3, { partSizeBytes: 5 * 1024 * 1024, concurrency: 3 });
  });
  afterAll(() => env.destroy());

  it('uploads large files in parallel multipart uploads with their content type and cache control', async () => {
    const files = [0, 1, 2].map((i) => {
      const path = join(dir, `big-${i}.mp4`);
      writeFileSync(path, randomBytes(12 * 1024 * 1024 + i));
      return path;
    });
    await storage.uploadAll(
      files.map((path, i) => ({
        path,
        location: { bucket: env.resources.bucket, key: `up/big-${i}.mp4` },
        contentType: 'video/mp4',
        cacheControl: 'public, max-age=31536000, immutable',
      })),
    );
    for (const [i, path] of files.entries()) {
      const head = await env.clients.s3.send(
        new HeadObjectCommand({ Bucket: env.resources.bucket, Key: `up/big-${i}.mp4` }),
      );
      expect(head.ETag).toMatch(/-3"$/); // three parts: a multipart upload
      expect(head.ContentLength).toBe(12 * 1024 * 1024 + i);
      expect(head.ContentType).toBe('video/mp4');
      expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
      const back = join(dir, `back-${i}.mp4`);
      const info = await storage.head({ bucket: env.resources.bucket, key: `up/big-${i}.mp4` });
      await storage.download({ bucket: env.resources.bucket, key: `up/big-${i}.mp4` }, back, info);
      expect(sha(readFileSync(back))).toBe(sha(readFileSync(path)));
    }
  });

  it('says clearly when a source does not exist', async () => {
    const missing = { bucket: env.resources.bucket, key: 'nope/missing.mov' };
    await expect(storage.head(missing)).rejects.toThrow(SourceUnavailableError);
    await expect(storage.head(missing)).rejects.toThrow(
      `the source s3://${env.resources.bucket}/nope/missing.mov does not exist`,
    );
    await expect(storage.head({ bucket: 'no-such-bucket-here', key: 'a.mp4' })).rejects.toThrow(
      SourceUnavailableError,
    );
  });

  it('treats a download that does not match the checked size as transient', async () => {
    const path = join(dir, 'small.bin');
    writeFileSync(path, randomBytes(1000));
    const location = { bucket: env.resources.bucket, key: 'up/small.bin' };
    await storage.uploadAll([
      { path, location, contentType: 'application/octet-stream', cacheControl: 'no-cache' },
    ]);
    await expect(storage.download(location, join(dir, 'x'), { size: 999 })).rejects.toThrow(
      TransientError,
    );
  });
});
