/**
 * WebGPU elementwise kernels (fill, unary, binary, where, cast) against the CPU reference.
 * Tolerances, per element, |gpu - cpu| <= tol * max(|cpu|, 1):
 * - exact: fill, cast, where, neg/abs/relu/sign/step/clamp, maximum/minimum, comparisons;
 * - 1e-6: add/sub/mul/div, square, reciprocal, affine (float32 rounding of a float64 result);
 * - 2e-6: transcendental ops (exp, log, sqrt, sigmoid, tanh, sin, cos) and pow;
 * - 2e-5: pow with an exponent past the exact-multiplication range (|y| > 64), computed as
 *   exp2(y * log2|x|) in float32, whose error grows with |y|.
 * NaN and infinities must match exactly.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, BinaryOp, Buf, DType, Storage, UnaryOp } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { broadcastLayout } from '../../src/engine/webgpu/kernels/elementwise.js';
import { sizeOf, broadcastShapes } from '../../src/engine/shape.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

interface Input {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: DType;
}

/** Runs `f` on one backend with the inputs uploaded; returns the result read back. */
async function runOn(be: Backend, ins: Input[], f: (be: Backend, xs: Buf[]) => Storage, outSize: number, outDtype: DType) {
  const xs = ins.map((i) => ({ storage: be.upload(i.data, i.dtype ?? 'float32'), shape: i.shape, dtype: i.dtype ?? 'float32' }));
  const s = f(be, xs);
  const out = await be.read(s, outSize, outDtype);
  for (const x of xs) be.free(x.storage);
  be.free(s);
  return out;
}

/** [gpu, cpu] results of `f`. */
async function both(ins: Input[], f: (be: Backend, xs: Buf[]) => Storage, outSize: number, outDtype: DType = 'float32') {
  return [await runOn(gpu!, ins, f, outSize, outDtype), await runOn(cpu, ins, f, outSize, outDtype)] as const;
}

/** Per-element |got - want| <= tol * max(|want|, 1); NaN and infinities must match exactly. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what = '') {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= tol * Math.max(Math.abs(w), 1) : Object.is(g, w) || (w !== w && g !== g);
    if (!ok) expect.fail(`${what} element ${i}: got ${g}, want ${w} (tol ${tol})`);
  }
}

const SIZES = [1, 7, 13, 257, 4099];

describe.skipIf(!gpu)('webgpu elementwise kernels', () => {
  it('fill: float32 and int32 bit patterns, sizes 0 to past one workgroup', async () => {
    for (const n of [0, 1, 7, 257, 100_003]) {
      for (const [v, dt] of [
        [1.5, 'float32'],
        [-0.1, 'float32'],
        [NaN, 'float32'],
        [-Infinity, 'float32'],
        [-7, 'int32'],
        [3.9, 'int32'],
        [3e10, 'int32'],
      ] as const) {
        const g = await gpu!.read(gpu!.fill(n, v, dt), n, dt);
        const c = await cpu.read(cpu.fill(n, v, dt), n, dt);
        expect(Array.from(g)).toEqual(Array.from(c));
      }
    }
  });

  const unaryCases: [UnaryOp, number, number, number, number?, number?][] = [
    // op, tol, input lo, hi, a, b
    ['neg', 0, -5, 5],
    ['abs', 0, -5, 5],
    ['relu', 0, -5, 5],
    ['sign', 0, -5, 5],
    ['step', 0, -5, 5],
    ['clamp', 0, -2, 2, -0.5, 0.3],
    ['square', 1e-6, -5, 5],
    ['reciprocal', 1e-6, 0.1, 5],
    ['affine', 1e-6, -5, 5, 2.5, -1],
    ['exp', 2e-6, -10, 10],
    ['log', 2e-6, 1e-3, 100],
    ['sqrt', 2e-6, 0, 100],
    ['sigmoid', 2e-6, -30, 30],
    ['tanh', 2e-6, -6, 6],
    ['sin', 2e-6, -4, 4],
    ['cos', 2e-6, -4, 4],
    ['powScalar', 2e-6, -3, 3, 2],
    ['powScalar', 2e-6, -3, 3, 3],
    ['powScalar', 2e-6, -3, 3, -1],
    ['powScalar', 2e-6, 0.1, 3, 0.5],
    ['powScalar', 2e-6, 0.1, 3, -2.5],
    ['powScalar', 2e-5, -1.2, 1.2, 65],
  ];
  for (const [op, tol, lo, hi, a, b] of unaryCases) {
    it(`unary ${op}${a === undefined ? '' : `(${a}${b === undefined ? '' : `, ${b}`})`} within ${tol}`, async () => {
      for (const n of SIZES) {
        const x = randArray(n, n + op.length, lo, hi);
        const [g, c] = await both([{ data: x, shape: [n] }], (be, [xb]) => be.unary(op, xb, a, b), n);
        expectClose(g, c, tol, `${op} n=${n}`);
      }
    });
  }

  it('unary on 64 * 70000 elements (more than 65,535 workgroups)', async () => {
    const n = 64 * 70_000;
    const x = randArray(n, 5);
    const g = await runOn(gpu!, [{ data: x, shape: [n] }], (be, [xb]) => be.unary('neg', xb), n, 'float32');
    for (let i = 0; i < n; i++) if (g[i] !== -x[i]) expect.fail(`element ${i}: ${g[i]} vs ${-x[i]}`);
  });

  it('unary special values follow JS Math semantics', async () => {
    const x = [0, -0, NaN, Infinity, -Infinity, 20, -20, 100, -100, 1e30, -1e30, 1, -1, 0.5];
    for (const op of ['sign', 'relu', 'tanh', 'sigmoid', 'step', 'abs', 'neg', 'exp'] as const) {
      const [g, c] = await both([{ data: x, shape: [x.length] }], (be, [xb]) => be.unary(op, xb), x.length);
      expectClose(g, c, 2e-6, op);
    }
    for (const [a, b] of [
      [-0.5, 0.5],
      [-Infinity, 0],
      [0, Infinity],
    ]) {
      const [g, c] = await both([{ data: x, shape: [x.length] }], (be, [xb]) => be.unary('clamp', xb, a, b), x.length);
      expectClose(g, c, 0, `clamp(${a}, ${b})`);
    }
  });

  it('pow special cases follow Math.pow', async () => {
    const cases = [
      [-8, 3],
      [-8, 2],
      [-8, 1 / 3],
      [-2, 0.5],
      [0, 0],
      [-0, 0],
      [NaN, 0],
      [1, NaN],
      [NaN, 1],
      [0, -1],
      [-0, -1],
      [-0, -2],
      [0, 2.5],
      [-0, 3],
      [2, 100],
      [2, 200],
      [-2, -3],
      [-2, 65],
      [-2, 64],
      [Infinity, -1],
      [-Infinity, 3],
      [-Infinity, 0.5],
      [0.5, Infinity],
      [2, -Infinity],
      [-1, Infinity],
      [-3, 1e9],
      [-1.5, 7],
    ];
    const a = cases.map((c) => c[0]);
    const b = cases.map((c) => c[1]);
    const [g, c] = await both(
      [
        { data: a, shape: [a.length] },
        { data: b, shape: [b.length] },
      ],
      (be, [ab, bb]) => be.binary('pow', ab, bb, [a.length]),
      a.length,
    );
    expectClose(g, c, 2e-6, 'pow');
    // powScalar takes the same path.
    for (const y of [3, 0.5, 0, -1]) {
      const [g2, c2] = await both([{ data: a, shape: [a.length] }], (be, [ab]) => be.unary('powScalar', ab, y), a.length);
      expectClose(g2, c2, 2e-6, `powScalar ${y}`);
    }
  });

  /** Random broadcast-compatible shape pairs (dims from {1, 2, 3, 7, 13}). */
  function shapePairs(seed: number, count: number): [number[], number[]][] {
    const r = rng(seed);
    const dims = [1, 2, 3, 7, 13];
    const out: [number[], number[]][] = [];
    for (let k = 0; k < count; k++) {
      const rank = 1 + Math.floor(r() * 4);
      const full = Array.from({ length: rank }, () => dims[Math.floor(r() * dims.length)]);
      const a = full.map((d) => (r() < 0.3 ? 1 : d));
      const b = full.map((d) => (r() < 0.3 ? 1 : d)).slice(Math.floor(r() * rank));
      out.push(r() < 0.5 ? [a, b] : [b, a]);
    }
    return out;
  }
  const fixedPairs: [number[], number[]][] = [
    [[], []],
    [[1], []],
    [[], [257]],
    [[257], [1]],
    [
      [7, 13],
      [7, 13],
    ],
    [[300, 257], [257]],
    [
      [3, 1, 5],
      [4, 1],
    ],
    [
      [2, 3, 4, 5],
      [3, 1, 5],
    ],
    [[13], [7, 1]],
    [[5, 1, 1, 1, 1, 1, 1, 3, 2], [2]],
    [
      [70, 1, 80],
      [1, 90, 1],
    ],
  ];

  const binaryCases: [BinaryOp, number][] = [
    ['add', 1e-6],
    ['sub', 1e-6],
    ['mul', 1e-6],
    ['div', 1e-6],
    ['pow', 2e-6],
    ['maximum', 0],
    ['minimum', 0],
    ['gt', 0],
    ['ge', 0],
    ['lt', 0],
    ['le', 0],
    ['eq', 0],
    ['ne', 0],
    ['reluGrad', 0],
  ];
  for (const [op, tol] of binaryCases) {
    it(`binary ${op} with broadcasting within ${tol}`, async () => {
      for (const [as, bs] of [...fixedPairs, ...shapePairs(op.length * 7, 12)]) {
        const out = broadcastShapes(as, bs);
        const n = sizeOf(out);
        // Values on a 0.5 grid so that comparisons see ties; pow gets a positive base.
        const grid = (v: Float32Array) => v.map((t) => Math.round(t * 2) / 2);
        const a = op === 'pow' ? randArray(sizeOf(as), 1, 0.1, 3) : grid(randArray(sizeOf(as), 1, -3, 3));
        const b = op === 'pow' ? randArray(sizeOf(bs), 2, -3, 3) : grid(randArray(sizeOf(bs), 2, -3, 3));
        if (op === 'div')
          b.forEach((v, i) => {
            if (v === 0) b[i] = 0.25;
          });
        const [g, c] = await both(
          [
            { data: a, shape: as },
            { data: b, shape: bs },
          ],
          (be, [ab, bb]) => be.binary(op, ab, bb, out),
          n,
        );
        expectClose(g, c, tol, `${op} [${as}] vs [${bs}]`);
      }
    });
  }

  it('binary ops with NaN and infinities', async () => {
    const a = [NaN, 1, NaN, Infinity, -Infinity, 0, -0, 2];
    const b = [1, NaN, NaN, Infinity, 1, -0, 0, 2];
    for (const [op] of binaryCases) {
      const [g, c] = await both(
        [
          { data: a, shape: [8] },
          { data: b, shape: [8] },
        ],
        (be, [ab, bb]) => be.binary(op, ab, bb, [8]),
        8,
      );
      expectClose(g, c, 1e-6, op);
    }
  });

  it('binary with a size-0 output', async () => {
    const [g, c] = await both(
      [
        { data: [], shape: [0, 3] },
        { data: [1, 2, 3], shape: [3] },
      ],
      (be, [ab, bb]) => be.binary('add', ab, bb, [0, 3]),
      0,
    );
    expect(g.length).toBe(0);
    expect(c.length).toBe(0);
  });

  it('where: float32 and int32 data, float32 and int32 conditions, broadcasting', async () => {
    const cases: [number[], number[], number[]][] = [
      [[7], [7], [7]],
      [[], [13], [13]],
      [[257], [1], []],
      [
        [3, 1],
        [1, 4],
        [3, 4],
      ],
      [[2, 1, 5], [3, 1], [5]],
      [[300, 1], [300, 257], [257]],
    ];
    for (const [cs, as, bs] of cases) {
      const out = broadcastShapes(broadcastShapes(cs, as), bs);
      const n = sizeOf(out);
      for (const condType of ['float32', 'int32'] as const) {
        for (const dataType of ['float32', 'int32'] as const) {
          const cond = Array.from(randArray(sizeOf(cs), 3), (v, i) =>
            v < 0 ? 0 : i % 3 === 0 ? -0 : i % 5 === 0 && condType === 'float32' ? NaN : v > 0.5 ? 2 : 1,
          );
          const a = Array.from(randArray(sizeOf(as), 4, -100, 100), (v) => (dataType === 'int32' ? Math.round(v) : v));
          const b = Array.from(randArray(sizeOf(bs), 5, -100, 100), (v) => (dataType === 'int32' ? Math.round(v) : v));
          const [g, c] = await both(
            [
              { data: cond, shape: cs, dtype: condType },
              { data: a, shape: as, dtype: dataType },
              { data: b, shape: bs, dtype: dataType },
            ],
            (be, [cb, ab, bb]) => be.where(cb, ab, bb, out),
            n,
            dataType,
          );
          expect(Array.from(g), `where ${condType}/${dataType} [${cs}] [${as}] [${bs}]`).toEqual(Array.from(c));
        }
      }
    }
  });

  // Layouts the row entry points (binary.wgsl rows / chooseRows) take: per-row, per-column,
  // per-channel and outer-product broadcasts with a last merged axis of >= 32, rows past one
  // workgroup's chunk (256) and ragged ends; plus layouts that stay on the general path.
  const rowPairs: [number[], number[], 'rows' | 'strided'][] = [
    [[5, 300], [5, 1], 'rows'],
    [[5, 1], [5, 300], 'rows'],
    [[7, 33], [33], 'rows'],
    [[33], [7, 33], 'rows'],
    [[3, 5, 257], [5, 1], 'rows'],
    [[1, 5, 1], [3, 5, 257], 'rows'],
    [[2, 3, 4, 67], [1, 3, 1, 1], 'rows'],
    [[2, 3, 600], [2, 1, 600], 'rows'],
    [[7, 1], [1, 40], 'rows'],
    [[4, 1, 31], [1, 5, 31], 'strided'],
    [[2, 3, 4, 40], [2, 1, 4, 1], 'strided'],
    [[3, 1, 2, 1, 2, 40], [2, 1, 1, 1, 40], 'strided'],
  ];

  it('binary broadcast layouts: row entry points and the general path', async () => {
    for (const [as, bs, kind] of rowPairs) {
      const out = broadcastShapes(as, bs);
      expect(broadcastLayout([as, bs], out).kind, `[${as}] vs [${bs}]`).toBe(kind);
      for (const op of ['add', 'sub', 'div', 'maximum', 'lt'] as BinaryOp[]) {
        const a = randArray(sizeOf(as), 11, -3, 3);
        const b = randArray(sizeOf(bs), 12, 0.5, 3);
        const [g, c] = await both(
          [
            { data: a, shape: as },
            { data: b, shape: bs },
          ],
          (be, [ab, bb]) => be.binary(op, ab, bb, out),
          sizeOf(out),
        );
        expectClose(g, c, 1e-6, `${op} [${as}] vs [${bs}]`);
      }
    }
  });

  it('binary row layout with more rows than one dispatch dimension holds', async () => {
    const as = [70000, 32];
    const bs = [70000, 1];
    expect(broadcastLayout([as, bs], as).kind).toBe('rows');
    const a = randArray(sizeOf(as), 13);
    const b = randArray(sizeOf(bs), 14);
    const [g, c] = await both(
      [
        { data: a, shape: as },
        { data: b, shape: bs },
      ],
      (be, [ab, bb]) => be.binary('mul', ab, bb, as),
      sizeOf(as),
    );
    expectClose(g, c, 1e-6, 'mul [70000,32] [70000,1]');
  });

  it('where on row layouts (float32 and int32 conditions)', async () => {
    const cases: [number[], number[], number[]][] = [
      [[5, 1], [5, 300], [300]],
      [[1, 3, 1], [2, 3, 257], []],
      [
        [2, 1, 40],
        [3, 1],
        [2, 3, 40],
      ],
    ];
    for (const [cs, as, bs] of cases) {
      const out = broadcastShapes(broadcastShapes(cs, as), bs);
      expect(broadcastLayout([as, bs, cs], out).kind).toBe('rows');
      for (const condType of ['float32', 'int32'] as const) {
        const cond = Array.from(randArray(sizeOf(cs), 15), (v, i) => (v < 0 ? 0 : i % 3 === 0 && condType === 'float32' ? -0 : 1));
        const a = randArray(sizeOf(as), 16, -100, 100);
        const b = randArray(sizeOf(bs), 17, -100, 100);
        const [g, c] = await both(
          [
            { data: cond, shape: cs, dtype: condType },
            { data: a, shape: as },
            { data: b, shape: bs },
          ],
          (be, [cb, ab, bb]) => be.where(cb, ab, bb, out),
          sizeOf(out),
        );
        expect(Array.from(g), `where ${condType} [${cs}] [${as}] [${bs}]`).toEqual(Array.from(c));
      }
    }
  });

  it('channelAffine: row and flat entry points, odd channel counts, rows past one workgroup', async () => {
    const cases: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 1],
      [2, 7, 13],
      [1, 3, 31],
      [2, 5, 32],
      [3, 7, 301],
      [4, 1, 1000],
      [2, 33, 257],
      [70000, 1, 32],
    ];
    for (const [outer, ch, inner] of cases) {
      const n = outer * ch * inner;
      const x = randArray(n, 18, -3, 3);
      const sc = randArray(ch, 19, -2, 2);
      const sh = randArray(ch, 20, -2, 2);
      const [g, c] = await both(
        [
          { data: x, shape: [outer, ch, inner] },
          { data: sc, shape: [ch] },
          { data: sh, shape: [ch] },
        ],
        (be, [xb, sb, tb]) => be.channelAffine(xb, sb, tb, ch, inner),
        n,
      );
      expectClose(g, c, 2e-6, `channelAffine [${outer},${ch},${inner}]`);
    }
    // NaN and infinities propagate as in x * s + t.
    const x = [NaN, Infinity, -Infinity, 0, 1, 2];
    const [g, c] = await both(
      [
        { data: x, shape: [2, 3] },
        { data: [1, 0, -1], shape: [3] },
        { data: [0, 1, Infinity], shape: [3] },
      ],
      (be, [xb, sb, tb]) => be.channelAffine(xb, sb, tb, 3, 1),
      6,
    );
    expectClose(g, c, 0, 'channelAffine special values');
  });

  it('cast float32 <-> int32 (truncation, saturation, NaN -> 0) exactly', async () => {
    const special = [-3.7, 3.7, -0.5, 0.5, 0, -0, 1e10, -1e10, NaN, Infinity, -Infinity, 2147483520, 2147483648, -2147483648, -2147483904];
    for (const n of SIZES) {
      const x = [...special, ...Array.from(randArray(n, n, -1e6, 1e6))];
      const [g, c] = await both([{ data: x, shape: [x.length] }], (be, [xb]) => be.cast(xb, 'int32'), x.length, 'int32');
      expect(Array.from(g)).toEqual(Array.from(c));
      const xi = x.map((v) => (Number.isFinite(v) ? Math.max(-2147483648, Math.min(2147483647, Math.trunc(v))) : 0));
      const [g2, c2] = await both([{ data: xi, shape: [xi.length], dtype: 'int32' }], (be, [xb]) => be.cast(xb, 'float32'), xi.length);
      expect(Array.from(g2)).toEqual(Array.from(c2));
      for (const dt of ['float32', 'int32'] as const) {
        const [g3, c3] = await both([{ data: xi, shape: [xi.length], dtype: dt }], (be, [xb]) => be.cast(xb, dt), xi.length, dt);
        expect(Array.from(g3)).toEqual(Array.from(c3));
      }
    }
  });
});
