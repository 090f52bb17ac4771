/**
 * Complexity metrics with Quantus 0.6's semantics and defaults: how concentrated is an
 * explanation? Pure functions of the attributions (given, or computed by `explain`); the model is
 * only needed with `explain`. Attributions are taken per example as given (a [B, H, W] map of a
 * [B, 1, H, W] input has H·W features).
 */
import type { Tensor } from '../engine/index.js';
import type { Model, Target } from '../xai/shared/index.js';
import {
  attributionsOf,
  metricContext,
  numberOption,
  parseMetricOptions,
  type HostAttributions,
  type MetricBaseOptions,
} from './common.js';

async function prepared(
  model: Model | null,
  inputs: Tensor,
  targets: Target | null,
  options: unknown,
  spec: Record<string, readonly string[]>,
  fname: string,
) {
  const o = parseMetricOptions(options, spec, fname);
  const ctx = await metricContext(model, inputs, targets, o, { normalise: true, abs: true }, fname, o.attributions === undefined);
  return { o, a: await attributionsOf(ctx, o.attributions), batch: ctx.batch };
}

function rows(a: HostAttributions, batch: number): Float32Array[] {
  return Array.from({ length: batch }, (_, b) => a.data.subarray(b * a.perExample, (b + 1) * a.perExample));
}

/**
 * Sparseness (Chalasani et al. 2020; Quantus): the Gini index of each example's attributions
 * (after abs, + 1e-7): 1 for a one-hot map, 0 for a uniform one. One score per example in [0, 1]
 * (higher = sparser). Defaults (Quantus): abs true, normalise true. `model` and `targets` may be
 * null when `attributions` are given.
 */
export async function sparseness(
  model: Model | null,
  inputs: Tensor,
  targets: Target | null,
  options: MetricBaseOptions = {},
): Promise<number[]> {
  const { a, batch } = await prepared(model, inputs, targets, options, {}, 'sparseness');
  return rows(a, batch).map((r) => {
    const n = r.length;
    const v = Float64Array.from(r, (q) => Math.fround(q + 1e-7)).sort();
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += (2 * (i + 1) - n - 1) * v[i];
      den += v[i];
    }
    return num / (n * den);
  });
}

/**
 * Complexity (Bhatt et al. 2020; Quantus): the entropy −Σ p log(p + 1e-12) of p = a / Σ|a| per
 * example (natural log): 0 for a one-hot map, log N for a uniform one (lower = simpler). NaN for
 * an all-zero map (0 / 0), as Quantus. Defaults (Quantus): abs true, normalise true.
 */
export async function complexity(
  model: Model | null,
  inputs: Tensor,
  targets: Target | null,
  options: MetricBaseOptions = {},
): Promise<number[]> {
  const { a, batch } = await prepared(model, inputs, targets, options, {}, 'complexity');
  return rows(a, batch).map((r) => {
    let s = 0;
    for (const q of r) s += Math.abs(q);
    let h = 0;
    for (const q of r) {
      const p = q / s;
      h -= p * Math.log(p + 1e-12);
    }
    return h;
  });
}

export interface EffectiveComplexityOptions extends MetricBaseOptions {
  /** Threshold above which an attribution counts (default 1e-5). */
  eps?: number;
}

/**
 * EffectiveComplexity (Nguyen & Martínez 2020; Quantus): the number of attributions > eps per
 * example (after normalise and abs; lower = simpler). Defaults (Quantus): eps 1e-5, abs true,
 * normalise true.
 */
export async function effectiveComplexity(
  model: Model | null,
  inputs: Tensor,
  targets: Target | null,
  options: EffectiveComplexityOptions = {},
): Promise<number[]> {
  const fname = 'effectiveComplexity';
  const { o, a, batch } = await prepared(model, inputs, targets, options, { eps: [] }, fname);
  const eps = numberOption(o.eps, 'eps', fname, 1e-5);
  return rows(a, batch).map((r) => r.reduce((n, q) => n + (q > eps ? 1 : 0), 0));
}
