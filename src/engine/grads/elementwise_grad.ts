/**
 * Backward rules of the elementwise ops (src/engine/ops/elementwise.ts). A broadcast input gets
 * its gradient summed back to its own shape (sumTo).
 */
import { backendOf } from '../backendOf.js';
import { wrap } from '../ops/core.js';
import {
  add,
  affine,
  binaryRaw,
  cos,
  div,
  greater,
  greaterEqual,
  lessEqual,
  log,
  mul,
  neg,
  pow,
  sign,
  sin,
  square,
  sub,
  unaryRaw,
  where,
} from '../ops/elementwise.js';
import { sumTo } from './sumTo.js';
import type { Tensor } from '../tensor.js';
import type { GradTable } from './types.js';

/** Shares the gradient like PyTorch: all to the larger input, half each on ties. */
function tieMask(x: Tensor, y: Tensor, cmp: 'gt' | 'lt'): Tensor {
  return add(binaryRaw(cmp, x, y, 'mask'), affine(binaryRaw('eq', x, y, 'mask'), 0.5, 0));
}

export const ELEMENTWISE_GRADS = {
  add: ([g], [x, y], _o, n) => [n[0] ? sumTo(g, x.shape) : null, n[1] ? sumTo(g, y.shape) : null],
  sub: ([g], [x, y], _o, n) => [n[0] ? sumTo(g, x.shape) : null, n[1] ? sumTo(neg(g), y.shape) : null],
  mul: ([g], [x, y], _o, n) => [n[0] ? sumTo(mul(g, y), x.shape) : null, n[1] ? sumTo(mul(g, x), y.shape) : null],
  div: ([g], [x, y], [out], n) => [n[0] ? sumTo(div(g, y), x.shape) : null, n[1] ? sumTo(neg(div(mul(g, out), y)), y.shape) : null],
  // A number exponent p: b * a^(b-1) in one kernel. A tensor exponent b: d/db = a^b ln(a) where a > 0, else 0.
  pow: ([g], [x, y], [out], n, { exponent }) =>
    exponent !== null
      ? [mul(g, affine(unaryRaw(x, 'powScalar', exponent - 1), exponent, 0))]
      : [
          n[0] ? sumTo(mul(g, mul(y, pow(x, sub(y, 1)))), x.shape) : null,
          n[1] ? sumTo(mul(g, where(greater(x, 0), mul(out, log(x)), 0)), y.shape) : null,
        ],
  maximum: ([g], [x, y], _o, n) => [
    n[0] ? sumTo(mul(g, tieMask(x, y, 'gt')), x.shape) : null,
    n[1] ? sumTo(mul(g, tieMask(y, x, 'gt')), y.shape) : null,
  ],
  minimum: ([g], [x, y], _o, n) => [
    n[0] ? sumTo(mul(g, tieMask(x, y, 'lt')), x.shape) : null,
    n[1] ? sumTo(mul(g, tieMask(y, x, 'lt')), y.shape) : null,
  ],
  // The gradient flows to a where cond holds and to b elsewhere; cond gets none.
  where: ([g], [c, x, z], _o, n) => [null, n[1] ? sumTo(where(c, g, 0), x.shape) : null, n[2] ? sumTo(where(c, 0, g), z.shape) : null],
  affine: ([g], _i, _o, _n, { scale }) => [affine(g, scale, 0)],
  neg: ([g]) => [neg(g)],
  exp: ([g], _i, [y]) => [mul(g, y)],
  log: ([g], [v]) => [div(g, v)],
  sqrt: ([g], _i, [y]) => [div(affine(g, 0.5, 0), y)],
  square: ([g], [v]) => [mul(g, affine(v, 2, 0))],
  reciprocal: ([g], _i, [y]) => [neg(mul(g, square(y)))],
  // Zero at 0 (as PyTorch).
  abs: ([g], [v]) => [mul(g, sign(v))],
  sin: ([g], [v]) => [mul(g, cos(v))],
  cos: ([g], [v]) => [neg(mul(g, sin(v)))],
  // One pass: gy where x > 0, else 0 (the binary primitive 'reluGrad'). Guided Backprop overrides this rule.
  relu: ([g], [v]) => [wrap(v.engine, backendOf(v.engine).binary('reluGrad', g, v, v.shape), v.shape)],
  sigmoid: ([g], _i, [y]) => [mul(g, mul(y, affine(y, -1, 1)))],
  tanh: ([g], _i, [y]) => [mul(g, affine(square(y), -1, 1))],
  // The gradient passes where min <= x <= max (as PyTorch).
  clamp: ([g], [v], _o, _n, { min, max }) => [mul(g, mul(greaterEqual(v, min), lessEqual(v, max)))],
} satisfies Partial<GradTable>;
