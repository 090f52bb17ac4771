/**
 * Elementwise ops with numpy broadcasting, forward and backward. Each backward rule is written
 * with these same ops, so it runs on whichever backend the tensors live on.
 */
import { backendOf } from '../backendOf.js';
import type { BackwardRule } from '../autograd.js';
import type { BinaryOp, DifferentiableOp, UnaryOp } from '../primitives.js';

/** Comparisons: not differentiable, never recorded. */
type ComparisonName = 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal' | 'notEqual';
import { ValueError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat, checkNumber, engineOf, recordLegacy, wrap, type TensorLike } from './core.js';
import { sumTo } from './shape_ops.js';

function unaryRaw(x: Tensor, op: UnaryOp, a = 0, b = 0): Tensor {
  return wrap(x.engine, backendOf(x.engine).unary(op, x, a, b), x.shape);
}

function unary(fname: DifferentiableOp, x: Tensor, op: UnaryOp, rule: BackwardRule, a = 0, b = 0): Tensor {
  checkFloat(x, 'x', fname);
  const y = unaryRaw(x, op, a, b);
  return recordLegacy(fname, [x], y, rule);
}

function toTensor(v: TensorLike, like: Tensor, arg: string, fname: string): Tensor {
  if (typeof v === 'number') return like.engine.full([], checkNumber(v, arg, fname, true));
  return checkFloat(v, arg, fname);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, fname: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, `${fname}: a`, 'b');
  return wrap(a.engine, backendOf(a.engine).binary(op, a, b, shape), shape);
}

/** Applies a binary op to tensors or numbers; numbers become 0-d constants (not differentiated). */
function binary(fname: DifferentiableOp | ComparisonName, op: BinaryOp, a: TensorLike, b: TensorLike, rule: BackwardRule | null): Tensor {
  engineOf(fname, a, b);
  const ta = typeof a === 'number' ? toTensor(a, b as Tensor, 'a', fname) : checkFloat(a, 'a', fname);
  const tb = typeof b === 'number' ? toTensor(b, ta, 'b', fname) : checkFloat(b, 'b', fname);
  const y = binaryRaw(op, ta, tb, fname);
  if (rule) recordLegacy(fname as DifferentiableOp, [ta, tb], y, rule);
  // Constants made from numbers are ours to free (the tape keeps its own reference).
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  return y;
}

/** a + b (broadcasting). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'add'), 1, checkNumber(b, 'b', 'add', true));
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'add'), 1, checkNumber(a, 'a', 'add', true));
  return binary('add', 'add', a, b, ([g], [x, y], _o, n) => [n[0] ? sumTo(g, x.shape) : null, n[1] ? sumTo(g, y.shape) : null]);
}

/** a - b (broadcasting). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'sub'), 1, -checkNumber(b, 'b', 'sub', true));
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'sub'), -1, checkNumber(a, 'a', 'sub', true));
  return binary('sub', 'sub', a, b, ([g], [x, y], _o, n) => [n[0] ? sumTo(g, x.shape) : null, n[1] ? sumTo(neg(g), y.shape) : null]);
}

/** a * b (broadcasting). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'mul'), checkNumber(b, 'b', 'mul', true), 0);
  if (typeof a === 'number' && typeof b !== 'number') return affine(checkFloat(b, 'b', 'mul'), checkNumber(a, 'a', 'mul', true), 0);
  return binary('mul', 'mul', a, b, ([g], [x, y], _o, n) => [
    n[0] ? sumTo(mul(g, y), x.shape) : null,
    n[1] ? sumTo(mul(g, x), y.shape) : null,
  ]);
}

/** a / b (broadcasting). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return affine(checkFloat(a, 'a', 'div'), 1 / checkNumber(b, 'b', 'div', true), 0);
  return binary('div', 'div', a, b, ([g], [x, y], [out], n) => [
    n[0] ? sumTo(div(g, y), x.shape) : null,
    n[1] ? sumTo(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

/** y = scale * x + shift (one kernel; used for tensor-number arithmetic). */
export function affine(x: Tensor, scale: number, shift: number): Tensor {
  checkNumber(scale, 'scale', 'affine', true);
  checkNumber(shift, 'shift', 'affine', true);
  return unary('affine', x, 'affine', ([g]) => [affine(g, scale, 0)], scale, shift);
}

/** -x */
export function neg(x: Tensor): Tensor {
  return unary('neg', x, 'neg', ([g]) => [neg(g)]);
}

/** e^x */
export function exp(x: Tensor): Tensor {
  return unary('exp', x, 'exp', ([g], _i, [y]) => [mul(g, y)]);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). */
export function log(x: Tensor): Tensor {
  return unary('log', x, 'log', ([g], [v]) => [div(g, v)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, 'sqrt', ([g], _i, [y]) => [div(affine(g, 0.5, 0), y)]);
}

/** x * x */
export function square(x: Tensor): Tensor {
  return unary('square', x, 'square', ([g], [v]) => [mul(g, affine(v, 2, 0))]);
}

/** 1 / x */
export function reciprocal(x: Tensor): Tensor {
  return unary('reciprocal', x, 'reciprocal', ([g], _i, [y]) => [neg(mul(g, square(y)))]);
}

/** |x|; its gradient at 0 is 0 (as PyTorch). */
export function abs(x: Tensor): Tensor {
  return unary('abs', x, 'abs', ([g], [v]) => [mul(g, sign(v))]);
}

/** -1, 0 or 1 (zero gradient). */
export function sign(x: Tensor): Tensor {
  return unaryRaw(checkFloat(x, 'x', 'sign'), 'sign');
}

export function sin(x: Tensor): Tensor {
  return unary('sin', x, 'sin', ([g], [v]) => [mul(g, cos(v))]);
}

export function cos(x: Tensor): Tensor {
  return unary('cos', x, 'cos', ([g], [v]) => [neg(mul(g, sin(v)))]);
}

/** max(x, 0); gradient 1 where x > 0 (as PyTorch). Backward Guided Backprop overrides this op's rule ('relu'). */
export function relu(x: Tensor): Tensor {
  // One pass: gy where x > 0, else 0 (the binary primitive 'reluGrad').
  return unary('relu', x, 'relu', ([g], [v]) => [wrap(v.engine, backendOf(v.engine).binary('reluGrad', g, v, v.shape), v.shape)]);
}

/** 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x, 'sigmoid', ([g], _i, [y]) => [mul(g, mul(y, affine(y, -1, 1)))]);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, 'tanh', ([g], _i, [y]) => [mul(g, affine(square(y), -1, 1))]);
}

/**
 * min(max(x, min), max). The gradient passes where min <= x <= max (as PyTorch).
 * Either bound may be omitted (±Infinity).
 */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  checkNumber(min, 'min', 'clamp', true);
  checkNumber(max, 'max', 'clamp', true);
  if (min > max) throw new ValueError(`clamp: min (${min}) must not exceed max (${max})`);
  return unary(
    'clamp',
    x,
    'clamp',
    ([g], [v]) => {
      const inside = mul(greaterEqual(v, min), lessEqual(v, max));
      return [mul(g, inside)];
    },
    min,
    max,
  );
}

/**
 * a ** b. With a number exponent: one kernel, gradient b * a^(b-1). With a tensor exponent the
 * gradient with respect to b is a^b * ln(a) where a > 0 and 0 elsewhere.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') {
    const p = checkNumber(b, 'b', 'pow', true);
    return unary('pow', checkFloat(a, 'a', 'pow'), 'powScalar', ([g], [v]) => [mul(g, affine(unaryRaw(v, 'powScalar', p - 1), p, 0))], p);
  }
  return binary('pow', 'pow', a, b, ([g], [x, y], [out], n) => [
    n[0] ? sumTo(mul(g, mul(y, pow(x, sub(y, 1)))), x.shape) : null,
    n[1] ? sumTo(mul(g, where(greater(x, 0), mul(out, log(x)), 0)), y.shape) : null,
  ]);
}

/** Shares the gradient like PyTorch: all to the larger input, half each on ties. */
function tieMask(x: Tensor, y: Tensor, cmp: 'gt' | 'lt'): Tensor {
  return add(binaryRaw(cmp, x, y, 'mask'), affine(binaryRaw('eq', x, y, 'mask'), 0.5, 0));
}

/** Elementwise maximum (broadcasting); on ties the gradient is split equally. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', 'maximum', a, b, ([g], [x, y], _o, n) => [
    n[0] ? sumTo(mul(g, tieMask(x, y, 'gt')), x.shape) : null,
    n[1] ? sumTo(mul(g, tieMask(y, x, 'gt')), y.shape) : null,
  ]);
}

/** Elementwise minimum (broadcasting); on ties the gradient is split equally. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', 'minimum', a, b, ([g], [x, y], _o, n) => [
    n[0] ? sumTo(mul(g, tieMask(x, y, 'lt')), x.shape) : null,
    n[1] ? sumTo(mul(g, tieMask(y, x, 'lt')), y.shape) : null,
  ]);
}

/** 1 where a > b else 0 (float32, no gradient). */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return binary('greater', 'gt', a, b, null);
}
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('greaterEqual', 'ge', a, b, null);
}
export function less(a: TensorLike, b: TensorLike): Tensor {
  return binary('less', 'lt', a, b, null);
}
export function lessEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('lessEqual', 'le', a, b, null);
}
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return binary('equal', 'eq', a, b, null);
}
export function notEqual(a: TensorLike, b: TensorLike): Tensor {
  return binary('notEqual', 'ne', a, b, null);
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
  recordLegacy(fname, [cond, ta, tb], y, ([g], [c, x, z], _o, n) => [
    null,
    n[1] ? sumTo(where(c, g, 0), x.shape) : null,
    n[2] ? sumTo(where(c, 0, g), z.shape) : null,
  ]);
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  return y;
}
