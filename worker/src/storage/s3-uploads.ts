import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadStore } from '../control/ports.ts';
import { BadRequestError, classifyAwsError } from '../base/errors.ts';
import { formatS3Uri, type S3Location } from '../contract/s3-uri.ts';

/**
 * The S3 side of client uploads: presigned PUTs and presigned multipart uploads. The client
 * must be built with `requestChecksumCalculation: 'WHEN_REQUIRED'`: a browser or curl cannot
 * send the checksums the SDK would otherwise sign into a URL or declare on the upload.
 */
export class S3Uploads implements UploadStore {
  readonly #s3: S3Client;

  constructor(s3: S3Client) {
    this.#s3 = s3;
  }

  /** Content-Type and Content-Length are signed: the upload must be exactly what was asked. */
  presignPut(
    location: S3Location,
    options: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<string> {
    return getSignedUrl(
      this.#s3,
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ContentType: options.contentType,
        ContentLength: options.contentLength,
      }),
      {
        expiresIn: options.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );
  }

  async createMultipart(location: S3Location, options: { contentType: string }): Promise<string> {
    try {
      const created = await this.#s3.send(
        new CreateMultipartUploadCommand({
          Bucket: location.bucket,
          Key: location.key,
          ContentType: options.contentType,
        }),
      );
      if (!created.UploadId) throw new Error('S3 returned no UploadId');
      return created.UploadId;
    } catch (err) {
      throw classifyAwsError(err, `S3 CreateMultipartUpload ${formatS3Uri(location)}`);
    }
  }

  /** Each part's length is signed, so a part cut short or padded is refused by S3 itself. */
  presignPart(
    location: S3Location,
    uploadId: string,
    part: { partNumber: number; contentLength: number; expiresInSeconds: number },
  ): Promise<string> {
    return getSignedUrl(
      this.#s3,
      new UploadPartCommand({
        Bucket: location.bucket,
        Key: location.key,
        UploadId: uploadId,
        PartNumber: part.partNumber,
        ContentLength: part.contentLength,
      }),
      { expiresIn: part.expiresInSeconds, signableHeaders: new Set(['content-length']) },
    );
  }

  async completeMultipart(
    location: S3Location,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<void> {
    try {
      await this.#s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: location.bucket,
          Key: location.key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
      );
    } catch (err) {
      throw refusedOrClassified(err, `S3 CompleteMultipartUpload ${formatS3Uri(location)}`);
    }
  }

  async abortMultipart(location: S3Location, uploadId: string): Promise<void> {
    try {
      await this.#s3.send(
        new AbortMultipartUploadCommand({
          Bucket: location.bucket,
          Key: location.key,
          UploadId: uploadId,
        }),
      );
    } catch (err) {
      // Already completed or aborted: there is nothing left to drop.
      if ((err as { name?: string }).name === 'NoSuchUpload') return;
      throw classifyAwsError(err, `S3 AbortMultipartUpload ${formatS3Uri(location)}`);
    }
  }

  async sizeOf(location: S3Location): Promise<number | undefined> {
    try {
      const head = await this.#s3.send(
        new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }),
      );
      return head.ContentLength;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw classifyAwsError(err, `S3 HeadObject ${formatS3Uri(location)}`);
    }
  }

  async remove(location: S3Location): Promise<void> {
    try {
      await this.#s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
    } catch (err) {
      throw classifyAwsError(err, `S3 DeleteObject ${formatS3Uri(location)}`);
    }
  }
}

/** A completion S3 refuses (a part missing, a wrong ETag, no such upload) is the client's to fix. */
function refusedOrClassified(err: unknown, what: string): Error {
  const e = err as { name?: string; message?: string };
  const client: Record<string, string> = {
    InvalidPart: 'a part is missing or its ETag does not match what S3 stored; send it again',
    InvalidPartOrder: 'the parts must be listed in ascending order',
    EntityTooSmall: 'a part other than the last is smaller than 5 MiB',
    NoSuchUpload: 'no such upload: it was completed, aborted, or expired',
  };
  const reason = e.name ? client[e.name] : undefined;
  if (reason) {
    return new BadRequestError(`${what} refused: ${reason}`, {
      code: e.name === 'NoSuchUpload' ? 'UPLOAD_NOT_FOUND' : 'INVALID_PART',
      status: e.name === 'NoSuchUpload' ? 404 : 400,
      cause: err,
    });
  }
  return classifyAwsError(err, what);
}
