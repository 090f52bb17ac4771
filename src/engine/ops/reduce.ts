/**
 * Reductions over any set of axes, with keepDims: sum, mean, max, min (differentiable), argmax
 * and argmin (int32). The backend reduces the middle axis of an [outer, r, inner] view; reduced
 * axes that are not one contiguous block are first permuted to the end. The backward rules of
 * sum, max and min live in src/engine/grads/reduce_grad.ts.
 */
import { backendOf } from '../backendOf.js';
import type { ReduceOp } from '../backend.js';
import { ValueError } from '../errors.js';
import { fmt, normAxes, sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { checkFloat, checkTensor, record, wrap } from './core.js';
import { affine } from './elementwise.js';
import { stridedCopyRaw } from './shape_ops.js';

interface Plan {
  axes: number[];
  /** Output shape with keepDims. */
  kept: number[];
  /** Output shape without the reduced axes. */
  dropped: number[];
  r: number;
}

function plan(x: Tensor, axes: number | readonly number[] | undefined, fname: string): Plan {
  const ax = normAxes(axes, x.rank, `${fname}: axes`);
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const dropped = x.shape.filter((_, i) => !ax.includes(i));
  return { axes: ax, kept, dropped, r: sizeOf(ax.map((a) => x.shape[a])) };
}

/** Runs a backend reduction over the planned axes; returns storage shaped like `dropped`. */
function reduceRaw(op: ReduceOp, x: Tensor, p: Plan, intRange?: readonly [number, number]): Tensor {
  const e = x.engine;
  const { axes } = p;
  const outDtype = op === 'argmax' || op === 'argmin' ? 'int32' : x.dtype;
  const contiguous = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
  if (contiguous && axes.length > 0) {
    const outer = sizeOf(x.shape.slice(0, axes[0]));
    const inner = sizeOf(x.shape.slice(axes[axes.length - 1] + 1));
    return wrap(e, backendOf(e).reduce(op, x, outer, p.r, inner), p.dropped, outDtype, intRange);
  }
  if (axes.length === 0) {
    // Reducing no axis: sum/max/min are the identity (as numpy); arg ops index a size-1 axis.
    const s =
      op === 'argmax' || op === 'argmin'
        ? backendOf(e).fill(x.size, 0, 'int32')
        : backendOf(e).stridedCopy(x, x.shape, stridesOf(x.shape), 0);
    return wrap(e, s, p.dropped, outDtype, intRange);
  }
  // Move the reduced axes last (one copy), then reduce [outer, r, 1].
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keptAxes, ...axes];
  const st = stridesOf(x.shape);
  const moved = stridedCopyRaw(
    x,
    perm.map((a) => x.shape[a]),
    perm.map((a) => st[a]),
    0,
  );
  const out = wrap(e, backendOf(e).reduce(op, moved, sizeOf(p.dropped), p.r, 1), p.dropped, outDtype, intRange);
  moved.dispose();
  return out;
}

function finish(y: Tensor, p: Plan, keepDims: boolean): Tensor {
  if (!keepDims) return y;
  const v = y.engine._view(y, p.kept);
  y.dispose();
  return v;
}

/** Sum over `axes` (all when omitted). keepDims leaves reduced axes as size 1. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat(x, 'x', 'sum');
  const p = plan(x, axes, 'sum');
  const y = finish(reduceRaw('sum', x, p), p, keepDims);
  return record('sum', [x], y, { kept: p.kept });
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat(x, 'x', 'mean');
  const p = plan(x, axes, 'mean');
  if (p.r === 0) {
    // The mean over no elements is NaN (as numpy); affine refuses a NaN scale. No gradient: x is empty.
    const shape = keepDims ? p.kept : p.dropped;
    return wrap(x.engine, backendOf(x.engine).fill(sizeOf(shape), NaN, 'float32'), shape);
  }
  return tidy(() => affine(sum(x, axes, keepDims), 1 / p.r, 0));
}

/** Maximum over `axes`; NaN propagates. Gradient shared among tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat(x, 'x', 'max');
  const p = plan(x, axes, 'max');
  const y = finish(reduceRaw('max', x, p), p, keepDims);
  return record('max', [x], y, { axes: p.axes, kept: p.kept });
}

/** Minimum over `axes`; NaN propagates. Gradient shared among tied minima. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat(x, 'x', 'min');
  const p = plan(x, axes, 'min');
  const y = finish(reduceRaw('min', x, p), p, keepDims);
  return record('min', [x], y, { axes: p.axes, kept: p.kept });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  checkTensor(x, 'x', op);
  const flat = axis === undefined;
  // Flattening is a view outside the tape: arg reductions have no gradient.
  const src = flat ? x.engine._view(x, [x.size]) : x;
  const p = plan(src, flat ? 0 : axis, op);
  if (p.r === 0) {
    if (flat) src.dispose();
    // numpy: "attempt to get argmax of an empty sequence"; there is no index to return.
    throw new ValueError(
      `${op}: ${flat ? 'x is empty' : `axis ${axis} of x ${fmt(x.shape)} is empty`}: there is no ${op === 'argmax' ? 'maximum' : 'minimum'} to index`,
    );
  }
  const y = reduceRaw(op, src, p, [0, Math.max(0, p.r - 1)]);
  if (flat) src.dispose();
  if (!keepDims) return y;
  // Over the flattened tensor keepDims keeps every axis as size 1 (as numpy).
  return flat ? finish(y, { ...p, kept: x.shape.map(() => 1) }, true) : finish(y, p, true);
}

/** Index of the (first) maximum along `axis`, int32; over the flattened tensor when axis is omitted. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmax', x, axis, keepDims);
}

/** Index of the (first) minimum along `axis`, int32; over the flattened tensor when axis is omitted. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmin', x, axis, keepDims);
}
