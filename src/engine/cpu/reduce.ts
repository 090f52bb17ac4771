/**
 * Reductions of the CPU reference over the middle axis of an [outer, r, inner] view.
 *
 * - sum accumulates in float64; r = 0 gives 0.
 * - max/min propagate NaN (any NaN in a slice makes the result NaN); r = 0 gives -Infinity
 *   (max) / +Infinity (min).
 * - argmax/argmin give the FIRST index of the extreme value (ties go to the lowest index). NaN
 *   counts as the extreme for both (the first NaN wins), so the index always points at the
 *   element that max/min return. r = 0 gives index 0.
 * Results have x's dtype except argmax/argmin, which are int32.
 */
import type { ReduceOp } from '../backend.js';
import { floatsToInt32, type CpuArray } from './storage.js';

export function reduceKernel(op: ReduceOp, x: CpuArray, outer: number, r: number, inner: number): CpuArray {
  if (op === 'argmax' || op === 'argmin') return argKernel(op === 'argmax', x, outer, r, inner);
  const acc = new Float64Array(outer * inner);
  if (op === 'sum') sumInto(acc, x, outer, r, inner);
  else if (op === 'max' || op === 'min') extremeInto(op === 'max', acc, x, outer, r, inner);
  else throw new Error(`cpu backend: unknown reduce op '${String(op)}'`);
  return x instanceof Int32Array ? floatsToInt32(acc) : acc;
}

function sumInto(acc: Float64Array, x: CpuArray, outer: number, r: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * r;
      for (let t = 0; t < r; t++) s += x[base + t];
      acc[o] = s;
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const ob = o * inner;
    for (let t = 0; t < r; t++) {
      const xb = (o * r + t) * inner;
      for (let j = 0; j < inner; j++) acc[ob + j] += x[xb + j];
    }
  }
}

function extremeInto(isMax: boolean, acc: Float64Array, x: CpuArray, outer: number, r: number, inner: number): void {
  acc.fill(isMax ? -Infinity : Infinity);
  for (let o = 0; o < outer; o++) {
    const ob = o * inner;
    for (let t = 0; t < r; t++) {
      const xb = (o * r + t) * inner;
      if (isMax) {
        for (let j = 0; j < inner; j++) {
          const v = x[xb + j];
          // Once NaN, `v > NaN` is false and only another NaN rewrites it: NaN sticks.
          if (v > acc[ob + j] || v !== v) acc[ob + j] = v;
        }
      } else {
        for (let j = 0; j < inner; j++) {
          const v = x[xb + j];
          if (v < acc[ob + j] || v !== v) acc[ob + j] = v;
        }
      }
    }
  }
}

function argKernel(isMax: boolean, x: CpuArray, outer: number, r: number, inner: number): Int32Array {
  const idx = new Int32Array(outer * inner);
  if (r === 0) return idx;
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const ob = o * inner;
    const x0 = o * r * inner;
    for (let j = 0; j < inner; j++) best[j] = x[x0 + j];
    for (let t = 1; t < r; t++) {
      const xb = (o * r + t) * inner;
      for (let j = 0; j < inner; j++) {
        const b = best[j];
        if (b !== b) continue; // first NaN already found
        const v = x[xb + j];
        if ((isMax ? v > b : v < b) || v !== v) {
          best[j] = v;
          idx[ob + j] = t;
        }
      }
    }
  }
  return idx;
}
