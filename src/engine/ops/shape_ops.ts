/**
 * Ops that move data without arithmetic: reshape (free view), permute/transpose, broadcastTo,
 * slice, flip, concat, stack, pad, gather, oneHot, cast. Their backward rules live in
 * src/engine/grads/shape_grad.ts.
 */
import { backendOf } from '../backendOf.js';
import type { DType } from '../backend.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  fmt,
  normAxes,
  normAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
  type Shape,
} from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { checkInt, checkNumber, checkTensor, engineOf, record, wrap } from './core.js';
import { affine } from './elementwise.js';

/** Same data, new shape (no copy). One dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'x', 'reshape');
  if (!Array.isArray(shape)) throw new ShapeError(`reshape: shape must be an array, got ${String(shape)}`);
  const infer = shape.filter((d) => d === -1).length;
  if (infer > 1) throw new ShapeError(`reshape: shape ${fmt(shape)} has more than one -1`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const sh = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  checkShape(sh, 'reshape: shape');
  if (sizeOf(sh) !== x.size) throw new ShapeError(`reshape: cannot view x ${fmt(x.shape)} (${x.size} elements) as ${fmt(shape)}`);
  const y = x.engine._view(x, sh);
  return record('reshape', [x], y);
}

/** Inserts a dimension of size 1 at `axis`. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank + 1, 'expandDims: axis');
  const sh = x.shape.slice();
  sh.splice(ax, 0, 1);
  return reshape(x, sh);
}

/** Removes size-1 dimensions (all, or the given axes, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  checkTensor(x, 'x', 'squeeze');
  const ax = axes === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normAxes(axes, x.rank, 'squeeze: axes');
  for (const a of ax)
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of x ${fmt(x.shape)} has size ${x.shape[a]}, expected 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => !ax.includes(i)),
  );
}

/** Flattens dimensions startAxis..endAxis (inclusive) into one, like torch.flatten. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  checkTensor(x, 'x', 'flatten');
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis(startAxis, x.rank, 'flatten: startAxis');
  const e = normAxis(endAxis, x.rank, 'flatten: endAxis');
  if (e < s) throw new ValueError(`flatten: endAxis (${endAxis}) is before startAxis (${startAxis})`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** @internal A strided gather (no tape record): out[i] = x[offset + Σ i_k strides_k]. */
export function stridedCopyRaw(x: Tensor, outShape: Shape, strides: readonly number[], offset: number): Tensor {
  return wrap(x.engine, backendOf(x.engine).stridedCopy(x, outShape, strides, offset), outShape, x.dtype, x.intRange);
}

/** Reorders dimensions: output dimension i is input dimension perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor(x, 'x', 'permute');
  if (!Array.isArray(perm) || perm.length !== x.rank)
    throw new ShapeError(`permute: perm must list ${x.rank} axes for x ${fmt(x.shape)}, got ${String(perm)}`);
  const p = perm.map((a) => normAxis(a, x.rank, 'permute: perm'));
  if (new Set(p).size !== p.length) throw new ValueError(`permute: perm [${perm.join(', ')}] repeats an axis`);
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const st = stridesOf(x.shape);
  const y = stridedCopyRaw(
    x,
    p.map((a) => x.shape[a]),
    p.map((a) => st[a]),
    0,
  );
  return record('permute', [x], y, { perm: p });
}

/** Permutes dimensions; without perm reverses them (matrix transpose for rank 2). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor(x, 'x', 'transpose');
  return permute(x, perm ?? x.shape.map((_, i) => x.rank - 1 - i));
}

/** Broadcasts x to `shape` (numpy rules), materialised. Gradient sums back over broadcast axes. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'x', 'broadcastTo');
  const sh = checkShape(shape, 'broadcastTo: shape');
  const b = broadcastShapes(x.shape, sh, 'broadcastTo: x', 'shape');
  if (!shapesEqual(b, sh)) throw new ShapeError(`broadcastTo: x ${fmt(x.shape)} cannot be broadcast to ${fmt(sh)}`);
  if (shapesEqual(x.shape, sh)) return reshape(x, sh);
  const y = stridedCopyRaw(x, sh, broadcastStrides(x.shape, sh), 0);
  return record('broadcastTo', [x], y);
}

/**
 * A block of x: begin[i] .. begin[i] + size[i] on each axis (size -1 = to the end). begin and
 * size may be shorter than the rank (the remaining axes are taken whole).
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor(x, 'x', 'slice');
  if (!Array.isArray(begin) || begin.length > x.rank)
    throw new ShapeError(`slice: begin must have at most ${x.rank} entries for x ${fmt(x.shape)}`);
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > d)
      throw new ShapeError(`slice: begin[${i}] = ${v} is outside [0, ${d}] for x ${fmt(x.shape)}`);
    return v;
  });
  const sz = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    const s = v === -1 ? d - b[i] : v;
    if (!Number.isInteger(s) || s < 0 || b[i] + s > d)
      throw new ShapeError(`slice: size[${i}] = ${v} overruns axis ${i} (begin ${b[i]}, length ${d}) of x ${fmt(x.shape)}`);
    return s;
  });
  if (shapesEqual(sz, x.shape)) return reshape(x, x.shape);
  const st = stridesOf(x.shape);
  const offset = b.reduce((acc, v, i) => acc + v * st[i], 0);
  const y = stridedCopyRaw(x, sz, st, offset);
  return record('slice', [x], y, { begin: b, size: sz });
}

/** Reverses the order of elements along the given axes. */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  checkTensor(x, 'x', 'flip');
  const ax = normAxes(axes, x.rank, 'flip: axes');
  const st = stridesOf(x.shape);
  let offset = 0;
  const strides = st.map((s, i) => {
    if (!ax.includes(i)) return s;
    offset += (x.shape[i] - 1) * s;
    return -s;
  });
  const y = x.size === 0 ? reshape(x, x.shape) : stridedCopyRaw(x, x.shape, strides, offset);
  return record('flip', [x], y, { axes: ax });
}

/** Joins tensors of equal shape except on `axis`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ValueError('concat: xs must be a non-empty array of tensors');
  xs.forEach((t, i) => checkTensor(t, `xs[${i}]`, 'concat'));
  const e = engineOf('concat', ...xs);
  const first = xs[0];
  const ax = normAxis(axis, first.rank, 'concat: axis');
  xs.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new DTypeError(`concat: xs[${i}] is ${t.dtype}, xs[0] is ${first.dtype}`);
    if (t.rank !== first.rank || t.shape.some((d: number, k: number) => k !== ax && d !== first.shape[k])) {
      throw new ShapeError(`concat: xs[${i}] has shape ${fmt(t.shape)}, incompatible with xs[0] ${fmt(first.shape)} along axis ${ax}`);
    }
  });
  const outShape = first.shape.slice();
  outShape[ax] = xs.reduce((acc, t) => acc + t.shape[ax], 0);
  const y = wrap(e, backendOf(e).concat(xs, ax, outShape), outShape, first.dtype);
  return record('concat', xs, y, { axis: ax });
}

/** Stacks tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ValueError('stack: xs must be a non-empty array of tensors');
  xs.forEach((t, i) => {
    checkTensor(t, `xs[${i}]`, 'stack');
    if (!shapesEqual(t.shape, xs[0].shape))
      throw new ShapeError(`stack: xs[${i}] has shape ${fmt(t.shape)}, expected ${fmt(xs[0].shape)} like xs[0]`);
  });
  const ax = normAxis(axis, xs[0].rank + 1, 'stack: axis');
  return tidy(() =>
    concat(
      xs.map((t) => expandDims(t, ax)),
      ax,
    ),
  );
}

export interface PadOptions {
  /** 'constant' (default) or 'reflect' (mirror without repeating the edge, as numpy/PyTorch). */
  mode?: 'constant' | 'reflect';
  /** Fill value for 'constant' (default 0). */
  value?: number;
}

/**
 * Pads each axis by [before, after] elements. `pads` may be shorter than the rank: it then
 * applies to the leading axes. Reflect padding needs before, after < the axis length.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], options: PadOptions = {}): Tensor {
  checkTensor(x, 'x', 'pad');
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant' && mode !== 'reflect') throw new ValueError(`pad: mode must be 'constant' or 'reflect', got ${String(mode)}`);
  const value = checkNumber(options.value ?? 0, 'value', 'pad', true);
  if (!Array.isArray(pads) || pads.length > x.rank)
    throw new ShapeError(`pad: pads must have at most ${x.rank} [before, after] pairs for x ${fmt(x.shape)}`);
  const p = x.shape.map((d, i): [number, number] => {
    const pr = pads[i] ?? [0, 0];
    if (!Array.isArray(pr) || pr.length !== 2 || !pr.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new ShapeError(`pad: pads[${i}] must be [before, after] non-negative integers, got ${JSON.stringify(pr)}`);
    }
    if (mode === 'reflect' && (pr[0] > 0 || pr[1] > 0) && (pr[0] >= d || pr[1] >= d)) {
      throw new ShapeError(`pad: reflect padding [${pr[0]}, ${pr[1]}] on axis ${i} needs both below the axis length ${d}`);
    }
    return [pr[0], pr[1]];
  });
  if (p.every(([a, b]) => a === 0 && b === 0)) return reshape(x, x.shape);
  const outShape = x.shape.map((d, i) => d + p[i][0] + p[i][1]);
  const y = wrap(x.engine, backendOf(x.engine).pad(x, p, mode, value), outShape, x.dtype);
  return record('pad', [x], y, { pads: p, mode });
}

function checkIndices(indices: Tensor, bound: number, arg: string, fname: string): void {
  checkInt(indices, arg, fname);
  const r = indices.intRange;
  if (r && indices.size > 0 && (r[0] < 0 || r[1] >= bound)) {
    throw new ValueError(`${fname}: ${arg} must lie in [0, ${bound - 1}], got values in [${r[0]}, ${r[1]}]`);
  }
}

/**
 * Picks entries along `axis` with int32 indices of any shape: the result has shape
 * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. Gradient scatters back (adding repeats).
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkTensor(x, 'x', 'gather');
  const ax = normAxis(axis, x.rank, 'gather: axis');
  checkIndices(indices, x.shape[ax], 'indices', 'gather');
  engineOf('gather', x, indices);
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const y = wrap(x.engine, backendOf(x.engine).gather(x, indices, ax), outShape, x.dtype);
  return record('gather', [x, indices], y, { axis: ax });
}

/** One-hot rows: float32 [...indices.shape, depth] with a 1 at each index. */
export function oneHot(indices: Tensor, depth: number): Tensor {
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`oneHot: depth must be a positive integer, got ${String(depth)}`);
  checkIndices(indices, depth, 'indices', 'oneHot');
  return wrap(indices.engine, backendOf(indices.engine).oneHot(indices, depth), [...indices.shape, depth]);
}

/** Converts between float32 and int32 (float to int truncates toward zero). No gradient. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'x', 'cast');
  if (dtype !== 'float32' && dtype !== 'int32') throw new ValueError(`cast: dtype must be 'float32' or 'int32', got ${String(dtype)}`);
  if (dtype === x.dtype) return reshape(x, x.shape);
  return wrap(x.engine, backendOf(x.engine).cast(x, dtype), x.shape, dtype);
}

/** The same values, cut off from the tape: no gradient flows through. */
export function detach(x: Tensor): Tensor {
  checkTensor(x, 'x', 'detach');
  return x.engine._view(x, x.shape);
}

/** A copy of x scaled by 1 (a new tensor with its own storage). */
export function clone(x: Tensor): Tensor {
  checkTensor(x, 'x', 'clone');
  return x.dtype === 'float32' ? affine(x, 1, 0) : stridedCopyRaw(x, x.shape, stridesOf(x.shape), 0);
}
