/**
 * Reductions over the middle axis of x viewed as [outer, r, inner] (shaders/reduce.wgsl).
 *
 * Each pass maps [outer, r, inner] to [outer, splits, inner], one invocation per output (or per
 * four neighbouring outputs), each looping over its share of r with four accumulator lanes. When
 * there are many output columns (outer * inner) one pass with splits = 1 is the whole reduction.
 * When there are few columns and r is long, a pass splits r so that about TARGET_THREADS
 * invocations run, and further passes reduce the partials (argmax/argmin carry (value, index)
 * pairs) until splits = 1: a tree whose fan-in is at least MIN_CHUNK loop iterations.
 *
 * Measured on lavapipe (2 cores): per-invocation serial loops beat a tree in workgroup memory,
 * and four elements per loop iteration (vec4 loads where aligned) beat one by about 2x.
 *
 * Semantics (as the CPU reference): sum of an empty slice is 0, max -inf, min +inf, argmax/argmin
 * 0; max/min propagate NaN; argmax/argmin give the first index of the extreme value (the first
 * NaN if any). Float sums are Kahan-compensated within an invocation and tree-shaped across passes.
 * int32 input: max/min/argmax/argmin are exact; the sum wraps on int32 overflow where the CPU
 * reference saturates.
 */
import type { DType, ReduceOp } from '../../backend.js';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../bufferPool.js';
import { groups, output, WG, type GBuf } from './common.js';

/** What the reduce kernels need of a tensor. */

/** Invocations a pass aims for when it has to split r (enough to fill a discrete GPU). */
export const TARGET_THREADS = 8192;
/** Fewest loop iterations an invocation runs when r is split (the fan-in of the pass tree). */
export const MIN_CHUNK = 32;
/** Up to this many loop iterations a single pass is used whatever the number of columns. */
export const SERIAL_R = 128;

/** Number of partials per column the next pass should produce (1: the pass finishes it). */
export function splitsFor(threadsPerSplit: number, iterations: number): number {
  if (iterations <= SERIAL_R || threadsPerSplit >= TARGET_THREADS) return 1;
  const s = Math.min(Math.ceil(TARGET_THREADS / threadsPerSplit), Math.floor(iterations / MIN_CHUNK));
  // A multiple of 4 lets the next pass over the partials load vec4s (when inner = 1).
  return s >= 8 ? s - (s % 4) : Math.max(1, s);
}

/** How a float pass maps its four accumulator lanes to the data (shaders/reduce.wgsl). */
const MODE_SCALAR = 0;
const MODE_ALONG_R = 1;
const MODE_ALONG_INNER = 2;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * Reduces the middle axis of x ([outer, r, inner]); returns [outer, inner] in x's dtype
 * (int32 indices for argmax/argmin). The result is a new buffer owned by the caller.
 */
export function reduce(ctx: GpuContext, op: ReduceOp, x: GBuf, outer: number, r: number, inner: number): GpuStorage {
  const cols = outer * inner;
  const isArg = op === 'argmax' || op === 'argmin';
  const isInt = x.dtype === 'int32';
  const isMin = op === 'min' || op === 'argmin';
  if (op !== 'sum' && op !== 'max' && op !== 'min' && !isArg) throw new Error(`reduce: unknown op '${String(op)}'`);
  if (cols === 0) return output(ctx, 0);
  const init = op === 'sum' ? 0 : isMin ? Infinity : -Infinity;
  const initI = op === 'sum' ? 0 : isMin ? INT_MAX : INT_MIN;

  let vals = x.storage; // values read by the next pass
  let idx: GpuStorage | null = null; // indices of the partials (arg passes after the first)
  let curR = r;
  for (;;) {
    // The vector modes need aligned vec4s; the later arg passes and int32 input are scalar.
    const mode =
      isInt || idx ? MODE_SCALAR : inner % 4 === 0 ? MODE_ALONG_INNER : inner === 1 && curR % 4 === 0 ? MODE_ALONG_R : MODE_SCALAR;
    const rU = mode === MODE_ALONG_R ? curR / 4 : curR;
    const innerU = mode === MODE_ALONG_INNER ? inner / 4 : inner;
    // Loop iterations of one invocation without splitting (MODE_SCALAR takes 4 elements per
    // iteration, except in the scalar int and arg2 kernels).
    const unrolled = !isInt && !idx;
    const iterations = mode === MODE_SCALAR && unrolled ? Math.ceil(curR / 4) : rU;
    const splits = splitsFor(outer * innerU, iterations);
    const threads = outer * splits * innerU;
    const n = cols * splits;
    const outVals = output(ctx, n);
    const outIdx = isArg ? output(ctx, n) : null;
    let entry: string;
    const buffers: Record<string, GpuStorage> = {};
    if (!isArg) {
      entry = (op === 'sum' ? 'sum' : 'extreme') + (isInt ? 'I' : '');
    } else {
      entry = (isInt ? 'argI' : 'arg') + (idx ? '2' : '');
      buffers.outIdx = outIdx!;
      if (idx) buffers.xIdx = idx;
    }
    if (isInt) {
      buffers.xi = vals;
      buffers.outI = outVals;
    } else {
      buffers.x = vals; // scalar view (arg2)
      buffers.x4 = vals; // vec4 view (sum, extreme, arg)
      buffers.out = outVals;
    }
    const constants: Record<string, number> = { WG };
    if (op !== 'sum') constants.IS_MIN = isMin ? 1 : 0;
    if (unrolled) constants.MODE = mode;
    ctx.dispatch('reduce', {
      entry,
      constants,
      uniforms: { outer, r: rU, inner: innerU, splits, init, initI },
      buffers,
      workgroups: groups(threads, WG),
    });
    // Released buffers are only reused after the recorded work is submitted.
    if (vals !== x.storage) ctx.free(vals);
    if (idx) ctx.free(idx);
    vals = outVals;
    idx = outIdx;
    if (splits === 1) break;
    curR = splits;
  }
  if (isArg) {
    ctx.free(vals);
    return idx!;
  }
  return vals;
}
