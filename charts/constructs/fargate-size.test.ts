import { describe, expect, it } from 'vitest';
import { fargateSize } from './fargate-size.ts';

describe('fargateSize', () => {
  it.each([
    [0.25, 256, 0.5],
    [0.5, 768, 1],
    [1, 1792, 2],
    [2, 3840, 4],
    [2, 15_104, 15],
    [4, 7936, 8],
    [8, 16_128, 16],
    [16, 32_000, 32],
  ])('fits %s vCPU with %s MiB into %s GiB (with the 256 MiB Fargate adds)', (cpu, memory, gib) => {
    expect(fargateSize(cpu, memory).memoryGiB).toBe(gib);
  });

  it.each([
    [2, 4000, 5],
    [1, 2048, 3],
    [8, 16_500, 20],
    [16, 40_000, 40],
  ])('rounds %s vCPU with %s MiB up to %s GiB', (cpu, memory, gib) => {
    expect(fargateSize(cpu, memory)).toMatchObject({
      vcpu: cpu,
      memoryGiB: gib,
      requestedMemoryMiB: memory + 256,
    });
  });

  it('rejects memory that, with the 256 MiB, needs a bigger vCPU size, and says what to ask for', () => {
    expect(() => fargateSize(2, 16_384)).toThrow(
      'worker.memoryMiB 16384 plus the 256 MiB Fargate adds is 16640 MiB, more than 2 vCPU allows (4-16 GiB); Fargate would bill a larger vCPU size. Ask for at most 16128 MiB, or more vCPU.',
    );
    expect(() => fargateSize(0.25, 2048)).toThrow(/more than 0.25 vCPU allows/);
    expect(() => fargateSize(16, 123_000)).toThrow(/more than 16 vCPU allows/);
  });

  it('rejects a vCPU count Fargate does not offer', () => {
    expect(() => fargateSize(3, 4096)).toThrow(
      'worker.cpu 3 is not a Fargate vCPU size; use one of 0.25, 0.5, 1, 2, 4, 8, 16',
    );
  });
});
