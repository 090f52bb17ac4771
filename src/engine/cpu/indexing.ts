/** Indexing kernels of the CPU reference (twin of webgpu/kernels/indexing.ts): gather, scatterAdd, oneHot. */
import type { Shape } from '../shape.js';
import { sameKind, type CpuArray } from './storage.js';

/** Splits shape around `axis` into [outer, inner] element counts. */
function around(shape: Shape, axis: number, span: number): [number, number] {
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  let inner = 1;
  for (let d = axis + span; d < shape.length; d++) inner *= shape[d];
  return [outer, inner];
}

/**
 * out[o, t, j] = x[o, indices[t], j] with x viewed [outer, D, inner] around `axis` and the
 * indices flattened; out shape x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:].
 */
export function gatherKernel(x: CpuArray, xShape: Shape, indices: CpuArray, axis: number): CpuArray {
  const [outer, inner] = around(xShape, axis, 1);
  const dim = xShape[axis];
  const nIdx = indices.length;
  const out = sameKind(x, outer * nIdx * inner);
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    const xb = o * dim * inner;
    for (let t = 0; t < nIdx; t++) {
      const src = xb + indices[t] * inner;
      if (inner === 1) out[pos] = x[src];
      else out.set(x.subarray(src, src + inner), pos);
      pos += inner;
    }
  }
  return out;
}

/**
 * The adjoint of gather: g viewed [outer, N, inner] (N = number of indices, idxRank axes
 * starting at `axis`); out [outer, dimSize, inner] with out[o, indices[t], j] += g[o, t, j].
 * Repeated indices accumulate. Result has g's dtype.
 */
export function scatterAddKernel(
  g: CpuArray, gShape: Shape, indices: CpuArray, idxRank: number, axis: number, dimSize: number,
): CpuArray {
  const [outer, inner] = around(gShape, axis, idxRank);
  const nIdx = indices.length;
  const out = sameKind(g, outer * dimSize * inner);
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    const ob = o * dimSize * inner;
    for (let t = 0; t < nIdx; t++) {
      const dst = ob + indices[t] * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += g[pos + j];
      pos += inner;
    }
  }
  return out;
}

/** Float rows [...indices.shape, depth]: 1 at each index; an out-of-range index gives zeros. */
export function oneHotKernel(indices: CpuArray, depth: number): Float64Array {
  const n = indices.length;
  const out = new Float64Array(n * depth);
  for (let t = 0; t < n; t++) {
    const j = indices[t];
    if (j >= 0 && j < depth) out[t * depth + j] = 1;
  }
  return out;
}
