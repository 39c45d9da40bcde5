import { describe, expect, it } from 'vitest';
import {
  bdRateOrWhy,
  crfForVmaf,
  curveCrfs,
  defaultContenders,
  meanCpu,
  sweepContenders,
  type Curve,
} from './codec-plan.ts';

const curve = (label: string, points: [crf: number, kbps: number, vmaf: number][]): Curve => ({
  label,
  codec: 'h264',
  points: points.map(([crf, kbps, vmaf]) => ({ crf, kbps, vmaf, cpuSeconds: crf / 10 })),
});

describe('the codec comparison plan', () => {
  it('centres five ladder CRFs on the preset’s, within x264’s range', () => {
    expect(curveCrfs(23)).toEqual([17, 20, 23, 26, 29]);
    expect(curveCrfs(4)).toEqual([1, 1, 4, 7, 10]);
    expect(curveCrfs(49)).toEqual([43, 46, 49, 51, 51]);
  });

  it('compares the worker’s default encoder of each codec, then other presets', () => {
    expect(defaultContenders().map((c) => [c.codec, c.label, c.isDefault])).toEqual([
      ['h264', 'x264 veryfast', true],
      ['hevc', 'x265 medium', true],
      ['av1', 'SVT-AV1 preset 9', true],
    ]);
    const sweep = sweepContenders();
    expect(sweep.every((c) => !c.isDefault)).toBe(true);
    expect(sweep.map((c) => c.label)).toEqual([
      'x265 faster',
      'SVT-AV1 preset 8',
      'SVT-AV1 preset 10',
      'SVT-AV1 preset 12',
    ]);
    // Each sweep contender writes its own preset into ffmpeg's options.
    const preset = (i: number) =>
      sweep[i]!.encoder.sharedOptions({
        forceExpression: 'expr:0',
        segmentFrames: 120,
      }).find(([name]) => name === 'preset')?.[1];
    expect([0, 1, 2, 3].map(preset)).toEqual(['faster', '8', '10', '12']);
  });

  it('reads the CRF that reaches a VMAF between two points, and none outside the curve', () => {
    const c = curve('x', [
      [17, 8000, 97],
      [20, 5000, 95],
      [23, 3000, 92],
      [26, 2000, 88],
    ]);
    expect(crfForVmaf(c, 95)).toBe(20);
    expect(crfForVmaf(c, 93.5)).toBe(21.5);
    expect(crfForVmaf(c, 90)).toBe(24.5);
    expect(crfForVmaf(c, 98)).toBeUndefined();
    expect(crfForVmaf(c, 80)).toBeUndefined();
    expect(meanCpu(c)).toBeCloseTo(2.15, 10);
  });

  it('gives a BD-rate, or the reason there is none', () => {
    const anchor = curve('a', [
      [17, 8000, 97],
      [20, 5000, 95],
      [23, 3000, 92],
      [26, 2000, 88],
    ]);
    const half = curve(
      'b',
      anchor.points.map((p) => [p.crf, p.kbps / 2, p.vmaf]),
    );
    expect(bdRateOrWhy(anchor, half)).toBe(-50);
    const apart = curve('c', [
      [17, 800, 60],
      [20, 500, 58],
      [23, 300, 55],
      [26, 200, 50],
    ]);
    expect(bdRateOrWhy(anchor, apart)).toMatch(/do not overlap/);
  });
});
