/**
 * Robustness metrics with Quantus 0.6's semantics and defaults: how much does an explanation
 * change when the input is slightly perturbed? Each perturbed copy is re-explained; all copies of
 * all examples in a chunk go to the explain function in one call (one batched forward + backward
 * for the gradient methods), never one call per perturbation per example.
 */
import { ValueError, type Tensor } from '../engine/index.js';
import { describeValue, type Model, type Target } from '../xai/shared/index.js';
import {
  attributionsOf,
  explainRows,
  intOption,
  metricContext,
  numberOption,
  parseMetricOptions,
  predictedClasses,
  preprocess,
  rowBuilder,
  type MetricBaseOptions,
} from './common.js';
import { mean, nanMax, nanMean } from './stats.js';

/** A vector norm by name ('fro' = 'l2', 'linf') or a function of one host vector. */
export type NormName = 'fro' | 'l2' | 'linf';

export interface SensitivityOptions extends MetricBaseOptions {
  /** Perturbed copies per example (default 200). */
  nrSamples?: number;
  /** Noise is U(−lowerBound, lowerBound), or U(lowerBound, upperBound) when upperBound is given (default 0.2). */
  lowerBound?: number;
  /** See lowerBound (default none). */
  upperBound?: number;
  /** Norm of the explanation change (default 'fro'). */
  normNumerator?: NormName | ((v: Float64Array) => number);
  /** Norm of the unperturbed explanation (default 'fro'). */
  normDenominator?: NormName | ((v: Float64Array) => number);
  /** A copy whose predicted class changed gives NaN, and the example NaN (default false, Quantus). */
  returnNanWhenPredictionChanges?: boolean;
}

const SPEC = {
  nrSamples: ['nr_samples'],
  lowerBound: ['lower_bound'],
  upperBound: ['upper_bound'],
  normNumerator: ['norm_numerator'],
  normDenominator: ['norm_denominator'],
  returnNanWhenPredictionChanges: ['return_nan_when_prediction_changes'],
} as const;

function normOf(v: unknown, name: string, fname: string): (x: Float64Array) => number {
  if (v === undefined || v === 'fro' || v === 'l2') return (x) => Math.sqrt(x.reduce((s, q) => s + q * q, 0));
  if (v === 'linf') return (x) => x.reduce((m, q) => Math.max(m, Math.abs(q)), 0);
  if (typeof v === 'function') return v as (x: Float64Array) => number;
  throw new ValueError(`${fname}: options.${name} must be 'fro', 'l2', 'linf' or a function (v) => number, got ${describeValue(v)}`);
}

/**
 * Per example and copy: ‖a − a′‖ / ‖a‖, where a′ explains the input plus uniform noise. Returns
 * [B][nrSamples] (NaN where the prediction changed, with returnNanWhenPredictionChanges).
 */
async function sensitivities(
  model: Model,
  inputs: Tensor,
  targets: Target,
  options: SensitivityOptions,
  fname: string,
): Promise<{ s: Float64Array[]; nanOnChange: boolean }> {
  const o = parseMetricOptions(options, SPEC, fname);
  const ctx = await metricContext(model, inputs, targets, o, { normalise: false, abs: false }, fname);
  if (!ctx.explain) throw new ValueError(`${fname}: options.explain is required (the metric re-explains perturbed inputs)`);
  const { batch, features } = ctx;
  const nrSamples = intOption(o.nrSamples, 'nrSamples', fname, 200);
  const lowerBound = numberOption(o.lowerBound, 'lowerBound', fname, 0.2);
  const upperBound = o.upperBound === undefined ? undefined : numberOption(o.upperBound, 'upperBound', fname, 0);
  if (upperBound !== undefined && upperBound <= lowerBound)
    throw new ValueError(`${fname}: options.upperBound (${upperBound}) must be larger than lowerBound (${lowerBound})`);
  const [lo, hi] = upperBound === undefined ? [-lowerBound, lowerBound] : [lowerBound, upperBound];
  const numer = normOf(o.normNumerator, 'normNumerator', fname);
  const denom = normOf(o.normDenominator, 'normDenominator', fname);
  const nanOnChange = o.returnNanWhenPredictionChanges === undefined ? false : o.returnNanWhenPredictionChanges === true;
  if (o.returnNanWhenPredictionChanges !== undefined && typeof o.returnNanWhenPredictionChanges !== 'boolean') {
    throw new ValueError(
      `${fname}: options.returnNanWhenPredictionChanges must be true or false, got ${describeValue(o.returnNanWhenPredictionChanges)}`,
    );
  }
  const a = await attributionsOf(ctx, o.attributions);
  const per = a.perExample;
  const aNorm = Array.from({ length: batch }, (_, b) => denom(Float64Array.from(a.data.subarray(b * per, (b + 1) * per))));
  const labels = nanOnChange ? await predictedClasses(ctx) : null;
  // Noise of step s (all examples), drawn in step order as the rows are built, dropped when done.
  const noise = new Map<number, Float32Array>();
  let drawn = 0;
  const noiseOf = (s: number): Float32Array => {
    while (drawn <= s) noise.set(drawn++, Float32Array.from(ctx.rng.uniform(lo, hi, batch * features)));
    return noise.get(s)!;
  };
  const stepA = new Map<number, { data: Float32Array; filled: number; changed: boolean[] }>();
  const out = Array.from({ length: batch }, () => new Float64Array(nrSamples));
  const build = rowBuilder(ctx, (k) => {
    const s = Math.floor(k / batch);
    const b = k % batch;
    for (const old of noise.keys()) if (old < s) noise.delete(old);
    return {
      example: b,
      noise: noiseOf(s).subarray(b * features, (b + 1) * features),
    };
  });
  await explainRows(
    ctx,
    nrSamples * batch,
    build,
    (k) => ctx.targets[k % batch],
    (k0, k1, ap, shape, lab) => {
      if (shape.reduce((p, q) => p * q, 1) !== per)
        throw new ValueError(
          `${fname}: the explain function's attributions of perturbed inputs have ${shape.reduce((p, q) => p * q, 1)} values per example, the attributions ${per}`,
        );
      for (let k = k0; k < k1; k++) {
        const s = Math.floor(k / batch);
        const b = k % batch;
        let st = stepA.get(s);
        if (!st)
          stepA.set(
            s,
            (st = {
              data: new Float32Array(batch * per),
              filled: 0,
              changed: new Array<boolean>(batch).fill(false),
            }),
          );
        st.data.set(ap.subarray((k - k0) * per, (k - k0 + 1) * per), b * per);
        if (lab && labels) st.changed[b] = lab[k - k0] !== labels[b];
        if (++st.filled === batch) {
          // Quantus preprocesses each step's batch of re-explanations together (normalise over it).
          preprocess(st.data, ctx.normalise, ctx.abs);
          for (let e = 0; e < batch; e++) {
            const d = new Float64Array(per);
            for (let i = 0; i < per; i++) d[i] = a.data[e * per + i] - st.data[e * per + i];
            out[e][s] = st.changed[e] ? NaN : numer(d) / aNorm[e];
          }
          stepA.delete(s);
        }
      }
    },
    fname,
    nanOnChange,
  );
  return { s: out, nanOnChange };
}

/**
 * AvgSensitivity (Yeh et al. 2019; Quantus): the mean over `nrSamples` noisy copies of
 * ‖a(x) − a(x + ε)‖ / ‖a(x)‖, ε ~ U(−lowerBound, lowerBound) per element. One score per example
 * (≥ 0; lower = more robust). Needs `explain`. Defaults (Quantus): nrSamples 200, lowerBound 0.2,
 * abs false, normalise false, norms 'fro'. Draws: `random.uniform(lo, hi, B·N)` per copy. With
 * returnNanWhenPredictionChanges a copy whose predicted class changed makes the example NaN
 * (np.mean); otherwise NaN copies are skipped (np.nanmean), as Quantus.
 */
export async function avgSensitivity(model: Model, inputs: Tensor, targets: Target, options: SensitivityOptions = {}): Promise<number[]> {
  const { s, nanOnChange } = await sensitivities(model, inputs, targets, options, 'avgSensitivity');
  return s.map((v) => (nanOnChange ? mean(v) : nanMean(v)));
}

/**
 * MaxSensitivity (Yeh et al. 2019; Quantus): as avgSensitivity with the maximum over the noisy
 * copies instead of the mean. One score per example (≥ 0; lower = more robust). Same defaults.
 */
export async function maxSensitivity(model: Model, inputs: Tensor, targets: Target, options: SensitivityOptions = {}): Promise<number[]> {
  const { s, nanOnChange } = await sensitivities(model, inputs, targets, options, 'maxSensitivity');
  return s.map((v) => (nanOnChange ? (v.some(Number.isNaN) ? NaN : Math.max(...v)) : nanMax(v)));
}
