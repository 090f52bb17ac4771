/**
 * Weighted ridge regression with an intercept, as scikit-learn's Ridge(alpha, fit_intercept=True)
 * fitted with sample_weight: X and y are centred by their weighted means, rows scaled by
 * √weight, (XcᵀXc + αI) w = Xcᵀyc is solved in float64, and intercept = ȳ − x̄·w. The R² score is
 * sklearn's weighted r2_score. alpha 0 is ordinary weighted least squares (LIME's forward
 * selection uses it).
 */
import { solveSymmetric } from './linalg.js';

/** A design matrix: n rows of d columns, row-major float64. */
export interface Design {
  /** Row-major values [n, d]. */
  x: Float64Array;
  n: number;
  d: number;
}

/** A fitted linear model y ≈ intercept + x·coef. */
export interface LinearFit {
  coef: Float64Array;
  intercept: number;
}

/** The columns `cols` of a design, as a new design. */
export function selectColumns(design: Design, cols: readonly number[]): Design {
  const { x, n, d } = design;
  const k = cols.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = x[i * d + cols[j]];
  return { x: out, n, d: k };
}

/** Weighted mean of each column of the design (and of y). */
function weightedMeans(design: Design, y: Float64Array, w: Float64Array): { xm: Float64Array; ym: number } {
  const { x, n, d } = design;
  const xm = new Float64Array(d);
  let ym = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    sw += wi;
    ym += wi * y[i];
    for (let j = 0; j < d; j++) xm[j] += wi * x[i * d + j];
  }
  for (let j = 0; j < d; j++) xm[j] /= sw;
  return { xm, ym: ym / sw };
}

/** Fits Ridge(alpha, fit_intercept=True) with sample weights w (n rows). */
export function fitRidge(design: Design, y: Float64Array, w: Float64Array, alpha: number): LinearFit {
  const { x, n, d } = design;
  const { xm, ym } = weightedMeans(design, y, w);
  if (d === 0) return { coef: new Float64Array(0), intercept: ym };
  const g = new Float64Array(d * d);
  const r = new Float64Array(d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    for (let j = 0; j < d; j++) xc[j] = x[i * d + j] - xm[j];
    const yc = y[i] - ym;
    for (let j = 0; j < d; j++) {
      const a = wi * xc[j];
      r[j] += a * yc;
      for (let k = j; k < d; k++) g[j * d + k] += a * xc[k];
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) g[j * d + k] = g[k * d + j];
    g[j * d + j] += alpha;
  }
  const coef = solveSymmetric(g, r, d);
  let intercept = ym;
  for (let j = 0; j < d; j++) intercept -= xm[j] * coef[j];
  return { coef, intercept };
}

/** Predictions intercept + x·coef for every row of the design. */
export function predict(fit: LinearFit, design: Design): Float64Array {
  const { x, n, d } = design;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = fit.intercept;
    for (let j = 0; j < d; j++) s += x[i * d + j] * fit.coef[j];
    out[i] = s;
  }
  return out;
}

/**
 * Weighted R² (sklearn r2_score with sample_weight): 1 − Σw(y − ŷ)² / Σw(y − ȳ_w)²; a constant
 * y gives 1 when predicted exactly and 0 otherwise (sklearn's force_finite).
 */
export function r2Score(y: Float64Array, pred: Float64Array, w: Float64Array): number {
  let sw = 0;
  let ym = 0;
  for (let i = 0; i < y.length; i++) {
    sw += w[i];
    ym += w[i] * y[i];
  }
  ym /= sw;
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    num += w[i] * (y[i] - pred[i]) ** 2;
    den += w[i] * (y[i] - ym) ** 2;
  }
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}
