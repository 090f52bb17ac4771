/**
 * LIME's feature selection (lime.lime_base.LimeBase.feature_selection), on the host in float64:
 * which interpretable components enter the final weighted ridge fit.
 *
 * - 'none': every feature.
 * - 'forward_selection': greedily add the feature whose weighted least-squares fit (Ridge alpha 0
 *   with intercept) has the best weighted R², numFeatures times (first best on ties).
 * - 'highest_weights': fit Ridge(alpha 0.01) on all features, rank by |coef · row 0| (stable on
 *   ties), keep the first numFeatures.
 * - 'lasso_path': centre and √weight-scale data and labels, walk the LARS-lasso path back from its
 *   end to the last knot with at most numFeatures non-zero coefficients; its support, ascending.
 * - 'auto': forward_selection when numFeatures ≤ 6, highest_weights otherwise.
 */
import { ValueError } from '../../engine/index.js';
import { larsLassoPath } from './surrogate/lars.js';
import { fitRidge, predict, r2Score, selectColumns, type Design } from './surrogate/ridge.js';

/** The feature selection modes of LIME. */
export const FEATURE_SELECTIONS = ['auto', 'forward_selection', 'lasso_path', 'highest_weights', 'none'] as const;
export type FeatureSelection = (typeof FEATURE_SELECTIONS)[number];

/** Selected feature indices (see the module comment for each method). */
export function selectFeatures(
  design: Design,
  labels: Float64Array,
  weights: Float64Array,
  numFeatures: number,
  method: FeatureSelection,
): number[] {
  switch (method) {
    case 'none':
      return Array.from({ length: design.d }, (_, j) => j);
    case 'forward_selection':
      return forwardSelection(design, labels, weights, numFeatures);
    case 'highest_weights':
      return highestWeights(design, labels, weights, numFeatures);
    case 'lasso_path':
      return lassoPath(design, labels, weights, numFeatures);
    case 'auto':
      return selectFeatures(design, labels, weights, numFeatures, numFeatures <= 6 ? 'forward_selection' : 'highest_weights');
    default:
      throw new ValueError(`limeBase: featureSelection must be one of ${FEATURE_SELECTIONS.join(', ')}, got ${String(method)}`);
  }
}

function forwardSelection(design: Design, labels: Float64Array, weights: Float64Array, numFeatures: number): number[] {
  const used: number[] = [];
  for (let step = 0; step < Math.min(numFeatures, design.d); step++) {
    let best = 0;
    let bestScore = -100000000;
    for (let f = 0; f < design.d; f++) {
      if (used.includes(f)) continue;
      const sub = selectColumns(design, [...used, f]);
      const fit = fitRidge(sub, labels, weights, 0);
      const score = r2Score(labels, predict(fit, sub), weights);
      if (score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    used.push(best);
  }
  return used;
}

function highestWeights(design: Design, labels: Float64Array, weights: Float64Array, numFeatures: number): number[] {
  const fit = fitRidge(design, labels, weights, 0.01);
  const scored = Array.from({ length: design.d }, (_, j) => ({ j, v: fit.coef[j] * design.x[j] }));
  // Array.prototype.sort is stable, like Python's sorted: ties keep index order.
  scored.sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
  return scored.slice(0, numFeatures).map((s) => s.j);
}

function lassoPath(design: Design, labels: Float64Array, weights: Float64Array, numFeatures: number): number[] {
  const { x, n, d } = design;
  let sw = 0;
  const xm = new Float64Array(d);
  let ym = 0;
  for (let i = 0; i < n; i++) {
    sw += weights[i];
    ym += weights[i] * labels[i];
    for (let j = 0; j < d; j++) xm[j] += weights[i] * x[i * d + j];
  }
  ym /= sw;
  for (let j = 0; j < d; j++) xm[j] /= sw;
  const wx = new Float64Array(n * d);
  const wy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(weights[i]);
    wy[i] = (labels[i] - ym) * s;
    for (let j = 0; j < d; j++) wx[i * d + j] = (x[i * d + j] - xm[j]) * s;
  }
  const path = larsLassoPath(wx, wy, n, d);
  let nonzero = Array.from({ length: d }, (_, j) => j);
  for (let i = path.length - 1; i > 0; i--) {
    nonzero = [];
    path[i].forEach((v, j) => {
      if (v !== 0) nonzero.push(j);
    });
    if (nonzero.length <= numFeatures) break;
  }
  return nonzero;
}
