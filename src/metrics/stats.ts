/**
 * Host-side statistics on small per-example vectors (a few dozen values each), with SciPy's
 * conventions: Pearson and Spearman (average ranks for ties) give NaN when either side is
 * constant, as scipy.stats.pearsonr / spearmanr do.
 */

/** Pearson correlation of two equal-length vectors (NaN when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  const r = sab / Math.sqrt(saa * sbb);
  return Math.max(-1, Math.min(1, r));
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata 'average'). */
export function rankAverage(a: ArrayLike<number>): Float64Array {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j] || i - j);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && a[order[j + 1]] === a[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation (Pearson of average ranks; NaN when either side is constant). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(rankAverage(a), rankAverage(b));
}

/** Mean ignoring NaN (NaN when all are NaN), as np.nanmean. */
export function nanMean(v: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) {
      s += v[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Max ignoring NaN (NaN when all are NaN), as np.nanmax. */
export function nanMax(v: ArrayLike<number>): number {
  let m = -Infinity;
  let any = false;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) {
      m = Math.max(m, v[i]);
      any = true;
    }
  }
  return any ? m : NaN;
}

/** Mean, NaN if any value is NaN (np.mean). */
export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** Trapezoidal area under a curve sampled at unit spacing (np.trapz(y, dx=1)). */
export function trapezoid(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < y.length; i++) s += (y[i - 1] + y[i]) / 2;
  return s;
}

/**
 * Indices that sort `a` ascending (descending with `descending`); ties keep index order (a stable
 * sort — NumPy's default argsort leaves the order of ties unspecified).
 */
export function argsort(a: ArrayLike<number>, descending = false): Int32Array {
  const idx = Int32Array.from({ length: a.length }, (_, i) => i);
  const sgn = descending ? -1 : 1;
  return idx.sort((i, j) => sgn * (a[i] - a[j]) || i - j);
}
