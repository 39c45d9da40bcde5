import { z } from 'zod';
import { truncate } from '../base/text.ts';

/** An S3 object or prefix, parsed from `s3://bucket/key`. */
export interface S3Location {
  readonly bucket: string;
  /** The object key, or for a prefix the key prefix ending in `/` (empty for the bucket root). */
  readonly key: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
// Control characters (C0, DEL, C1) never belong in a key we write to or read from.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_KEY_BYTES = 1024;

/**
 * Parses `s3://bucket/key`. Keys are taken literally (the AWS CLI's convention: no percent
 * decoding). Rejects `.` and `..` segments, empty segments, backslashes and control characters,
 * so a key can never name something outside the prefix it claims, here or in a work directory.
 */
export function parseS3Uri(uri: string, options: { prefix: boolean }): Parsed<S3Location> {
  const example = options.prefix ? 's3://bucket/prefix/' : 's3://bucket/path/source.mp4';
  if (typeof uri !== 'string' || !uri.startsWith('s3://')) {
    return { ok: false, error: `must be an S3 URI like ${example}` };
  }
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  let key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket.includes('..') || IPV4.test(bucket)) {
    return {
      ok: false,
      error: `bucket "${truncate(bucket, 83)}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)`,
    };
  }
  if (!options.prefix && key === '') {
    return { ok: false, error: `names bucket "${bucket}" but no object key; expected ${example}` };
  }
  if (options.prefix && key !== '' && !key.endsWith('/')) key += '/';
  const problem = keyProblem(options.prefix ? key.slice(0, -1) : key);
  if (key !== '' && problem) return { ok: false, error: `key ${problem}` };
  return { ok: true, value: { bucket, key } };
}

function keyProblem(key: string): string | undefined {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    return `is longer than ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(key)) return 'contains control characters';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'starts with "/" (write s3://bucket/key, not s3://bucket//key)';
  for (const segment of key.split('/')) {
    if (segment === '..' || segment === '.') return `contains a "${segment}" path segment`;
    if (segment === '') return 'contains an empty path segment ("//")';
  }
  return undefined;
}

export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** Joins a prefix and a relative key that was built by this program (never user input). */
export function childOf(prefix: S3Location, relativeKey: string): S3Location {
  return { bucket: prefix.bucket, key: `${prefix.key}${relativeKey}` };
}

/** A zod schema for an S3 URI string that yields the parsed location. */
export function s3UriSchema(options: { prefix: boolean }) {
  return z.string().transform((value, ctx): S3Location => {
    const parsed = parseS3Uri(value, options);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.value;
  });
}
