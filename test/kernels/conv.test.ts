/**
 * conv2d forward and backward: the CPU reference (src/engine/cpu/conv.ts) against a naive direct
 * definition, a hand-computed case and central differences; then the WebGPU kernels
 * (src/engine/webgpu/kernels/conv.ts) against the CPU reference on random geometries.
 *
 * WebGPU tolerance: max |gpu - cpu| / max |cpu| <= 1e-5 over each output tensor (float32 kernels
 * against the float64 reference fed the same float32 inputs).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Buf, Conv2dParams } from '../../src/engine/backend.js';
import * as cpu from '../../src/engine/cpu/conv.js';
import { conv2dOutHW } from '../../src/engine/nnShapes.js';
import type { Shape } from '../../src/engine/shape.js';
import type { GBuf } from '../../src/engine/webgpu/kernels/common.js';
import * as convK from '../../src/engine/webgpu/kernels/conv.js';
import { gpuBackend } from '../helpers/gpu.js';
import { maxAbsRel, randArray } from '../helpers/random.js';

const TOL = 1e-5;

function params(
  stride: [number, number] = [1, 1],
  padding: [number, number] = [0, 0],
  dilation: [number, number] = [1, 1],
  groups = 1,
): Conv2dParams {
  return { stride, padding, dilation, groups };
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** Naive direct definitions (bounds checks in the innermost loop, gather form for all three). */
function naive(xShape: Shape, wShape: Shape, p: Conv2dParams) {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const [ho, wo] = conv2dOutHW(h, w, kh, kw, p);
  const og = o / p.groups;
  const [sh, sw] = p.stride,
    [ph, pw] = p.padding,
    [dh, dw] = p.dilation;
  const X = (x: ArrayLike<number>, b: number, ch: number, i: number, j: number) =>
    i < 0 || i >= h || j < 0 || j >= w ? 0 : x[((b * c + ch) * h + i) * w + j];
  const W = (wt: ArrayLike<number>, oc: number, ci: number, i: number, j: number) => wt[((oc * cg + ci) * kh + i) * kw + j];
  return {
    ho,
    wo,
    forward(x: ArrayLike<number>, wt: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
      const out = new Float64Array(n * o * ho * wo);
      for (let b = 0; b < n; b++)
        for (let oc = 0; oc < o; oc++)
          for (let i = 0; i < ho; i++)
            for (let j = 0; j < wo; j++) {
              let s = bias ? bias[oc] : 0;
              const g = Math.floor(oc / og);
              for (let ci = 0; ci < cg; ci++)
                for (let ki = 0; ki < kh; ki++)
                  for (let kj = 0; kj < kw; kj++) {
                    s += W(wt, oc, ci, ki, kj) * X(x, b, g * cg + ci, i * sh - ph + ki * dh, j * sw - pw + kj * dw);
                  }
              out[((b * o + oc) * ho + i) * wo + j] = s;
            }
      return out;
    },
    backwardInput(gy: ArrayLike<number>, wt: ArrayLike<number>): Float64Array {
      const gx = new Float64Array(n * c * h * w);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++)
          for (let i = 0; i < h; i++)
            for (let j = 0; j < w; j++) {
              const g = Math.floor(ch / cg);
              let s = 0;
              for (let m = 0; m < og; m++)
                for (let ki = 0; ki < kh; ki++)
                  for (let kj = 0; kj < kw; kj++) {
                    const ti = i + ph - ki * dh,
                      tj = j + pw - kj * dw;
                    if (ti % sh !== 0 || tj % sw !== 0) continue;
                    const oi = ti / sh,
                      oj = tj / sw;
                    if (oi < 0 || oi >= ho || oj < 0 || oj >= wo) continue;
                    const oc = g * og + m;
                    s += W(wt, oc, ch - g * cg, ki, kj) * gy[((b * o + oc) * ho + oi) * wo + oj];
                  }
              gx[((b * c + ch) * h + i) * w + j] = s;
            }
      return gx;
    },
    backwardWeight(x: ArrayLike<number>, gy: ArrayLike<number>): Float64Array {
      const gw = new Float64Array(o * cg * kh * kw);
      for (let oc = 0; oc < o; oc++)
        for (let ci = 0; ci < cg; ci++)
          for (let ki = 0; ki < kh; ki++)
            for (let kj = 0; kj < kw; kj++) {
              const g = Math.floor(oc / og);
              let s = 0;
              for (let b = 0; b < n; b++)
                for (let i = 0; i < ho; i++)
                  for (let j = 0; j < wo; j++) {
                    s += gy[((b * o + oc) * ho + i) * wo + j] * X(x, b, g * cg + ci, i * sh - ph + ki * dh, j * sw - pw + kj * dw);
                  }
              gw[((oc * cg + ci) * kh + ki) * kw + kj] = s;
            }
      return gw;
    },
  };
}

/** A random problem: x [n, c, h, w], w [o, c/groups, kh, kw]. */
interface Case {
  name: string;
  x: Shape;
  w: Shape;
  p: Conv2dParams;
  bias: boolean;
}

function data(cs: Case, seed: number) {
  const [n, , h, w] = cs.x;
  const [o, , kh, kw] = cs.w;
  const [ho, wo] = conv2dOutHW(h, w, kh, kw, cs.p);
  const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
  const gyShape = [n, o, ho, wo];
  return {
    gyShape,
    x: randArray(size(cs.x), seed),
    w: randArray(size(cs.w), seed + 1),
    b: cs.bias ? randArray(o, seed + 2) : null,
    gy: randArray(size(gyShape), seed + 3),
  };
}

const smallCases: Case[] = [
  { name: '3x3 plain', x: [1, 3, 13, 7], w: [5, 3, 3, 3], p: params(), bias: true },
  { name: '5x3 stride 1x2 pad 2x1 dil 2x1', x: [3, 3, 13, 7], w: [5, 3, 5, 3], p: params([1, 2], [2, 1], [2, 1]), bias: false },
  { name: 'groups 2 stride 2', x: [1, 4, 11, 9], w: [6, 2, 3, 3], p: params([2, 2], [1, 1], [1, 1], 2), bias: true },
  { name: 'depthwise', x: [3, 6, 9, 10], w: [6, 1, 3, 3], p: params([1, 1], [1, 1], [1, 1], 6), bias: true },
  {
    name: 'depthwise x2 channels, stride 1x2 dil 2x1',
    x: [1, 4, 10, 11],
    w: [8, 1, 3, 3],
    p: params([1, 2], [1, 1], [2, 1], 4),
    bias: false,
  },
  { name: '1x1 stride 2', x: [1, 3, 8, 5], w: [5, 3, 1, 1], p: params([2, 2]), bias: false },
  { name: '5x3 stride 2x2 pad 2x1', x: [3, 5, 7, 13], w: [7, 5, 5, 3], p: params([2, 2], [2, 1]), bias: true },
  { name: '1x1 groups 2 pad 1x1', x: [3, 2, 5, 3], w: [4, 1, 1, 1], p: params([1, 1], [1, 1], [1, 1], 2), bias: true },
];

describe('cpu conv2d', () => {
  it('matches a hand-computed case (bias; stride 2, padding 1)', () => {
    const x = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = f64([1, 2, 3, 4]);
    const y = cpu.conv2d(x, [1, 1, 3, 3], w, [1, 1, 2, 2], f64([0.5]), params());
    expect(Array.from(y)).toEqual([37.5, 47.5, 67.5, 77.5]);
    const y2 = cpu.conv2d(x, [1, 1, 3, 3], w, [1, 1, 2, 2], null, params([2, 2], [1, 1]));
    expect(Array.from(y2)).toEqual([4, 18, 36, 77]);
    // Adjoints of the second case: gy = 1 everywhere.
    const gx = cpu.conv2dBackwardInput(f64([1, 1, 1, 1]), [1, 1, 2, 2], w, [1, 1, 2, 2], [1, 1, 3, 3], params([2, 2], [1, 1]));
    expect(Array.from(gx)).toEqual([4, 3, 4, 2, 1, 2, 4, 3, 4]);
    const gw = cpu.conv2dBackwardWeight(x, [1, 1, 3, 3], f64([1, 1, 1, 1]), [1, 1, 2, 2], [1, 1, 2, 2], params([2, 2], [1, 1]));
    // gw[ki, kj] sums x over the taps' in-bounds positions: (1,1); (1,0),(1,2); (0,1),(2,1); the corners.
    expect(Array.from(gw)).toEqual([5, 4 + 6, 2 + 8, 1 + 3 + 7 + 9]);
  });

  for (const cs of smallCases) {
    it(`matches the naive definition: ${cs.name}`, () => {
      const d = data(cs, 11);
      const ref = naive(cs.x, cs.w, cs.p);
      const y = cpu.conv2d(f64(d.x), cs.x, f64(d.w), cs.w, d.b && f64(d.b), cs.p);
      expect(maxAbsRel(y, ref.forward(d.x, d.w, d.b))).toBeLessThan(1e-12);
      const gx = cpu.conv2dBackwardInput(f64(d.gy), d.gyShape, f64(d.w), cs.w, cs.x, cs.p);
      expect(maxAbsRel(gx, ref.backwardInput(d.gy, d.w))).toBeLessThan(1e-12);
      const gw = cpu.conv2dBackwardWeight(f64(d.x), cs.x, f64(d.gy), d.gyShape, cs.w, cs.p);
      expect(maxAbsRel(gw, ref.backwardWeight(d.x, d.gy))).toBeLessThan(1e-12);
    });
  }

  it('backward passes match central differences (float64)', () => {
    const xShape = [2, 4, 5, 6];
    const wShape = [4, 2, 3, 2];
    const p = params([2, 1], [1, 2], [1, 2], 2);
    const x = f64(randArray(2 * 4 * 5 * 6, 5));
    const w = f64(randArray(4 * 2 * 3 * 2, 6));
    const y0 = cpu.conv2d(x, xShape, w, wShape, null, p);
    const r = f64(randArray(y0.length, 7)); // loss = sum(conv2d(x, w) * r)
    const [ho, wo] = conv2dOutHW(5, 6, 3, 2, p);
    const gyShape = [2, 4, ho, wo];
    const loss = (xv: Float64Array, wv: Float64Array) => cpu.conv2d(xv, xShape, wv, wShape, null, p).reduce((s, v, i) => s + v * r[i], 0);
    const eps = 1e-4;
    const gx = cpu.conv2dBackwardInput(r, gyShape, w, wShape, xShape, p);
    for (let i = 0; i < x.length; i++) {
      const xp = x.slice(),
        xm = x.slice();
      xp[i] += eps;
      xm[i] -= eps;
      expect(Math.abs((loss(xp, w) - loss(xm, w)) / (2 * eps) - gx[i])).toBeLessThan(1e-8);
    }
    const gw = cpu.conv2dBackwardWeight(x, xShape, r, gyShape, wShape, p);
    for (let i = 0; i < w.length; i++) {
      const wp = w.slice(),
        wm = w.slice();
      wp[i] += eps;
      wm[i] -= eps;
      expect(Math.abs((loss(x, wp) - loss(x, wm)) / (2 * eps) - gw[i])).toBeLessThan(1e-8);
    }
    // Not vacuous: the gradients are not all zero.
    expect(gx.some((v) => v !== 0)).toBe(true);
  });
});

const be = await gpuBackend();

describe.skipIf(!be)('webgpu conv2d vs cpu', () => {
  const gpu = be!;
  afterAll(() => gpu?.flush());

  const up = (a: Float32Array, shape: Shape): Buf => ({ storage: gpu.upload(a, 'float32'), shape, dtype: 'float32' });
  const readAndFree = async (s: object, size: number) => {
    const r = await gpu.read(s, size, 'float32');
    gpu.free(s);
    return r;
  };

  async function check(cs: Case, seed: number): Promise<void> {
    const d = data(cs, seed);
    const xb = up(d.x, cs.x),
      wb = up(d.w, cs.w),
      gyb = up(d.gy, d.gyShape);
    const bb = d.b ? up(d.b, [cs.w[0]]) : null;
    const y = cpu.conv2d(f64(d.x), cs.x, f64(d.w), cs.w, d.b && f64(d.b), cs.p);
    const gx = cpu.conv2dBackwardInput(f64(d.gy), d.gyShape, f64(d.w), cs.w, cs.x, cs.p);
    const gw = cpu.conv2dBackwardWeight(f64(d.x), cs.x, f64(d.gy), d.gyShape, cs.w, cs.p);
    const yG = await readAndFree(gpu.conv2d(xb, wb, bb, cs.p), y.length);
    const gxG = await readAndFree(gpu.conv2dBackwardInput(gyb, wb, cs.x, cs.p), gx.length);
    const gwG = await readAndFree(gpu.conv2dBackwardWeight(xb, gyb, cs.w, cs.p), gw.length);
    for (const b of [xb, wb, gyb, bb]) if (b) gpu.free(b.storage);
    expect(maxAbsRel(yG, y), 'forward').toBeLessThanOrEqual(TOL);
    expect(maxAbsRel(gxG, gx), 'backward input').toBeLessThanOrEqual(TOL);
    expect(maxAbsRel(gwG, gw), 'backward weight').toBeLessThanOrEqual(TOL);
  }

  for (const [i, cs] of smallCases.entries()) {
    it(cs.name, () => check(cs, 100 + 10 * i));
  }

  // Default tiles (convK.*_TILES) cover at most 16 channels x 128 pixels (forward, backward
  // input) and 16 x 32 weight columns (backward weight): this case exceeds one tile in every
  // dimension, and its backward weight reduction (3*37*41 pixels) is split into chunks that a
  // second dispatch adds.
  it('several tiles in every dimension, split weight reduction', () =>
    check({ name: 'big', x: [3, 18, 37, 41], w: [20, 18, 3, 3], p: params([1, 1], [1, 1]), bias: true }, 7));

  it('several tiles, grouped, strided and dilated', () =>
    check({ name: 'big strided', x: [2, 20, 23, 29], w: [18, 10, 5, 3], p: params([2, 2], [2, 1], [1, 2], 2), bias: false }, 8));

  it('random geometries', async () => {
    const ks: [number, number][] = [
      [3, 3],
      [5, 3],
      [1, 1],
    ];
    const ss: [number, number][] = [
      [1, 1],
      [1, 2],
      [2, 2],
    ];
    const ps: [number, number][] = [
      [0, 0],
      [1, 1],
      [2, 1],
    ];
    const ds: [number, number][] = [
      [1, 1],
      [2, 1],
    ];
    let seed = 1000;
    for (let t = 0; t < 12; t++) {
      const k = ks[t % 3],
        s = ss[(t >> 1) % 3],
        pd = ps[(t * 2 + 1) % 3],
        dl = ds[(t >> 2) % 2];
      const groups = [1, 2, 0][t % 3]; // 0: depthwise
      const cg = groups === 0 ? 1 : 1 + (t % 3);
      const g = groups === 0 ? 2 + (t % 4) : groups;
      const c = cg * g;
      const o = g * (1 + ((t * 5) % 3));
      const n = t % 2 === 0 ? 1 : 3;
      const h = 5 + ((t * 7) % 9) + (k[0] - 1) * dl[0];
      const w = 4 + ((t * 3) % 7) + (k[1] - 1) * dl[1];
      const cs: Case = { name: `t${t}`, x: [n, c, h, w], w: [o, cg, k[0], k[1]], p: params(s, pd, dl, g), bias: t % 2 === 1 };
      await check(cs, seed++).catch((e: unknown) => {
        throw new Error(`${JSON.stringify(cs)}: ${(e as Error).message}`);
      });
    }
  });

  it('folds workgroup counts past 65,535 (1x1 tiles)', async () => {
    const one = { WGX: 1, WGY: 1, TM: 1, TN: 1 };
    const cs: Case = { name: 'fold', x: [1, 2, 182, 182], w: [2, 2, 3, 3], p: params([1, 1], [1, 1]), bias: true };
    const d = data(cs, 9);
    const xb = up(d.x, cs.x),
      wb = up(d.w, cs.w),
      gyb = up(d.gy, d.gyShape),
      bb = up(d.b!, [2]);
    const y = cpu.conv2d(f64(d.x), cs.x, f64(d.w), cs.w, f64(d.b!), cs.p);
    const gx = cpu.conv2dBackwardInput(f64(d.gy), d.gyShape, f64(d.w), cs.w, cs.x, cs.p);
    // 2 channels x 33,124 pixels = 66,248 workgroups of one invocation each.
    const yG = await readAndFree(convK.conv2d(gpu.ctx, xb as GBuf, wb as GBuf, bb as GBuf, cs.p, one), y.length);
    const gxG = await readAndFree(convK.conv2dBackwardInput(gpu.ctx, gyb as GBuf, wb as GBuf, cs.x, cs.p, one), gx.length);
    for (const b of [xb, wb, gyb, bb]) gpu.free(b.storage);
    expect(maxAbsRel(yG, y)).toBeLessThanOrEqual(TOL);
    expect(maxAbsRel(gxG, gx)).toBeLessThanOrEqual(TOL);
  });
});
