import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  BadRequestError,
  classifyAwsError,
  SourceUnavailableError,
  TransientError,
} from '../base/errors.ts';
import type { StoragePort, UploadItem } from '../job/base/ports.ts';
import type { OpenedObject } from '../control/ports.ts';
import { childOf, formatS3Uri, type S3Location } from '../contract/s3-uri.ts';

export interface ObjectInfo {
  readonly size: number;
  readonly etag?: string;
  readonly contentType?: string;
}

/** The S3 adapter: head and stream a source down, upload outputs (multipart, in parallel). */
export class S3Storage implements StoragePort {
  readonly #s3: S3Client;
  readonly #partSize: number;
  readonly #concurrency: number;

  constructor(s3: S3Client, options: { partSizeBytes: number; concurrency: number }) {
    this.#s3 = s3;
    this.#partSize = options.partSizeBytes;
    this.#concurrency = options.concurrency;
  }

  async head(location: S3Location, signal?: AbortSignal): Promise<ObjectInfo> {
    try {
      const out = await this.#s3.send(
        new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      return {
        size: out.ContentLength ?? 0,
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
      };
    } catch (err) {
      throw sourceError(err, location, 'HeadObject');
    }
  }

  /** Streams the object to `destination`; the ETag pins the version that was checked. */
  async download(
    location: S3Location,
    destination: string,
    expected: ObjectInfo,
    signal?: AbortSignal,
  ): Promise<number> {
    let body: Readable;
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          ...(expected.etag ? { IfMatch: expected.etag } : {}),
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
      body = out.Body;
    } catch (err) {
      throw sourceError(err, location, 'GetObject');
    }
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(destination), { ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new TransientError(
        `download of ${formatS3Uri(location)} broke off after ${bytes} bytes`,
        {
          cause: err,
        },
      );
    }
    if (bytes !== expected.size) {
      throw new TransientError(
        `download of ${formatS3Uri(location)} gave ${bytes} bytes, expected ${expected.size}`,
      );
    }
    return bytes;
  }

  async upload(item: UploadItem, signal?: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.#s3,
      partSize: this.#partSize,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: item.location.bucket,
        Key: item.location.key,
        Body: createReadStream(item.path),
        ContentType: item.contentType,
        CacheControl: item.cacheControl,
      },
    });
    const onAbort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classifyAwsError(err, `S3 upload of ${formatS3Uri(item.location)}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A small object written in one request (a split job's plan). */
  async putText(
    location: S3Location,
    body: string,
    contentType: string,
    signal?: AbortSignal,
    cacheControl?: string,
  ): Promise<void> {
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          Body: body,
          ContentType: contentType,
          ...(cacheControl ? { CacheControl: cacheControl } : {}),
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (err) {
      throw classifyAwsError(err, `S3 PutObject ${formatS3Uri(location)}`);
    }
  }

  async getText(location: S3Location, signal?: AbortSignal): Promise<string> {
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      if (!out.Body) throw new Error('S3 GetObject returned no body');
      return await out.Body.transformToString('utf8');
    } catch (err) {
      throw classifyAwsError(err, `S3 GetObject ${formatS3Uri(location)}`);
    }
  }

  /** Every object under a prefix, keys relative to it. */
  async list(
    prefix: S3Location,
    signal?: AbortSignal,
  ): Promise<{ relativeKey: string; size: number; etag?: string }[]> {
    const found: { relativeKey: string; size: number; etag?: string }[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#s3.send(
          new ListObjectsV2Command({
            Bucket: prefix.bucket,
            Prefix: prefix.key,
            ...(token ? { ContinuationToken: token } : {}),
          }),
          { ...(signal ? { abortSignal: signal } : {}) },
        );
        for (const o of out.Contents ?? []) {
          if (!o.Key) continue;
          found.push({
            relativeKey: o.Key.slice(prefix.key.length),
            size: o.Size ?? 0,
            ...(o.ETag ? { etag: o.ETag } : {}),
          });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw classifyAwsError(err, `S3 ListObjectsV2 ${formatS3Uri(prefix)}`);
    }
    return found;
  }

  /** Deletes every object under a prefix (1000 per request); returns how many. */
  async removePrefix(
    prefix: S3Location,
    signal?: AbortSignal,
    keep?: (relativeKey: string) => boolean,
  ): Promise<number> {
    const objects = (await this.list(prefix, signal)).filter((o) => !keep?.(o.relativeKey));
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      try {
        const out = await this.#s3.send(
          new DeleteObjectsCommand({
            Bucket: prefix.bucket,
            Delete: {
              Objects: batch.map((o) => ({ Key: childOf(prefix, o.relativeKey).key })),
              Quiet: true,
            },
          }),
          { ...(signal ? { abortSignal: signal } : {}) },
        );
        const failed = out.Errors ?? [];
        if (failed.length > 0) {
          throw new TransientError(
            `${failed.length} objects under ${formatS3Uri(prefix)} not deleted (${failed[0]?.Code}: ${failed[0]?.Message})`,
          );
        }
      } catch (err) {
        if (err instanceof TransientError) throw err;
        throw classifyAwsError(err, `S3 DeleteObjects under ${formatS3Uri(prefix)}`);
      }
    }
    return objects.length;
  }

  /** Uploads every item with a bounded number in flight; the first failure stops the rest. */
  async uploadAll(items: readonly UploadItem[], signal?: AbortSignal): Promise<void> {
    const queue = [...items];
    const local = new AbortController();
    const combined = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        combined.throwIfAborted();
        await this.upload(item, combined);
      }
    };
    const workers = Array.from({ length: Math.min(this.#concurrency, items.length) }, () =>
      worker(),
    );
    try {
      await Promise.all(
        workers.map((w) =>
          w.catch((err: unknown) => {
            local.abort(err);
            throw err;
          }),
        ),
      );
    } finally {
      await Promise.allSettled(workers);
    }
  }
}

/**
 * Opens an object for reading (the API's output previews). Undefined when it does not exist;
 * a range S3 cannot satisfy is a 416 BadRequestError.
 */
export async function openObject(
  s3: S3Client,
  location: S3Location,
  range?: string,
): Promise<OpenedObject | undefined> {
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(range ? { Range: range } : {}),
      }),
    );
    if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
    return {
      body: out.Body,
      ...(out.ContentType ? { contentType: out.ContentType } : {}),
      ...(out.ContentLength !== undefined ? { contentLength: out.ContentLength } : {}),
      ...(out.ContentRange ? { contentRange: out.ContentRange } : {}),
      ...(out.ETag ? { etag: out.ETag } : {}),
      ...(out.CacheControl ? { cacheControl: out.CacheControl } : {}),
    };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
    if (e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416)
      throw new BadRequestError(`the range ${range} is outside the object`, {
        code: 'RANGE_NOT_SATISFIABLE',
        status: 416,
      });
    throw classifyAwsError(err, `S3 GetObject ${formatS3Uri(location)}`);
  }
}

function sourceError(err: unknown, location: S3Location, operation: string): Error {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const uri = formatS3Uri(location);
  if (
    status === 404 ||
    e.name === 'NotFound' ||
    e.name === 'NoSuchKey' ||
    e.name === 'NoSuchBucket'
  ) {
    return new SourceUnavailableError(`the source ${uri} does not exist`, { cause: err });
  }
  if (status === 403 || e.name === 'AccessDenied' || e.name === 'Forbidden') {
    return new SourceUnavailableError(
      `the worker may not read ${uri} (access denied: check the bucket policy and the worker role)`,
      { cause: err },
    );
  }
  if (status === 412 || e.name === 'PreconditionFailed') {
    return new TransientError(`the source ${uri} changed while it was being read`, { cause: err });
  }
  return classifyAwsError(err, `S3 ${operation} ${uri}`);
}
