/**
 * Per-channel affine map y = x * scale[c] + shift[c] along one axis, as one backend kernel
 * (Backend.channelAffine). Batch norm runs on it; its backward rule (another channelAffine and
 * two per-channel sums) lives in src/engine/grads/channel_grad.ts.
 */
import { backendOf } from '../backendOf.js';
import { ShapeError } from '../errors.js';
import { fmt, normAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { checkFloat, engineOf, record, wrap } from './core.js';
import { sum } from './reduce.js';
import { reshape } from './shape_ops.js';

/** x viewed as [outer, channels, inner] around `axis`. */
function view(x: Tensor, axis: number): [number, number, number] {
  return [sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1))];
}

/** Sums t over every axis but `axis` → [channels] (two contiguous reductions, no transpose). */
export function sumPerChannel(t: Tensor, axis: number): Tensor {
  const [outer, c, inner] = view(t, axis);
  return tidy(() => {
    let s = reshape(t, [outer, c, inner]);
    if (inner !== 1) s = sum(s, 2);
    else s = reshape(s, [outer, c]);
    return outer !== 1 ? sum(s, 0) : reshape(s, [c]);
  });
}

/**
 * y = x * scale[c] + shift[c], c the index along `axis` (default 1, the channels of NCHW);
 * scale and shift are [x.shape[axis]]. Differentiable in all three.
 */
export function channelAffine(x: Tensor, scale: Tensor, shift: Tensor, axis = 1): Tensor {
  const fname = 'channelAffine';
  checkFloat(x, 'x', fname);
  checkFloat(scale, 'scale', fname);
  checkFloat(shift, 'shift', fname);
  const e = engineOf(fname, x, scale, shift);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis, got ${fmt(x.shape)}`);
  const ax = normAxis(axis, x.rank, `${fname}: axis`);
  const [, c, inner] = view(x, ax);
  for (const [t, name] of [
    [scale, 'scale'],
    [shift, 'shift'],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== c)
      throw new ShapeError(`${fname}: ${name} must be [${c}] (x ${fmt(x.shape)} along axis ${ax}), got ${fmt(t.shape)}`);
  }
  const y = wrap(e, backendOf(e).channelAffine(x, scale, shift, c, inner), x.shape);
  return record(fname, [x, scale, shift], y, { axis: ax });
}
