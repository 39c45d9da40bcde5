import { describe, expect, it } from 'vitest';
import { partRange, planUpload, S3_LIMITS } from './upload-plan.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** What S3 checks on CompleteMultipartUpload, restated independently of the planner. */
function acceptableToS3(size: number, partSize: number, partCount: number): string[] {
  const problems: string[] = [];
  if (partCount > 10_000) problems.push(`${partCount} parts`);
  if (partSize < 5 * MIB && partCount > 1) problems.push(`parts of ${partSize} bytes`);
  if (partSize > 5 * GIB) problems.push(`parts of ${partSize} bytes`);
  if ((partCount - 1) * partSize >= size || partCount * partSize < size) {
    problems.push('the parts do not cover the file exactly');
  }
  return problems;
}

describe('planUpload', () => {
  it('sends a file of up to one part in one PUT', () => {
    expect(planUpload(8 * MIB, { partSizeBytes: 8 * MIB })).toEqual({
      kind: 'single',
      size: 8 * MIB,
    });
    expect(planUpload(1, { partSizeBytes: 8 * MIB })).toEqual({ kind: 'single', size: 1 });
  });

  it('plans a 6 GiB upload S3 accepts: 768 parts of 8 MiB', () => {
    const plan = planUpload(6 * GIB, { partSizeBytes: 8 * MIB });
    expect(plan).toEqual({ kind: 'multipart', size: 6 * GIB, partSize: 8 * MIB, partCount: 768 });
    if (plan.kind !== 'multipart') throw new Error('multipart expected');
    expect(acceptableToS3(plan.size, plan.partSize, plan.partCount)).toEqual([]);
    expect(partRange(plan, 768)).toEqual({ start: 767 * 8 * MIB, end: 6 * GIB, size: 8 * MIB });
  });

  it.each([
    [12.6 * 1000 * 1000, 8 * MIB],
    [200 * MIB + 17, 8 * MIB],
    [100 * GIB, 8 * MIB],
    [S3_LIMITS.maxObjectBytes, 8 * MIB],
    [20 * GIB + 1, 5 * MIB],
  ])('grows parts in whole MiB to stay within 10,000: %d bytes', (size, partSizeBytes) => {
    const plan = planUpload(Math.round(size), { partSizeBytes });
    if (plan.kind !== 'multipart') throw new Error('multipart expected');
    expect(acceptableToS3(plan.size, plan.partSize, plan.partCount)).toEqual([]);
    expect(plan.partSize % MIB).toBe(0);
  });

  it('keeps parts within a store that takes less than S3, and says when a file cannot fit', () => {
    const local = { partSizeBytes: 8 * MIB, maxPartBytes: 10 * MIB };
    const plan = planUpload(90 * GIB, local);
    expect(plan.kind === 'multipart' && plan.partSize).toBe(10 * MIB);
    expect(() => planUpload(200 * GIB, local)).toThrow(
      /needs parts of \d+ bytes, more than the 10485760/,
    );
  });

  it('never plans parts below S3 minimum, whatever it is asked', () => {
    const plan = planUpload(20 * MIB, { partSizeBytes: 1 });
    expect(plan).toMatchObject({ kind: 'multipart', partSize: 5 * MIB, partCount: 4 });
  });
});
