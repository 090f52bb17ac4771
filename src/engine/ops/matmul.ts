/**
 * Batched matrix product with numpy batch broadcasting, and optional transposes that cost no
 * copy (a linear layer computes x @ W^T with transB). The backward rule (the same kernel with
 * transposes flipped) lives in src/engine/grads/matmul_grad.ts.
 */
import { backendOf } from '../backendOf.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat, engineOf, record, wrap } from './core.js';
import { broadcastTo, reshape } from './shape_ops.js';
import { checkEngineOptions } from '../options.js';

const MATMUL_KEYS = ['transA', 'transB'];

export interface MatmulOptions {
  /** Use a's last two axes transposed. */
  transA?: boolean;
  /** Use b's last two axes transposed. */
  transB?: boolean;
}

/**
 * a @ b. a: [..., m, k] (or [..., k, m] with transA), b: [..., k, n] (or [..., n, k] with
 * transB); batch dimensions broadcast. A 1-D a is a row vector and a 1-D b a column vector
 * (that axis is dropped from the result), as numpy.matmul.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkFloat(a, 'a', 'matmul');
  checkFloat(b, 'b', 'matmul');
  engineOf('matmul', a, b);
  checkEngineOptions(options, MATMUL_KEYS, 'matmul');
  const transA = !!options.transA;
  const transB = !!options.transB;
  if (a.rank === 0 || b.rank === 0)
    throw new ShapeError(`matmul: a ${fmt(a.shape)} and b ${fmt(b.shape)} must have at least one dimension`);
  const a2 = a.rank === 1 ? reshape(a, transA ? [a.size, 1] : [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, transB ? [1, b.size] : [b.size, 1]) : b;
  const m = a2.shape[a2.rank - (transA ? 1 : 2)];
  const k = a2.shape[a2.rank - (transA ? 2 : 1)];
  const kb = b2.shape[b2.rank - (transB ? 1 : 2)];
  const n = b2.shape[b2.rank - (transB ? 2 : 1)];
  if (k !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a ${fmt(a.shape)}${transA ? '^T' : ''} has k = ${k}, b ${fmt(b.shape)}${transB ? '^T' : ''} has k = ${kb}`,
    );
  }
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul: batch dims of a', 'of b');
  const nb = sizeOf(batch);
  // A batch that is broadcast as a whole is reused with stride 0; a partial broadcast is materialised.
  const operand = (t: Tensor, tb: number[], rows: number, cols: number) => {
    if (sizeOf(tb) === 1) return { t, stride: 0 };
    if (shapesEqual(tb, batch) || sizeOf(tb) === nb) return { t, stride: rows * cols };
    return { t: broadcastTo(t, [...batch, ...t.shape.slice(-2)]), stride: rows * cols };
  };
  const A = operand(a2, batchA, m, k);
  const B = operand(b2, batchB, k, n);
  let outShape = [...batch, m, n];
  const e = a.engine;
  const s = backendOf(e).matmul(A.t, B.t, { batch: nb, m, k, n, transA, transB, aBatchStride: A.stride, bBatchStride: B.stride });
  let y = wrap(e, s, outShape);
  if (A.t !== a2) A.t.dispose();
  if (B.t !== b2) B.t.dispose();
  if (a2 !== a) a2.dispose();
  if (b2 !== b) b2.dispose();
  if (a.rank === 1 || b.rank === 1) {
    outShape = [...batch, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
    const v = e._view(y, outShape);
    y.dispose();
    y = v;
  }
  return record('matmul', [a, b], y, { transA, transB, batch, m, n });
}
