/**
 * Kernel shapes chosen per problem (src/engine/webgpu/tuning.ts): the chooser's rules and limits
 * (pure, with mocked adapters), then every configuration it can return, on the WebGPU kernels of
 * each tiled family (matmul, conv2d forward, input and weight gradients) against the CPU reference.
 *
 * WebGPU tolerance: max |gpu - cpu| / max |cpu| <= 1e-5 over each output (float32 kernels against
 * the float64 reference fed the same float32 inputs). Between configurations the forward, input
 * gradient and matmul results must be bit-identical: every output is the same sequential sum
 * whatever the tiles (the weight gradient orders each row's checked edges by the invocation's
 * columns, so there only the tolerance applies).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import type { Buf, Conv2dParams, MatmulParams } from '../../src/engine/backend.js';
import * as cpuConv from '../../src/engine/cpu/conv.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import type { GBuf } from '../../src/engine/webgpu/kernels/common.js';
import * as convK from '../../src/engine/webgpu/kernels/conv.js';
import { matmul as gpuMatmul } from '../../src/engine/webgpu/kernels/matmul.js';
import {
  BASE_TILES,
  chooseTiles,
  MAX_TILE,
  shrinkToFit,
  TILE_TABLE,
  tilesFit,
  tilesLabel,
  workgroupCount,
  type GemmProblem,
  type TileLimits,
  type TiledKernel,
  type Tiles,
} from '../../src/engine/webgpu/tuning.js';
import { gpuBackend } from '../helpers/gpu.js';
import { maxAbsRel, randArray } from '../helpers/random.js';

const TOL = 1e-5;
const KERNELS: TiledKernel[] = ['matmul', 'conv_forward', 'conv_backInput', 'conv_backWeight'];

/** lavapipe's limits (the WebGPU defaults for compute). */
const DEFAULT_LIMITS: TileLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupsPerDimension: 65535,
};
/** A mocked small adapter: no table entry fits (every entry has 8 or 16 invocations). */
const TINY_LIMITS: TileLimits = {
  maxComputeInvocationsPerWorkgroup: 4,
  maxComputeWorkgroupSizeX: 4,
  maxComputeWorkgroupSizeY: 2,
  maxComputeWorkgroupsPerDimension: 16,
};
/** A mocked adapter that fits the 8-invocation entries only, with a low dispatch bound. */
const SMALL_LIMITS: TileLimits = {
  maxComputeInvocationsPerWorkgroup: 8,
  maxComputeWorkgroupSizeX: 8,
  maxComputeWorkgroupSizeY: 8,
  maxComputeWorkgroupsPerDimension: 32,
};

/** A grid of problems: tiny to large M and N, one or several GEMMs. */
function problems(): GemmProblem[] {
  const out: GemmProblem[] = [];
  for (const m of [1, 2, 5, 10, 17, 32, 64, 131, 1024])
    for (const n of [1, 3, 10, 33, 64, 257, 4800, 308224]) for (const count of [1, 6]) out.push({ m, n, k: 9 + m, count });
  return out;
}

describe('chooseTiles', () => {
  it('keeps the measured base configuration on the genre CNN and 1024^3 shapes', () => {
    const L = DEFAULT_LIMITS;
    expect(chooseTiles('conv_forward', { m: 64, n: 16 * 32 * 150, k: 288, count: 1 }, L)).toEqual(BASE_TILES.conv_forward);
    expect(chooseTiles('conv_forward', { m: 128, n: 16 * 16 * 75, k: 576, count: 1 }, L)).toEqual(BASE_TILES.conv_forward);
    expect(chooseTiles('conv_backInput', { m: 64, n: 16 * 16 * 75, k: 1152, count: 1 }, L)).toEqual(BASE_TILES.conv_backInput);
    expect(chooseTiles('conv_backWeight', { m: 128, n: 576, k: 19200, count: 1 }, L)).toEqual(BASE_TILES.conv_backWeight);
    expect(chooseTiles('matmul', { m: 1024, n: 1024, k: 1024, count: 1 }, L)).toEqual(BASE_TILES.matmul);
  });

  it('fits small dimensions: one input channel, few classes, one column', () => {
    const L = DEFAULT_LIMITS;
    // conv1's input gradient: M = 1 input channel.
    const one = chooseTiles('conv_backInput', { m: 1, n: 16 * 64 * 301, k: 288, count: 1 }, L);
    expect(one.WGY * one.TM).toBe(1);
    // fc2: 10 classes: the block covers fewer than 2 x 10 columns.
    const fc2 = chooseTiles('matmul', { m: 64, n: 10, k: 256, count: 1 }, L);
    expect(fc2.WGX * fc2.TN).toBeLessThan(20);
    // A matrix-vector product: one column per invocation.
    const mv = chooseTiles('matmul', { m: 500, n: 1, k: 300, count: 1 }, L);
    expect(mv.TN * mv.WGX).toBe(1);
  });

  it('splits a small problem into enough workgroups to occupy the cores', () => {
    const p = { m: 64, n: 10, k: 256, count: 1 };
    const c = chooseTiles('matmul', p, DEFAULT_LIMITS);
    expect(workgroupCount(c, p)).toBeGreaterThan(workgroupCount(BASE_TILES.matmul, p));
  });

  it('returns a table entry within the limits, deterministically, for every problem and kernel', () => {
    for (const L of [DEFAULT_LIMITS, SMALL_LIMITS]) {
      for (const k of KERNELS)
        for (const p of problems()) {
          const c = chooseTiles(k, p, L);
          expect(tilesFit(c, L), `${k} ${JSON.stringify(p)} ${tilesLabel(c)}`).toBe(true);
          expect(c.WGX * c.WGY).toBeLessThanOrEqual(L.maxComputeInvocationsPerWorkgroup);
          expect(TILE_TABLE.some((e) => tilesLabel(e) === tilesLabel(c))).toBe(true);
          expect(chooseTiles(k, p, L)).toEqual(c);
          // Within the 2-D dispatch bound whenever some entry is.
          const someFits = TILE_TABLE.some((e) => tilesFit(e, L) && workgroupCount(e, p) <= L.maxComputeWorkgroupsPerDimension ** 2);
          if (someFits) expect(workgroupCount(c, p)).toBeLessThanOrEqual(L.maxComputeWorkgroupsPerDimension ** 2);
        }
    }
  });

  it('shrinks the base on an adapter too small for every table entry', () => {
    const L = TINY_LIMITS;
    for (const k of KERNELS)
      for (const p of problems()) {
        const c = chooseTiles(k, p, L);
        expect(tilesFit(c, L), `${k} ${tilesLabel(c)}`).toBe(true);
        expect(c).toEqual(shrinkToFit(BASE_TILES[k], L));
        expect(c.WGX).toBeLessThanOrEqual(L.maxComputeWorkgroupSizeX);
        expect(c.WGY).toBeLessThanOrEqual(L.maxComputeWorkgroupSizeY);
        expect(c.WGX * c.WGY).toBeLessThanOrEqual(L.maxComputeInvocationsPerWorkgroup);
      }
    // Even a 1-invocation adapter gets a valid configuration.
    const one = { ...L, maxComputeInvocationsPerWorkgroup: 1, maxComputeWorkgroupSizeX: 1, maxComputeWorkgroupSizeY: 1 };
    expect(chooseTiles('matmul', { m: 100, n: 100, k: 10, count: 1 }, one)).toEqual({ WGX: 1, WGY: 1, TM: 8, TN: 8 });
  });

  it('every table entry is valid for the shaders (TM, TN <= 8, at most 256 invocations)', () => {
    for (const c of TILE_TABLE) {
      expect(c.TM).toBeLessThanOrEqual(MAX_TILE);
      expect(c.TN).toBeLessThanOrEqual(MAX_TILE);
      expect(tilesFit(c, DEFAULT_LIMITS)).toBe(true);
    }
  });
});

/** Every configuration the chooser can return: the table, and the bases shrunk for small adapters. */
function allConfigs(): Tiles[] {
  const seen = new Map<string, Tiles>();
  for (const c of TILE_TABLE) seen.set(tilesLabel(c), c);
  for (const L of [TINY_LIMITS, SMALL_LIMITS])
    for (const k of KERNELS)
      for (const p of problems()) {
        const c = chooseTiles(k, p, L);
        seen.set(tilesLabel(c), c);
      }
  return [...seen.values()];
}

const gpu = await gpuBackend();
const cpu = new CpuBackend();

describe.skipIf(!gpu)('webgpu tiled kernels, every configuration the chooser returns, vs cpu', () => {
  const configs = allConfigs();
  const up = (a: Float32Array, shape: number[]): GBuf => ({ storage: gpu!.upload(a, 'float32'), shape, dtype: 'float32' }) as GBuf;
  const readAndFree = async (s: object, size: number) => {
    const r = await gpu!.read(s, size, 'float32');
    gpu!.free(s);
    return r;
  };
  const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

  it('covers the table and the shrunk bases', () => {
    expect(configs.length).toBeGreaterThan(TILE_TABLE.length);
  });

  it('conv2d forward, input and weight gradients', async () => {
    // Past one workgroup for every configuration: 67 channels (> 64 rows of the tallest block
    // with several rows per invocation), 2 x 9 x 17 = 306 pixels (> 128 columns), 67 x 9 = 603
    // weight columns; odd sizes, stride 2 x 1 for the input gradient's phases.
    const xShape = [2, 67, 17, 9];
    const wShape = [67, 67, 3, 3];
    const p: Conv2dParams = { stride: [2, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
    const ho = 9,
      wo = 9;
    const gyShape = [2, 67, ho, wo];
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = randArray(size(xShape), 1),
      w = randArray(size(wShape), 2),
      b = randArray(67, 3),
      gy = randArray(size(gyShape), 4);
    const y = cpuConv.conv2d(f64(x), xShape, f64(w), wShape, f64(b), p);
    const gx = cpuConv.conv2dBackwardInput(f64(gy), gyShape, f64(w), wShape, xShape, p);
    const gw = cpuConv.conv2dBackwardWeight(f64(x), xShape, f64(gy), gyShape, wShape, p);
    const xb = up(x, xShape),
      wb = up(w, wShape),
      bb = up(b, [67]),
      gyb = up(gy, gyShape);
    const first: Float32Array[] = [];
    for (const t of configs) {
      const what = tilesLabel(t);
      const outs = [
        await readAndFree(convK.conv2d(gpu!.ctx, xb, wb, bb, p, t), y.length),
        await readAndFree(convK.conv2dBackwardInput(gpu!.ctx, gyb, wb, xShape, p, t), gx.length),
        await readAndFree(convK.conv2dBackwardWeight(gpu!.ctx, xb, gyb, wShape, p, t), gw.length),
      ].map((o) => new Float32Array(o as ArrayLike<number>));
      expect(maxAbsRel(outs[0], y), `forward ${what}`).toBeLessThanOrEqual(TOL);
      expect(maxAbsRel(outs[1], gx), `backward input ${what}`).toBeLessThanOrEqual(TOL);
      expect(maxAbsRel(outs[2], gw), `backward weight ${what}`).toBeLessThanOrEqual(TOL);
      if (!first.length) first.push(...outs);
      for (const i of [0, 1])
        expect(Buffer.compare(Buffer.from(outs[i].buffer), Buffer.from(first[i].buffer)), `${what} output ${i} bit-identical`).toBe(0);
    }
    for (const s of [xb, wb, bb, gyb]) gpu!.free(s.storage);
  });

  it('matmul (plain and transposed b, batched)', async () => {
    // 131 rows (> 128 of the tallest block), 133 columns (> 128 of the widest), k = 37.
    for (const transB of [false, true]) {
      const p: MatmulParams = { batch: 2, m: 131, k: 37, n: 133, transA: false, transB, aBatchStride: 131 * 37, bBatchStride: 37 * 133 };
      const a = randArray(2 * 131 * 37, 5 + Number(transB)),
        b = randArray(2 * 37 * 133, 7 + Number(transB));
      const A = { storage: cpu.upload(a, 'float32'), shape: [a.length], dtype: 'float32' } as Buf;
      const B = { storage: cpu.upload(b, 'float32'), shape: [b.length], dtype: 'float32' } as Buf;
      const want = await cpu.read(cpu.matmul(A, B, p), 2 * 131 * 133, 'float32');
      const ag = up(a, [a.length]),
        bg = up(b, [b.length]);
      let first: Float32Array | null = null;
      for (const t of configs) {
        const got = new Float32Array((await readAndFree(gpuMatmul(gpu!.ctx, ag, bg, p, t), 2 * 131 * 133)) as ArrayLike<number>);
        expect(maxAbsRel(got, want as ArrayLike<number>), `matmul ${tilesLabel(t)} transB ${transB}`).toBeLessThanOrEqual(TOL);
        first ??= got;
        expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(first.buffer)), `${tilesLabel(t)} bit-identical`).toBe(0);
      }
      gpu!.free(ag.storage);
      gpu!.free(bg.storage);
    }
  });
});

describe('chosen tiles through the engine, both backends', async () => {
  const { enginePair, backendOf } = await import('../helpers/gpu.js');
  const { conv2d, matmul, gradientTape, sum } = await import('../../src/engine/index.js');
  const pair = await enginePair();
  afterAll(() => pair.dispose());

  it.skipIf(!pair.gpuAvailable)('agree with the CPU engine where the choice is not the base, and engine.profile lists it', async () => {
    // fc2-like matmul (10 columns) and a 1-input-channel conv (conv1's shape, small): both get a
    // configuration other than the base; values and the input gradient agree with the CPU engine.
    const run = async (e: Engine) => {
      const a = e.tensor(Array.from(randArray(37 * 45, 11)), [37, 45]);
      const b = e.tensor(Array.from(randArray(45 * 10, 12)), [45, 10]);
      const x = e.tensor(Array.from(randArray(2 * 1 * 9 * 23, 13)), [2, 1, 9, 23]);
      const w = e.tensor(Array.from(randArray(12 * 9, 14)), [12, 1, 3, 3]);
      const prof = await e.profile(() =>
        gradientTape((tape) => {
          const y = conv2d(x, w, null, { padding: 1 });
          const [gx] = tape.gradient(sum(y), [x]);
          return { mm: matmul(a, b), y, gx };
        }),
      );
      const out = {
        mm: await prof.result.mm.read(),
        y: await prof.result.y.read(),
        gx: await prof.result.gx.read(),
        kernels: prof.kernels,
      };
      for (const t of [a, b, x, w, prof.result.mm, prof.result.y, prof.result.gx]) t.dispose();
      return out;
    };
    const c = await run(pair.cpu);
    const g = await run(pair.gpu!);
    for (const k of ['mm', 'y', 'gx'] as const)
      expect(maxAbsRel(g[k] as ArrayLike<number>, c[k] as ArrayLike<number>), k).toBeLessThanOrEqual(TOL);
    const limits = pair.gpu!.info().limits as unknown as TileLimits;
    const want = (k: TiledKernel, p: GemmProblem) =>
      tilesLabel(chooseTiles(k, p, { ...limits, maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeX }));
    const configs = (family: string) => g.kernels.find((k) => k.family === family)?.configs;
    expect(configs('matmul/main')).toEqual([want('matmul', { m: 37, n: 10, k: 45, count: 1 })]);
    expect(configs('matmul/main')).not.toEqual([tilesLabel(BASE_TILES.matmul)]);
    expect(configs('conv_forward/main')).toEqual([want('conv_forward', { m: 12, n: 2 * 9 * 23, k: 9, count: 1 })]);
    expect(configs('conv_backward/backInput')).toEqual([want('conv_backInput', { m: 1, n: 2 * 9 * 23, k: 12 * 9, count: 1 })]);
    // The CPU engine's families carry no tile configurations.
    expect(c.kernels.some((k) => k.configs)).toBe(false);
  });
});
