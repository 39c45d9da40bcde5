/**
 * Bjøntegaard delta rate (BD-rate): how many percent more (or, negative, fewer) bits one
 * encoder needs than another for the same quality, averaged over the quality range both
 * curves cover.
 *
 * The method is Bjøntegaard's original (VCEG-M33, 2001; the one most codec comparisons still
 * quote): for each curve, a cubic polynomial fitted by least squares to log10(rate) as a
 * function of quality, each integrated over the overlap of the two quality ranges; the mean
 * difference of the logs is the rate ratio. With exactly four points the cubic passes through
 * them all. (JVET and AOM's current tools fit piecewise cubic Hermite interpolants instead;
 * on well-behaved curves the two agree to a fraction of a percent.)
 */

/** One encode of a rate-quality curve. */
export interface RatePoint {
  /** Bitrate in any unit, the same for both curves (only ratios count). */
  readonly kbps: number;
  /** Quality, higher is better: VMAF here, PSNR works the same way. */
  readonly vmaf: number;
}

/** Points a curve needs: a cubic has four coefficients. */
export const MIN_POINTS = 4;

/**
 * The average bitrate difference of `test` against `anchor` at equal quality, in percent:
 * -50 means `test` needs half the bits. Throws when a curve has fewer than four points, a rate
 * that is not positive, two points of the same quality, or when the curves' quality ranges do
 * not overlap.
 */
export function bdRate(anchor: readonly RatePoint[], test: readonly RatePoint[]): number {
  const a = curve(anchor, 'anchor');
  const t = curve(test, 'test');
  const lo = Math.max(a.min, t.min);
  const hi = Math.min(a.max, t.max);
  if (!(hi > lo)) {
    throw new Error(
      `bdRate: the curves' quality ranges do not overlap (anchor ${fmt(a.min)}..${fmt(a.max)}, test ${fmt(t.min)}..${fmt(t.max)}): encode at CRFs that reach common qualities`,
    );
  }
  const meanLogDiff = (t.integral(lo, hi) - a.integral(lo, hi)) / (hi - lo);
  return (10 ** meanLogDiff - 1) * 100;
}

interface FittedCurve {
  readonly min: number;
  readonly max: number;
  /** The integral of the fitted log10(rate) from `lo` to `hi` in quality. */
  integral(lo: number, hi: number): number;
}

function curve(points: readonly RatePoint[], name: string): FittedCurve {
  if (points.length < MIN_POINTS) {
    throw new Error(
      `bdRate: the ${name} curve has ${points.length} point(s); it needs at least ${MIN_POINTS} (encode at ${MIN_POINTS} or more CRFs)`,
    );
  }
  for (const p of points) {
    if (!(p.kbps > 0) || !Number.isFinite(p.kbps) || !Number.isFinite(p.vmaf)) {
      throw new Error(
        `bdRate: the ${name} curve has a point with rate ${p.kbps} and quality ${p.vmaf}; rates must be positive and both finite`,
      );
    }
  }
  const qualities = points.map((p) => p.vmaf);
  if (new Set(qualities).size !== qualities.length) {
    throw new Error(
      `bdRate: the ${name} curve has two points of the same quality (${qualities.join(', ')}); log(rate) must be a function of quality: drop the duplicate or use CRFs further apart`,
    );
  }
  const min = Math.min(...qualities);
  const max = Math.max(...qualities);
  // Fit in a centred, scaled variable so the normal equations stay well conditioned.
  const centre = (min + max) / 2;
  const half = (max - min) / 2;
  const u = (q: number) => (q - centre) / half;
  const c = leastSquaresCubic(
    qualities.map(u),
    points.map((p) => Math.log10(p.kbps)),
  );
  // The antiderivative in u; dq = half * du.
  const F = (x: number) =>
    c[0]! * x + (c[1]! * x ** 2) / 2 + (c[2]! * x ** 3) / 3 + (c[3]! * x ** 4) / 4;
  return { min, max, integral: (lo, hi) => half * (F(u(hi)) - F(u(lo))) };
}

/** Coefficients c0..c3 of y = c0 + c1 x + c2 x^2 + c3 x^3 minimising the squared error. */
export function leastSquaresCubic(xs: readonly number[], ys: readonly number[]): number[] {
  const n = 4;
  // Normal equations: (V^T V) c = V^T y, V the Vandermonde matrix.
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) =>
      j < n
        ? xs.reduce((s, x) => s + x ** (i + j), 0)
        : xs.reduce((s, x, k) => s + x ** i * ys[k]!, 0),
    ),
  );
  // Gaussian elimination with partial pivoting.
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    }
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new Error('bdRate: the points do not determine a cubic');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

function fmt(n: number): string {
  return n.toFixed(2);
}
