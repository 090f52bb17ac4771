/** Indexing kernels of the CPU reference (twin of webgpu/kernels/indexing.ts): gather, scatterAdd, oneHot. */
import { ValueError } from '../errors.js';
import type { Shape } from '../shape.js';

/**
 * Throws the error the WebGPU kernels report through their fault flag (see shaders/indexing.wgsl)
 * when an index lies outside [0, bound): indices computed on the device never reach the host
 * checks of the op layer, so both backends check them here, as PyTorch's device-side assert.
 */
function checkRange(indices: CpuArray, bound: number, fname: string): void {
  for (let t = 0; t < indices.length; t++) {
    const k = indices[t];
    if (k < 0 || k >= bound) throw new ValueError(indexFault(fname, bound, k));
  }
}

/** The message of an out-of-range index fault, shared by both backends. */
export function indexFault(fname: string, bound: number, got?: number): string {
  return `${fname}: an index was out of range [0, ${bound - 1}]${got === undefined ? '' : ` (got ${got})`}; indices computed on the device are checked there`;
}
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
  if (outer * inner > 0) checkRange(indices, dim, 'gather');
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
export function scatterAddKernel(g: CpuArray, gShape: Shape, indices: CpuArray, idxRank: number, axis: number, dimSize: number): CpuArray {
  const [outer, inner] = around(gShape, axis, idxRank);
  if (outer * inner > 0) checkRange(indices, dimSize, 'scatterAdd');
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

/** Float rows [...indices.shape, depth]: 1 at each index; an out-of-range index raises. */
export function oneHotKernel(indices: CpuArray, depth: number): Float64Array {
  checkRange(indices, depth, 'oneHot');
  const n = indices.length;
  const out = new Float64Array(n * depth);
  for (let t = 0; t < n; t++) {
    const j = indices[t];
    if (j >= 0 && j < depth) out[t * depth + j] = 1;
  }
  return out;
}
