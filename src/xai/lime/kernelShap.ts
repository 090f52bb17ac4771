/**
 * KernelSHAP (Lundberg & Lee 2017) on the LIME machinery, as Captum's KernelShap samples it: row 0
 * all components on, row 1 all off (both forced), then for each further row a coalition size k in
 * 1..M−1 drawn with probability ∝ (M − 1) / (k (M − k)) and a uniform subset of that size (weight
 * 1: the Shapley kernel is in the sampling). When 2^M ≤ numSamples every coalition is enumerated
 * instead, weighted by the Shapley kernel (M − 1) / (C(M, k) k (M − k)), which gives the exact
 * Shapley values.
 *
 * The fit is the weighted linear regression with the two forced rows as exact constraints (as
 * the SHAP package does, where Captum approximates them by a weight of 10^6): the intercept is
 * f(all off) and the values sum to f(x) − f(all off) exactly, solved by eliminating the last
 * component (host float64; the forward passes run batched on the device as for LIME).
 */
import { type Tensor, ValueError } from '../../engine/index.js';
import { positiveInt, type LongRunOptions, type Model } from '../shared/index.js';
import { parseRunOptions, predictWithTarget, SAMPLING_SPEC, withFactorization, type SampledData } from './explainCall.js';
import type { FactorizationShortcut } from './factorizations/resolve.js';
import type { Factorization } from './factorizations/types.js';
import { MAX_SAMPLES, type ExplainedComponent } from './lime.js';
import type { BinaryRows } from './perturb.js';
import { SeededStream } from './random.js';
import { solveSymmetric } from './surrogate/linalg.js';

export interface KernelShapOptions extends LongRunOptions {
  /** As lime's: a factorization of the input or a shortcut name (default 'segments'). */
  factorization?: Factorization | FactorizationShortcut;
  /** Class to explain (default: the model's prediction on the input; one class: a number, an array of one or an int32 tensor [1]). */
  target?: number | readonly number[] | Tensor;
  /** Where the training-mode warning goes: a function of one message, or false; default console.warn. */
  warn?: ((message: string) => void) | false;
  /** Coalitions evaluated, the two forced ones included (default 1000; at least 2). */
  numSamples?: number;
  /** Seed of the sampled coalitions (default 0). */
  seed?: number;
  /** What is explained: 'logits' (the forward output, Captum's default here) or 'probabilities'. */
  output?: 'probabilities' | 'logits';
  /** Perturbed inputs per forward pass (default from the device limits). */
  maxBatch?: number;
}

export interface KernelShapExplanation extends SampledData {
  method: 'kernelShap';
  target: number;
  /** Shapley value of every component [M]; they sum to fullValue − baseValue. */
  values: Float64Array;
  /** f(all components off) and f(x) for the target. */
  baseValue: number;
  fullValue: number;
  /** true when every coalition was enumerated (the values are then exact Shapley values). */
  exact: boolean;
  /** All components, sorted by |value| descending. */
  components: ExplainedComponent[];
}

const SHAP_SPEC = SAMPLING_SPEC;

/** Binomial coefficient (float64; exact for the sizes enumeration allows). */
function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The coalition rows and their regression weights (see the module comment). */
export function shapRows(numSamples: number, m: number, seed: number): BinaryRows & { weights: Float64Array; exact: boolean } {
  if (m <= 20 && 2 ** m <= numSamples) {
    const n = 2 ** m;
    const rows = new Uint8Array(n * m);
    const weights = new Float64Array(n);
    rows.fill(1, 0, m); // row 0 all on; row 1 all off
    let r = 2;
    for (let mask = 1; mask < n - 1; mask++, r++) {
      let k = 0;
      for (let j = 0; j < m; j++)
        if ((mask >> j) & 1) {
          rows[r * m + j] = 1;
          k++;
        }
      weights[r] = (m - 1) / (choose(m, k) * k * (m - k));
    }
    weights[0] = weights[1] = 1;
    return { rows, n, m, weights, exact: true };
  }
  const n = numSamples;
  const rows = new Uint8Array(n * m);
  rows.fill(1, 0, m);
  const weights = new Float64Array(n).fill(1);
  if (m > 1) {
    const p = Array.from({ length: m - 1 }, (_, i) => (m - 1) / ((i + 1) * (m - 1 - i)));
    const total = p.reduce((a, b) => a + b, 0);
    const rng = new SeededStream(seed, 2);
    const perm = new Int32Array(m);
    for (let r = 2; r < n; r++) {
      let u = rng.next() * total;
      let k = 1;
      while (k < m - 1 && u >= p[k - 1]) u -= p[k++ - 1];
      for (let j = 0; j < m; j++) perm[j] = j;
      for (let j = 0; j < k; j++) {
        const s = j + rng.int(m - j);
        [perm[j], perm[s]] = [perm[s], perm[j]];
        rows[r * m + perm[j]] = 1;
      }
    }
  }
  return { rows, n, m, weights, exact: false };
}

/**
 * Shapley values from coalition rows (row 0 all on, row 1 all off) and outputs y [n]: weighted
 * least squares with intercept y[1] and Σφ = y[0] − y[1] imposed exactly.
 */
export function solveShapley(rows: Uint8Array, n: number, m: number, y: Float64Array, w: Float64Array): Float64Array {
  const phi0 = y[1];
  const delta = y[0] - y[1];
  const phi = new Float64Array(m);
  if (m === 1) {
    phi[0] = delta;
    return phi;
  }
  const d = m - 1;
  const g = new Float64Array(d * d);
  const b = new Float64Array(d);
  const a = new Float64Array(d);
  for (let r = 2; r < n; r++) {
    const zm = rows[r * m + d];
    const t = y[r] - phi0 - zm * delta;
    for (let j = 0; j < d; j++) a[j] = rows[r * m + j] - zm;
    for (let j = 0; j < d; j++) {
      if (a[j] === 0) continue;
      b[j] += w[r] * a[j] * t;
      for (let k = 0; k < d; k++) g[j * d + k] += w[r] * a[j] * a[k];
    }
  }
  const sol = solveSymmetric(g, b, d);
  let s = 0;
  for (let j = 0; j < d; j++) {
    phi[j] = sol[j];
    s += sol[j];
  }
  phi[d] = delta - s;
  return phi;
}

/**
 * KernelSHAP on one input [1, ...] (see the module comment); model as for lime. Returns a value
 * per component with f(x) − f(all off) = Σ values; async, with progress and an AbortSignal.
 */
export async function kernelShap(model: Model, input: Tensor, options: KernelShapOptions = {}): Promise<KernelShapExplanation> {
  const fname = 'kernelShap';
  return withFactorization(model, input, options, SHAP_SPEC, fname, async (f, owned, o) => {
    const m = f.sources.shape[0];
    const numSamples = positiveInt(o.numSamples, 'options.numSamples', fname, { default: 1000, max: MAX_SAMPLES });
    if (numSamples < 2)
      throw new ValueError(`${fname}: options.numSamples must be at least 2 (the all-on and all-off coalitions), got ${numSamples}`);
    const { seed, predict } = parseRunOptions(o, fname, 'logits');
    const rows = shapRows(numSamples, m, seed);
    const { values, nClasses, target } = await predictWithTarget(model, f, rows, predict, o.target);
    const y = new Float64Array(rows.n);
    for (let r = 0; r < rows.n; r++) y[r] = values[r * nClasses + target];
    const phi = solveShapley(rows.rows, rows.n, m, y, rows.weights);
    const components = Array.from(phi, (v, j) => ({ index: j, name: f.names[j], weight: v, span: f.spans[j] }));
    components.sort((p, q) => Math.abs(q.weight) - Math.abs(p.weight));
    return {
      method: 'kernelShap',
      target,
      values: phi,
      baseValue: y[1],
      fullValue: y[0],
      exact: rows.exact,
      components,
      data: rows.rows,
      predictions: values,
      nClasses,
      numSamples: rows.n,
      factorization: f,
      dispose: () => {
        if (owned) f.dispose();
      },
    };
  });
}
