import { describe, expect, it } from 'vitest';
import { childOf, formatS3Uri, parseS3Uri } from './s3-uri.ts';

describe('parseS3Uri', () => {
  it.each([
    ['s3://media/in/a.mp4', { bucket: 'media', key: 'in/a.mp4' }],
    ['s3://my.bucket-1/a b/c (1).mov', { bucket: 'my.bucket-1', key: 'a b/c (1).mov' }],
    ['s3://media/%2E%2E/x.mp4', { bucket: 'media', key: '%2E%2E/x.mp4' }],
  ])('reads the object %s', (uri, expected) => {
    expect(parseS3Uri(uri, { prefix: false })).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['s3://media', ''],
    ['s3://media/', ''],
    ['s3://media/out', 'out/'],
    ['s3://media/out/', 'out/'],
  ])('reads the prefix %s as key "%s"', (uri, key) => {
    expect(parseS3Uri(uri, { prefix: true })).toEqual({
      ok: true,
      value: { bucket: 'media', key },
    });
  });

  it.each([
    ['http://media/a.mp4', /must be an S3 URI/],
    ['s3://ab/a.mp4', /not a valid S3 bucket name/],
    ['s3://UPPER/a.mp4', /not a valid S3 bucket name/],
    ['s3://a..b/a.mp4', /not a valid S3 bucket name/],
    ['s3://192.168.1.1/a.mp4', /not a valid S3 bucket name/],
    ['s3://media/', /no object key/],
    ['s3://media/a/../b.mp4', /"\.\." path segment/],
    ['s3://media/./b.mp4', /"\." path segment/],
    ['s3://media//b.mp4', /starts with "\/"/],
    ['s3://media/a//b.mp4', /empty path segment/],
    ['s3://media/a\\b.mp4', /backslash/],
    ['s3://media/a\nb.mp4', /control characters/],
    [`s3://media/${'k'.repeat(1025)}`, /longer than 1024 bytes/],
  ])('refuses %s', (uri, reason) => {
    const parsed = parseS3Uri(uri, { prefix: false });
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(reason);
  });

  it('refuses ".." in a prefix too', () => {
    expect(parseS3Uri('s3://media/out/../', { prefix: true }).ok).toBe(false);
  });

  it('joins a prefix and a relative key', () => {
    expect(formatS3Uri(childOf({ bucket: 'media', key: 'out/job/' }, 'hls/master.m3u8'))).toBe(
      's3://media/out/job/hls/master.m3u8',
    );
  });
});
