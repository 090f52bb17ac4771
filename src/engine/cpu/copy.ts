/** Copy kernels of the CPU reference (twin of webgpu/kernels/copy.ts): stridedCopy, concat, pad. */
import type { DType } from '../backend.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { sameKind, toInt32, zerosOf, type CpuArray } from './storage.js';
import { forEachRow } from './strided.js';

/** out (contiguous, outShape) at multi-index i reads x[offset + sum_k i_k * strides[k]]. */
export function stridedCopyKernel(x: CpuArray, outShape: Shape, strides: readonly number[], offset: number): CpuArray {
  const out = sameKind(x, sizeOf(outShape));
  forEachRow(outShape, [stridesOf(outShape), strides], [0, offset], (offs, len, st) => {
    const o = offs[0];
    const s = st[1];
    let ix = offs[1];
    if (s === 1) {
      out.set(x.subarray(ix, ix + len), o);
      return;
    }
    for (let t = 0; t < len; t++, ix += s) out[o + t] = x[ix];
  });
  return out;
}

/** Concatenates contiguous inputs (with shapes `shapes`) along `axis` into outShape. */
export function concatKernel(xs: readonly CpuArray[], shapes: readonly Shape[], axis: number, outShape: Shape, dtype: DType): CpuArray {
  const out = zerosOf(sizeOf(outShape), dtype);
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= outShape[d];
  let inner = 1;
  for (let d = axis + 1; d < outShape.length; d++) inner *= outShape[d];
  const chunks = shapes.map((s) => s[axis] * inner);
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < xs.length; i++) {
      const c = chunks[i];
      if (c === 0) continue;
      out.set(xs[i].subarray(o * c, (o + 1) * c), pos);
      pos += c;
    }
  }
  return out;
}

/**
 * For one axis of input size n padded by [before, after]: the source index of every output
 * position, or -1 where the constant value goes. Reflection is numpy 'reflect' (edge not
 * repeated), extended periodically when a pad exceeds n - 1 (as numpy does); an axis of size 1
 * repeats its element.
 */
function padMap(n: number, before: number, after: number, reflect: boolean): Int32Array {
  const len = before + n + after;
  const map = new Int32Array(len);
  const period = 2 * (n - 1);
  for (let o = 0; o < len; o++) {
    let j = o - before;
    if (j >= 0 && j < n) map[o] = j;
    else if (!reflect || n === 0) map[o] = -1;
    else if (n === 1) map[o] = 0;
    else {
      j %= period;
      if (j < 0) j += period;
      map[o] = j >= n ? period - j : j;
    }
  }
  return map;
}

/**
 * Pads x by pads[d] = [before, after] on each axis d (missing trailing entries mean [0, 0]),
 * with `value` ('constant') or by reflection ('reflect'). Result has x's dtype.
 */
export function padKernel(
  x: CpuArray,
  shape: Shape,
  pads: readonly (readonly [number, number])[],
  mode: 'constant' | 'reflect',
  value: number,
): CpuArray {
  const rank = shape.length;
  const reflect = mode === 'reflect';
  const maps: Int32Array[] = [];
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const [before, after] = pads[d] ?? [0, 0];
    maps.push(padMap(shape[d], before, after, reflect));
    outShape.push(before + shape[d] + after);
  }
  const size = sizeOf(outShape);
  const out = sameKind(x, size);
  if (size === 0) return out;
  if (rank === 0) {
    out[0] = x[0];
    return out;
  }
  const inStrides = stridesOf(shape);
  const last = rank - 1;
  const lastMap = maps[last];
  const rowLen = outShape[last];
  const counter = new Int32Array(last);
  const fill = x instanceof Int32Array ? toInt32(value) : value;
  for (let o = 0; o < size; o += rowLen) {
    // Source offset of this output row, or -1 when it lies in the constant border.
    let base = 0;
    for (let d = 0; d < last; d++) {
      const j = maps[d][counter[d]];
      if (j < 0) {
        base = -1;
        break;
      }
      base += j * inStrides[d];
    }
    if (base < 0) out.fill(fill, o, o + rowLen);
    else {
      for (let t = 0; t < rowLen; t++) {
        const j = lastMap[t];
        out[o + t] = j < 0 ? fill : x[base + j];
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      if (++counter[d] < outShape[d]) break;
      counter[d] = 0;
    }
  }
  return out;
}
