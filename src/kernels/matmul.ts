/**
 * Batched matrix product (shaders/matmul.wgsl): register-tiled, no workgroup memory.
 *
 * Each invocation computes a TM x TN block of outputs; a workgroup of WGX x WGY invocations covers
 * (WGY * TM) x (WGX * TN) outputs. The defaults were measured fastest on lavapipe (a CPU Vulkan
 * driver, where a workgroup is one core's SIMD lanes); the sizes are pipeline-overridable
 * constants, so another adapter can pass others through `tiles`.
 *
 * Transposed operands are read in place through strides. A large transposed operand is first
 * copied to row-major (O(size) work against O(m*n*k)), because streaming it in place is much
 * slower on lavapipe when its rows are a power of two apart.
 */
import type { DType, MatmulParams } from '../engine/backend.js';
import type { GpuContext } from '../engine/webgpu/context.js';
import type { GpuStorage } from '../engine/webgpu/bufferPool.js';
import { groups, output, WG } from './common.js';

interface Input {
  readonly storage: GpuStorage;
  readonly dtype: DType;
}

/** Workgroup shape and per-invocation tile (TM, TN <= 8; WGX * WGY <= 256). */
export interface MatmulTiles {
  WGX: number;
  WGY: number;
  TM: number;
  TN: number;
}

export const DEFAULT_TILES: MatmulTiles = { WGX: 8, WGY: 2, TM: 8, TN: 8 };

/** A transposed operand with at least this many elements per matrix is copied to row-major first. */
export const TRANSPOSE_COPY_MIN = 16384;

/** out = A @ B per batch, result [batch, m, n] (float32); a new buffer owned by the caller. */
export function matmul(ctx: GpuContext, a: Input, b: Input, p: MatmulParams, tiles: MatmulTiles = DEFAULT_TILES): GpuStorage {
  const { batch, m, k, n } = p;
  checkTiles(tiles);
  const out = output(ctx, batch * m * n);
  if (batch === 0 || m === 0 || n === 0) return out;
  let { transA, transB, aBatchStride, bBatchStride } = p;
  let aBuf = a.storage;
  let bBuf = b.storage;
  const temps: GpuStorage[] = [];
  if (transA && m * k >= TRANSPOSE_COPY_MIN) {
    // A stored [.., k, m] -> [.., m, k].
    aBuf = transposeCopy(ctx, aBuf, k, m, aBatchStride === 0 ? 1 : batch, aBatchStride);
    temps.push(aBuf);
    transA = false;
    aBatchStride = aBatchStride === 0 ? 0 : m * k;
  }
  if (transB && k * n >= TRANSPOSE_COPY_MIN) {
    // B stored [.., n, k] -> [.., k, n].
    bBuf = transposeCopy(ctx, bBuf, n, k, bBatchStride === 0 ? 1 : batch, bBatchStride);
    temps.push(bBuf);
    transB = false;
    bBatchStride = bBatchStride === 0 ? 0 : k * n;
  }
  const tilesN = Math.ceil(n / (tiles.WGX * tiles.TN));
  const tilesM = Math.ceil(m / (tiles.WGY * tiles.TM));
  ctx.dispatch('matmul', {
    constants: { WGX: tiles.WGX, WGY: tiles.WGY, TM: tiles.TM, TN: tiles.TN },
    uniforms: {
      m, k, n, batch,
      aSi: transA ? 1 : k,
      aSk: transA ? m : 1,
      bSk: transB ? 1 : n,
      bSj: transB ? k : 1,
      aBatch: aBatchStride,
      bBatch: bBatchStride,
      tilesN,
      tilesM,
    },
    buffers: { a: aBuf, b: bBuf, out },
    // 1-D count over (batch, row tile, column tile), folded into 2-D by the context if needed.
    workgroups: tilesN * tilesM * batch,
  });
  // Released buffers are only reused after the recorded work is submitted.
  for (const t of temps) ctx.free(t);
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
