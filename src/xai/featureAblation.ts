/**
 * Feature ablation (Captum's FeatureAblation): each feature of featureMask (a group of elements
 * sharing an id) is replaced by the baseline once, and f(x)[t] − f(ablated)[t] is given to every
 * element of that feature. The ablated copies run batched on the device in chunks: see
 * maskAttribution in shared/perturbation.ts.
 *
 * Feature ids: the mask is read on the host once, and its distinct ids (at most MAX_FEATURES) are
 * remapped to 0 .. k − 1 in ascending order, so ids of any int32 value (2^31 − 1 included) cost
 * one perturbation per distinct id, and the device compares small integers, exact in float32
 * (k ≤ 2^20 < 2^24; raw ids ≥ 2^24 would merge if compared as float32). Captum walks
 * min(mask) .. max(mask); ids absent from the mask perturb nothing, so the results are the same.
 */
import {
  broadcastShapes,
  DTypeError,
  equal,
  fmt,
  keep,
  noGrad,
  reshape,
  ShapeError,
  shapesEqual,
  sizeOf,
  Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import {
  beginCall,
  PERTURBATION_SPEC,
  describeValue,
  maskAttribution,
  MAX_PERTURBATIONS,
  perturbationBatch,
  resolveBaseline,
  type AttributionFunction,
  type PerturbationOptions,
  type Model,
  type PerturbationPlan,
  type WithAliases,
} from './shared/index.js';

/** Most distinct feature ids (each is one ablated forward pass per example): 2^20. */
export const MAX_FEATURES = MAX_PERTURBATIONS;

export interface FeatureAblationBaseOptions extends PerturbationOptions {
  /**
   * int32 feature ids (Captum's `feature_mask`), broadcastable to the input (e.g. [1, ...] shared
   * by the batch, or [B, ...] per example). Elements with the same id are ablated together; any
   * int32 ids, at most MAX_FEATURES distinct. Default: every element of an example is its own
   * feature.
   */
  featureMask?: Tensor;
}

export const FEATURE_ABLATION_SPEC = {
  ...PERTURBATION_SPEC,
  featureMask: ['feature_mask'],
} as const;

/** FeatureAblationBaseOptions, also under Captum's spellings (feature_mask, baselines, ...). */
export type FeatureAblationOptions = WithAliases<FeatureAblationBaseOptions, typeof FEATURE_ABLATION_SPEC>;

/** The mask's ids remapped to 0 .. k − 1 (ascending order of the original ids), and k. */
function remapIds(ids: Int32Array, fname: string): { remapped: Float32Array; count: number } {
  const sorted = Int32Array.from(ids).sort();
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      if (count === MAX_FEATURES)
        throw new ValueError(
          `${fname}: options.featureMask holds more than ${MAX_FEATURES} distinct feature ids; group elements into fewer features`,
        );
      sorted[count++] = sorted[i];
    }
  }
  const unique = sorted.subarray(0, count);
  const remapped = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    // Binary search of ids[i] in the ascending unique ids.
    let lo = 0;
    let hi = count - 1;
    const v = ids[i];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (unique[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    remapped[i] = lo;
  }
  return { remapped, count };
}

/**
 * Feature ablation (Captum's FeatureAblation), shaped like x [B, ...] (units: logit). Progress
 * stage: 'featureAblation' (features).
 */
export async function featureAblation(model: Model, inputs: Tensor, options: FeatureAblationOptions): Promise<Tensor> {
  const fname = 'featureAblation';
  const c = await beginCall(model, inputs, options, FEATURE_ABLATION_SPEC, fname);
  const { x, o } = c;
  const baseline = resolveBaseline(o.baseline, x, fname);
  const maxBatch = perturbationBatch(o, x.shape[0], fname);
  const e = x.engine;
  const fm = o.featureMask;
  let count: number;
  let mask: Tensor; // float32 ids 0 .. count − 1, rank x.rank, broadcastable to x
  if (fm === undefined) {
    count = sizeOf(x.shape.slice(1));
    if (count > MAX_FEATURES)
      throw new ValueError(
        `${fname}: ${count} elements per example exceed the limit of ${MAX_FEATURES} features; pass options.featureMask to group them`,
      );
    mask = keep(tidy(() => reshape(e.arange(count), [1, ...x.shape.slice(1)])));
  } else {
    if (!(fm instanceof Tensor))
      throw new ValueError(`${fname}: options.featureMask must be an int32 Tensor of feature ids, got ${describeValue(fm)}`);
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
    const { remapped, count: k } = remapIds((await fm.read()) as Int32Array, fname);
    count = k;
    mask = keep(e.tensor(remapped, [...new Array<number>(x.rank - fm.rank).fill(1), ...fm.shape]));
  }
  try {
    const plan: PerturbationPlan = {
      count,
      masks: (k0, k1) =>
        noGrad(() => equal(reshape(mask, [1, ...mask.shape]), reshape(e.arange(k0, k1), [k1 - k0, ...mask.shape.map(() => 1)]))),
    };
    return await maskAttribution(c.model, x, c.target, baseline, plan, {
      maxBatch,
      weighted: false,
      onProgress: c.onProgress,
      signal: c.signal,
      stage: fname,
      fname,
    });
  } finally {
    mask.dispose();
  }
}
featureAblation satisfies AttributionFunction<FeatureAblationOptions>;
