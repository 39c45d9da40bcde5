import { describe, expect, it } from 'vitest';
import { bdRate, leastSquaresCubic, type RatePoint } from './bd-rate.ts';

/** A plausible anchor: log10(kbps) a cubic in VMAF (so the fit is exact), rising with quality. */
const anchorLog = (q: number) => 2 + 0.02 * q + 4e-6 * (q - 60) ** 3;
const curveAt = (qs: readonly number[], log: (q: number) => number): RatePoint[] =>
  qs.map((vmaf) => ({ kbps: 10 ** log(vmaf), vmaf }));
const anchor = curveAt([62, 75, 86, 93], anchorLog);

describe('bdRate (Bjøntegaard, cubic fit of log rate over quality)', () => {
  it('gives exactly -50% for a curve needing half the rate at every quality', () => {
    const half = anchor.map((p) => ({ kbps: p.kbps * 0.5, vmaf: p.vmaf }));
    expect(bdRate(anchor, half)).toBeCloseTo(-50, 9);
  });

  it('gives the constant factor of a curve sampled at other qualities (+25%)', () => {
    const test = curveAt([58, 70, 80, 90, 97], (q) => anchorLog(q) + Math.log10(1.25));
    expect(bdRate(anchor, test)).toBeCloseTo(25, 9);
  });

  it('averages a difference that grows with quality over the overlap only', () => {
    // log10(test/anchor) = c (q - 70): over the overlap 62..90 its mean is c (76 - 70).
    const c = 0.004;
    const test = curveAt([55, 68, 80, 90], (q) => anchorLog(q) + c * (q - 70));
    expect(bdRate(anchor, test)).toBeCloseTo((10 ** (c * 6) - 1) * 100, 9);
  });

  it('is 0 for the same curve, and swapping the curves inverts the ratio', () => {
    expect(bdRate(anchor, anchor)).toBeCloseTo(0, 12);
    const noisy: RatePoint[] = [
      { kbps: 900, vmaf: 64.1 },
      { kbps: 1500, vmaf: 76.3 },
      { kbps: 2600, vmaf: 85.2 },
      { kbps: 4100, vmaf: 91.0 },
      { kbps: 7000, vmaf: 95.4 },
    ];
    const x = bdRate(anchor, noisy) / 100;
    const y = bdRate(noisy, anchor) / 100;
    expect(x).not.toBeCloseTo(0, 2);
    expect((1 + x) * (1 + y)).toBeCloseTo(1, 12);
  });

  it('matches the common numpy implementation (polyfit, polyint) on a measured-looking pair', () => {
    // np.polyfit(vmaf, log10(kbps), 3) per curve, np.polyint, over the overlap: -19.55170779...
    const a: RatePoint[] = [
      { kbps: 900, vmaf: 64.1 },
      { kbps: 1500, vmaf: 76.3 },
      { kbps: 2600, vmaf: 85.2 },
      { kbps: 4100, vmaf: 91.0 },
      { kbps: 7000, vmaf: 95.4 },
    ];
    const t: RatePoint[] = [
      { kbps: 700, vmaf: 63.0 },
      { kbps: 1200, vmaf: 75.9 },
      { kbps: 2000, vmaf: 84.8 },
      { kbps: 3300, vmaf: 91.2 },
    ];
    expect(bdRate(a, t)).toBeCloseTo(-19.55170779, 6);
  });

  it('does not depend on the order of the points', () => {
    const test = curveAt([58, 70, 80, 90], (q) => anchorLog(q) - 0.1);
    expect(bdRate([...anchor].reverse(), test)).toBeCloseTo(bdRate(anchor, test), 12);
  });

  it('refuses curves it cannot compare, saying what to do', () => {
    expect(() => bdRate(anchor.slice(0, 3), anchor)).toThrow(/3 point\(s\).*at least 4/);
    expect(() => bdRate(anchor, curveAt([20, 30, 40, 50], anchorLog))).toThrow(
      /do not overlap.*62\.00\.\.93\.00.*20\.00\.\.50\.00/,
    );
    expect(() => bdRate(anchor, [...anchor.slice(0, 3), { kbps: 5, vmaf: 62 }])).toThrow(
      /same quality/,
    );
    expect(() => bdRate(anchor, [...anchor.slice(0, 3), { kbps: 0, vmaf: 99 }])).toThrow(
      /rates must be positive/,
    );
  });
});

describe('leastSquaresCubic', () => {
  it('recovers a cubic from four points, and the least-squares line through more', () => {
    const f = (x: number) => 1 - 2 * x + 0.5 * x ** 2 + 3 * x ** 3;
    const xs = [-1, -0.3, 0.4, 1];
    const c = leastSquaresCubic(xs, xs.map(f));
    [1, -2, 0.5, 3].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 10));
    // Points on y = 3 + x: no other cubic fits them better.
    const line = leastSquaresCubic([-2, -1, 0, 1, 2], [1, 2, 3, 4, 5]);
    [3, 1, 0, 0].forEach((v, i) => expect(line[i]).toBeCloseTo(v, 10));
  });
});
