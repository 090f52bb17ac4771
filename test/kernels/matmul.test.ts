/**
 * WebGPU batched matmul (src/engine/webgpu/kernels/matmul.ts) against the CPU reference (float64 accumulation).
 * Tolerance: |gpu - cpu| <= 1e-5 * max(|cpu|) over each output (float32 accumulation over k <= 1000
 * of values in [-1, 1]); results with k = 0 are exact zeros.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, MatmulParams } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { matmul as gpuMatmul, DEFAULT_TILES, TRANSPOSE_COPY_MIN, type MatmulTiles } from '../../src/engine/webgpu/kernels/matmul.js';
import type { GBuf } from '../../src/engine/webgpu/kernels/common.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

let seed = 1;

/** Sizes of the stored a and b for p (a batch stride of 0 stores one matrix). */
function sizes(p: MatmulParams): [number, number] {
  const aOne = p.m * p.k;
  const bOne = p.k * p.n;
  const aSize = p.batch === 0 ? 0 : p.aBatchStride === 0 ? aOne : p.aBatchStride * (p.batch - 1) + aOne;
  const bSize = p.batch === 0 ? 0 : p.bBatchStride === 0 ? bOne : p.bBatchStride * (p.batch - 1) + bOne;
  return [aSize, bSize];
}

async function run(be: Backend, a: Float32Array, b: Float32Array, p: MatmulParams, tiles?: MatmulTiles) {
  const sa = be.upload(a, 'float32');
  const sb = be.upload(b, 'float32');
  const A = { storage: sa, shape: [a.length], dtype: 'float32' as const };
  const B = { storage: sb, shape: [b.length], dtype: 'float32' as const };
  const s = tiles && be === gpu ? gpuMatmul(gpu.ctx, A as GBuf, B as GBuf, p, tiles) : be.matmul(A, B, p);
  const out = await be.read(s, p.batch * p.m * p.n, 'float32');
  be.free(sa);
  be.free(sb);
  be.free(s);
  return out;
}

async function check(p: MatmulParams, tiles?: MatmulTiles) {
  const [aSize, bSize] = sizes(p);
  const a = randArray(aSize, seed++);
  const b = randArray(bSize, seed++);
  const g = await run(gpu!, a, b, p, tiles);
  const c = await run(cpu, a, b, p);
  const what = `${JSON.stringify(p)}${tiles ? ` tiles ${JSON.stringify(tiles)}` : ''}`;
  expect(g.length, what).toBe(c.length);
  let scale = 0;
  for (let i = 0; i < c.length; i++) scale = Math.max(scale, Math.abs(c[i]));
  const tol = 1e-5 * scale;
  for (let i = 0; i < c.length; i++) {
    if (!(Math.abs(g[i] - c[i]) <= tol)) expect.fail(`${what}: element ${i}: got ${g[i]}, want ${c[i]} (tol ${tol})`);
  }
}

const mm = (
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
  batch = 1,
  aBatchStride = m * k,
  bBatchStride = k * n,
): MatmulParams => ({ batch, m, k, n, transA, transB, aBatchStride, bBatchStride });

const TRANS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

// (m, k, n): ones, primes, exact tile multiples, sizes just past a tile and a workgroup.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [1, 13, 127],
  [127, 13, 1],
  [7, 1, 13],
  [13, 127, 7],
  [16, 16, 64],
  [17, 33, 65],
  [64, 64, 64],
  [65, 67, 129],
  [3, 300, 5],
  [130, 5, 2],
];

describe.skipIf(!gpu)('webgpu matmul kernel', () => {
  it('random shapes, all transA/transB combinations', async () => {
    for (const [m, k, n] of SHAPES) for (const [ta, tb] of TRANS) await check(mm(m, k, n, ta, tb));
  });

  it('batches: full strides, a or b shared (stride 0), padded strides', async () => {
    for (const [ta, tb] of TRANS) {
      await check(mm(7, 13, 5, ta, tb, 3));
      await check(mm(7, 13, 5, ta, tb, 4, 0, 13 * 5));
      await check(mm(33, 9, 70, ta, tb, 2, 33 * 9, 0));
      await check(mm(5, 6, 7, ta, tb, 3, 0, 0));
      await check(mm(5, 6, 7, ta, tb, 3, 5 * 6 + 3, 6 * 7 + 11));
    }
  });

  it('a large transposed b (copied to row-major first), single, batched, shared or strided', async () => {
    expect(300 * 230).toBeGreaterThanOrEqual(TRANSPOSE_COPY_MIN);
    const rows = 4 * DEFAULT_TILES.WGY * DEFAULT_TILES.TM; // fewest rows of a for the copy
    for (const [ta, tb] of TRANS) await check(mm(rows + 3, 300, 230, ta, tb));
    for (const ta of [false, true]) {
      await check(mm(rows, 1000, 70, ta, true, 2));
      await check(mm(rows, 1000, 70, ta, true, 3, rows * 1000 + 3, 0));
      await check(mm(rows + 1, 1000, 70, ta, true, 2, 0, 1000 * 70 + 5));
      await check(mm(3, 1000, 70, ta, true, 2)); // read in place: too few rows
    }
  });

  it('empty operands: k = 0 gives zeros; m, n or batch = 0 give empty results', async () => {
    const g = await run(gpu!, new Float32Array(0), new Float32Array(0), mm(3, 0, 4, false, false, 2));
    expect(Array.from(g)).toEqual(new Array(24).fill(0));
    for (const p of [mm(0, 3, 4), mm(3, 4, 0), mm(3, 4, 5, false, false, 0)]) await check(p);
  });

  it('more than 65,535 workgroups (batch folded into a 2-D dispatch)', async () => {
    await check(mm(2, 3, 2, false, true, 70_000));
    await check(mm(1, 2, 1, true, false, 70_000, 0, 2));
  });

  it('other tile and workgroup shapes (pipeline-overridable constants)', async () => {
    const others: MatmulTiles[] = [
      { ...DEFAULT_TILES, WGX: 16, WGY: 4, TM: 4, TN: 4 },
      { ...DEFAULT_TILES, WGX: 8, WGY: 8, TM: 1, TN: 1 },
      { ...DEFAULT_TILES, WGX: 4, WGY: 2, TM: 3, TN: 5 },
    ];
    for (const t of others) {
      for (const [ta, tb] of TRANS) await check(mm(37, 19, 41, ta, tb, 2), t);
    }
    const x = { storage: gpu!.upload([1], 'float32'), shape: [1], dtype: 'float32' as const } as GBuf;
    expect(() => gpuMatmul(gpu!.ctx, x, x, mm(1, 1, 1), { ...DEFAULT_TILES, TM: 9 })).toThrow(/tiles/);
    gpu!.free(x.storage);
  });
});
