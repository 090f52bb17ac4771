/**
 * Feature ablation (Captum's FeatureAblation) and the batched perturbation core that Occlusion
 * shares with it.
 *
 * Each perturbation k has a 0/1 mask M_k over the input (1 = replaced by the baseline). The
 * perturbed inputs x·(1 − M_k) + baseline·M_k of a chunk of perturbations and every example are
 * built on the device as one batch [chunk·B, ...] and run in one forward pass (under noGrad), so
 * the host only loops over chunks. With d_k = f(x)[t] − f(perturbed_k)[t] for each example's
 * target t, the attribution is Σ_k d_k·M_k, divided elementwise by Σ_k M_k for Occlusion
 * (weighted: overlapping windows are averaged) and not divided for FeatureAblation (features do
 * not overlap).
 */
import { add, affine, broadcastShapes, cast, div, DTypeError, equal, fmt, keep, maximum, mul, noGrad, reshape, ShapeError, shapesEqual, sizeOf, sub, sum, Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInputs, forwardLogits, resolveTargets, targetRows, type Model, type Target } from './common.js';

/** Default budget of one forward pass: perturbed examples per forward ≈ this many input elements. */
const DEFAULT_ELEMENTS_PER_FORWARD = 1 << 19;

/** A set of perturbations, each a 0/1 mask over the input. */
export interface PerturbationPlan {
  /** Number of perturbations. */
  count: number;
  /**
   * Masks of perturbations k0 .. k1-1 as float32 [k1 − k0, ...m], where [1, ...m] broadcasts to
   * the input's shape [B, ...] (m[0] is 1 for masks shared by the batch, or B).
   */
  masks(k0: number, k1: number): Tensor;
}

export interface PerturbationOptions {
  target: Target;
  baseline?: number | Tensor;
  /** Most examples in one forward pass (perturbed copies × batch); default from the input size. */
  maxBatch?: number;
}

/** Checks options.baseline: a finite number, or a float32 tensor broadcastable to the input. */
export function checkBaseline(baseline: unknown, x: Tensor, fname: string): number | Tensor {
  if (baseline === undefined) return 0;
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new ValueError(`${fname}: options.baseline must be a finite number or a tensor, got ${baseline}`);
    return baseline;
  }
  if (!(baseline instanceof Tensor)) throw new ValueError(`${fname}: options.baseline must be a number or a Tensor broadcastable to the input ${fmt(x.shape)}, got ${typeof baseline}`);
  baseline.assertLive(`${fname}: options.baseline`);
  if (baseline.dtype !== 'float32') throw new DTypeError(`${fname}: options.baseline must be float32, got ${baseline.dtype}`);
  if (baseline.engine !== x.engine) throw new ValueError(`${fname}: options.baseline belongs to another engine than the inputs`);
  let ok = false;
  try {
    ok = shapesEqual(broadcastShapes(baseline.shape, x.shape), x.shape);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ShapeError(
      `${fname}: options.baseline has shape ${fmt(baseline.shape)}, expected a shape broadcastable to the input ${fmt(x.shape)} (e.g. ${fmt(x.shape)}, ${fmt([1, ...x.shape.slice(1)])} or ${fmt(x.shape.slice(1))})`,
    );
  }
  return baseline;
}

/** Checks options.maxBatch, or derives it from the size of one example. */
export function resolveMaxBatch(maxBatch: unknown, x: Tensor, fname: string): number {
  if (maxBatch === undefined) return Math.max(1, Math.floor(DEFAULT_ELEMENTS_PER_FORWARD / Math.max(1, sizeOf(x.shape.slice(1)))));
  if (typeof maxBatch !== 'number' || !Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new ValueError(`${fname}: options.maxBatch must be a positive integer (examples per forward pass), got ${JSON.stringify(maxBatch)}`);
  }
  return maxBatch;
}

/**
 * Runs every perturbation of `plan` on x and returns the attribution [B, ...] (see the module
 * comment). `weighted` divides by the number of perturbations covering each element (0 where none).
 */
export function perturbationAttribution(
  model: Model,
  x: Tensor,
  target: Target,
  baseline: number | Tensor,
  plan: PerturbationPlan,
  maxBatch: number,
  weighted: boolean,
  fname: string,
): Tensor {
  const b = x.shape[0];
  const rest = x.shape.slice(1);
  return noGrad(() =>
    tidy(() => {
      const logits = forwardLogits(model, x, fname);
      const targets = resolveTargets(target, b, logits.shape[1], fname);
      const rows = targetRows(logits, targets); // [B, C]
      const f0 = sum(mul(logits, rows), 1); // [B]
      logits.dispose();
      const xb = reshape(x, [1, ...x.shape]);
      const bb = typeof baseline === 'number' ? baseline : reshape(baseline, [1, ...baseline.shape]);
      const chunk = Math.max(1, Math.floor(maxBatch / b));
      let acc: Tensor = x.engine.zeros(x.shape);
      let weights: Tensor | null = null;
      for (let k0 = 0; k0 < plan.count; k0 += chunk) {
        const k1 = Math.min(plan.count, k0 + chunk);
        const c = k1 - k0;
        const [nextAcc, nextWeights] = tidy(() => {
          const m = plan.masks(k0, k1); // [c, Bm, ...]
          const keepPart = mul(xb, affine(m, -1, 1));
          const occluded = bb === 0 ? keepPart : add(keepPart, typeof bb === 'number' ? affine(m, bb, 0) : mul(m, bb)); // [c, B, ...]
          const out = forwardLogits(model, reshape(occluded, [c * b, ...rest]), fname);
          const fk = sum(mul(reshape(out, [c, b, out.shape[1]]), rows), 2); // [c, B]
          const d = sub(f0, fk); // [c, B]
          const contribution = sum(mul(reshape(d, [c, b, ...rest.map(() => 1)]), m), 0); // [B, ...]
          const a = add(acc, contribution);
          const w = weighted ? (weights ? add(weights, sum(m, 0)) : sum(m, 0)) : null;
          return [a, w] as const;
        });
        acc.dispose();
        acc = nextAcc;
        if (weights && weights !== nextWeights) weights.dispose();
        weights = nextWeights;
      }
      if (!weights) return acc;
      return div(acc, maximum(weights, 1));
    }),
  );
}

export interface FeatureAblationOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /**
   * int32 feature ids, broadcastable to the input (e.g. [1, ...] shared by the batch, or [B, ...]
   * per example). Elements with the same id are ablated together. Default: every element of an
   * example is its own feature.
   */
  featureMask?: Tensor;
  /** Replacement value: a number (default 0) or a float32 tensor broadcastable to the input. */
  baseline?: number | Tensor;
  /**
   * Number of features: ids 0 .. numFeatures − 1 are ablated. Needed only when the mask's value
   * range is not known on the host (a mask computed on the device); by default the ids run from the
   * mask's smallest to its largest value.
   */
  numFeatures?: number;
  /** Most examples in one forward pass (ablated copies × batch); default from the input size. */
  maxBatch?: number;
}

/**
 * Feature ablation (Captum's FeatureAblation): each feature of featureMask is replaced by the
 * baseline once, and f(x)[t] − f(ablated)[t] is given to every element of that feature.
 * All ablated copies run batched on the device. Returns a tensor shaped like x.
 */
export function featureAblation(model: Model, inputs: Tensor, options: FeatureAblationOptions): Tensor {
  const fname = 'featureAblation';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options { target, featureMask?, baseline? } are required`);
  const x = checkInputs(inputs, fname);
  const baseline = checkBaseline(options.baseline, x, fname);
  const maxBatch = resolveMaxBatch(options.maxBatch, x, fname);
  const e = x.engine;
  const fm = options.featureMask;
  let lo: number;
  let hi: number;
  let mask: Tensor; // float32 ids, rank x.rank, broadcastable to x
  const owned: Tensor[] = [];
  if (fm === undefined) {
    const n = sizeOf(x.shape.slice(1));
    mask = keep(tidy(() => reshape(e.arange(n), [1, ...x.shape.slice(1)])));
    owned.push(mask);
    [lo, hi] = [0, n - 1];
  } else {
    if (!(fm instanceof Tensor)) throw new ValueError(`${fname}: options.featureMask must be an int32 Tensor of feature ids, got ${typeof fm}`);
    fm.assertLive(`${fname}: options.featureMask`);
    if (fm.dtype !== 'int32') throw new DTypeError(`${fname}: options.featureMask must be an int32 tensor of feature ids, got ${fm.dtype}`);
    if (fm.engine !== e) throw new ValueError(`${fname}: options.featureMask belongs to another engine than the inputs`);
    let ok = fm.rank <= x.rank;
    if (ok) {
      try {
        ok = shapesEqual(broadcastShapes(fm.shape, x.shape), x.shape);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      throw new ShapeError(
        `${fname}: options.featureMask has shape ${fmt(fm.shape)}, expected a shape broadcastable to the input ${fmt(x.shape)} (e.g. ${fmt(x.shape)}, ${fmt([1, ...x.shape.slice(1)])} or ${fmt(x.shape.slice(1))})`,
      );
    }
    if (options.numFeatures !== undefined) {
      const n = options.numFeatures;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ValueError(`${fname}: options.numFeatures must be a positive integer, got ${JSON.stringify(n)}`);
      if (fm.intRange && (fm.intRange[0] < 0 || fm.intRange[1] >= n)) {
        throw new ValueError(`${fname}: options.featureMask holds ids ${fm.intRange[0]}..${fm.intRange[1]}, outside 0..${n - 1} (options.numFeatures = ${n})`);
      }
      [lo, hi] = [0, n - 1];
    } else if (fm.intRange) {
      [lo, hi] = fm.intRange;
      if (lo < 0) throw new ValueError(`${fname}: options.featureMask holds negative ids (${lo}); feature ids must be >= 0`);
    } else {
      throw new ValueError(
        `${fname}: the feature ids of options.featureMask are not known on the host (the mask was computed on the device); pass options.numFeatures (ids 0 .. numFeatures − 1), or build the mask with engine.tensor(data, shape, 'int32')`,
      );
    }
    mask = keep(noGrad(() => tidy(() => cast(reshape(fm, [...new Array<number>(x.rank - fm.rank).fill(1), ...fm.shape]), 'float32'))));
    owned.push(mask);
  }
  try {
    const plan: PerturbationPlan = {
      count: hi - lo + 1,
      masks: (k0, k1) => {
        const ids = reshape(e.arange(lo + k0, lo + k1), [k1 - k0, ...mask.shape.map(() => 1)]);
        return equal(reshape(mask, [1, ...mask.shape]), ids);
      },
    };
    return perturbationAttribution(model, x, options.target, baseline, plan, maxBatch, false, fname);
  } finally {
    for (const t of owned) t.dispose();
  }
}
