/**
 * How a file of a given size is uploaded to S3: one presigned PUT for a small file, a
 * multipart upload for anything larger. Pure: sizes in, a plan out, within S3's limits
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
 */
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export const S3_LIMITS = {
  /** Every part but the last must be at least this. */
  minPartBytes: 5 * MIB,
  maxPartBytes: 5 * GIB,
  maxParts: 10_000,
  maxObjectBytes: 5 * 1024 * GIB,
  /** One PUT carries at most this. */
  maxSinglePutBytes: 5 * GIB,
} as const;

export type UploadPlan =
  | { readonly kind: 'single'; readonly size: number }
  | {
      readonly kind: 'multipart';
      readonly size: number;
      readonly partSize: number;
      readonly partCount: number;
    };

/**
 * `partSizeBytes` is the preferred part size (and the largest file sent in one PUT); parts grow,
 * in whole MiB, only as far as a file needs to stay within 10,000 parts. `maxPartBytes` caps
 * them where the store takes less than S3 does (the local emulator refuses bodies over 11 MiB).
 */
export function planUpload(
  size: number,
  options: { readonly partSizeBytes: number; readonly maxPartBytes?: number },
): UploadPlan {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`bad upload size ${size}`);
  const maxPart = Math.min(options.maxPartBytes ?? S3_LIMITS.maxPartBytes, S3_LIMITS.maxPartBytes);
  const preferred = Math.min(Math.max(options.partSizeBytes, S3_LIMITS.minPartBytes), maxPart);
  if (size <= preferred) return { kind: 'single', size };
  const needed = Math.ceil(Math.ceil(size / S3_LIMITS.maxParts) / MIB) * MIB;
  const partSize = Math.max(preferred, needed);
  if (partSize > maxPart) {
    throw new RangeError(
      `a file of ${size} bytes needs parts of ${partSize} bytes, more than the ${maxPart} this store takes`,
    );
  }
  return { kind: 'multipart', size, partSize, partCount: Math.ceil(size / partSize) };
}

/** The byte range of part `n` (1-based), end exclusive. */
export function partRange(
  plan: Extract<UploadPlan, { kind: 'multipart' }>,
  n: number,
): { start: number; end: number; size: number } {
  if (!Number.isInteger(n) || n < 1 || n > plan.partCount) {
    throw new RangeError(`part ${n} is not one of 1-${plan.partCount}`);
  }
  const start = (n - 1) * plan.partSize;
  const end = Math.min(plan.size, start + plan.partSize);
  return { start, end, size: end - start };
}
