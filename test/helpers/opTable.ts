/**
 * The op table: one list of cases shared by the op-level suites.
 * - test/ops.parity.test.ts runs every case on the WebGPU and the CPU engine and compares the
 *   forward output and (for differentiable cases) the input gradients;
 * - test/ops.gradcheck.test.ts checks every differentiable case's gradients on the CPU engine
 *   against central finite differences.
 *
 * A case lists its inputs (shape and how to draw the values) and `fn(engine, ...tensors)`.
 * Gradients are always those of the weighted sum `sum(fn(...) * R)`, R a fixed random tensor
 * of the output's shape (so the check is not the trivial all-ones cotangent).
 *
 * Draws that keep finite differences valid:
 * - `pos`: uniform in [0.5, 2] (log, sqrt, pow, divisors, reciprocal);
 * - `lat(shape, phase)`: distinct values (k + phase) * step on a lattice (step 0.05 by default).
 *   Distinct values keep max/min/argmax away from ties; phase 0.5 keeps values at least step/2
 *   away from every multiple of step (0 for relu/abs, the clamp bounds, a number operand of
 *   maximum), and a phase-0 tensor against a phase-0.5 tensor never comes closer than step/2
 *   (maximum/minimum of two tensors);
 * - `idx(shape, hi)`: int32 in [0, hi) (gather indices, oneHot, crossEntropy targets), or
 *   `vals(data, shape, 'int32')` for fixed indices (repeats on purpose).
 *
 * Sizes: 1, primes, and (cases flagged `large`) sizes past one 64-thread workgroup, one
 * 32x8 matmul tile, and reductions of more than 1e4 elements.
 */
import type { DType } from '../../src/engine/backend.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Tensor } from '../../src/engine/tensor.js';
import * as op from '../../src/index.js';
import { rng } from './random.js';

export type Draw =
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'lattice'; phase: number; step: number }
  | { kind: 'mask' }
  | { kind: 'probs' }
  | { kind: 'int'; lo: number; hi: number }
  | { kind: 'values'; data: readonly number[] };

export interface InputSpec {
  shape: number[];
  draw: Draw;
  dtype: DType;
  /** Differentiate with respect to this input (default: every float32 input). */
  grad: boolean;
}

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  fn: (e: Engine, ...xs: Tensor[]) => Tensor;
  /** false for forward-only ops (int outputs, oneHot, argmax/argmin). Default true. */
  differentiable: boolean;
  /** Forward parity tolerance (max|diff|/max|ref|). */
  fwdTol: number;
  /** Past one workgroup/tile: the gradcheck samples coordinates instead of visiting all. */
  large: boolean;
  /** Set when finite differences are not valid (evaluated at a kink on purpose): the reason. */
  noFd?: string;
  /** Known forward values (NaN allowed), checked on every engine. */
  expected?: readonly number[];
}

/** Forward parity tolerances: plain arithmetic, and transcendental ops / reductions over > 1e4 elements. */
export const FWD_TOL = 1e-5;
export const FWD_TOL_LOOSE = 2e-5;
/** Gradient parity tolerance (max|diff|/max|ref|). */
export const GRAD_TOL = 1e-4;

// ---- input constructors ----------------------------------------------------------------------

const inp = (shape: number[], draw: Draw, dtype: DType = 'float32', grad = dtype === 'float32'): InputSpec => ({
  shape,
  draw,
  dtype,
  grad,
});
/** Uniform in [lo, hi) (default [-1, 1)). */
export const u = (shape: number[], lo = -1, hi = 1) => inp(shape, { kind: 'uniform', lo, hi });
/** Uniform in [0.5, 2). */
export const pos = (shape: number[]) => inp(shape, { kind: 'uniform', lo: 0.5, hi: 2 });
/** Distinct lattice values (k + phase) * step. */
export const lat = (shape: number[], phase = 0.5, step = 0.05) => inp(shape, { kind: 'lattice', phase, step });
/** A 0/1 float mask (not differentiated: where's condition). */
export const mask = (shape: number[]) => inp(shape, { kind: 'mask' }, 'float32', false);
/** Positive rows summing to 1 along the last axis. */
export const probs = (shape: number[]) => inp(shape, { kind: 'probs' });
/** int32 in [0, hi). */
export const idx = (shape: number[], hi: number) => inp(shape, { kind: 'int', lo: 0, hi }, 'int32');
/** Fixed values. */
export const vals = (data: readonly number[], shape: number[], dtype: DType = 'float32') => inp(shape, { kind: 'values', data }, dtype);

/** A case. Options: forward-only (`grad: false`), transcendental (`t: true`: looser forward tolerance), large, noFd. */
function c(
  name: string,
  inputs: InputSpec[],
  fn: (e: Engine, ...xs: Tensor[]) => Tensor,
  o: { grad?: boolean; t?: boolean; large?: boolean; noFd?: string; expected?: readonly number[] } = {},
): OpCase {
  return {
    name,
    inputs,
    fn,
    differentiable: o.grad ?? true,
    fwdTol: o.t ? FWD_TOL_LOOSE : FWD_TOL,
    large: o.large ?? false,
    noFd: o.noFd,
    expected: o.expected,
  };
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** FNV-1a hash of a string: per-case seeds. */
export function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Host data of one input (float32 values as a Float32Array, so both engines see the same bits). */
export function drawInput(spec: InputSpec, seed: number): Float32Array | Int32Array {
  const n = size(spec.shape);
  const r = rng(seed);
  const d = spec.draw;
  const out = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  switch (d.kind) {
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = d.lo + (d.hi - d.lo) * r();
      break;
    case 'lattice': {
      // n distinct integers out of [-K, K), shuffled.
      const K = Math.max(8, Math.ceil(n * 0.75));
      const ks = Array.from({ length: 2 * K }, (_, i) => i - K);
      for (let i = ks.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [ks[i], ks[j]] = [ks[j], ks[i]];
      }
      for (let i = 0; i < n; i++) out[i] = (ks[i] + d.phase) * d.step;
      break;
    }
    case 'mask':
      for (let i = 0; i < n; i++) out[i] = r() < 0.5 ? 0 : 1;
      break;
    case 'probs': {
      const last = spec.shape[spec.shape.length - 1];
      for (let i = 0; i < n; i++) out[i] = 0.1 + r();
      for (let row = 0; row < n / last; row++) {
        let s = 0;
        for (let j = 0; j < last; j++) s += out[row * last + j];
        for (let j = 0; j < last; j++) out[row * last + j] /= s;
      }
      break;
    }
    case 'int':
      for (let i = 0; i < n; i++) out[i] = d.lo + Math.floor((d.hi - d.lo) * r());
      break;
    case 'values':
      if (d.data.length !== n) throw new Error(`op table: ${d.data.length} values for shape [${spec.shape}]`);
      for (let i = 0; i < n; i++) out[i] = d.data[i];
      break;
  }
  return out;
}

/** All inputs of a case, seeded by the case name. */
export function drawInputs(c: OpCase): (Float32Array | Int32Array)[] {
  return c.inputs.map((s, i) => drawInput(s, hashSeed(`${c.name}#${i}`)));
}

/** The fixed weighting R of the objective sum(fn(...) * R) for an output shape, in [-1, 1) away from 0. */
export function weights(c: OpCase, shape: readonly number[]): Float32Array {
  const r = rng(hashSeed(`${c.name}#R`));
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const v = 0.25 + 0.75 * r();
    out[i] = r() < 0.5 ? -v : v;
  }
  return out;
}

/** Indices of the inputs the gradient is taken with respect to. */
export function gradArgs(c: OpCase): number[] {
  return c.differentiable ? c.inputs.map((s, i) => (s.grad ? i : -1)).filter((i) => i >= 0) : [];
}

/** The tensors of a case's inputs on an engine (float data may be overridden, e.g. float64 perturbations). */
export function makeTensors(e: Engine, c: OpCase, data: readonly ArrayLike<number>[]): Tensor[] {
  return c.inputs.map((s, i) => e.tensor(data[i], s.shape, s.dtype));
}

/** The scalar objective sum(fn(xs) * R). */
export function objective(e: Engine, c: OpCase, R: Tensor, xs: readonly Tensor[]): Tensor {
  return op.sum(op.mul(c.fn(e, ...xs), R));
}

export interface CaseResult {
  shape: number[];
  dtype: DType;
  out: Float32Array | Int32Array;
  /** Gradients w.r.t. the inputs listed by gradArgs, in that order. */
  grads: Float32Array[];
}

/**
 * Runs a case on an engine: its forward output, and the gradients of sum(fn * R) from `grad`.
 * Every tensor it makes is disposed again.
 */
export async function runCase(e: Engine, c: OpCase, data: readonly ArrayLike<number>[] = drawInputs(c)): Promise<CaseResult> {
  const argnums = gradArgs(c);
  const { y, gs } = e.tidy(() => {
    const xs = makeTensors(e, c, data);
    const y = c.fn(e, ...xs);
    if (argnums.length === 0) return { y, gs: [] as Tensor[] };
    const R = e.tensor(weights(c, y.shape), y.shape);
    const gs = op.grad((...a: Tensor[]) => objective(e, c, R, a), argnums)(...xs);
    return { y, gs };
  });
  try {
    return {
      shape: y.shape.slice(),
      dtype: y.dtype,
      out: await y.read(),
      grads: await Promise.all(gs.map((g) => g.readFloat())),
    };
  } finally {
    y.dispose();
    gs.forEach((g) => g.dispose());
  }
}

// ---- the cases -------------------------------------------------------------------------------

const T = { t: true } as const;
const NOGRAD = { grad: false } as const;
const L = { large: true } as const;
const LT = { large: true, t: true } as const;

export const OP_CASES: OpCase[] = [
  // -- elementwise binary, broadcasting and numbers --
  c('add [2,3]+[2,3]', [u([2, 3]), u([2, 3])], (_e, a, b) => op.add(a, b)),
  c('add [3,1,5]+[4,5]', [u([3, 1, 5]), u([4, 5])], (_e, a, b) => op.add(a, b)),
  c('add [7,1]+[1,13]', [u([7, 1]), u([1, 13])], (_e, a, b) => op.add(a, b)),
  c('add [] + [5]', [u([]), u([5])], (_e, a, b) => op.add(a, b)),
  c('add [1]+[1]', [u([1]), u([1])], (_e, a, b) => op.add(a, b)),
  c('add x+2.5', [u([3, 7])], (_e, a) => op.add(a, 2.5)),
  c('add 1.5+x', [u([11])], (_e, a) => op.add(1.5, a)),
  c('sub [4,1]-[3]', [u([4, 1]), u([3])], (_e, a, b) => op.sub(a, b)),
  c('sub x-0.75', [u([5, 2])], (_e, a) => op.sub(a, 0.75)),
  c('sub 2-x', [u([2, 5])], (_e, a) => op.sub(2, a)),
  c('mul [2,3,4]*[3,1]', [u([2, 3, 4]), u([3, 1])], (_e, a, b) => op.mul(a, b)),
  c('mul [1,5]*[5,1]', [u([1, 5]), u([5, 1])], (_e, a, b) => op.mul(a, b)),
  c('mul x*-1.5', [u([13])], (_e, a) => op.mul(a, -1.5)),
  c('mul 3*x', [u([2, 2])], (_e, a) => op.mul(3, a)),
  c('div [5,3]/[3]', [u([5, 3]), pos([3])], (_e, a, b) => op.div(a, b)),
  c('div [3,1,5]/[4,5]', [u([3, 1, 5]), pos([4, 5])], (_e, a, b) => op.div(a, b)),
  c('div x/4', [u([7])], (_e, a) => op.div(a, 4)),
  c('div 2/x', [pos([3, 5])], (_e, a) => op.div(2, a)),
  c('add [37,1,41]+[29,41] large', [u([37, 1, 41]), u([29, 41])], (_e, a, b) => op.add(a, b), L),
  c('mul [1031]*[1031] large', [u([1031]), u([1031])], (_e, a, b) => op.mul(a, b), L),
  c('div [67,1]/[67,129] large', [u([67, 1]), pos([67, 129])], (_e, a, b) => op.div(a, b), L),

  // -- elementwise unary --
  c('neg', [u([3, 5])], (_e, x) => op.neg(x)),
  c('exp', [u([2, 3, 5])], (_e, x) => op.exp(x), T),
  c('exp [4099] large', [u([4099], -3, 3)], (_e, x) => op.exp(x), LT),
  c('log', [pos([7, 3])], (_e, x) => op.log(x), T),
  c('sqrt', [pos([13])], (_e, x) => op.sqrt(x), T),
  c('square', [u([3, 4])], (_e, x) => op.square(x)),
  c('reciprocal', [pos([6])], (_e, x) => op.reciprocal(x)),
  c('sin', [u([11], -3, 3)], (_e, x) => op.sin(x), T),
  c('cos', [u([11], -3, 3)], (_e, x) => op.cos(x), T),
  c('pow x^2.5', [pos([3, 5])], (_e, x) => op.pow(x, 2.5), T),
  c('pow x^-1.5', [pos([7])], (_e, x) => op.pow(x, -1.5), T),
  c('pow x^3 (negative base, integer exponent)', [lat([2, 5])], (_e, x) => op.pow(x, 3), T),
  c('pow x^y [3,4]^[4]', [pos([3, 4]), u([4], -2, 2)], (_e, a, b) => op.pow(a, b), T),
  c('pow x^y [2,1]^[2,3]', [pos([2, 1]), u([2, 3], -2, 2)], (_e, a, b) => op.pow(a, b), T),
  c('pow 2^x', [u([5], -2, 2)], (_e, x) => op.pow(2, x), T),
  c('abs', [lat([4, 7])], (_e, x) => op.abs(x)),
  c('relu', [lat([5, 3])], (_e, x) => op.relu(x)),
  c('relu [2053] large', [lat([2053], 0.5, 0.01)], (_e, x) => op.relu(x), L),
  c('sigmoid', [u([3, 7], -4, 4)], (_e, x) => op.sigmoid(x), T),
  c('sigmoid [1031] large', [u([1031], -8, 8)], (_e, x) => op.sigmoid(x), LT),
  c('tanh', [u([13], -3, 3)], (_e, x) => op.tanh(x), T),
  c('affine 1.7x-0.3', [u([2, 3, 2])], (_e, x) => op.affine(x, 1.7, -0.3)),
  c('clamp [-0.5, 0.5]', [lat([6, 5])], (_e, x) => op.clamp(x, -0.5, 0.5)),
  c('clamp min only -0.3', [lat([13])], (_e, x) => op.clamp(x, -0.3)),
  c('clamp max only 0.2', [lat([3, 3])], (_e, x) => op.clamp(x, undefined, 0.2)),
  c('maximum [3,4]', [lat([3, 4], 0), lat([3, 4], 0.5)], (_e, a, b) => op.maximum(a, b)),
  c('maximum [4,1]v[5] broadcast', [lat([4, 1], 0), lat([5], 0.5)], (_e, a, b) => op.maximum(a, b)),
  c('maximum x v 0.25', [lat([7])], (_e, a) => op.maximum(a, 0.25)),
  c('minimum [2,3,1]v[3,4]', [lat([2, 3, 1], 0.5), lat([3, 4], 0)], (_e, a, b) => op.minimum(a, b)),
  c('minimum x v -0.1', [lat([3, 3])], (_e, a) => op.minimum(a, -0.1)),
  c(
    'maximum/minimum at exact ties (gradient split in half)',
    [vals([1, 2, 3, -1, 0, 0.5], [2, 3]), vals([1, 0, 3, -1, 1, 0.5], [2, 3])],
    (_e, a, b) => op.add(op.maximum(a, b), op.mul(op.minimum(a, b), 3)),
    { noFd: 'evaluated at ties on purpose (non-differentiable points)', expected: [4, 2, 12, -4, 1, 2] },
  ),
  c('where cond[4,1] ? a[4,5] : b[5]', [mask([4, 1]), u([4, 5]), u([5])], (_e, cnd, a, b) => op.where(cnd, a, b)),
  c('where cond[3,3] ? a : 0.5', [mask([3, 3]), u([3, 3])], (_e, cnd, a) => op.where(cnd, a, 0.5)),
  c('where cond[1000] ? a : b large', [mask([1000]), u([1000]), u([1000])], (_e, cnd, a, b) => op.where(cnd, a, b), L),

  // -- reductions --
  c('sum axis 1 of [3,4,5]', [u([3, 4, 5])], (_e, x) => op.sum(x, 1)),
  c('sum axis -1 keepDims', [u([3, 4, 5])], (_e, x) => op.sum(x, -1, true)),
  c('sum axes [0,2] of [3,4,5]', [u([3, 4, 5])], (_e, x) => op.sum(x, [0, 2])),
  c('sum axes [1,3] of [2,3,4,5] keepDims', [u([2, 3, 4, 5])], (_e, x) => op.sum(x, [1, 3], true)),
  c('sum all of [7,13]', [u([7, 13])], (_e, x) => op.sum(x)),
  c('sum all of [7,13] keepDims', [u([7, 13])], (_e, x) => op.sum(x, undefined, true)),
  c('sum axis 0 of [1]', [u([1])], (_e, x) => op.sum(x, 0)),
  c('sum axis 0 of [67,300] large', [u([67, 300])], (_e, x) => op.sum(x, 0), L),
  c('sum all of [20011] large', [u([20011])], (_e, x) => op.sum(x), LT),
  c('sum axes [0,2] of [17,19,37] large', [u([17, 19, 37])], (_e, x) => op.sum(x, [0, 2]), L),
  c('mean axis 0 of [5,3]', [u([5, 3])], (_e, x) => op.mean(x, 0)),
  c('mean axes [0,2] of [3,4,5] keepDims', [u([3, 4, 5])], (_e, x) => op.mean(x, [0, 2], true)),
  c('mean all', [u([2, 3, 5])], (_e, x) => op.mean(x)),
  c('mean axis 1 of [13,1031] large', [u([13, 1031])], (_e, x) => op.mean(x, 1), L),
  c('max axis 1 of [3,4,5]', [lat([3, 4, 5])], (_e, x) => op.max(x, 1)),
  c('max axes [0,2] of [3,4,5] keepDims', [lat([3, 4, 5])], (_e, x) => op.max(x, [0, 2], true)),
  c('max all of [7,11]', [lat([7, 11])], (_e, x) => op.max(x)),
  c('max axis -1 of [13,1031] large', [lat([13, 1031])], (_e, x) => op.max(x, -1), L),
  c('min axis 0 of [5,3]', [lat([5, 3])], (_e, x) => op.min(x, 0)),
  c('min axes [1,3] of [2,3,4,5]', [lat([2, 3, 4, 5])], (_e, x) => op.min(x, [1, 3])),
  c('min all keepDims', [lat([3, 7])], (_e, x) => op.min(x, undefined, true)),
  c('min all of [20011] large', [lat([20011], 0.5, 0.001)], (_e, x) => op.min(x), L),
  c(
    'max/min with tied extremes (gradient shared)',
    [vals([1, 3, 3, 0, -2, -2, 1, 0, 2, 2, 2, 2], [3, 4])],
    (_e, x) => op.add(op.max(x, 1), op.min(x, 1)),
    { noFd: 'evaluated at ties on purpose (non-differentiable points)', expected: [3, -1, 4] },
  ),
  c('argmax axis 1 of [3,4,5]', [lat([3, 4, 5])], (_e, x) => op.argmax(x, 1), NOGRAD),
  c('argmax axis 0 keepDims', [lat([5, 3])], (_e, x) => op.argmax(x, 0, true), NOGRAD),
  c('argmax flattened', [lat([4, 7])], (_e, x) => op.argmax(x), NOGRAD),
  c('argmin axis -1 of [2,13]', [lat([2, 13])], (_e, x) => op.argmin(x, -1), NOGRAD),
  c('argmin flattened', [lat([3, 1, 5])], (_e, x) => op.argmin(x), NOGRAD),
  c('argmax first of ties', [vals([1, 3, 3, 0, 2, 2, 2, 2], [2, 4])], (_e, x) => op.argmax(x, 1), { grad: false, expected: [1, 0] }),
  c('argmax axis 1 of [7,2053] large', [lat([7, 2053], 0.5, 0.001)], (_e, x) => op.argmax(x, 1), { grad: false, large: true }),

  // -- matmul --
  c('matmul [1,1]@[1,1]', [u([1, 1]), u([1, 1])], (_e, a, b) => op.matmul(a, b)),
  c('matmul [7,13]@[13,5]', [u([7, 13]), u([13, 5])], (_e, a, b) => op.matmul(a, b)),
  c('matmul [13,67]@[67,7]', [u([13, 67]), u([67, 7])], (_e, a, b) => op.matmul(a, b)),
  c('matmul [1,7]@[7,1]', [u([1, 7]), u([7, 1])], (_e, a, b) => op.matmul(a, b)),
  c('matmul batched [3,7,13]@[3,13,5]', [u([3, 7, 13]), u([3, 13, 5])], (_e, a, b) => op.matmul(a, b)),
  c('matmul broadcast [1,7,13]@[4,13,5]', [u([1, 7, 13]), u([4, 13, 5])], (_e, a, b) => op.matmul(a, b)),
  c('matmul broadcast [7,13]@[2,13,3]', [u([7, 13]), u([2, 13, 3])], (_e, a, b) => op.matmul(a, b)),
  c('matmul partial broadcast [2,1,5,3]@[1,3,3,6]', [u([2, 1, 5, 3]), u([1, 3, 3, 6])], (_e, a, b) => op.matmul(a, b)),
  c('matmul transA [13,7]^T@[13,5]', [u([13, 7]), u([13, 5])], (_e, a, b) => op.matmul(a, b, { transA: true })),
  c('matmul transB [7,13]@[5,13]^T', [u([7, 13]), u([5, 13])], (_e, a, b) => op.matmul(a, b, { transB: true })),
  c('matmul transA transB batched [2,13,7]^T@[2,5,13]^T', [u([2, 13, 7]), u([2, 5, 13])], (_e, a, b) =>
    op.matmul(a, b, { transA: true, transB: true }),
  ),
  c('matmul transB broadcast [3,7,13]@[1,5,13]^T', [u([3, 7, 13]), u([1, 5, 13])], (_e, a, b) => op.matmul(a, b, { transB: true })),
  c('matmul 1-D a [13]@[13,5]', [u([13]), u([13, 5])], (_e, a, b) => op.matmul(a, b)),
  c('matmul 1-D b [7,13]@[13]', [u([7, 13]), u([13])], (_e, a, b) => op.matmul(a, b)),
  c('matmul 1-D both [13]@[13]', [u([13]), u([13])], (_e, a, b) => op.matmul(a, b)),
  c('matmul 1-D a batched b [13]@[3,13,5]', [u([13]), u([3, 13, 5])], (_e, a, b) => op.matmul(a, b)),
  c('matmul 1-D a transB [13]@[5,13]^T', [u([13]), u([5, 13])], (_e, a, b) => op.matmul(a, b, { transB: true })),
  c('matmul [300,67]@[67,257] large', [u([300, 67]), u([67, 257])], (_e, a, b) => op.matmul(a, b), L),
  c('matmul broadcast [1,67,129]@[3,129,65] large', [u([1, 67, 129]), u([3, 129, 65])], (_e, a, b) => op.matmul(a, b), L),
  c(
    'matmul transA transB [67,33]^T@[41,67]^T large',
    [u([67, 33]), u([41, 67])],
    (_e, a, b) => op.matmul(a, b, { transA: true, transB: true }),
    L,
  ),

  // -- shape ops --
  c('reshape [3,4,5]->[12,5]', [u([3, 4, 5])], (_e, x) => op.reshape(x, [12, 5])),
  c('reshape [6,1]->[-1]', [u([6, 1])], (_e, x) => op.reshape(x, [-1])),
  c('transpose [7,13]', [u([7, 13])], (_e, x) => op.transpose(x)),
  c('transpose [300,257] large', [u([300, 257])], (_e, x) => op.transpose(x), L),
  c('permute [2,3,4] by [2,0,1]', [u([2, 3, 4])], (_e, x) => op.permute(x, [2, 0, 1])),
  c('permute [2,1,3,5] by [3,1,0,2]', [u([2, 1, 3, 5])], (_e, x) => op.permute(x, [3, 1, 0, 2])),
  c('broadcastTo [3,1]->[2,3,5]', [u([3, 1])], (_e, x) => op.broadcastTo(x, [2, 3, 5])),
  c('broadcastTo [1]->[7]', [u([1])], (_e, x) => op.broadcastTo(x, [7])),
  c('broadcastTo [1,67]->[31,67] large', [u([1, 67])], (_e, x) => op.broadcastTo(x, [31, 67]), L),
  c('slice [5,7] begin [1,2] size [3,-1]', [u([5, 7])], (_e, x) => op.slice(x, [1, 2], [3, -1])),
  c('slice [3,4,5] begin [0,1,2] size [2,2,1]', [u([3, 4, 5])], (_e, x) => op.slice(x, [0, 1, 2], [2, 2, 1])),
  c('slice [13] begin [12]', [u([13])], (_e, x) => op.slice(x, [12])),
  c('slice [300,257] large', [u([300, 257])], (_e, x) => op.slice(x, [17, 3], [211, 250]), L),
  c('flip axis 1 of [3,4,5]', [u([3, 4, 5])], (_e, x) => op.flip(x, 1)),
  c('flip axes [0,2] of [3,4,5]', [u([3, 4, 5])], (_e, x) => op.flip(x, [0, 2])),
  c('flip [1]', [u([1])], (_e, x) => op.flip(x, 0)),
  c('concat axis 0 [2,3]+[4,3]', [u([2, 3]), u([4, 3])], (_e, a, b) => op.concat([a, b], 0)),
  c('concat axis 1 [2,3,4]+[2,1,4]+[2,5,4]', [u([2, 3, 4]), u([2, 1, 4]), u([2, 5, 4])], (_e, a, b, d) => op.concat([a, b, d], 1)),
  c('concat axis -1 [3,1]+[3,2]', [u([3, 1]), u([3, 2])], (_e, a, b) => op.concat([a, b], -1)),
  c('concat axis 1 [67,129]+[67,131] large', [u([67, 129]), u([67, 131])], (_e, a, b) => op.concat([a, b], 1), L),
  c('stack 3x[3,4] axis 1', [u([3, 4]), u([3, 4]), u([3, 4])], (_e, a, b, d) => op.stack([a, b, d], 1)),
  c('stack 2x[5] axis 0', [u([5]), u([5])], (_e, a, b) => op.stack([a, b])),
  c('stack 2x[2,3] axis -1', [u([2, 3]), u([2, 3])], (_e, a, b) => op.stack([a, b], -1)),
  c('pad constant [3,4] [[1,2],[0,3]] value 0.5', [u([3, 4])], (_e, x) =>
    op.pad(
      x,
      [
        [1, 2],
        [0, 3],
      ],
      { value: 0.5 },
    ),
  ),
  c('pad constant [2,3,4] leading axes only', [u([2, 3, 4])], (_e, x) =>
    op.pad(x, [
      [0, 1],
      [2, 0],
    ]),
  ),
  c('pad reflect [4,5] [[2,1],[3,4]]', [u([4, 5])], (_e, x) =>
    op.pad(
      x,
      [
        [2, 1],
        [3, 4],
      ],
      { mode: 'reflect' },
    ),
  ),
  c('pad reflect [3,4,5] [[0,0],[1,2],[3,1]]', [u([3, 4, 5])], (_e, x) =>
    op.pad(
      x,
      [
        [0, 0],
        [1, 2],
        [3, 1],
      ],
      { mode: 'reflect' },
    ),
  ),
  c('pad reflect [2,7] [[1,1],[6,6]] (maximal)', [u([2, 7])], (_e, x) =>
    op.pad(
      x,
      [
        [1, 1],
        [6, 6],
      ],
      { mode: 'reflect' },
    ),
  ),
  c(
    'pad reflect [1,300,257] large',
    [u([1, 300, 257])],
    (_e, x) =>
      op.pad(
        x,
        [
          [0, 0],
          [5, 7],
          [64, 64],
        ],
        { mode: 'reflect' },
      ),
    L,
  ),
  c('gather axis 0 repeated indices', [u([5, 3]), vals([4, 0, 4, 2, 4, 1, 0], [7], 'int32')], (_e, x, i) => op.gather(x, i, 0)),
  c('gather middle axis [3,6,4] indices [2,5]', [u([3, 6, 4]), idx([2, 5], 6)], (_e, x, i) => op.gather(x, i, 1)),
  c('gather last axis [4,7] indices [3]', [u([4, 7]), vals([6, 6, 0], [3], 'int32')], (_e, x, i) => op.gather(x, i, -1)),
  c('gather axis 0 of [1000,17] indices [2003] large', [u([1000, 17]), idx([2003], 1000)], (_e, x, i) => op.gather(x, i, 0), L),
  c('oneHot [6] depth 5', [idx([6], 5)], (_e, i) => op.oneHot(i, 5), NOGRAD),
  c('oneHot [2,3] depth 4', [vals([0, 3, 3, 1, 2, 0], [2, 3], 'int32')], (_e, i) => op.oneHot(i, 4), {
    grad: false,
    expected: [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0],
  }),
  c('oneHot [1] depth 1', [vals([0], [1], 'int32')], (_e, i) => op.oneHot(i, 1), NOGRAD),
  c('oneHot [1031] depth 67 large', [idx([1031], 67)], (_e, i) => op.oneHot(i, 67), { grad: false, large: true }),

  // -- nn --
  c('softmax [4,7]', [u([4, 7], -3, 3)], (_e, x) => op.softmax(x), T),
  c('softmax axis 0 of [5,3,4]', [u([5, 3, 4], -3, 3)], (_e, x) => op.softmax(x, 0), T),
  c('softmax [1,1]', [u([1, 1])], (_e, x) => op.softmax(x), T),
  c('softmax [64,1000] large', [u([64, 1000], -5, 5)], (_e, x) => op.softmax(x), LT),
  c('logSoftmax [4,7]', [u([4, 7], -3, 3)], (_e, x) => op.logSoftmax(x), T),
  c('logSoftmax axis 1 of [2,5,3]', [u([2, 5, 3], -3, 3)], (_e, x) => op.logSoftmax(x, 1), T),
  c('logSoftmax [31,517] large', [u([31, 517], -5, 5)], (_e, x) => op.logSoftmax(x), LT),
  c('crossEntropy int targets mean', [u([5, 7], -3, 3), idx([5], 7)], (_e, x, t) => op.crossEntropy(x, t), T),
  c('crossEntropy int targets sum', [u([5, 7], -3, 3), idx([5], 7)], (_e, x, t) => op.crossEntropy(x, t, { reduction: 'sum' }), T),
  c('crossEntropy int targets none', [u([5, 7], -3, 3), idx([5], 7)], (_e, x, t) => op.crossEntropy(x, t, { reduction: 'none' }), T),
  c('crossEntropy int targets [1,1]', [u([1, 1]), vals([0], [1], 'int32')], (_e, x, t) => op.crossEntropy(x, t), T),
  c('crossEntropy prob targets mean', [u([4, 5], -3, 3), probs([4, 5])], (_e, x, t) => op.crossEntropy(x, t), T),
  c('crossEntropy prob targets sum', [u([4, 5], -3, 3), probs([4, 5])], (_e, x, t) => op.crossEntropy(x, t, { reduction: 'sum' }), T),
  c('crossEntropy prob targets none', [u([4, 5], -3, 3), probs([4, 5])], (_e, x, t) => op.crossEntropy(x, t, { reduction: 'none' }), T),
  c('crossEntropy int targets [128,517] large', [u([128, 517], -5, 5), idx([128], 517)], (_e, x, t) => op.crossEntropy(x, t), LT),

  // -- edge shapes: 0-d, size 0, trivial axes --
  c('exp of a 0-d tensor', [u([])], (_e, x) => op.exp(x), T),
  c('sum of a 0-d tensor', [u([])], (_e, x) => op.sum(x)),
  c('sum over no axes (identity)', [u([2, 3])], (_e, x) => op.sum(x, [])),
  c('sum axes [-1,0] of [3,1,4]', [u([3, 1, 4])], (_e, x) => op.sum(x, [-1, 0])),
  c('max over a size-1 axis', [u([3, 1, 2])], (_e, x) => op.max(x, 1)),
  c('mean all keepDims of [1,1,1]', [u([1, 1, 1])], (_e, x) => op.mean(x, undefined, true)),
  c('broadcastTo 0-d -> [3,4]', [u([])], (_e, x) => op.broadcastTo(x, [3, 4])),
  c('transpose 1-D', [u([5])], (_e, x) => op.transpose(x)),
  c('stack 0-d tensors', [u([]), u([]), u([])], (_e, a, b, d) => op.stack([a, b, d])),
  c('gather with a 0-d index', [u([4, 3]), vals([2], [], 'int32')], (_e, x, i) => op.gather(x, i, 0)),
  c('oneHot of a 0-d index', [vals([2], [], 'int32')], (_e, i) => op.oneHot(i, 3), NOGRAD),
  c('matmul batched a, 1-D b [3,7,13]@[13]', [u([3, 7, 13]), u([13])], (_e, a, b) => op.matmul(a, b)),
  c('maximum 0.5 v x (number first)', [lat([2, 3])], (_e, a) => op.maximum(0.5, a)),
  c('where cond[2,3,4] ? a[4] : b[3,1]', [mask([2, 3, 4]), u([4]), u([3, 1])], (_e, cnd, a, b) => op.where(cnd, a, b)),
  c('softmax over a size-1 axis', [u([3, 1])], (_e, x) => op.softmax(x, -1), T),
  c('add [0,3]+[3] (size 0)', [u([0, 3]), u([3])], (_e, a, b) => op.add(a, b)),
  c('sum axis 0 of [0,3] (size 0)', [u([0, 3])], (_e, x) => op.sum(x, 0), { expected: [0, 0, 0] }),
  c('mean axis 0 of [0,3] is NaN', [u([0, 3])], (_e, x) => op.mean(x, 0), { expected: [NaN, NaN, NaN] }),
  c('crossEntropy of 0 rows, mean is NaN', [u([0, 5]), idx([0], 5)], (_e, x, t) => op.crossEntropy(x, t), { expected: [NaN] }),
  c('crossEntropy of 0 rows, sum is 0', [u([0, 5]), idx([0], 5)], (_e, x, t) => op.crossEntropy(x, t, { reduction: 'sum' }), {
    expected: [0],
  }),
  c('matmul [2,0]@[0,3] (k = 0)', [u([2, 0]), u([0, 3])], (_e, a, b) => op.matmul(a, b), { expected: [0, 0, 0, 0, 0, 0] }),
  c('concat with a size-0 part', [u([2, 0]), u([2, 3])], (_e, a, b) => op.concat([a, b], 1)),

  // -- per-channel affine and batch norm (channelAffine kernel: row and flat entry points) --
  c('channelAffine [2,3,4] axis 1', [u([2, 3, 4]), u([3]), u([3])], (_e, x, s, t) => op.channelAffine(x, s, t)),
  c('channelAffine [5,7] axis 1 (inner 1)', [u([5, 7]), u([7]), u([7])], (_e, x, s, t) => op.channelAffine(x, s, t)),
  c('channelAffine [7] axis 0', [u([7]), u([7]), u([7])], (_e, x, s, t) => op.channelAffine(x, s, t, 0)),
  c('channelAffine [3,5,2,3] axis -2', [u([3, 5, 2, 3]), u([2]), u([2])], (_e, x, s, t) => op.channelAffine(x, s, t, -2)),
  c('channelAffine [5,3,33] axis 0', [u([5, 3, 33]), u([5]), u([5])], (_e, x, s, t) => op.channelAffine(x, s, t, 0)),
  c('channelAffine [2,5,301] large', [u([2, 5, 301]), u([5]), u([5])], (_e, x, s, t) => op.channelAffine(x, s, t), L),
  c('channelAffine [3,7,2,300] large', [u([3, 7, 2, 300]), u([7]), u([7])], (_e, x, s, t) => op.channelAffine(x, s, t), L),
  c('channelAffine [67,131] axis 1 large', [u([67, 131]), u([131]), u([131])], (_e, x, s, t) => op.channelAffine(x, s, t), L),
  c(
    'batchNorm eval [2,3,4,5]',
    [u([2, 3, 4, 5]), u([3]), pos([3]), u([3]), u([3])],
    (_e, x, m, v, w, b) => op.batchNorm(x, m, v, w, b, { training: false }).y,
  ),
  c(
    'batchNorm train [2,3,4,5]',
    [u([2, 3, 4, 5]), u([3]), pos([3]), u([3]), u([3])],
    (_e, x, m, v, w, b) => op.batchNorm(x, m, v, w, b, { training: true }).y,
  ),
  c(
    'batchNorm train [6,5] no affine',
    [u([6, 5]), u([5]), pos([5])],
    (_e, x, m, v) => op.batchNorm(x, m, v, null, null, { training: true }).y,
  ),
  c(
    'batchNorm train [3,5,70] large',
    [u([3, 5, 70]), u([5]), pos([5]), u([5]), u([5])],
    (_e, x, m, v, w, b) => op.batchNorm(x, m, v, w, b, { training: true }).y,
    L,
  ),

  // -- fused conv (fusedConv2d: conv + bias + per-channel affine + ReLU in one kernel) --
  c(
    'fusedConv2d [2,3,5,6] 3x3 pad 1, bias, scale, shift',
    [u([2, 3, 5, 6]), u([4, 3, 3, 3]), u([4]), pos([4]), u([4])],
    (_e, x, w, b, s, t) => op.fusedConv2d(x, w, b, { padding: 1, scale: s, shift: t }),
  ),
  c('fusedConv2d groups 2, stride 2, dilation [1,2], scale only', [u([1, 4, 7, 9]), u([6, 2, 3, 2]), pos([6])], (_e, x, w, s) =>
    op.fusedConv2d(x, w, null, { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2, scale: s }),
  ),
  c(
    'fusedConv2d relu, bias and shift',
    [u([2, 2, 4, 5]), u([3, 2, 2, 2]), u([3]), u([3])],
    (_e, x, w, b, t) => op.fusedConv2d(x, w, b, { shift: t, relu: true }),
    { noFd: 'ReLU kinks at eps 1e-3: test/fusion.ops.test.ts checks this op with ReLU at eps 1e-5 with a kink margin' },
  ),
  c(
    'conv2dBatchNorm relu (eval BatchNorm folded)',
    [u([2, 3, 5, 4]), u([5, 3, 3, 3]), u([5]), u([5]), pos([5]), u([5]), u([5])],
    (_e, x, w, b, m, v, g, be) =>
      op.conv2dBatchNorm(x, w, b, { runningMean: m, runningVar: v, weight: g, bias: be }, { padding: 1, relu: true }),
    { noFd: 'ReLU kinks at eps 1e-3: test/fusion.ops.test.ts checks this op with ReLU at eps 1e-5 with a kink margin' },
  ),

  // -- compositions (gradients through several ops, fan-out) --
  c(
    'mlp tanh(x@w^T+b)@v',
    [u([3, 7]), u([13, 7]), u([13]), u([13, 2])],
    (_e, x, w, b, v) => op.matmul(op.tanh(op.add(op.matmul(x, w, { transB: true }), b)), v),
    T,
  ),
  c('fan-out x*x+exp(x)', [u([2, 5])], (_e, x) => op.add(op.mul(x, x), op.exp(x)), T),
];

// ---- seeded random shapes --------------------------------------------------------------------

/** Broadcast-compatible shape pairs, reduction axes, permutations and slices drawn from a fixed seed. */
function randomShapeCases(): OpCase[] {
  const r = rng(20240611);
  const dims = [1, 2, 3, 5, 7, 13];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const shape = (rank: number) => Array.from({ length: rank }, () => pick(dims));
  const out: OpCase[] = [];
  for (let k = 0; k < 4; k++) {
    const a = shape(1 + Math.floor(r() * 4));
    // b: a suffix of a, some dimensions replaced by 1, and a's dimensions set to 1 where b keeps them.
    const bRank = 1 + Math.floor(r() * a.length);
    const b = a.slice(a.length - bRank).map((d) => (r() < 0.3 ? 1 : d));
    const a2 = a.map((d, i) => (i >= a.length - bRank && b[i - (a.length - bRank)] !== 1 && r() < 0.3 ? 1 : d));
    const binop = pick(['add', 'sub', 'mul'] as const);
    out.push(c(`random ${binop} [${a2}]·[${b}]`, [u(a2), u(b)], (_e, x, y) => op[binop](x, y)));
    out.push(c(`random maximum [${a2}]·[${b}]`, [lat(a2, 0), lat(b, 0.5)], (_e, x, y) => op.maximum(x, y)));
  }
  for (let k = 0; k < 4; k++) {
    const sh = shape(2 + Math.floor(r() * 3));
    const axes = sh.map((_, i) => i).filter(() => r() < 0.5);
    const keep = r() < 0.5;
    const red = pick(['sum', 'mean', 'max', 'min'] as const);
    const spec = red === 'max' || red === 'min' ? lat(sh) : u(sh);
    out.push(c(`random ${red} [${sh}] axes [${axes}] keepDims ${keep}`, [spec], (_e, x) => op[red](x, axes, keep)));
  }
  for (let k = 0; k < 3; k++) {
    const sh = shape(2 + Math.floor(r() * 3));
    const perm = sh.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    if (perm.every((v, i) => v === i)) perm.reverse();
    out.push(c(`random permute [${sh}] by [${perm}]`, [u(sh)], (_e, x) => op.permute(x, perm)));
    const begin = sh.map((d) => Math.floor(r() * d));
    const sz = sh.map((d, i) => 1 + Math.floor(r() * (d - begin[i])));
    out.push(c(`random slice [${sh}] begin [${begin}] size [${sz}]`, [u(sh)], (_e, x) => op.slice(x, begin, sz)));
    const m = pick(dims);
    const kk = pick([1, 7, 13, 67]);
    const n = pick(dims);
    out.push(c(`random matmul [${m},${kk}]@[${kk},${n}]`, [u([m, kk]), u([kk, n])], (_e, x, y) => op.matmul(x, y)));
  }
  return out;
}

OP_CASES.push(...randomShapeCases());
