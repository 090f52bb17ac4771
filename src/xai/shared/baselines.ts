/**
 * The one baseline resolver of the attribution methods (Integrated Gradients, Occlusion, Feature
 * Ablation, and LIME/KernelSHAP and the metrics above). Accepted forms, the same for every method:
 *
 * - a finite number (default 0): every element of the baseline has that value;
 * - a float32 tensor shaped like the inputs [B, ...features]: one baseline per example;
 * - a float32 tensor shaped like one example, [1, ...features] or [...features]: shared by the
 *   batch.
 *
 * (Captum also takes tensors broadcastable in other ways; these three cover its documented uses
 * and keep the per-example meaning unambiguous.) The baseline is never copied or modified.
 */
import { broadcastTo, checkFloat, fmt, reshape, ShapeError, shapesEqual, type Tensor, tidy, ValueError } from '../../engine/index.js';
import { describeValue } from './options.js';

/**
 * Checks options.baseline against the inputs x [B, ...] (see the module comment for the accepted
 * forms) and returns it: a number (0 when undefined) or the tensor itself.
 */
export function resolveBaseline(baseline: unknown, x: Tensor, fname: string): number | Tensor {
  if (baseline === undefined) return 0;
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new ValueError(`${fname}: options.baseline must be a finite number or a tensor, got ${baseline}`);
    return baseline;
  }
  if (baseline === null || typeof baseline !== 'object')
    throw new ValueError(`${fname}: options.baseline must be a number or a float32 tensor, got ${describeValue(baseline)}`);
  const b = checkFloat(baseline, 'options.baseline', fname);
  if (b.engine !== x.engine) throw new ValueError(`${fname}: options.baseline belongs to another engine than the inputs`);
  const rest = x.shape.slice(1);
  if (shapesEqual(b.shape, x.shape) || shapesEqual(b.shape, rest) || shapesEqual(b.shape, [1, ...rest])) return b;
  throw new ShapeError(
    `${fname}: options.baseline must be a number, a tensor shaped like the inputs ${fmt(x.shape)} or like one example (${fmt(rest)} or ${fmt([1, ...rest])}), got ${fmt(b.shape)}`,
  );
}

/**
 * A resolved baseline with the inputs' rank: a number as it is, a tensor as [B, ...] or
 * [1, ...] (a view; broadcasts against [B, ...] in elementwise ops).
 */
export function baselineLike(baseline: number | Tensor, x: Tensor): number | Tensor {
  if (typeof baseline === 'number' || baseline.rank === x.rank) return baseline;
  return reshape(baseline, [1, ...baseline.shape]);
}

/** A resolved baseline materialised as [B, ...] (the inputs' shape): a new tensor. */
export function materializeBaseline(baseline: number | Tensor, x: Tensor): Tensor {
  if (typeof baseline === 'number') return x.engine.full(x.shape, baseline);
  return tidy(() => {
    const b = baselineLike(baseline, x) as Tensor;
    return shapesEqual(b.shape, x.shape) ? reshape(b, x.shape) : broadcastTo(b, x.shape);
  });
}
