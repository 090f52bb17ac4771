/**
 * fusedConv2d (conv2d + bias + per-channel affine + ReLU in one kernel) and conv2dBatchNorm
 * (an eval BatchNorm folded into that epilogue), on both engines:
 * - fused against the unfused composition conv2d → channelAffine / batchNorm(eval) → relu:
 *   values and the gradients of x, weight, bias, scale / shift (gamma / beta), on random
 *   geometries with odd sizes, groups, stride, padding, dilation, with and without bias and relu;
 * - the WebGPU kernel against the CPU reference (float64) on the same inputs;
 * - central finite differences of every input's gradient on the CPU engine;
 * - GPU memory flat across repeated fused forward + backward calls.
 *
 * Tolerances (max |a - b| / max |b| per tensor): fused vs unfused on one engine 1e-5 (values)
 * and 1e-4 (gradients); WebGPU vs CPU 1e-5 / 1e-4 (float32 kernels against float64); finite
 * differences 1e-4 relative (eps 1e-5, float64 CPU engine; every pre-activation is checked to
 * lie farther than the step can move it from ReLU's kink).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import {
  batchNorm,
  channelAffine,
  conv2d,
  conv2dBatchNorm,
  fusedConv2d,
  gradientTape,
  greater,
  mul,
  relu,
  sub,
  sum,
  type Tensor,
  withBackwardOverride,
} from '../src/index.js';
import { enginePair } from './helpers/gpu.js';
import { maxAbsRel, randArray } from './helpers/random.js';

const pair = await enginePair();
afterAll(() => pair.dispose());
const engines: [string, Engine][] = [['cpu', pair.cpu], ...(pair.gpu ? [['webgpu', pair.gpu] as [string, Engine]] : [])];

interface Geo {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
  bias: boolean;
  /** Affine epilogue: scale and shift both, or only one of them. */
  affine: 'both' | 'scale' | 'shift' | 'none';
}

const GEOS: Geo[] = [
  { name: '3x3 pad 1', x: [2, 3, 5, 7], w: [4, 3, 3, 3], padding: [1, 1], bias: true, affine: 'both' },
  {
    name: 'groups 2, stride [2,1], dilation [1,2], no bias',
    x: [1, 4, 7, 9],
    w: [6, 2, 3, 2],
    stride: [2, 1],
    padding: [1, 0],
    dilation: [1, 2],
    groups: 2,
    bias: false,
    affine: 'both',
  },
  {
    name: 'depthwise stride 2 dilation 2, scale only',
    x: [2, 6, 9, 8],
    w: [6, 1, 3, 3],
    stride: [2, 2],
    padding: [1, 1],
    dilation: [2, 2],
    groups: 6,
    bias: true,
    affine: 'scale',
  },
  { name: '1x1, shift only', x: [3, 2, 5, 4], w: [5, 2, 1, 1], bias: true, affine: 'shift' },
  { name: 'past one tile (O 17, 143 pixels), no affine', x: [1, 5, 11, 13], w: [17, 5, 3, 3], padding: [1, 1], bias: true, affine: 'none' },
];

const convOpts = (g: Geo) => ({ stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups });

/** Host data of a case: x, w, bias, scale (kept away from 0), shift, and the cotangent R. */
function caseData(g: Geo, seed: number) {
  const o = g.w[0];
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const scale = randArray(o, seed + 3, 0.5, 1.5).map((v, i) => (i % 2 ? -v : v));
  return {
    x: randArray(n(g.x), seed),
    w: randArray(n(g.w), seed + 1),
    bias: randArray(o, seed + 2),
    scale,
    shift: randArray(o, seed + 4, -0.5, 0.5),
    seed,
  };
}

type Data = ReturnType<typeof caseData>;

/** y and the gradients of sum(y * R) for [x, w, bias?, scale?, shift?], fused or composed. */
async function runCase(e: Engine, g: Geo, d: Data, withRelu: boolean, fused: boolean) {
  const o = g.w[0];
  const x = e.tensor(d.x, g.x);
  const w = e.tensor(d.w, g.w);
  const b = g.bias ? e.tensor(d.bias, [o]) : null;
  const s = g.affine === 'both' || g.affine === 'scale' ? e.tensor(d.scale, [o]) : null;
  const t = g.affine === 'both' || g.affine === 'shift' ? e.tensor(d.shift, [o]) : null;
  const inputs = [x, w, b, s, t].filter((v): v is Tensor => v !== null);
  const { y, grads } = gradientTape((tape) => {
    let out: Tensor;
    if (fused) {
      out = fusedConv2d(x, w, b, { ...convOpts(g), scale: s, shift: t, relu: withRelu });
    } else {
      out = conv2d(x, w, b, convOpts(g));
      if (s || t) out = channelAffine(out, s ?? e.ones([o]), t ?? e.zeros([o]));
      if (withRelu) out = relu(out);
    }
    const R = e.tensor(randArray(out.size, d.seed + 9), out.shape);
    return { y: out, grads: tape.gradient(sum(mul(out, R)), inputs) };
  });
  const res = { y: await y.read(), grads: await Promise.all(grads.map((t) => t.read())) };
  for (const v of [y, ...grads, ...inputs]) v.dispose();
  return res;
}

describe('fusedConv2d: fused against unfused, and WebGPU against the CPU reference', () => {
  GEOS.forEach((g, k) => {
    for (const withRelu of [false, true]) {
      it(`${g.name}${withRelu ? ', relu' : ''}`, async () => {
        const d = caseData(g, 100 + 10 * k);
        const ref = await runCase(pair.cpu, g, d, withRelu, false);
        for (const [name, e] of engines) {
          const f = await runCase(e, g, d, withRelu, true);
          const u = await runCase(e, g, d, withRelu, false);
          expect(maxAbsRel(f.y, u.y), `${name} values`).toBeLessThanOrEqual(1e-5);
          expect(maxAbsRel(f.y, ref.y), `${name} values vs cpu`).toBeLessThanOrEqual(1e-5);
          expect(f.grads.length).toBe(2 + (g.bias ? 1 : 0) + (g.affine === 'both' ? 2 : g.affine === 'none' ? 0 : 1));
          f.grads.forEach((gr, i) => {
            expect(maxAbsRel(gr, u.grads[i]), `${name} gradient ${i}`).toBeLessThanOrEqual(1e-4);
            expect(maxAbsRel(gr, ref.grads[i]), `${name} gradient ${i} vs cpu`).toBeLessThanOrEqual(1e-4);
          });
        }
      });
    }
  });

  it('conv2dBatchNorm equals conv2d → batchNorm (eval) → relu, gradients of gamma and beta included', async () => {
    const g = GEOS[0];
    const d = caseData(g, 7);
    const o = g.w[0];
    const results: Record<string, ArrayLike<number>[]> = {};
    for (const [name, e] of engines) {
      for (const fused of [true, false]) {
        const x = e.tensor(d.x, g.x);
        const w = e.tensor(d.w, g.w);
        const b = e.tensor(d.bias, [o]);
        const mean = e.tensor(randArray(o, 21, -0.3, 0.3), [o]);
        const vr = e.tensor(randArray(o, 22, 0.5, 2), [o]);
        const gamma = e.tensor(d.scale, [o]);
        const beta = e.tensor(d.shift, [o]);
        const params = [x, w, b, gamma, beta];
        const { y, grads } = gradientTape((tape) => {
          const out = fused
            ? conv2dBatchNorm(
                x,
                w,
                b,
                { runningMean: mean, runningVar: vr, weight: gamma, bias: beta, eps: 1e-3 },
                { padding: 1, relu: true },
              )
            : relu(batchNorm(conv2d(x, w, b, { padding: 1 }), mean, vr, gamma, beta, { training: false, eps: 1e-3 }).y);
          const R = e.tensor(randArray(out.size, 23), out.shape);
          return { y: out, grads: tape.gradient(sum(mul(out, R)), params) };
        });
        results[`${name} ${fused}`] = [await y.read(), ...(await Promise.all(grads.map((t) => t.read())))];
        for (const v of [y, ...grads, ...params, mean, vr]) v.dispose();
      }
    }
    const ref = results['cpu false'];
    for (const [key, got] of Object.entries(results)) {
      got.forEach((a, i) => expect(maxAbsRel(a, ref[i]), `${key} [${i}]`).toBeLessThanOrEqual(i === 0 ? 1e-5 : 1e-4));
    }
  });

  it("applies an active withBackwardOverride({ relu }) rule inside the fused op (Guided Backprop's rule)", async () => {
    const g = GEOS[0];
    const d = caseData(g, 31);
    for (const [name, e] of engines) {
      const grads: ArrayLike<number>[] = [];
      for (const fused of [true, false]) {
        const x = e.tensor(d.x, g.x);
        const w = e.tensor(d.w, g.w);
        const s = e.tensor(d.scale, [4]);
        const t = e.tensor(d.shift, [4]);
        // Guided rule: pass only positive gradients where the input was positive.
        const guided = ([gy]: readonly Tensor[], [xin]: readonly Tensor[]) => [mul(relu(gy), greater(xin, 0))];
        const [gx] = gradientTape((tape) => {
          const out = fused
            ? fusedConv2d(x, w, null, { padding: 1, scale: s, shift: t, relu: true })
            : relu(channelAffine(conv2d(x, w, null, { padding: 1 }), s, t));
          const R = e.tensor(randArray(out.size, 5), out.shape);
          return withBackwardOverride({ relu: guided }, () => tape.gradient(sum(mul(out, R)), [x]));
        });
        grads.push(await gx.read());
        for (const v of [gx, x, w, s, t]) v.dispose();
      }
      expect(maxAbsRel(grads[0], grads[1]), name).toBeLessThanOrEqual(1e-4);
    }
  });

  it('rejects bad scale / shift / options with errors naming them', () => {
    const e = pair.cpu;
    const x = e.zeros([1, 2, 4, 4]);
    const w = e.zeros([3, 2, 3, 3]);
    const bad = e.zeros([2]);
    expect(() => fusedConv2d(x, w, null, { scale: bad })).toThrow(/scale must be \[3\]/);
    expect(() => fusedConv2d(x, w, null, { shift: bad })).toThrow(/shift must be \[3\]/);
    expect(() => fusedConv2d(x, w, null, { relu: 1 as unknown as boolean })).toThrow(/relu must be a boolean/);
    expect(() => fusedConv2d(x, w, null, { padd: 1 } as never)).toThrow(/unknown option 'padd'/);
    const bn = { runningMean: bad, runningVar: bad, weight: null, bias: null };
    expect(() => conv2dBatchNorm(x, w, null, bn)).toThrow(/bn.runningMean must be \[3\]/);
    expect(() => conv2dBatchNorm(x, null as never, null, bn)).toThrow(/weight must be a Tensor/);
    for (const t of [x, w, bad]) t.dispose();
  });
});

describe('fusedConv2d: finite differences on the CPU engine', () => {
  const EPS = 1e-5;
  const e = pair.cpu;
  for (const g of [GEOS[1], GEOS[0]]) {
    it(`every input's gradient, ${g.name}, relu`, async () => {
      const d = caseData(g, 55);
      const o = g.w[0];
      const host: { data: Float64Array; shape: number[] }[] = [
        { data: Float64Array.from(d.x), shape: g.x },
        { data: Float64Array.from(d.w), shape: g.w },
        ...(g.bias ? [{ data: Float64Array.from(d.bias), shape: [o] }] : []),
        { data: Float64Array.from(d.scale), shape: [o] },
        { data: Float64Array.from(d.shift), shape: [o] },
      ];
      const f = (ts: Tensor[]) => {
        const [x, w, ...rest] = ts;
        const b = g.bias ? rest[0] : null;
        const [s, t] = g.bias ? rest.slice(1) : rest;
        return fusedConv2d(x, w, b, { ...convOpts(g), scale: s, shift: t, relu: true });
      };
      const up = (arrs: { data: Float64Array; shape: number[] }[]) => arrs.map((a) => e.tensor(a.data, a.shape));
      // The kink: every pre-activation must lie farther from 0 than one step can move it.
      const pre = await e
        .tidy(() => {
          const ts = up(host);
          const [x, w, ...rest] = ts;
          const b = g.bias ? rest[0] : null;
          const [s, t] = g.bias ? rest.slice(1) : rest;
          return fusedConv2d(x, w, b, { ...convOpts(g), scale: s, shift: t, relu: false });
        })
        .read();
      const yShape = e.tidy(() => f(up(host)).shape);
      const R = e.tensor(randArray(pre.length, 77), yShape);
      // One coordinate moves a pre-activation by at most EPS times the largest of |x| |scale|,
      // |w| |scale|, |scale|, |z| and 1 (for x, w, bias, scale, shift); twice that for margin.
      const amax = (h: { data: Float64Array }) => Math.max(...h.data.map(Math.abs));
      const sAbs = amax(host[host.length - 2]);
      const zAbs = (Math.max(...pre.map(Math.abs)) + amax(host[host.length - 1])) / Math.min(...host[host.length - 2].data.map(Math.abs));
      const reach = 2 * EPS * Math.max(amax(host[0]) * sAbs, amax(host[1]) * sAbs, sAbs, zAbs, 1);
      expect(Math.min(...pre.map(Math.abs))).toBeGreaterThan(reach);
      const analytic = await e.tidy(() => {
        const ts = up(host);
        return gradientTape((tape) => tape.gradient(sum(mul(f(ts), R)), ts));
      });
      for (let j = 0; j < host.length; j++) {
        const a = await analytic[j].read();
        const n = host[j].data.length;
        const idx = n <= 40 ? [...Array(n).keys()] : [0, n - 1, ...Array.from({ length: 20 }, (_, i) => Math.floor(((i + 0.5) * n) / 20))];
        const num: number[] = [];
        for (const i of idx) {
          const diff = e.tidy(() => {
            const plus = host.map((h) => ({ ...h, data: Float64Array.from(h.data) }));
            const minus = host.map((h) => ({ ...h, data: Float64Array.from(h.data) }));
            plus[j].data[i] += EPS;
            minus[j].data[i] -= EPS;
            return sub(sum(mul(f(up(plus)), R)), sum(mul(f(up(minus)), R)));
          });
          num.push((await diff.read())[0] / (2 * EPS));
          diff.dispose();
        }
        const picked = idx.map((i) => a[i]);
        expect(maxAbsRel(picked, num), `input ${j}`).toBeLessThanOrEqual(1e-4);
        analytic[j].dispose();
      }
      R.dispose();
    });
  }
});

describe('fusedConv2d: memory', () => {
  it('GPU (or CPU) memory is flat across repeated fused forward + backward calls', async () => {
    const e = pair.gpu ?? pair.cpu;
    const g = GEOS[0];
    const d = caseData(g, 3);
    const x = e.tensor(d.x, g.x);
    const w = e.tensor(d.w, g.w);
    const s = e.tensor(d.scale, [4]);
    const t = e.tensor(d.shift, [4]);
    const step = async () => {
      const grads = gradientTape((tape) => {
        const y = fusedConv2d(x, w, null, { padding: 1, scale: s, shift: t, relu: true });
        return tape.gradient(sum(y), [x, w, s, t]);
      });
      await grads[0].read();
      grads.forEach((v) => v.dispose());
    };
    await step();
    const before = e.memory();
    for (let i = 0; i < 5; i++) await step();
    const after = e.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    for (const v of [x, w, s, t]) v.dispose();
  });
});
