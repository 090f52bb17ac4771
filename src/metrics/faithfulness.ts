/**
 * Faithfulness metrics with Quantus 0.6's semantics and defaults: does removing what an
 * attribution calls important change the prediction accordingly? Every metric builds its perturbed
 * inputs on the device and runs all perturbations of all examples of a chunk in one forward pass
 * (the shared perturbation core); the per-example statistics (a few dozen numbers) are host-side.
 *
 * Shared conventions: `inputs` [B, ...], `targets` one class per example, attributions shaped like
 * the inputs (or without their channel axis, broadcast over it); logits are the model's raw
 * outputs unless `softmax` is set (Quantus's per-metric defaults: true for pixelFlipping and
 * monotonicityCorrelation, false for the others). Perturbation replaces features by `perturbBaseline`:
 * 'black' (the example's min), 'white' (max), 'mean', 'uniform' (U[0, 1) per example and
 * perturbation) or a number. Ties in attribution order are broken by index (stable sort; NumPy's
 * argsort leaves them unspecified, which only matters for exactly equal attributions).
 */
import type { Tensor } from '../engine/index.js';
import { ValueError } from '../engine/index.js';
import type { Model, Target } from '../xai/shared/index.js';
import {
  attributionsOf,
  baselineValues,
  broadcastToInputs,
  checkBaseline,
  checkFeaturesInStep,
  intOption,
  metricContext,
  numberOption,
  parseMetricOptions,
  perturbedTargetLogits,
  rowBuilder,
  targetLogitsOfInputs,
  type MetricBaseOptions,
  type MetricContext,
  type PerturbBaseline,
} from './common.js';
import { similarityOf, type SimilarityFunction, type SimilarityName } from './similarity.js';
import { argsort, trapezoid } from './stats.js';

export interface FaithfulnessCorrelationOptions extends MetricBaseOptions {
  /** Random subsets per example (default 100). */
  nrRuns?: number;
  /** Features in each random subset (default 224; at most the features of one input). */
  subsetSize?: number;
  /** Value the subset is replaced by (default 'black'). */
  perturbBaseline?: PerturbBaseline;
  /** Correlation of attribution sums and prediction drops (default 'pearson'). */
  similarityFunc?: SimilarityName | SimilarityFunction;
}

const FC_SPEC = {
  nrRuns: ['nr_runs'],
  subsetSize: ['subset_size'],
  perturbBaseline: ['perturb_baseline'],
  similarityFunc: ['similarity_func'],
} as const;

/** Per-example correlation of two [B, S] host arrays (rows of S values). */
function rowSimilarity(sim: SimilarityFunction, a: Float64Array, b: Float64Array, batch: number, s: number): number[] {
  return Array.from({ length: batch }, (_, i) => sim(a.subarray(i * s, (i + 1) * s), b.subarray(i * s, (i + 1) * s)));
}

/**
 * FaithfulnessCorrelation (Bhatt et al. 2020; Quantus): for `nrRuns` random subsets of
 * `subsetSize` features per example, the correlation between the sum of the attributions over the
 * subset and the drop of the target logit when the subset is replaced by the baseline. Returns one
 * score per example in [−1, 1] (higher = more faithful); NaN when the drops or the sums are
 * constant (as scipy's pearsonr). Defaults (Quantus): nrRuns 100, subsetSize 224, abs false,
 * normalise true, perturbBaseline 'black', similarityFunc 'pearson'. Draws: per run, one
 * `random.choice(N, subsetSize)` per example.
 */
export async function faithfulnessCorrelation(
  model: Model,
  inputs: Tensor,
  targets: Target,
  options: FaithfulnessCorrelationOptions = {},
): Promise<number[]> {
  const fname = 'faithfulnessCorrelation';
  const o = parseMetricOptions(options, FC_SPEC, fname);
  const ctx = await metricContext(model, inputs, targets, o, { normalise: true, abs: false }, fname);
  const { batch, features } = ctx;
  const nrRuns = intOption(o.nrRuns, 'nrRuns', fname, 100);
  const subsetSize = intOption(o.subsetSize, 'subsetSize', fname, 224);
  if (subsetSize > features)
    throw new ValueError(`${fname}: options.subsetSize = ${subsetSize} is larger than the ${features} features of one input`);
  const baseline = checkBaseline(o.perturbBaseline, fname, 'black');
  const sim = similarityOf(o.similarityFunc, fname, 'pearson');
  const a = broadcastToInputs(await attributionsOf(ctx, o.attributions), ctx);
  const y = await targetLogitsOfInputs(ctx);
  // Draws in Quantus's order: per run, the subsets of every example, then the baseline values.
  const subsets: Int32Array[] = [];
  const values: Float64Array[] = [];
  for (let r = 0; r < nrRuns; r++) {
    for (let b = 0; b < batch; b++) subsets.push(Int32Array.from(ctx.rng.choice(features, subsetSize)));
    values.push(baselineValues(ctx, baseline));
  }
  const count = nrRuns * batch;
  const build = rowBuilder(ctx, (k) => ({
    example: k % batch,
    mask: subsets[k],
    value: values[Math.floor(k / batch)][k % batch],
  }));
  const yp = await perturbedTargetLogits(ctx, count, build, (k) => k % batch, 'faithfulnessCorrelation');
  const sums = new Float64Array(batch * nrRuns);
  const drops = new Float64Array(batch * nrRuns);
  for (let k = 0; k < count; k++) {
    const b = k % batch;
    const r = Math.floor(k / batch);
    let s = 0;
    for (const f of subsets[k]) s += a[b * features + f];
    sums[b * nrRuns + r] = s;
    drops[b * nrRuns + r] = y[b] - yp[k];
  }
  return rowSimilarity(sim, sums, drops, batch, nrRuns);
}

export interface StepMetricOptions extends MetricBaseOptions {
  /** Features replaced per step (default 1); must divide the features of one input. */
  featuresInStep?: number;
  /** Value the features are replaced by (default 'black'). */
  perturbBaseline?: PerturbBaseline;
}

export interface FaithfulnessEstimateOptions extends StepMetricOptions {
  /** Correlation of attribution sums and prediction drops (default 'pearson'). */
  similarityFunc?: SimilarityName | SimilarityFunction;
}

const STEP_SPEC = {
  featuresInStep: ['features_in_step'],
  perturbBaseline: ['perturb_baseline'],
} as const;

/** Descending (or ascending) attribution order of every example, [B] arrays of N indices. */
function orders(a: Float32Array, ctx: MetricContext, descending: boolean): Int32Array[] {
  const { batch, features } = ctx;
  return Array.from({ length: batch }, (_, b) => argsort(a.subarray(b * features, (b + 1) * features), descending));
}

/**
 * FaithfulnessEstimate (Alvarez-Melis & Jaakkola 2018; Quantus): features are taken in descending
 * attribution order, `featuresInStep` at a time; each step's features alone are replaced by the
 * baseline, and the score is the correlation between the steps' attribution sums and target-logit
 * drops. One score per example in [−1, 1] (higher = more faithful). Defaults (Quantus):
 * featuresInStep 1, abs false, normalise true, perturbBaseline 'black', similarityFunc 'pearson'.
 * Costs N / featuresInStep perturbed passes per example, all batched.
 */
export async function faithfulnessEstimate(
  model: Model,
  inputs: Tensor,
  targets: Target,
  options: FaithfulnessEstimateOptions = {},
): Promise<number[]> {
  const fname = 'faithfulnessEstimate';
  const o = parseMetricOptions(options, { ...STEP_SPEC, similarityFunc: ['similarity_func'] }, fname);
  const ctx = await metricContext(model, inputs, targets, o, { normalise: true, abs: false }, fname);
  const { batch, features } = ctx;
  const fis = checkFeaturesInStep(o.featuresInStep, ctx, 1);
  const baseline = checkBaseline(o.perturbBaseline, fname, 'black');
  const sim = similarityOf(o.similarityFunc, fname, 'pearson');
  const a = broadcastToInputs(await attributionsOf(ctx, o.attributions), ctx);
  const order = orders(a, ctx, true);
  const y = await targetLogitsOfInputs(ctx);
  const steps = features / fis;
  const values = Array.from({ length: steps }, () => baselineValues(ctx, baseline));
  const stepIdx = (k: number) => order[k % batch].subarray(Math.floor(k / batch) * fis, (Math.floor(k / batch) + 1) * fis);
  const build = rowBuilder(ctx, (k) => ({
    example: k % batch,
    mask: stepIdx(k),
    value: values[Math.floor(k / batch)][k % batch],
  }));
  const count = steps * batch;
  const yp = await perturbedTargetLogits(ctx, count, build, (k) => k % batch, fname);
  const sums = new Float64Array(batch * steps);
  const drops = new Float64Array(batch * steps);
  for (let k = 0; k < count; k++) {
    const b = k % batch;
    const s = Math.floor(k / batch);
    let t = 0;
    for (const f of stepIdx(k)) t += a[b * features + f];
    sums[b * steps + s] = t;
    drops[b * steps + s] = y[b] - yp[k];
  }
  return rowSimilarity(sim, sums, drops, batch, steps);
}

/** Pixel-flipping curves and their areas. */
export interface PixelFlippingResult {
  /** Per example, the target logit after each step (N / featuresInStep values). */
  curves: number[][];
  /** Per example, the trapezoidal area under its curve (unit spacing, np.trapz); lower = more faithful. */
  auc: number[];
}

/**
 * PixelFlipping (Bach et al. 2015; Quantus): features are replaced by the baseline cumulatively in
 * descending attribution order, `featuresInStep` per step; the curve is the target logit after each
 * step, and `auc` its area (Quantus's return_auc_per_sample). Defaults (Quantus): featuresInStep 1,
 * abs false, normalise true, perturbBaseline 'black', softmax true (the curve is the target's
 * probability; softmax false gives logits). 'mean' and 'uniform' are evaluated on the
 * partly flipped input at each step, as Quantus does. All steps of all examples are batched.
 */
export async function pixelFlipping(
  model: Model,
  inputs: Tensor,
  targets: Target,
  options: StepMetricOptions = {},
): Promise<PixelFlippingResult> {
  const fname = 'pixelFlipping';
  const o = parseMetricOptions(options, STEP_SPEC, fname);
  const ctx = await metricContext(model, inputs, targets, o, { normalise: true, abs: false, softmax: true }, fname);
  const { batch, features, xHost } = ctx;
  const fis = checkFeaturesInStep(o.featuresInStep, ctx, 1);
  const baseline = checkBaseline(o.perturbBaseline, fname, 'black');
  const a = broadcastToInputs(await attributionsOf(ctx, o.attributions), ctx);
  const order = orders(a, ctx, true);
  const steps = features / fis;
  // The value each feature gets when flipped, following Quantus's sequence on the host (the
  // baseline of a step is computed on the input as flipped so far).
  const flipped = Array.from({ length: batch }, (_, b) => new Float32Array(features));
  const cur = Array.from({ length: batch }, (_, b) => Float64Array.from(xHost.subarray(b * features, (b + 1) * features)));
  for (let s = 0; s < steps; s++) {
    let v: Float64Array;
    if (typeof baseline === 'number') v = new Float64Array(batch).fill(baseline);
    else if (baseline === 'uniform') v = ctx.rng.uniform(0, 1, batch);
    else {
      v = new Float64Array(batch);
      for (let b = 0; b < batch; b++) {
        const c = cur[b];
        v[b] =
          baseline === 'black'
            ? c.reduce((m, q) => Math.min(m, q), Infinity)
            : baseline === 'white'
              ? c.reduce((m, q) => Math.max(m, q), -Infinity)
              : c.reduce((p, q) => p + q, 0) / features;
      }
    }
    for (let b = 0; b < batch; b++) {
      for (const f of order[b].subarray(s * fis, (s + 1) * fis)) {
        cur[b][f] = Math.fround(v[b]);
        flipped[b][f] = Math.fround(v[b]);
      }
    }
  }
  const build = rowBuilder(ctx, (k) => ({
    example: k % batch,
    mask: order[k % batch].subarray(0, (Math.floor(k / batch) + 1) * fis),
    value: flipped[k % batch],
  }));
  const yp = await perturbedTargetLogits(ctx, steps * batch, build, (k) => k % batch, fname);
  const curves = Array.from({ length: batch }, (_, b) => Array.from({ length: steps }, (_, s) => yp[s * batch + b]));
  return { curves, auc: curves.map((c) => trapezoid(c)) };
}

export interface MonotonicityCorrelationOptions extends StepMetricOptions {
  /** Perturbed copies per step (default 100). */
  nrSamples?: number;
  /** Predictions smaller than eps in magnitude are not inverted (default 1e-5). */
  eps?: number;
  /** Correlation of attribution sums and prediction variances (default 'spearman'). */
  similarityFunc?: SimilarityName | SimilarityFunction;
}

/**
 * MonotonicityCorrelation (Nguyen & Martínez 2020; Quantus): features are taken in ascending
 * attribution order, `featuresInStep` at a time; each step's features alone are replaced
 * `nrSamples` times by the baseline (default 'uniform': a fresh U[0, 1) value per example and
 * sample), and the score is the Spearman correlation between the steps' attribution sums and the
 * mean squared change of the target logit (divided by the logit², unless |logit| < eps). One
 * score per example in [−1, 1] (higher = more faithful). Defaults (Quantus): nrSamples 100,
 * featuresInStep 1, eps 1e-5, abs true, normalise true, softmax true (probabilities, not logits). Draws: `random.uniform(0, 1, B)` per step
 * and sample, step-major.
 */
export async function monotonicityCorrelation(
  model: Model,
  inputs: Tensor,
  targets: Target,
  options: MonotonicityCorrelationOptions = {},
): Promise<number[]> {
  const fname = 'monotonicityCorrelation';
  const o = parseMetricOptions(
    options,
    {
      ...STEP_SPEC,
      nrSamples: ['nr_samples'],
      eps: [],
      similarityFunc: ['similarity_func'],
    },
    fname,
  );
  const ctx = await metricContext(model, inputs, targets, o, { normalise: true, abs: true, softmax: true }, fname);
  const { batch, features } = ctx;
  const fis = checkFeaturesInStep(o.featuresInStep, ctx, 1);
  const nrSamples = intOption(o.nrSamples, 'nrSamples', fname, 100);
  const eps = numberOption(o.eps, 'eps', fname, 1e-5, 0);
  const baseline = checkBaseline(o.perturbBaseline, fname, 'uniform');
  const sim = similarityOf(o.similarityFunc, fname, 'spearman');
  const a = broadcastToInputs(await attributionsOf(ctx, o.attributions), ctx);
  const order = orders(a, ctx, false);
  const y = await targetLogitsOfInputs(ctx);
  const inv = Array.from(y, (v) => (Math.abs(v) >= eps ? 1 / Math.abs(v) : 1) ** 2);
  const steps = features / fis;
  const draws = steps * nrSamples; // one baseline call per (step, sample), step-major
  const values = Array.from({ length: draws }, () => baselineValues(ctx, baseline));
  const stepOf = (k: number) => Math.floor(Math.floor(k / batch) / nrSamples);
  const stepIdx = (b: number, s: number) => order[b].subarray(s * fis, (s + 1) * fis);
  const build = rowBuilder(ctx, (k) => ({
    example: k % batch,
    mask: stepIdx(k % batch, stepOf(k)),
    value: values[Math.floor(k / batch)][k % batch],
  }));
  const yp = await perturbedTargetLogits(ctx, draws * batch, build, (k) => k % batch, fname);
  const atts = new Float64Array(batch * steps);
  const vars = new Float64Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < steps; s++) {
      let m = 0;
      for (let j = 0; j < nrSamples; j++) m += (yp[(s * nrSamples + j) * batch + b] - y[b]) ** 2;
      vars[b * steps + s] = (m / nrSamples) * inv[b];
      let t = 0;
      for (const f of stepIdx(b, s)) t += a[b * features + f];
      atts[b * steps + s] = t;
    }
  }
  return rowSimilarity(sim, atts, vars, batch, steps);
}
