/**
 * LIME's surrogate (lime.lime_base.LimeBase.explain_instance_with_data), exported on its own so
 * its numbers can be checked against LIME: weights = kernelFn(distances), feature selection on the
 * label column, then Ridge(alpha 1, intercept) fitted with those sample weights; returns the
 * intercept, the (feature, weight) list sorted by |weight| descending, the weighted R² and the
 * surrogate's prediction at row 0 (the unperturbed instance). All in float64 on the host: the
 * system is d × d for d components (see surrogate/linalg.ts for why).
 */
import { ShapeError, ValueError } from '../../engine/index.js';
import { FEATURE_SELECTIONS, selectFeatures, type FeatureSelection } from './featureSelection.js';
import { fitRidge, predict, r2Score, selectColumns, type Design } from './surrogate/ridge.js';

/** LIME's exponential kernel on distances: sqrt(exp(−d² / width²)). */
export function limeKernel(distance: number, kernelWidth: number): number {
  return Math.sqrt(Math.exp(-(distance * distance) / (kernelWidth * kernelWidth)));
}

/** LIME's tabular default kernel width for d features: 0.75·√d (kernelWidth: 'lime'). */
export function limeTabularWidth(d: number): number {
  return 0.75 * Math.sqrt(d);
}

/** Distance metrics of the binary rows to the unperturbed row. */
export const DISTANCE_METRICS = ['cosine', 'euclidean'] as const;
export type DistanceMetric = (typeof DISTANCE_METRICS)[number];

/**
 * Distance of every row of data [n, d] to row 0, as sklearn.metrics.pairwise_distances(data,
 * data[0:1], metric): cosine = 1 − a·b / (|a||b|) clipped to [0, 2] (a zero row has similarity 0,
 * so distance 1); euclidean = |a − b|. Row 0's own distance is exactly 0.
 */
export function distancesToFirst(data: readonly ArrayLike<number>[], metric: DistanceMetric = 'cosine'): Float64Array {
  const n = data.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const r0 = data[0];
  const d = r0.length;
  let n0 = 0;
  for (let j = 0; j < d; j++) n0 += r0[j] * r0[j];
  for (let i = 1; i < n; i++) {
    const r = data[i];
    if (metric === 'euclidean') {
      let s = 0;
      for (let j = 0; j < d; j++) s += (r[j] - r0[j]) ** 2;
      out[i] = Math.sqrt(s);
    } else {
      let dot = 0;
      let nr = 0;
      for (let j = 0; j < d; j++) {
        dot += r[j] * r0[j];
        nr += r[j] * r[j];
      }
      const sim = nr === 0 || n0 === 0 ? 0 : dot / (Math.sqrt(nr) * Math.sqrt(n0));
      out[i] = Math.min(2, Math.max(0, 1 - sim));
    }
  }
  return out;
}

export interface LimeBaseOptions {
  /** Column of labels to explain (a class index). */
  label: number;
  /** Most features in the explanation (ignored by 'none'). Default: all. */
  numFeatures?: number;
  /** LIME's feature selection (default 'auto'). */
  featureSelection?: FeatureSelection;
  /** Width of the default kernel (default 25, as MusicLIME; LIME's tabular default is 0.75·√d). */
  kernelWidth?: number | 'lime';
  /** Weight of a row from its distance (default sqrt(exp(−d²/kernelWidth²))). */
  kernelFn?: (distance: number) => number;
  /** Ridge penalty of the final fit (default 1, as LIME). */
  alpha?: number;
}

export interface LimeBaseResult {
  /** Intercept of the surrogate. */
  intercept: number;
  /** (feature index, weight) pairs, sorted by |weight| descending. */
  localExp: [number, number][];
  /** Weighted R² of the surrogate on the perturbation rows. */
  score: number;
  /** The surrogate's prediction at row 0 (the unperturbed instance). */
  localPred: number;
  /** The selected features in selection order. */
  usedFeatures: number[];
  /** Each row's kernel weight. */
  weights: Float64Array;
}

const LIME_BASE_KEYS = new Set(['label', 'numFeatures', 'featureSelection', 'kernelWidth', 'kernelFn', 'alpha']);

/** Checks rows: a non-empty array of equally long numeric rows, every value finite. */
function checkRows(rows: unknown, name: string, fname: string, n?: number): { values: Float64Array; n: number; d: number } {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new ShapeError(
      `${fname}: ${name} must be a non-empty array of rows, got ${Array.isArray(rows) ? 'an empty array' : typeof rows}`,
    );
  if (n !== undefined && rows.length !== n) throw new ShapeError(`${fname}: ${name} has ${rows.length} rows, data has ${n}`);
  const d = (rows[0] as ArrayLike<number>)?.length;
  if (typeof d !== 'number' || d < 1) throw new ShapeError(`${fname}: ${name}[0] must be a non-empty row of numbers`);
  const values = new Float64Array(rows.length * d);
  rows.forEach((r: ArrayLike<number>, i) => {
    if (r?.length !== d) throw new ShapeError(`${fname}: ${name}[${i}] has ${r?.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) {
      const v = r[j];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ValueError(`${fname}: ${name}[${i}][${j}] is ${v}; every value must be a finite number`);
      values[i * d + j] = v;
    }
  });
  return { values, n: rows.length, d };
}

/**
 * LimeBase.explain_instance_with_data: data [n, d] (interpretable rows, row 0 the unperturbed
 * instance), labels [n, C] (model outputs, e.g. probabilities), distances [n] (to row 0). Returns
 * the surrogate of column `label` (see the module comment). Host float64; nothing is mutated.
 */
export function limeBase(
  data: readonly ArrayLike<number>[],
  labels: readonly ArrayLike<number>[],
  distances: ArrayLike<number>,
  options: LimeBaseOptions,
): LimeBaseResult {
  const fname = 'limeBase';
  if (options === null || typeof options !== 'object')
    throw new ValueError(`${fname}: options { label, numFeatures?, featureSelection?, kernelWidth?, kernelFn? } are required`);
  for (const k of Object.keys(options))
    if (!LIME_BASE_KEYS.has(k)) throw new ValueError(`${fname}: unknown option '${k}' (expected one of ${[...LIME_BASE_KEYS].join(', ')})`);
  const X = checkRows(data, 'data', fname);
  const Y = checkRows(labels, 'labels', fname, X.n);
  if (!distances || typeof distances.length !== 'number' || distances.length !== X.n)
    throw new ShapeError(`${fname}: distances must hold one value per row of data (${X.n}), got ${distances?.length}`);
  const label = options.label;
  if (!Number.isInteger(label) || label < 0 || label >= Y.d)
    throw new ValueError(`${fname}: options.label = ${label} is out of range: labels have ${Y.d} columns (0..${Y.d - 1})`);
  const numFeatures = options.numFeatures ?? X.d;
  if (!Number.isInteger(numFeatures) || numFeatures < 1)
    throw new ValueError(`${fname}: options.numFeatures must be a positive integer, got ${JSON.stringify(numFeatures)}`);
  const method = options.featureSelection ?? 'auto';
  if (!(FEATURE_SELECTIONS as readonly string[]).includes(method))
    throw new ValueError(
      `${fname}: options.featureSelection must be one of ${FEATURE_SELECTIONS.join(', ')}, got ${JSON.stringify(method)}`,
    );
  const width = options.kernelWidth === 'lime' ? limeTabularWidth(X.d) : (options.kernelWidth ?? 25);
  if (typeof width !== 'number' || !(width > 0) || !Number.isFinite(width))
    throw new ValueError(`${fname}: options.kernelWidth must be a positive number, got ${JSON.stringify(width)}`);
  const kernel = options.kernelFn ?? ((dist: number) => limeKernel(dist, width));
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha >= 0))
    throw new ValueError(`${fname}: options.alpha must be a non-negative number, got ${JSON.stringify(alpha)}`);

  const weights = new Float64Array(X.n);
  for (let i = 0; i < X.n; i++) {
    const dist = distances[i];
    if (!Number.isFinite(dist)) throw new ValueError(`${fname}: distances[${i}] is ${dist}; distances must be finite`);
    const w = kernel(dist);
    if (!Number.isFinite(w) || w < 0)
      throw new ValueError(`${fname}: kernelFn(${dist}) returned ${w}; weights must be finite and non-negative`);
    weights[i] = w;
  }
  const y = new Float64Array(X.n);
  for (let i = 0; i < X.n; i++) y[i] = Y.values[i * Y.d + label];
  const design: Design = { x: X.values, n: X.n, d: X.d };
  const used = selectFeatures(design, y, weights, numFeatures, method);
  const sub = selectColumns(design, used);
  const fit = fitRidge(sub, y, weights, alpha);
  const score = r2Score(y, predict(fit, sub), weights);
  let localPred = fit.intercept;
  used.forEach((j, k) => (localPred += X.values[j] * fit.coef[k]));
  const localExp = used.map((j, k) => [j, fit.coef[k]] as [number, number]);
  localExp.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  return { intercept: fit.intercept, localExp, score, localPred, usedFeatures: used, weights };
}
