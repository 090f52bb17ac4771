/**
 * Pooling and upsampling: the CPU reference (src/engine/cpu/pool.ts) against hand-computed
 * PyTorch results, the backward passes against the forwards (adjoint identity for the linear
 * ops, finite differences for max pooling), and the WebGPU kernels (src/engine/webgpu/kernels/pool.ts) against
 * the CPU reference: argmax exactly, values within 1e-6 * max(|cpu|, 1) per element.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Buf, DType, Pool2dParams, Storage, UpsampleMode } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import * as pool from '../../src/engine/cpu/pool.js';
import { pool2dOutHW } from '../../src/engine/nnShapes.js';
import { sizeOf, type Shape } from '../../src/engine/shape.js';
import { gradientTape } from '../../src/engine/autograd.js';
import { createEngine } from '../../src/engine/engine.js';
import { maxPool2d as maxPool2dOp } from '../../src/engine/ops/layers.js';
import { mul, sum } from '../../src/engine/ops/index.js';
import type { GBuf } from '../../src/engine/webgpu/kernels/common.js';
import * as poolK from '../../src/engine/webgpu/kernels/pool.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

type Pair = readonly [number, number];

function P(
  kernel: Pair,
  stride: Pair,
  o: { padding?: Pair; dilation?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {},
): Pool2dParams {
  return {
    kernel,
    stride,
    padding: o.padding ?? [0, 0],
    dilation: o.dilation ?? [1, 1],
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  };
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** Per-element |got - want| <= tol * max(|want|, 1); NaN and infinities must match exactly. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what = '') {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= tol * Math.max(Math.abs(w), 1) : Object.is(g, w) || (w !== w && g !== g);
    if (!ok) expect.fail(`${what} element ${i}: got ${g}, want ${w} (tol ${tol})`);
  }
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// ---- CPU reference vs hand-computed PyTorch results ---------------------------------------

describe('cpu maxPool2d', () => {
  it('ties go to the first maximum in row-major window order', () => {
    // 3x3 plane, 2x2 windows, stride 1.
    const x = f64([1, 2, 2, 2, 0, 1, 2, 1, 0]);
    const [v, i] = pool.maxPool2d(x, [1, 1, 3, 3], P([2, 2], [1, 1]));
    expect(Array.from(v)).toEqual([2, 2, 2, 1]);
    expect(Array.from(i)).toEqual([1, 1, 3, 5]);
  });

  it('NaN is the maximum; among several NaNs the last wins (PyTorch: val > max || isnan(val))', () => {
    const x = f64([1, NaN, 3, NaN, 5, 6]); // 2x3
    const [v, i] = pool.maxPool2d(x, [1, 1, 2, 3], P([2, 2], [1, 1]));
    expect(v[0]).toBeNaN();
    expect(v[1]).toBeNaN();
    expect(Array.from(i)).toEqual([3, 1]);
    // A NaN before larger numbers still wins.
    const [v2, i2] = pool.maxPool2d(f64([NaN, 7, 8, 9]), [1, 1, 1, 4], P([1, 4], [1, 4]));
    expect(v2[0]).toBeNaN();
    expect(i2[0]).toBe(0);
  });

  it('padding never wins, even over negative values', () => {
    const x = f64([-1, -2, -3, -4]); // 2x2
    const [v, i] = pool.maxPool2d(x, [1, 1, 2, 2], P([2, 2], [2, 2], { padding: [1, 1] }));
    expect(Array.from(v)).toEqual([-1, -2, -3, -4]);
    expect(Array.from(i)).toEqual([0, 1, 2, 3]);
  });

  it('an all -inf window points at its first in-bounds position', () => {
    const x = f64([-Infinity, -Infinity, -Infinity, -Infinity]); // 2x2
    const [v, i] = pool.maxPool2d(x, [1, 1, 2, 2], P([2, 2], [1, 1], { padding: [1, 1] }));
    expect(Array.from(v)).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
    expect(Array.from(i)).toEqual([0, 0, 1, 0, 0, 1, 2, 2, 3]);
  });

  it('an all-padding window (dilation) gives -inf and index -1, which routes no gradient', () => {
    // W = 1, kernel 2, dilation 2, padding 1: the taps at -1 and 1 are both padding.
    const p = P([1, 2], [1, 1], { padding: [0, 1], dilation: [1, 2] });
    expect(pool2dOutHW(2, 1, p)).toEqual([2, 1]);
    const [v, i] = pool.maxPool2d(f64([3, 4]), [1, 1, 2, 1], p);
    expect(Array.from(v)).toEqual([-Infinity, -Infinity]);
    expect(Array.from(i)).toEqual([-1, -1]);
    expect(Array.from(pool.maxPool2dBackward(f64([1, 2]), [1, 1, 2, 1], i, [1, 1, 2, 1], p))).toEqual([0, 0]);
  });

  it('ceil_mode keeps the partial last window; dilation skips taps; non-square kernel/stride', () => {
    const x = f64([1, 2, 3, 4, 5]); // 1x5
    const [vf, ifl] = pool.maxPool2d(x, [1, 1, 1, 5], P([1, 2], [1, 2]));
    expect(Array.from(vf)).toEqual([2, 4]);
    expect(Array.from(ifl)).toEqual([1, 3]);
    const [vc, ic] = pool.maxPool2d(x, [1, 1, 1, 5], P([1, 2], [1, 2], { ceilMode: true }));
    expect(Array.from(vc)).toEqual([2, 4, 5]);
    expect(Array.from(ic)).toEqual([1, 3, 4]);
    const [vd, id] = pool.maxPool2d(f64([5, 1, 4, 2, 3]), [1, 1, 1, 5], P([1, 2], [1, 1], { dilation: [1, 2] }));
    expect(Array.from(vd)).toEqual([5, 2, 4]);
    expect(Array.from(id)).toEqual([0, 3, 2]);
    // 4x3 plane, kernel (3, 2), stride (1, 2): rows 0-2 / 1-3, cols 0-1 / (2, ceil only).
    const y = f64([0, 9, 1, 2, 3, 8, 7, 4, 5, 6, 10, 2]);
    const [vy, iy] = pool.maxPool2d(y, [1, 1, 4, 3], P([3, 2], [1, 2], { ceilMode: true }));
    expect(Array.from(vy)).toEqual([9, 8, 10, 8]);
    expect(Array.from(iy)).toEqual([1, 5, 10, 5]);
  });

  it('backward adds gy where overlapping windows share an argmax', () => {
    const x = f64([0, 0, 0, 0, 9, 0, 0, 0, 0]); // 3x3, the 9 is in all four 2x2 windows
    const p = P([2, 2], [1, 1]);
    const [, i] = pool.maxPool2d(x, [1, 1, 3, 3], p);
    const gx = pool.maxPool2dBackward(f64([1, 2, 3, 4]), [1, 1, 2, 2], i, [1, 1, 3, 3], p);
    expect(Array.from(gx)).toEqual([0, 0, 0, 0, 10, 0, 0, 0, 0]);
  });
});

describe('cpu avgPool2d', () => {
  const x = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3x3

  it('countIncludePad true divides by the window clipped to the padded input', () => {
    const y = pool.avgPool2d(x, [1, 1, 3, 3], P([2, 2], [2, 2], { padding: [1, 1] }));
    expect(Array.from(y)).toEqual([1 / 4, 5 / 4, 11 / 4, 28 / 4]);
  });

  it('countIncludePad false divides by the in-bounds count', () => {
    const y = pool.avgPool2d(x, [1, 1, 3, 3], P([2, 2], [2, 2], { padding: [1, 1], countIncludePad: false }));
    expect(Array.from(y)).toEqual([1, 5 / 2, 11 / 2, 7]);
  });

  it('ceil_mode: a window running past the padding is clipped to input + padding (PyTorch divisor)', () => {
    const row = f64([1, 2, 3, 4, 5, 6]); // 1x6, windows start at -1, 1, 3, 5
    const p = P([1, 3], [1, 2], { padding: [0, 1], ceilMode: true });
    expect(pool2dOutHW(1, 6, p)).toEqual([1, 4]);
    expect(Array.from(pool.avgPool2d(row, [1, 1, 1, 6], p))).toEqual([3 / 3, 9 / 3, 15 / 3, 6 / 2]);
    const q = { ...p, countIncludePad: false };
    expect(Array.from(pool.avgPool2d(row, [1, 1, 1, 6], q))).toEqual([3 / 2, 9 / 3, 15 / 3, 6 / 1]);
  });
});

describe('cpu adaptiveAvgPool2d', () => {
  it('7 -> 3: overlapping windows [0,3), [2,5), [4,7)', () => {
    const x = f64([1, 2, 4, 8, 16, 32, 64]);
    const want = [7 / 3, 28 / 3, 112 / 3];
    expectClose(pool.adaptiveAvgPool2d(x, [1, 1, 1, 7], 1, 3), want, 1e-15);
    expectClose(pool.adaptiveAvgPool2d(x, [1, 1, 7, 1], 3, 1), want, 1e-15);
  });

  it('3 -> 5 (more outputs than inputs) and 2-D 4x6 -> 3x4', () => {
    const x = f64([1, 2, 4]);
    expectClose(pool.adaptiveAvgPool2d(x, [1, 1, 1, 3], 1, 5), [1, 1.5, 2, 3, 4], 1e-15);
    const y = f64(Array.from({ length: 24 }, (_, i) => i * i));
    const got = pool.adaptiveAvgPool2d(y, [1, 1, 4, 6], 3, 4);
    // Rows [0,2) [1,3) [2,4); cols [0,2) [1,3) [3,5) [4,6).
    const rows: Pair[] = [
      [0, 2],
      [1, 3],
      [2, 4],
    ];
    const cols: Pair[] = [
      [0, 2],
      [1, 3],
      [3, 5],
      [4, 6],
    ];
    const want: number[] = [];
    for (const [h0, h1] of rows) {
      for (const [w0, w1] of cols) {
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += y[h * 6 + w];
        want.push(s / ((h1 - h0) * (w1 - w0)));
      }
    }
    expectClose(got, want, 1e-15);
  });
});

describe('cpu upsample2d', () => {
  const up = (x: number[], inHW: Pair, out: Pair, mode: UpsampleMode, ac = false) =>
    Array.from(pool.upsample2d(f64(x), [1, 1, inHW[0], inHW[1]], out[0], out[1], mode, ac));

  it('nearest: src = floor(dst * in / out), up and down', () => {
    expect(up([10, 20, 30], [1, 3], [1, 7], 'nearest')).toEqual([10, 10, 10, 20, 20, 30, 30]);
    expect(up([10, 20, 30, 40, 50], [1, 5], [1, 2], 'nearest')).toEqual([10, 30]);
    expect(up([10, 20, 30, 40, 50], [1, 5], [1, 1], 'nearest')).toEqual([10]);
    expect(up([1, 2, 3, 4], [2, 2], [4, 4], 'nearest')).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('nearest computes the position in float32 like PyTorch (26 -> 22: dst 11 reads 12, not 13)', () => {
    const x = Array.from({ length: 26 }, (_, i) => i);
    const y = up(x, [1, 26], [1, 22], 'nearest');
    expect(y[11]).toBe(12);
    expect(
      up(
        Array.from({ length: 14 }, (_, i) => i),
        [1, 14],
        [1, 46],
        'nearest',
      )[23],
    ).toBe(6);
  });

  it('bilinear, alignCorners false (half-pixel, clamped at 0)', () => {
    expectClose(up([1, 3], [1, 2], [1, 4], 'bilinear'), [1, 1.5, 2.5, 3], 1e-15);
    expectClose(up([1, 2, 4, 8], [1, 4], [1, 2], 'bilinear'), [1.5, 6], 1e-15);
    expectClose(up([1, 2, 4, 8], [1, 4], [1, 1], 'bilinear'), [3], 1e-15);
    expectClose(up([1, 2, 4, 8], [4, 1], [1, 1], 'bilinear'), [3], 1e-15);
  });

  it('bilinear, alignCorners true (corners map to corners; out = 1 reads index 0)', () => {
    expectClose(up([1, 3], [1, 2], [1, 4], 'bilinear', true), [1, 5 / 3, 7 / 3, 3], 1e-15);
    expectClose(up([1, 2, 4, 8], [1, 4], [1, 2], 'bilinear', true), [1, 8], 1e-15);
    expectClose(up([1, 2, 4, 8], [1, 4], [1, 1], 'bilinear', true), [1], 1e-15);
    expectClose(up([1, 2, 3, 4], [2, 2], [3, 3], 'bilinear', true), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], 1e-15);
    expectClose(up([7], [1, 1], [2, 3], 'bilinear', true), [7, 7, 7, 7, 7, 7], 1e-15);
  });
});

// ---- backward passes against the forwards (CPU) -------------------------------------------

describe('cpu backward passes', () => {
  const linearCases: {
    name: string;
    x: Shape;
    fwd: (x: Float64Array) => Float64Array;
    bwd: (g: Float64Array, gShape: Shape) => Float64Array;
    out: Shape;
  }[] = [];
  const addPool = (xs: Shape, p: Pool2dParams) => {
    const [oh, ow] = pool2dOutHW(xs[2], xs[3], p);
    linearCases.push({
      name: `avg ${xs} k${p.kernel} s${p.stride} p${p.padding} d${p.dilation} ceil=${p.ceilMode} incl=${p.countIncludePad}`,
      x: xs,
      out: [xs[0], xs[1], oh, ow],
      fwd: (x) => pool.avgPool2d(x, xs, p),
      bwd: (g, gs) => pool.avgPool2dBackward(g, gs, xs, p),
    });
  };
  addPool([2, 3, 7, 9], P([3, 2], [2, 1], { padding: [1, 1], ceilMode: true }));
  addPool([2, 3, 7, 9], P([3, 2], [2, 1], { padding: [1, 1], ceilMode: true, countIncludePad: false }));
  addPool([1, 2, 8, 5], P([2, 3], [1, 2]));
  addPool([1, 2, 8, 5], P([2, 3], [2, 2], { padding: [1, 1], dilation: [2, 1], countIncludePad: false }));
  for (const [xs, oh, ow] of [
    [[2, 2, 7, 5], 3, 4],
    [[1, 3, 4, 9], 6, 2],
    [[1, 1, 5, 5], 1, 1],
  ] as const) {
    linearCases.push({
      name: `adaptive ${xs} -> ${oh}x${ow}`,
      x: xs,
      out: [xs[0], xs[1], oh, ow],
      fwd: (x) => pool.adaptiveAvgPool2d(x, xs, oh, ow),
      bwd: (g, gs) => pool.adaptiveAvgPool2dBackward(g, gs, xs),
    });
  }
  for (const mode of ['nearest', 'bilinear'] as const) {
    for (const ac of mode === 'nearest' ? [false] : [false, true]) {
      for (const [xs, oh, ow] of [
        [[2, 2, 5, 7], 11, 3],
        [[1, 3, 9, 4], 4, 10],
        [[1, 1, 6, 1], 1, 5],
        [[1, 1, 1, 3], 1, 1],
      ] as const) {
        linearCases.push({
          name: `upsample ${mode} ac=${ac} ${xs} -> ${oh}x${ow}`,
          x: xs,
          out: [xs[0], xs[1], oh, ow],
          fwd: (x) => pool.upsample2d(x, xs, oh, ow, mode, ac),
          bwd: (g, gs) => pool.upsample2dBackward(g, gs, xs, mode, ac),
        });
      }
    }
  }

  it.each(linearCases.map((c) => [c.name, c] as const))('adjoint identity <gy, f(x)> = <f^T(gy), x>: %s', (_n, c) => {
    const x = f64(randArray(sizeOf(c.x), 1));
    const gy = f64(randArray(sizeOf(c.out), 2));
    const y = c.fwd(x);
    expect(y.length).toBe(sizeOf(c.out));
    const gx = c.bwd(gy, c.out);
    expect(gx.length).toBe(x.length);
    const lhs = dot(gy, y);
    const rhs = dot(gx, x);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
  });

  it.each([
    ['overlapping 3x3 stride 1, padding 1', [1, 2, 6, 5], P([3, 3], [1, 1], { padding: [1, 1] })],
    ['kernel (3,2) stride (1,2) ceil', [2, 1, 7, 7], P([3, 2], [1, 2], { ceilMode: true })],
    ['kernel (2,3) stride (2,1) dilation (1,2) padding 1', [1, 1, 8, 9], P([2, 3], [2, 1], { padding: [1, 1], dilation: [1, 2] })],
  ] as const)('maxPool2d backward matches finite differences: %s', (_n, xs, p) => {
    // A permutation: no ties, so the max is locally linear.
    const n = sizeOf(xs);
    const r = rng(3);
    const x = f64(Array.from({ length: n }, (_, i) => i * 0.37).sort(() => r() - 0.5));
    const [y, arg] = pool.maxPool2d(x, xs, p);
    const outShape = [xs[0], xs[1], ...pool2dOutHW(xs[2], xs[3], p)];
    const gy = f64(randArray(y.length, 4));
    const gx = pool.maxPool2dBackward(gy, outShape, arg, xs, p);
    const f = (v: Float64Array) => dot(gy, pool.maxPool2d(v, xs, p)[0]);
    const eps = 1e-3;
    for (let i = 0; i < n; i++) {
      const xp = x.slice();
      xp[i] += eps;
      const xm = x.slice();
      xm[i] -= eps;
      const fd = (f(xp) - f(xm)) / (2 * eps);
      expect(Math.abs(fd - gx[i]), `element ${i}`).toBeLessThanOrEqual(1e-9);
    }
  });
});

// ---- WebGPU vs CPU ------------------------------------------------------------------------

/** Uploads host inputs to `be`, runs `f`, reads its outputs back and frees everything. */
async function runOn(
  be: Backend,
  ins: { data: ArrayLike<number>; shape: Shape; dtype?: DType }[],
  f: (xs: Buf[]) => Storage | Storage[],
  outs: { size: number; dtype?: DType }[],
) {
  const xs = ins.map((i) => ({ storage: be.upload(i.data, i.dtype ?? 'float32'), shape: i.shape, dtype: i.dtype ?? 'float32' }));
  const r = f(xs);
  const ss = Array.isArray(r) ? r : [r];
  const res: (Float32Array | Int32Array)[] = [];
  for (let k = 0; k < ss.length; k++) res.push(await be.read(ss[k], outs[k].size, outs[k].dtype ?? 'float32'));
  for (const x of xs) be.free(x.storage);
  for (const s of ss) be.free(s);
  return res;
}

async function both(
  ins: { data: ArrayLike<number>; shape: Shape; dtype?: DType }[],
  f: (be: Backend, xs: Buf[]) => Storage | Storage[],
  outs: { size: number; dtype?: DType }[],
) {
  return [await runOn(gpu!, ins, (xs) => f(gpu!, xs), outs), await runOn(cpu, ins, (xs) => f(cpu, xs), outs)] as const;
}

const SIZES = [1, 7, 13, 33];
const KERNELS: Pair[] = [
  [2, 2],
  [3, 2],
  [2, 3],
];
const STRIDES: Pair[] = [
  [2, 2],
  [1, 2],
];
/** Padding / ceil_mode / dilation variants, cycled over the cases. */
const VARIANTS: { padding: Pair; ceilMode: boolean; dilation: Pair }[] = [
  { padding: [0, 0], ceilMode: false, dilation: [1, 1] },
  { padding: [1, 1], ceilMode: true, dilation: [1, 1] },
  { padding: [1, 0], ceilMode: false, dilation: [2, 1] },
  { padding: [0, 1], ceilMode: true, dilation: [1, 2] },
];

interface PoolCase {
  xShape: Shape;
  p: Pool2dParams;
}
const poolCases: PoolCase[] = [];
{
  let k = 0;
  for (const h of SIZES) {
    for (const w of SIZES) {
      for (const kernel of KERNELS) {
        for (const stride of STRIDES) {
          // Every (H, W, kernel, stride) once; batch and variant cycle with the case number. A
          // variant whose output would be empty (PyTorch rejects those) falls to the next one.
          for (let t = 0; t < VARIANTS.length; t++, k++) {
            const p = P(kernel, stride, VARIANTS[k % VARIANTS.length]);
            const [oh, ow] = pool2dOutHW(h, w, p);
            if (oh < 1 || ow < 1) continue;
            poolCases.push({ xShape: [1 + (k % 2), 3, h, w], p });
            k++;
            break;
          }
        }
      }
    }
  }
}
/**
 * Pools whose windows tile the input (stride = kernel), batch 2 x 3 channels: the smallest size
 * `first`, then odd and wide sizes, kernels 2x2 to 3x3, with and without ceil mode; only those with
 * at least one output that `keep` accepts.
 */
function tilingCases(first: readonly [number, number], keep: (c: PoolCase) => boolean): PoolCase[] {
  const out: PoolCase[] = [];
  for (const [h, w] of [first, [7, 13], [13, 7], [4, 301], [33, 70]] as const) {
    for (const k of [
      [2, 2],
      [3, 2],
      [2, 3],
      [1, 4],
      [3, 3],
    ] as const) {
      for (const ceilMode of [false, true]) {
        const c: PoolCase = { xShape: [2, 3, h, w], p: P(k, k, { ceilMode }) };
        const [oh, ow] = pool2dOutHW(h, w, c.p);
        if (oh >= 1 && ow >= 1 && keep(c)) out.push(c);
      }
    }
  }
  return out;
}

const caseName = (c: PoolCase) =>
  `x [${c.xShape}] k${c.p.kernel} s${c.p.stride} p${c.p.padding} d${c.p.dilation}${c.p.ceilMode ? ' ceil' : ''}`;

describe.skipIf(!gpu)('webgpu pool kernels vs cpu', () => {
  it(`maxPool2d and its backward: argmax exact, values 1e-6 (${poolCases.length} geometries)`, async () => {
    let seed = 10;
    for (const c of poolCases) {
      const [oh, ow] = pool2dOutHW(c.xShape[2], c.xShape[3], c.p);
      const outShape = [c.xShape[0], c.xShape[1], oh, ow];
      const nOut = sizeOf(outShape);
      const x = randArray(sizeOf(c.xShape), seed++);
      const [[gv, gi], [cv, ci]] = await both([{ data: x, shape: c.xShape }], (be, [xb]) => be.maxPool2d(xb, c.p), [
        { size: nOut },
        { size: nOut, dtype: 'int32' },
      ]);
      expectClose(gv, cv, 0, `maxPool2d values ${caseName(c)}`);
      expect(Array.from(gi), `maxPool2d argmax ${caseName(c)}`).toEqual(Array.from(ci));
      const gy = randArray(nOut, seed++);
      const [[gb], [cb]] = await both(
        [
          { data: gy, shape: outShape },
          { data: ci, shape: outShape, dtype: 'int32' },
        ],
        (be, [g, a]) => be.maxPool2dBackward(g, a, c.xShape, c.p),
        [{ size: sizeOf(c.xShape) }],
      );
      expectClose(gb, cb, 1e-6, `maxPool2dBackward ${caseName(c)}`);
    }
  });

  it('maxPool2d backward over windows that tile the input (the scatter-free path): odd sizes, ceil mode, rows of many segments', async () => {
    let seed = 500;
    const tiled: PoolCase[] = tilingCases([1, 1], () => true);
    expect(tiled.length).toBeGreaterThan(30);
    for (const c of tiled) {
      const [oh, ow] = pool2dOutHW(c.xShape[2], c.xShape[3], c.p);
      const outShape = [c.xShape[0], c.xShape[1], oh, ow];
      const nOut = sizeOf(outShape);
      // Integers: many ties inside windows (the first maximum must win on both backends).
      const x = Array.from(randArray(sizeOf(c.xShape), seed++, -3, 3), Math.round);
      const [[, gi], [, ci]] = await both([{ data: x, shape: c.xShape }], (be, [xb]) => be.maxPool2d(xb, c.p), [
        { size: nOut },
        { size: nOut, dtype: 'int32' },
      ]);
      expect(Array.from(gi), `argmax ${caseName(c)}`).toEqual(Array.from(ci));
      const gy = randArray(nOut, seed++);
      const [[gb], [cb]] = await both(
        [
          { data: gy, shape: outShape },
          { data: ci, shape: outShape, dtype: 'int32' },
        ],
        (be, [g, a]) => be.maxPool2dBackward(g, a, c.xShape, c.p),
        [{ size: sizeOf(c.xShape) }],
      );
      expectClose(gb, cb, 0, `maxPool2dBackward (tiled) ${caseName(c)}`);
    }
  });

  it('maxPool2d over windows that tile the input: maxPoolTiled and maxPoolBackwardTiledRows equal the general kernels and the CPU (ties, NaN, -inf, odd sizes, workgroup edges)', async () => {
    const ctx = gpu!.ctx;
    let seed = 700;
    // ceilMode windows that hang over the edge are the general kernel's (checked below).
    const cases: { xShape: Shape; p: Pool2dParams; choice?: poolK.MaxPoolChoice }[] = tilingCases([2, 2], (c) =>
      poolK.windowsTileInside(c.xShape, c.p),
    );
    // Workgroups whose rows (planes * OH) are not a multiple of ROWS, rows of more outputs than
    // lanes, other configurations, and more than 65,535 workgroups (the dispatch folds into 2-D).
    cases.push({ xShape: [3, 5, 9, 77], p: P([2, 2], [2, 2]), choice: { TW: 16, ROWS: 3 } });
    cases.push({ xShape: [2, 2, 11, 40], p: P([2, 2], [2, 2]), choice: { TW: 32, ROWS: 1 } });
    cases.push({ xShape: [1, 1, 140_002, 2], p: P([2, 2], [2, 2]), choice: { ROWS: 1 } });
    expect(cases.length).toBeGreaterThan(20);
    expect(poolK.windowsTileInside([1, 1, 7, 7], P([2, 2], [2, 2], { ceilMode: true }))).toBe(false);
    for (const c of cases) {
      const [oh, ow] = pool2dOutHW(c.xShape[2], c.xShape[3], c.p);
      const nOut = c.xShape[0] * c.xShape[1] * oh * ow;
      const r = rng(seed++);
      // Integers in [-3, 3] (ties in most windows), a few NaN and -inf, and plane 0's first rows
      // all -inf (all -inf windows keep their first tap).
      const x = Array.from({ length: sizeOf(c.xShape) }, () => {
        const u = r();
        return u < 0.03 ? NaN : u < 0.06 ? -Infinity : Math.round(r() * 6 - 3);
      });
      x.fill(-Infinity, 0, Math.min(x.length, 3 * c.xShape[3]));
      const ins = [{ data: x, shape: c.xShape }];
      const outs = [{ size: nOut }, { size: nOut, dtype: 'int32' as const }];
      const [cv, ci] = await runOn(cpu, ins, ([xb]) => cpu.maxPool2d(xb, c.p), outs);
      const [tv, ti] = await runOn(gpu!, ins, ([xb]) => poolK.maxPool2d(ctx, xb as GBuf, c.p, { kernel: 'tiled', ...c.choice }), outs);
      const [gv, gi] = await runOn(gpu!, ins, ([xb]) => poolK.maxPool2d(ctx, xb as GBuf, c.p, { kernel: 'general' }), outs);
      const name = `${caseName(c)}${c.choice ? ` ${JSON.stringify(c.choice)}` : ''}`;
      expectClose(tv, cv, 0, `tiled values ${name}`);
      expect(Array.from(ti), `tiled argmax ${name}`).toEqual(Array.from(ci));
      expectClose(gv, cv, 0, `general values ${name}`);
      expect(Array.from(gi), `general argmax ${name}`).toEqual(Array.from(ci));
      // The backward kernels on the CPU's argmax: one term per input, so exactly the CPU's.
      const gy = randArray(nOut, seed++);
      const outShape = [c.xShape[0], c.xShape[1], oh, ow];
      const gins = [
        { data: gy, shape: outShape },
        { data: ci, shape: outShape, dtype: 'int32' as const },
      ];
      const gouts = [{ size: sizeOf(c.xShape) }];
      const [cb] = await runOn(cpu, gins, ([g, a]) => cpu.maxPool2dBackward(g, a, c.xShape, c.p), gouts);
      for (const kernel of ['rows', 'tiled', 'general'] as const) {
        const [gb] = await runOn(
          gpu!,
          gins,
          ([g, a]) => poolK.maxPool2dBackward(ctx, g as GBuf, a as GBuf, c.xShape, c.p, { kernel, ...(kernel === 'rows' ? c.choice : {}) }),
          gouts,
        );
        expectClose(gb, cb, 0, `${kernel} backward ${name}`);
      }
    }
  });

  it('maxPool2d op on the tiled path: WebGPU values and gradient equal the CPU engine (odd sizes, batch > 1); GPU memory stays flat', async () => {
    const cpuE = await createEngine({ backend: 'cpu' });
    const gpuE = await createEngine({ backend: 'webgpu' });
    try {
      const xShape = [3, 4, 9, 23];
      // A permutation: no ties, so the gradient is the same whichever backend picks.
      const r = rng(41);
      const x = Array.from({ length: sizeOf(xShape) }, (_, i) => i * 0.01).sort(() => r() - 0.5);
      const R = randArray(3 * 4 * 4 * 11, 42);
      const run = async (e: typeof cpuE) => {
        const xt = e.tensor(x, xShape);
        const Rt = e.tensor(R, [3, 4, 4, 11]);
        const { y, g } = gradientTape((tape) => {
          const y = maxPool2dOp(xt, 2);
          return { y, g: tape.gradient(sum(mul(y, Rt)), [xt])[0] };
        });
        const res = { y: await y.read(), g: await g.read() };
        for (const t of [xt, Rt, y, g]) t.dispose();
        return res;
      };
      const want = await run(cpuE);
      const got = await run(gpuE);
      expectClose(got.y, want.y, 0, 'values');
      expectClose(got.g, want.g, 1e-6, 'gradient');
      // After one call has filled the buffer pool with what a call needs.
      await run(gpuE);
      const before = gpuE.memory();
      for (let k = 0; k < 3; k++) await run(gpuE);
      expect(gpuE.memory()).toEqual(before);
    } finally {
      cpuE.dispose();
      gpuE.dispose();
    }
  });

  it('maxPool2d: NaN and ties on the GPU follow the CPU (PyTorch) rule', async () => {
    const x = [1, NaN, 3, NaN, 5, 6, 2, 2, 2, 2, 2, 2];
    const xShape = [1, 1, 4, 3];
    for (const p of [P([2, 2], [1, 1]), P([2, 3], [1, 1], { padding: [1, 1] }), P([3, 3], [2, 1], { ceilMode: true })]) {
      const [oh, ow] = pool2dOutHW(4, 3, p);
      const n = oh * ow;
      const [[gv, gi], [cv, ci]] = await both([{ data: x, shape: xShape }], (be, [xb]) => be.maxPool2d(xb, p), [
        { size: n },
        { size: n, dtype: 'int32' },
      ]);
      expectClose(gv, cv, 0, 'values');
      expect(Array.from(gi)).toEqual(Array.from(ci));
    }
  });

  it(`avgPool2d and its backward, countIncludePad both ways (${poolCases.length} geometries)`, async () => {
    let seed = 1000;
    for (const c of poolCases) {
      const [oh, ow] = pool2dOutHW(c.xShape[2], c.xShape[3], c.p);
      const outShape = [c.xShape[0], c.xShape[1], oh, ow];
      const x = randArray(sizeOf(c.xShape), seed++);
      const gy = randArray(sizeOf(outShape), seed++);
      for (const countIncludePad of [true, false]) {
        const p = { ...c.p, countIncludePad };
        const [[g], [r]] = await both([{ data: x, shape: c.xShape }], (be, [xb]) => be.avgPool2d(xb, p), [{ size: sizeOf(outShape) }]);
        expectClose(g, r, 1e-6, `avgPool2d ${caseName(c)} incl=${countIncludePad}`);
        const [[gb], [cb]] = await both([{ data: gy, shape: outShape }], (be, [g2]) => be.avgPool2dBackward(g2, c.xShape, p), [
          { size: sizeOf(c.xShape) },
        ]);
        expectClose(gb, cb, 1e-6, `avgPool2dBackward ${caseName(c)} incl=${countIncludePad}`);
      }
    }
  });

  it('adaptiveAvgPool2d and its backward', async () => {
    let seed = 2000;
    const outs: Pair[] = [
      [1, 1],
      [3, 5],
      [7, 2],
      [13, 33],
    ];
    let k = 0;
    for (const h of SIZES) {
      for (const w of SIZES) {
        const xShape = [1 + (k % 2), 3, h, w];
        const [oh, ow] = outs[k++ % outs.length];
        const outShape = [xShape[0], 3, oh, ow];
        const x = randArray(sizeOf(xShape), seed++);
        const [[g], [r]] = await both([{ data: x, shape: xShape }], (be, [xb]) => be.adaptiveAvgPool2d(xb, oh, ow), [
          { size: sizeOf(outShape) },
        ]);
        expectClose(g, r, 1e-6, `adaptiveAvgPool2d [${xShape}] -> ${oh}x${ow}`);
        const gy = randArray(sizeOf(outShape), seed++);
        const [[gb], [cb]] = await both([{ data: gy, shape: outShape }], (be, [gyb]) => be.adaptiveAvgPool2dBackward(gyb, xShape), [
          { size: sizeOf(xShape) },
        ]);
        expectClose(gb, cb, 1e-6, `adaptiveAvgPool2dBackward [${xShape}] -> ${oh}x${ow}`);
      }
    }
  });

  it('upsample2d and its backward: nearest, bilinear with and without alignCorners, up and down', async () => {
    let seed = 3000;
    const outs: Pair[] = [
      [1, 1],
      [26, 22],
      [7, 13],
      [2, 66],
      [33, 5],
    ];
    let k = 0;
    for (const h of SIZES) {
      for (const w of SIZES) {
        const xShape = [1 + (k % 2), 3, h, w];
        const [oh, ow] = outs[k++ % outs.length];
        const outShape = [xShape[0], 3, oh, ow];
        const x = randArray(sizeOf(xShape), seed++);
        const gy = randArray(sizeOf(outShape), seed++);
        for (const [mode, ac] of [
          ['nearest', false],
          ['bilinear', false],
          ['bilinear', true],
        ] as const) {
          const what = `[${xShape}] -> ${oh}x${ow} ${mode} alignCorners=${ac}`;
          const [[g], [r]] = await both([{ data: x, shape: xShape }], (be, [xb]) => be.upsample2d(xb, oh, ow, mode, ac), [
            { size: sizeOf(outShape) },
          ]);
          expectClose(g, r, mode === 'nearest' ? 0 : 1e-6, `upsample2d ${what}`);
          const [[gb], [cb]] = await both([{ data: gy, shape: outShape }], (be, [gyb]) => be.upsample2dBackward(gyb, xShape, mode, ac), [
            { size: sizeOf(xShape) },
          ]);
          expectClose(gb, cb, 1e-6, `upsample2dBackward ${what}`);
        }
      }
    }
  });

  it('upsample2d: float32 nearest positions and exact bilinear positions past 32-bit products', async () => {
    // 26 -> 22 nearest (dst 11 reads 12 in float32); 70001 -> 66003 needs 64-bit position products.
    for (const [w, ow] of [
      [26, 22],
      [14, 46],
      [70001, 66003],
    ] as const) {
      const xShape = [1, 1, 1, w];
      const x = randArray(w, w);
      const gy = randArray(ow, ow);
      for (const [mode, ac] of [
        ['nearest', false],
        ['bilinear', false],
        ['bilinear', true],
      ] as const) {
        const what = `1x${w} -> 1x${ow} ${mode} alignCorners=${ac}`;
        const [[g], [r]] = await both([{ data: x, shape: xShape }], (be, [xb]) => be.upsample2d(xb, 1, ow, mode, ac), [{ size: ow }]);
        expectClose(g, r, mode === 'nearest' ? 0 : 1e-6, `upsample2d ${what}`);
        const [[gb], [cb]] = await both([{ data: gy, shape: [1, 1, 1, ow] }], (be, [gyb]) => be.upsample2dBackward(gyb, xShape, mode, ac), [
          { size: w },
        ]);
        expectClose(gb, cb, 1e-6, `upsample2dBackward ${what}`);
      }
    }
  });
});
