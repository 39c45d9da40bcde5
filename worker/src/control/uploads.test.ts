import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../base/errors.ts';
import type { S3Location } from '../contract/s3-uri.ts';
import type { UploadStore } from './ports.ts';
import { InvalidUploadError, Uploads } from './uploads.ts';

const MIB = 1024 * 1024;

/** A store that records what it was asked and keeps object sizes, as S3 would. */
function recordingStore() {
  const calls: string[] = [];
  const sizes = new Map<string, number>();
  const store: UploadStore = {
    presignPut: (l, o) => {
      calls.push(`presignPut ${l.key} ${o.contentLength}`);
      return Promise.resolve(`https://s3.example/${l.key}?put`);
    },
    createMultipart: (l) => {
      calls.push(`create ${l.key}`);
      return Promise.resolve('s3-upload-1');
    },
    presignPart: (l, id, p) =>
      Promise.resolve(
        `https://s3.example/${l.key}?uploadId=${id}&partNumber=${p.partNumber}&length=${p.contentLength}`,
      ),
    completeMultipart: (l, id, parts) => {
      calls.push(`complete ${l.key} ${id} ${parts.length}`);
      return Promise.resolve();
    },
    abortMultipart: (l, id) => {
      calls.push(`abort ${l.key} ${id}`);
      return Promise.resolve();
    },
    sizeOf: (l: S3Location) => Promise.resolve(sizes.get(l.key)),
    remove: (l) => {
      calls.push(`remove ${l.key}`);
      sizes.delete(l.key);
      return Promise.resolve();
    },
  };
  return { store, calls, sizes };
}

function uploads(store: UploadStore) {
  return new Uploads({
    store,
    settings: {
      upload: { bucket: 'media', key: 'uploads/' },
      uploadMaxBytes: 20 * 1024 * MIB,
      uploadUrlTtlSeconds: 900,
      uploadPartSizeBytes: 8 * MIB,
    },
    clock: { now: () => Date.parse('2026-12-02T10:00:00Z') },
    newId: () => 'u1',
  });
}

describe('Uploads', () => {
  it('hands out one presigned PUT for a file of up to one part', async () => {
    const { store, calls } = recordingStore();
    const created = await uploads(store).create({
      filename: 'clip.mov',
      contentType: 'video/quicktime',
      size: 3 * MIB,
    });
    expect(created).toMatchObject({
      kind: 'single',
      input: 's3://media/uploads/u1/clip.mov',
      headers: { 'Content-Type': 'video/quicktime', 'Content-Length': String(3 * MIB) },
      expiresAt: '2026-12-02T10:15:00.000Z',
    });
    expect(calls).toEqual([`presignPut uploads/u1/clip.mov ${3 * MIB}`]);
  });

  it('starts a multipart upload for a larger file, with part URLs in batches of 100', async () => {
    const { store } = recordingStore();
    const u = uploads(store);
    const size = 1000 * MIB + 5;
    const created = await u.create({
      filename: 'long recording.mp4',
      contentType: 'video/mp4',
      size,
    });
    if (created.kind !== 'multipart') throw new Error('multipart expected');
    expect(created).toMatchObject({
      input: 's3://media/uploads/u1/long_recording.mp4',
      partSize: 8 * MIB,
      partCount: 126,
    });
    expect(created.parts).toHaveLength(100);
    expect(created.parts[0]).toMatchObject({
      partNumber: 1,
      start: 0,
      end: 8 * MIB,
      size: 8 * MIB,
    });
    expect(created.links.parts).toBe(`/uploads/${created.uploadId}/parts?from=101`);
    const rest = await u.parts(created.uploadId, 101);
    expect(rest.parts.map((p) => p.partNumber)).toEqual(
      Array.from({ length: 26 }, (_, i) => 101 + i),
    );
    expect(rest.parts.at(-1)).toMatchObject({
      start: 125 * 8 * MIB,
      end: size,
      size: size - 125 * 8 * MIB,
    });
    expect(rest.parts.at(-1)!.url).toContain(`length=${size - 125 * 8 * MIB}`);
  });

  it('completes only with every part in order, and only an object of the declared size', async () => {
    const { store, calls, sizes } = recordingStore();
    const u = uploads(store);
    const created = await u.create({ filename: 'a.mp4', contentType: 'video/mp4', size: 20 * MIB });
    if (created.kind !== 'multipart') throw new Error('multipart expected');
    const parts = [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"` }));
    await expect(u.complete(created.uploadId, parts.slice(0, 2))).rejects.toThrow(
      InvalidUploadError,
    );
    await expect(u.complete(created.uploadId, [parts[1]!, parts[0]!, parts[2]!])).rejects.toThrow(
      /in order/,
    );

    sizes.set('uploads/u1/a.mp4', 20 * MIB - 1);
    await expect(u.complete(created.uploadId, parts)).rejects.toThrow(
      `the uploaded object is ${20 * MIB - 1} bytes, not the ${20 * MIB} declared; it was removed`,
    );
    expect(calls.slice(-2)).toEqual([
      'complete uploads/u1/a.mp4 s3-upload-1 3',
      'remove uploads/u1/a.mp4',
    ]);

    sizes.set('uploads/u1/a.mp4', 20 * MIB);
    expect(await u.complete(created.uploadId, parts)).toEqual({
      input: 's3://media/uploads/u1/a.mp4',
      size: 20 * MIB,
    });
  });

  it('aborts by the upload id, and knows no upload outside its prefix', async () => {
    const { store, calls } = recordingStore();
    const u = uploads(store);
    const created = await u.create({ filename: 'a.mp4', contentType: 'video/mp4', size: 20 * MIB });
    if (created.kind !== 'multipart') throw new Error('multipart expected');
    await u.abort(created.uploadId);
    expect(calls.at(-1)).toBe('abort uploads/u1/a.mp4 s3-upload-1');

    const forged = Buffer.from(
      JSON.stringify(['outputs/job/x.mp4', 's3-upload-1', 20 * MIB, 8 * MIB]),
    ).toString('base64url');
    for (const id of [forged, 'not-base64!', 'e30']) {
      await expect(u.abort(id)).rejects.toThrow(BadRequestError);
      await expect(u.abort(id)).rejects.toThrow('no such upload');
    }
  });

  it('names every bad field, and the largest size it takes', async () => {
    const { store } = recordingStore();
    const failure = uploads(store).create({
      filename: '...',
      contentType: 'text/plain',
      size: 21 * 1024 * 1024 * MIB,
    });
    await expect(failure).rejects.toThrow(
      `invalid upload: contentType: must be a video type (video/*), application/mxf or application/octet-stream; size: must be a whole number of bytes from 1 to ${20 * 1024 * MIB} (UPLOAD_MAX_BYTES); filename: must contain letters or digits`,
    );
  });
});
