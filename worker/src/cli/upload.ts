import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreatedUpload, PresignedPart, Uploads } from '../control/uploads.ts';

/**
 * Uploads a local file through the control API's presigned uploads: one PUT for a small file,
 * the parts of a multipart upload in parallel for a large one, each part retried on its own,
 * then completed; a part that fails every attempt aborts the upload, so nothing is left
 * half-uploaded. The bytes go straight to S3, never through the API.
 */
/**
 * The upload use case (control/uploads.ts) as a client reaches it: the control API over HTTP
 * (HttpClient) or the control plane in-process (DirectClient); the bytes go to the presigned
 * URLs it hands out either way.
 */
export type UploadSession = Pick<Uploads, 'create' | 'parts' | 'complete' | 'abort'>;

export interface UploadOptions {
  /** Parts in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Tries per part (or for the single PUT). @default 3 */
  readonly attempts?: number;
  readonly onProgress?: (p: {
    bytes: number;
    total: number;
    partsDone: number;
    parts: number;
  }) => void;
  /** Waits between tries; tests pass a shorter one. @default 1000 ms, doubling */
  readonly retryDelayMs?: number;
}

export class UploadFailedError extends Error {}

export async function uploadFile(
  session: UploadSession,
  path: string,
  options: UploadOptions = {},
): Promise<string> {
  const size = statSync(path).size;
  const created = await session.create({
    filename: basename(path),
    contentType: contentTypeOf(path),
    size,
  });
  const attempts = options.attempts ?? 3;
  const delay = options.retryDelayMs ?? 1000;
  if (created.kind !== 'multipart') {
    await withRetries(attempts, delay, 'the upload', () =>
      put(created.url, path, 0, size, created.headers),
    );
    options.onProgress?.({ bytes: size, total: size, partsDone: 1, parts: 1 });
    return created.input;
  }

  const urls = new Map<number, PresignedPart>(created.parts.map((p) => [p.partNumber, p]));
  const urlFor = async (n: number, fresh: boolean): Promise<PresignedPart> => {
    if (fresh || !urls.has(n)) {
      // Fetch the next batch from here (or just this part again, when its URL went stale).
      const { parts } = await session.parts(created.uploadId, n, fresh ? 1 : 100);
      for (const p of parts) urls.set(p.partNumber, p);
    }
    return urls.get(n)!;
  };

  const etags = new Array<string>(created.partCount);
  let next = 1;
  let bytes = 0;
  let partsDone = 0;
  let failure: Error | undefined;
  const worker = async () => {
    while (!failure && next <= created.partCount) {
      const n = next++;
      try {
        let fresh = false;
        etags[n - 1] = await withRetries(
          attempts,
          delay,
          `part ${n} of ${created.partCount}`,
          async () => {
            const part = await urlFor(n, fresh);
            fresh = true; // a second try asks for a fresh URL, in case this one expired
            return put(part.url, path, part.start, part.end, {
              'Content-Length': String(part.size),
            });
          },
        );
        bytes += partSize(created, n);
        partsDone++;
        options.onProgress?.({ bytes, total: size, partsDone, parts: created.partCount });
      } catch (err) {
        failure ??= err as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  if (failure) {
    await session.abort(created.uploadId).catch(() => undefined);
    throw new UploadFailedError(`${failure.message}; the upload was aborted`, { cause: failure });
  }
  const done = await session.complete(
    created.uploadId,
    etags.map((etag, i) => ({ partNumber: i + 1, etag })),
  );
  return done.input;
}

function partSize(upload: Extract<CreatedUpload, { kind: 'multipart' }>, n: number): number {
  return Math.min(upload.size, n * upload.partSize) - (n - 1) * upload.partSize;
}

/** PUTs bytes start..end-1 of the file; returns the ETag S3 gave them. */
async function put(
  url: string,
  path: string,
  start: number,
  end: number,
  headers: Record<string, string>,
): Promise<string> {
  const body =
    end > start
      ? (Readable.toWeb(createReadStream(path, { start, end: end - 1 })) as ReadableStream)
      : new Uint8Array();
  const response = await fetch(url, { method: 'PUT', headers, body, duplex: 'half' });
  const text = await response.text();
  if (!response.ok) {
    throw new HttpStatusError(
      `HTTP ${response.status} ${text.replace(/\s+/g, ' ').slice(0, 200)}`,
      response.status,
    );
  }
  return response.headers.get('etag') ?? '';
}

class HttpStatusError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

async function withRetries<T>(
  attempts: number,
  delayMs: number,
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  let last: unknown;
  let tries = 0;
  for (let i = 1; i <= attempts; i++) {
    tries = i;
    try {
      return await run();
    } catch (err) {
      last = err;
      // A 4xx other than an expired URL (403) or a throttle (429) will not pass on a retry.
      const status = (err as { status?: number }).status;
      if (
        status !== undefined &&
        status >= 400 &&
        status < 500 &&
        status !== 403 &&
        status !== 429
      ) {
        break;
      }
      if (i < attempts) await sleep(delayMs * 2 ** (i - 1));
    }
  }
  const reason = last instanceof Error ? last.message : String(last);
  throw new UploadFailedError(
    `${what} failed ${tries === 1 ? 'once' : `${tries} times`}: ${reason}`,
    {
      cause: last,
    },
  );
}

/** The Content-Type S3 is told, from the file's extension. */
export function contentTypeOf(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    mp4: 'video/mp4',
    m4v: 'video/mp4',
    mov: 'video/quicktime',
    mkv: 'video/x-matroska',
    webm: 'video/webm',
    avi: 'video/x-msvideo',
    ts: 'video/mp2t',
    mts: 'video/mp2t',
    mxf: 'application/mxf',
  };
  return types[ext] ?? 'application/octet-stream';
}
