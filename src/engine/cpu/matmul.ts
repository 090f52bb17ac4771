/** Batched matrix product of the CPU reference, accumulated in float64. */
import type { MatmulParams } from '../backend.js';
import type { CpuArray } from './storage.js';

/**
 * out[b_, i, j] = sum_kk A(b_, i, kk) * B(b_, kk, j), result [batch, m, n], where
 * A(b_, i, kk) = a[b_*aBatchStride + (transA ? kk*m + i : i*k + kk)] and
 * B(b_, kk, j) = b[b_*bBatchStride + (transB ? j*k + kk : kk*n + j)].
 */
export function matmulKernel(a: CpuArray, b: CpuArray, p: MatmulParams): Float64Array {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = p;
  const out = new Float64Array(batch * m * n);
  // Strides of A along i and kk.
  const aSi = transA ? 1 : k;
  const aSk = transA ? m : 1;
  for (let bi = 0; bi < batch; bi++) {
    const aBase = bi * aBatchStride;
    const bBase = bi * bBatchStride;
    const oBase = bi * m * n;
    if (!transB) {
      // i-kk-j: rows of B and of out are contiguous along j.
      for (let i = 0; i < m; i++) {
        const o = oBase + i * n;
        const ai = aBase + i * aSi;
        for (let kk = 0; kk < k; kk++) {
          const av = a[ai + kk * aSk];
          const br = bBase + kk * n;
          for (let j = 0; j < n; j++) out[o + j] += av * b[br + j];
        }
      }
    } else {
      // B stored [n, k]: each output is a dot product with a contiguous row of B.
      for (let i = 0; i < m; i++) {
        const o = oBase + i * n;
        const ai = aBase + i * aSi;
        for (let j = 0; j < n; j++) {
          const br = bBase + j * k;
          let s = 0;
          for (let kk = 0; kk < k; kk++) s += a[ai + kk * aSk] * b[br + kk];
          out[o + j] = s;
        }
      }
    }
  }
  return out;
}
