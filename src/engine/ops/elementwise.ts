/**
 * Elementwise ops with numpy broadcasting. Their backward rules live in
 * src/engine/grads/elementwise_grad.ts.
 */
import { backendOf } from '../backendOf.js';
import type { OpAttrs } from '../grads/types.js';
import type { BinaryOp, DifferentiableOp, UnaryOp } from '../primitives.js';

import { ValueError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat, checkNumber, engineOf, record, wrap, type TensorLike } from './core.js';

/** Comparisons: not differentiable (NON_DIFFERENTIABLE_OPS), never recorded. */
type ComparisonName = 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal' | 'notEqual';
/** The differentiable binary ops, recorded with both operands. */
type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
const COMPARISONS: readonly string[] = ['greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] satisfies ComparisonName[];

function isComparison(fname: BinaryName | ComparisonName): fname is ComparisonName {
  return COMPARISONS.includes(fname);
}

/** @internal The unary kernel, unchecked and unrecorded (backward rules use it). */
export function unaryRaw(x: Tensor, op: UnaryOp, a = 0, b = 0): Tensor {
  return wrap(x.engine, backendOf(x.engine).unary(op, x, a, b), x.shape);
}

/** The differentiable ops that run the unary kernel of the same name and save nothing for their rule. */
type PlainUnary = { [K in UnaryOp & DifferentiableOp]: OpAttrs[K] extends void ? K : never }[UnaryOp & DifferentiableOp];

function unary(fname: PlainUnary, x: Tensor): Tensor {
  checkFloat(x, 'x', fname);
  return record(fname, [x], unaryRaw(x, fname));
}

function toTensor(v: TensorLike, like: Tensor, arg: string, fname: string): Tensor {
  if (typeof v === 'number') return like.engine.full([], checkNumber(v, arg, fname, true));
  return checkFloat(v, arg, fname);
}

/** @internal The binary kernel with broadcasting, unrecorded (backward rules use it). */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, fname: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, `${fname}: a`, 'b');
  return wrap(a.engine, backendOf(a.engine).binary(op, a, b, shape), shape);
}

/** Applies a binary op to tensors or numbers; numbers become 0-d constants (not differentiated). */
function binary(fname: BinaryName | ComparisonName, op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  engineOf(fname, a, b);
  const ta = typeof a === 'number' ? toTensor(a, b as Tensor, 'a', fname) : checkFloat(a, 'a', fname);
  const tb = typeof b === 'number' ? toTensor(b, ta, 'b', fname) : checkFloat(b, 'b', fname);
  const y = binaryRaw(op, ta, tb, fname);
  if (fname === 'pow') record(fname, [ta, tb], y, { exponent: null });
  else if (!isComparison(fname)) record(fname, [ta, tb], y);
  // Constants made from numbers are ours to free (the tape keeps its own reference).
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  return y;
}

/** a + b (broadcasting). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'add'), 1, checkNumber(b, 'b', 'add', true));
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'add'), 1, checkNumber(a, 'a', 'add', true));
  return binary('add', 'add', a, b);
}

/** a - b (broadcasting). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'sub'), 1, -checkNumber(b, 'b', 'sub', true));
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'sub'), -1, checkNumber(a, 'a', 'sub', true));
  return binary('sub', 'sub', a, b);
}

/** a * b (broadcasting). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'mul'), checkNumber(b, 'b', 'mul', true), 0);
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'mul'), checkNumber(a, 'a', 'mul', true), 0);
  return binary('mul', 'mul', a, b);
}

/** a / b (broadcasting). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'div'), 1 / checkNumber(b, 'b', 'div', true), 0);
  return binary('div', 'div', a, b);
}

/** y = scale * x + shift (one kernel; used for tensor-number arithmetic). */
export function affine(x: Tensor, scale: number, shift: number): Tensor {
  checkNumber(scale, 'scale', 'affine', true);
  checkNumber(shift, 'shift', 'affine', true);
  checkFloat(x, 'x', 'affine');
  return record('affine', [x], unaryRaw(x, 'affine', scale, shift), { scale });
}

/** -x */
export function neg(x: Tensor): Tensor {
  return unary('neg', x);
}

/** e^x */
export function exp(x: Tensor): Tensor {
  return unary('exp', x);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). */
export function log(x: Tensor): Tensor {
  return unary('log', x);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x);
}

/** x * x */
export function square(x: Tensor): Tensor {
  return unary('square', x);
}

/** 1 / x */
export function reciprocal(x: Tensor): Tensor {
  return unary('reciprocal', x);
}

/** |x|; its gradient at 0 is 0 (as PyTorch). */
export function abs(x: Tensor): Tensor {
  return unary('abs', x);
}

/** -1, 0 or 1 (zero gradient). */
export function sign(x: Tensor): Tensor {
  return unaryRaw(checkFloat(x, 'x', 'sign'), 'sign');
}

export function sin(x: Tensor): Tensor {
  return unary('sin', x);
}

export function cos(x: Tensor): Tensor {
  return unary('cos', x);
}

/** max(x, 0); gradient 1 where x > 0 (as PyTorch). Backward Guided Backprop overrides this op's rule ('relu'). */
export function relu(x: Tensor): Tensor {
  return unary('relu', x);
}

/** 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x);
}

/**
 * min(max(x, min), max). The gradient passes where min <= x <= max (as PyTorch).
 * Either bound may be omitted (±Infinity).
 */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  checkNumber(min, 'min', 'clamp', true);
  checkNumber(max, 'max', 'clamp', true);
  if (min > max) throw new ValueError(`clamp: min (${min}) must not exceed max (${max})`);
  checkFloat(x, 'x', 'clamp');
  return record('clamp', [x], unaryRaw(x, 'clamp', min, max), { min, max });
}

/**
 * a ** b. With a number exponent: one kernel, gradient b * a^(b-1). With a tensor exponent the
 * gradient with respect to b is a^b * ln(a) where a > 0 and 0 elsewhere.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') {
    const p = checkNumber(b, 'b', 'pow', true);
    const x = checkFloat(a, 'a', 'pow');
    return record('pow', [x], unaryRaw(x, 'powScalar', p), { exponent: p });
  }
  return binary('pow', 'pow', a, b);
}

/** Elementwise maximum (broadcasting); on ties the gradient is split equally. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', 'maximum', a, b);
}

/** Elementwise minimum (broadcasting); on ties the gradient is split equally. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', 'minimum', a, b);
}

/** 1 where a > b else 0 (float32, no gradient). */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return binary('greater', 'gt', a, b);
}
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('greaterEqual', 'ge', a, b);
}
export function less(a: TensorLike, b: TensorLike): Tensor {
  return binary('less', 'lt', a, b);
}
export function lessEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('lessEqual', 'le', a, b);
}
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return binary('equal', 'eq', a, b);
}
export function notEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('notEqual', 'ne', a, b);
}

/**
 * cond != 0 ? a : b, all broadcast together. The gradient flows to a where cond holds and to b
 * elsewhere; cond gets none.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const fname = 'where';
  checkFloat(cond, 'cond', fname);
  const ta = toTensor(a, cond, 'a', fname);
  const tb = toTensor(b, cond, 'b', fname);
  engineOf(fname, cond, ta, tb);
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, `${fname}: cond`, 'a'), tb.shape, `${fname}: cond/a`, 'b');
  const y = wrap(cond.engine, backendOf(cond.engine).where(cond, ta, tb, shape), shape);
  record(fname, [cond, ta, tb], y);
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  return y;
}
