/**
 * Batched matrix product (shaders/matmul.wgsl): register-tiled, no workgroup memory.
 *
 * Each invocation computes a TM x TN block of outputs; a workgroup of WGX x WGY invocations covers
 * (WGY * TM) x (WGX * TN) outputs. The sizes are pipeline-overridable constants chosen per
 * problem from its shape and the adapter's limits (../tuning.ts); `tiles` forces a configuration.
 *
 * Transposed operands are read in place through strides, except a large transposed b: it is first
 * copied to row-major (O(k*n) work against O(m*n*k)). Read in place, each invocation streams TN
 * rows of b that lie k apart, and with a power-of-two k those rows collide in the CPU caches:
 * measured on lavapipe at 1024^3, about 2x slower than the copy. A transposed a reads TM
 * neighbouring elements per step, which is as fast as the row-major layout.
 */
import type { DType, MatmulParams } from '../../backend.js';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../bufferPool.js';
import { groups, output, WG, type GBuf } from './common.js';
import { BASE_TILES, chooseTiles } from '../tuning.js';

/** Workgroup shape and per-invocation tile (TM, TN <= 8; WGX * WGY <= 256). */
export interface MatmulTiles {
  WGX: number;
  WGY: number;
  TM: number;
  TN: number;
}

/** The base configuration the chooser fits to each problem (measured fastest on lavapipe at 1024^3). */
export const DEFAULT_TILES: MatmulTiles = { ...BASE_TILES.matmul };

/** A transposed b with at least this many elements per matrix (and m >= 4 row tiles) is copied to row-major first. */
export const TRANSPOSE_COPY_MIN = 65536;

/**
 * out = A @ B per batch, result [batch, m, n] (float32); a new buffer owned by the caller. `tiles`
 * forces a configuration (tests, bench/diag); by default one is chosen for [m, n, k] x batch.
 */
export function matmul(ctx: GpuContext, a: GBuf, b: GBuf, p: MatmulParams, forced?: MatmulTiles): GpuStorage {
  const { batch, m, k, n } = p;
  const tiles = forced ?? chooseTiles('matmul', { m, n, k, count: batch }, ctx.device.limits);
  checkTiles(tiles);
  const out = output(ctx, batch * m * n);
  if (batch === 0 || m === 0 || n === 0) return out;
  const { transA, aBatchStride } = p;
  let { transB, bBatchStride } = p;
  let bBuf = b.storage;
  let temp: GpuStorage | null = null;
  // Each row tile of the output reads all of b once: with few row tiles (a matrix-vector
  // product, say) the copy would cost as much as the reads it speeds up.
  if (transB && k * n >= TRANSPOSE_COPY_MIN && m >= 4 * tiles.WGY * tiles.TM) {
    // B stored [.., n, k] -> [.., k, n].
    bBuf = temp = transposeCopy(ctx, bBuf, n, k, bBatchStride === 0 ? 1 : batch, bBatchStride);
    transB = false;
    bBatchStride = bBatchStride === 0 ? 0 : k * n;
  }
  const tilesN = Math.ceil(n / (tiles.WGX * tiles.TN));
  const tilesM = Math.ceil(m / (tiles.WGY * tiles.TM));
  ctx.dispatch('matmul', {
    constants: { WGX: tiles.WGX, WGY: tiles.WGY, TM: tiles.TM, TN: tiles.TN },
    uniforms: {
      m,
      k,
      n,
      batch,
      aSi: transA ? 1 : k,
      aSk: transA ? m : 1,
      bSk: transB ? 1 : n,
      bSj: transB ? k : 1,
      aBatch: aBatchStride,
      bBatch: bBatchStride,
      tilesN,
      tilesM,
    },
    buffers: { a: a.storage, b: bBuf, out },
    // 1-D count over (batch, row tile, column tile), folded into 2-D by the context if needed.
    workgroups: tilesN * tilesM * batch,
  });
  // Released buffers are only reused after the recorded work is submitted.
  if (temp) ctx.free(temp);
  return out;
}

function checkTiles(t: MatmulTiles): void {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!ok(t.TM, 8) || !ok(t.TN, 8) || !ok(t.WGX, 256) || !ok(t.WGY, 256) || t.WGX * t.WGY > 256) {
    throw new Error(`matmul: invalid tiles ${JSON.stringify(t)} (TM, TN in 1..8; WGX * WGY <= 256)`);
  }
}

/** [batch] matrices [rows, cols] at `stride` apart -> contiguous [batch, cols, rows]. */
function transposeCopy(ctx: GpuContext, src: GpuStorage, rows: number, cols: number, batch: number, stride: number): GpuStorage {
  const n = batch * rows * cols;
  const dst = output(ctx, n);
  ctx.dispatch('matmul', {
    entry: 'transpose',
    constants: { TWG: WG },
    uniforms: { rows, cols, batch, inStride: stride },
    buffers: { tin: src, tout: dst },
    workgroups: groups(n, WG),
  });
  return dst;
}
