/**
 * Shared plumbing of the differentiable ops: argument checks that name the user's argument,
 * wrapping backend storages in tensors, and recording on the autograd tape.
 */
import { isRecording, recordOp } from '../autograd.js';
import type { DType, Storage } from '../backend.js';
import type { Engine } from '../engine.js';
import type { AttrsArg, OpAttrs } from '../grads/types.js';
import type { DifferentiableOp } from '../primitives.js';
import { DTypeError, ValueError } from '../errors.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A tensor or a plain number (numbers become constants on the other argument's engine). */
export type TensorLike = Tensor | number;

/** Throws unless x is a live Tensor; names `arg` of `fname`. */
export function checkTensor(x: unknown, arg: string, fname: string): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${fname}: ${arg} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(`${fname}: ${arg}`);
  return x;
}

/** Throws unless x is a live float32 Tensor. */
export function checkFloat(x: unknown, arg: string, fname: string): Tensor {
  const t = checkTensor(x, arg, fname);
  if (t.dtype !== 'float32') throw new DTypeError(`${fname}: ${arg} must be float32, got ${t.dtype}`);
  return t;
}

/** Throws unless x is a live int32 Tensor. */
export function checkInt(x: unknown, arg: string, fname: string): Tensor {
  const t = checkTensor(x, arg, fname);
  if (t.dtype !== 'int32') throw new DTypeError(`${fname}: ${arg} must be an int32 tensor, got ${t.dtype}`);
  return t;
}

/** Throws unless v is a finite number (or, with allowInf, ±Infinity); NaN is always refused. */
export function checkNumber(v: unknown, arg: string, fname: string, allowInf = false): number {
  if (typeof v !== 'number' || Number.isNaN(v) || (!allowInf && !Number.isFinite(v))) {
    throw new ValueError(`${fname}: ${arg} must be a ${allowInf ? 'non-NaN' : 'finite'} number, got ${String(v)}`);
  }
  return v;
}

/** The engine of the tensor arguments; all must share it. */
export function engineOf(fname: string, ...xs: unknown[]): Engine {
  let e: Engine | undefined;
  for (const x of xs) {
    if (x instanceof Tensor) {
      if (e && x.engine !== e) throw new ValueError(`${fname}: all tensors must belong to the same engine`);
      e = x.engine;
    }
  }
  if (!e) throw new ValueError(`${fname}: at least one argument must be a Tensor`);
  return e;
}

/** Wraps a backend storage as a new tensor. */
export function wrap(e: Engine, s: Storage, shape: Shape, dtype: DType = 'float32', intRange?: readonly [number, number]): Tensor {
  return e._wrap(s, shape, dtype, intRange);
}

/**
 * Records `out = op(inputs)` on the active tape (when recording and some input is float) and
 * returns `out`: one output tensor, or several (e.g. rfft's [re, im]) whose gradients the rule
 * receives in the same order. `attrs` is what the op's rule in the gradient table
 * (src/engine/grads/) needs beyond the inputs and outputs (OpAttrs[op]; absent when it needs
 * nothing): plain values, never tensors.
 */
export function record<K extends DifferentiableOp, T extends Tensor | readonly Tensor[]>(
  op: K,
  inputs: readonly Tensor[],
  out: T,
  ...attrs: AttrsArg<K>
): T {
  if (isRecording() && inputs.some((t) => t.dtype === 'float32'))
    recordOp(op, inputs, out instanceof Tensor ? [out] : (out as readonly Tensor[]), attrs[0] as OpAttrs[K]);
  return out;
}
