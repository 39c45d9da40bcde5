import type { Clock } from '../base/time.ts';
import { childOf, formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { BadRequestError } from '../base/errors.ts';
import type { FieldProblem } from '../contract/message.ts';
import type { UploadStore } from './ports.ts';
import { partRange, planUpload, S3_LIMITS, type UploadPlan } from './upload-plan.ts';

/**
 * Uploads of sources straight to S3 from a client (the page, the CLI, `npm start`), without the
 * bytes passing through the API: a presigned PUT for a small file, a presigned multipart upload
 * for a large one, with routes to fetch part URLs in batches, complete and abort. What is never
 * completed is aborted by the bucket's lifecycle rule for incomplete multipart uploads.
 */

/** The port: what the use cases need of the object store. */
export interface UploadSettings {
  /** Where uploads go; the worker must be allowed to read it. */
  readonly upload: S3Location;
  readonly uploadMaxBytes: number;
  readonly uploadUrlTtlSeconds: number;
  /** Preferred part size, and the largest file sent in one PUT. */
  readonly uploadPartSizeBytes: number;
  /** Largest part the store takes (S3: 5 GiB; the local emulator: 10 MiB). */
  readonly uploadPartMaxBytes?: number;
}

export interface PresignedPart {
  readonly partNumber: number;
  readonly url: string;
  /** Byte range of the file this part carries, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

export type CreatedUpload =
  | {
      readonly kind: 'single';
      readonly url: string;
      readonly method: 'PUT';
      readonly headers: Record<string, string>;
      readonly input: string;
      readonly expiresAt: string;
    }
  | {
      readonly kind: 'multipart';
      /** Ours, opaque: names the upload in the routes below. */
      readonly uploadId: string;
      readonly input: string;
      readonly size: number;
      readonly partSize: number;
      readonly partCount: number;
      /** The first batch of part URLs; `links.parts` gives the rest. */
      readonly parts: readonly PresignedPart[];
      readonly links: { readonly parts: string; readonly complete: string; readonly abort: string };
      readonly expiresAt: string;
    };

/** Part URLs handed out per request. */
export const PART_BATCH = 100;
const UPLOAD_TYPES = /^(video\/[\w.+-]+|application\/(octet-stream|mxf))$/;

/** What the opaque upload id carries: enough to act on the upload without storing anything. */
interface UploadToken {
  readonly key: string;
  readonly storeId: string;
  readonly size: number;
  readonly partSize: number;
}

export class Uploads {
  readonly #store: UploadStore;
  readonly #settings: UploadSettings;
  readonly #clock: Clock;
  readonly #newId: () => string;

  constructor(deps: {
    store: UploadStore;
    settings: UploadSettings;
    clock: Clock;
    newId: () => string;
  }) {
    this.#store = deps.store;
    this.#settings = deps.settings;
    this.#clock = deps.clock;
    this.#newId = deps.newId;
  }

  /** A presigned PUT, or a multipart upload with its first part URLs. */
  async create(input: {
    filename: string;
    contentType: string;
    size: number;
  }): Promise<CreatedUpload> {
    const s = this.#settings;
    const problems: FieldProblem[] = [];
    if (!UPLOAD_TYPES.test(input.contentType)) {
      problems.push({
        field: 'contentType',
        message: 'must be a video type (video/*), application/mxf or application/octet-stream',
      });
    }
    const max = Math.min(s.uploadMaxBytes, S3_LIMITS.maxObjectBytes);
    if (!Number.isSafeInteger(input.size) || input.size < 1 || input.size > max) {
      problems.push({
        field: 'size',
        message: `must be a whole number of bytes from 1 to ${max} (UPLOAD_MAX_BYTES)`,
      });
    }
    const safe = input.filename
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 100);
    if (safe === '')
      problems.push({ field: 'filename', message: 'must contain letters or digits' });
    if (problems.length > 0) throw new InvalidUploadError(problems);

    const location = childOf(s.upload, `${this.#newId()}/${safe}`);
    const plan = this.#plan(input.size);
    const expiresAt = this.#expiresAt();
    if (plan.kind === 'single') {
      const url = await this.#store.presignPut(location, {
        contentType: input.contentType,
        contentLength: input.size,
        expiresInSeconds: s.uploadUrlTtlSeconds,
      });
      return {
        kind: 'single',
        url,
        method: 'PUT',
        headers: { 'Content-Type': input.contentType, 'Content-Length': String(input.size) },
        input: formatS3Uri(location),
        expiresAt,
      };
    }
    const storeId = await this.#store.createMultipart(location, { contentType: input.contentType });
    const uploadId = encodeToken({
      key: location.key,
      storeId,
      size: plan.size,
      partSize: plan.partSize,
    });
    const path = `/uploads/${uploadId}`;
    return {
      kind: 'multipart',
      uploadId,
      input: formatS3Uri(location),
      size: plan.size,
      partSize: plan.partSize,
      partCount: plan.partCount,
      parts: await this.#presignParts(location, storeId, plan, 1, PART_BATCH),
      links: {
        parts: `${path}/parts?from=${Math.min(plan.partCount, PART_BATCH) + 1}`,
        complete: `${path}/complete`,
        abort: path,
      },
      expiresAt,
    };
  }

  /** Fresh URLs for parts `from` .. `from + count - 1` (retries, and files of many parts). */
  async parts(
    uploadId: string,
    from: number,
    count = PART_BATCH,
  ): Promise<{ parts: PresignedPart[]; expiresAt: string }> {
    const { token, location, plan } = this.#open(uploadId);
    if (!Number.isInteger(from) || from < 1 || from > plan.partCount) {
      throw new BadRequestError(`from must be a part number from 1 to ${plan.partCount}`, {
        code: 'INVALID_PART',
      });
    }
    const n = Math.max(1, Math.min(count, PART_BATCH));
    return {
      parts: await this.#presignParts(location, token.storeId, plan, from, n),
      expiresAt: this.#expiresAt(),
    };
  }

  /**
   * Joins the parts into the source object and checks it is the size that was declared (a
   * short or padded upload is removed, not handed to a worker).
   */
  async complete(
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<{ input: string; size: number }> {
    const { token, location, plan } = this.#open(uploadId);
    const numbers = parts.map((p) => p.partNumber);
    const expected = Array.from({ length: plan.partCount }, (_, i) => i + 1);
    if (numbers.length !== expected.length || numbers.some((n, i) => n !== expected[i])) {
      throw new InvalidUploadError([
        {
          field: 'parts',
          message: `must list every part, 1 to ${plan.partCount}, in order, each with the ETag its PUT returned`,
        },
      ]);
    }
    await this.#store.completeMultipart(location, token.storeId, parts);
    const size = await this.#store.sizeOf(location);
    if (size !== token.size) {
      await this.#store.remove(location);
      throw new BadRequestError(
        `the uploaded object is ${size ?? 0} bytes, not the ${token.size} declared; it was removed`,
        { code: 'UPLOAD_SIZE_MISMATCH', status: 422 },
      );
    }
    return { input: formatS3Uri(location), size };
  }

  /** Drops an unfinished upload and every part sent so far. */
  async abort(uploadId: string): Promise<void> {
    const { token, location } = this.#open(uploadId);
    await this.#store.abortMultipart(location, token.storeId);
  }

  #plan(size: number): UploadPlan {
    const s = this.#settings;
    return planUpload(size, {
      partSizeBytes: s.uploadPartSizeBytes,
      ...(s.uploadPartMaxBytes !== undefined ? { maxPartBytes: s.uploadPartMaxBytes } : {}),
    });
  }

  #open(uploadId: string) {
    const token = decodeToken(uploadId);
    const s = this.#settings;
    if (!token || !token.key.startsWith(s.upload.key) || token.key.includes('..')) {
      throw new BadRequestError('no such upload', { code: 'UPLOAD_NOT_FOUND', status: 404 });
    }
    const plan = this.#plan(token.size);
    if (plan.kind !== 'multipart' || plan.partSize !== token.partSize) {
      throw new BadRequestError('no such upload', { code: 'UPLOAD_NOT_FOUND', status: 404 });
    }
    return { token, location: { bucket: s.upload.bucket, key: token.key }, plan };
  }

  async #presignParts(
    location: S3Location,
    storeId: string,
    plan: Extract<UploadPlan, { kind: 'multipart' }>,
    from: number,
    count: number,
  ): Promise<PresignedPart[]> {
    const last = Math.min(plan.partCount, from + count - 1);
    const numbers = Array.from({ length: last - from + 1 }, (_, i) => from + i);
    return Promise.all(
      numbers.map(async (partNumber) => {
        const range = partRange(plan, partNumber);
        const url = await this.#store.presignPart(location, storeId, {
          partNumber,
          contentLength: range.size,
          expiresInSeconds: this.#settings.uploadUrlTtlSeconds,
        });
        return { partNumber, url, ...range };
      }),
    );
  }

  #expiresAt(): string {
    return new Date(this.#clock.now() + this.#settings.uploadUrlTtlSeconds * 1000).toISOString();
  }
}

/** A request for an upload that is not valid, by field. */
export class InvalidUploadError extends BadRequestError {
  readonly problems: readonly FieldProblem[];

  constructor(problems: readonly FieldProblem[]) {
    super(`invalid upload: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      code: 'INVALID_UPLOAD',
      status: 400,
    });
    this.problems = problems;
  }
}

function encodeToken(t: UploadToken): string {
  return Buffer.from(JSON.stringify([t.key, t.storeId, t.size, t.partSize])).toString('base64url');
}

function decodeToken(id: string): UploadToken | undefined {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(id)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 4) return undefined;
    const [key, storeId, size, partSize] = value as unknown[];
    if (typeof key !== 'string' || typeof storeId !== 'string' || storeId === '') return undefined;
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(partSize)) return undefined;
    return { key, storeId, size: size as number, partSize: partSize as number };
  } catch {
    return undefined;
  }
}
