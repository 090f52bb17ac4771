/**
 * The fused log-mel path (engine op `stftMel`, used by audio.logMel with method 'fft' unless
 * `fused: false`): same values and gradients as the unfused chain on both backends (random
 * option sets: power / magnitude, with and without decibels, topDb, normalisation, a Tensor
 * window, odd lengths and odd nFft, zero and no centre padding, batches with extra leading axes,
 * rows too long for workgroup memory); a finite-difference gradient check of stftMel with respect
 * to the wave, the window and the filterbank on the CPU engine; WebGPU-vs-CPU gradient parity;
 * argument errors; and no GPU memory growth across repeated calls.
 *
 * Tolerances (max|a - b| / max|b|): fused vs unfused on the CPU 1e-9 (float64, different
 * summation only); on WebGPU 2e-5 for values and 2e-4 for gradients (float32, the same kernels
 * but a different reduction order); WebGPU vs CPU 2e-3 for the gradients of a dB objective
 * (1/mel amplifies float32 rounding of small mel values) and 1e-4 without decibels.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as audio from '../src/audio/index.js';
import { grad } from '../src/engine/autograd.js';
import type { Engine } from '../src/engine/engine.js';
import { ShapeError, ValueError } from '../src/engine/errors.js';
import { stftMel, type StftMelOptions } from '../src/engine/index.js';
import { mul, sub, sum } from '../src/engine/ops/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import { enginePair } from './helpers/gpu.js';
import { maxAbsRel, randArray } from './helpers/random.js';

const pair = await enginePair();
afterAll(() => pair.dispose());
const ENGINES: [string, Engine][] = [['cpu', pair.cpu], ...(pair.gpu ? [['webgpu', pair.gpu] as [string, Engine]] : [])];

interface LogMelCase {
  name: string;
  shape: number[];
  options: audio.LogMelOptions;
  /** A random Tensor window [winLength] instead of the named one (then also differentiated). */
  tensorWindow?: number;
}

const CASES: LogMelCase[] = [
  { name: 'defaults, batch 2, odd length', shape: [2, 3203], options: {} },
  { name: 'magnitude (power 1)', shape: [3, 1601], options: { power: 1 } },
  { name: 'mel power (db false), one clip', shape: [1201], options: { db: false } },
  { name: 'topDb + normalize, [2, 1, L]', shape: [2, 1, 2403], options: { topDb: 60, normalize: true } },
  {
    name: 'nFft 512, zero padding, slaney',
    shape: [2, 2047],
    options: { nFft: 512, hop: 128, padMode: 'constant', melScale: 'slaney', melNorm: 'slaney' },
  },
  { name: 'odd nFft 375, no centre', shape: [2, 1999], options: { nFft: 375, hop: 90, nMels: 40, center: false } },
  {
    name: 'Tensor window, winLength < nFft',
    shape: [2, 1500],
    options: { nFft: 256, winLength: 200, hop: 64, nMels: 32 },
    tensorWindow: 200,
  },
  { name: 'nFft 4096 (multi-pass FFT on WebGPU)', shape: [1, 9001], options: { nFft: 4096, hop: 1024, nMels: 32 } },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** logMel output and the gradients of sum(logMel * R) with respect to the wave (and the Tensor window). */
async function logMelRun(e: Engine, c: LogMelCase, i: number, fused: boolean) {
  return e.tidy(() => {
    const x = e.tensor(randArray(size(c.shape), 10 + i, -0.5, 0.5), c.shape);
    const w = c.tensorWindow ? e.tensor(randArray(c.tensorWindow, 20 + i, 0.2, 1), [c.tensorWindow]) : null;
    const f = (xt: Tensor, wt?: Tensor) => audio.logMel(xt, { ...c.options, ...(wt ? { window: wt } : {}), fused });
    const y = f(x, w ?? undefined);
    const R = e.tensor(randArray(y.size, 30 + i), y.shape);
    const obj = (xt: Tensor, wt?: Tensor) => sum(mul(f(xt, wt), R));
    const grads = w ? grad(obj)(x, w) : grad(obj)(x);
    return { y, grads };
  });
}

describe.each(ENGINES)('logMel fused (stftMel) vs unfused on %s', (name, e) => {
  const tol = name === 'cpu' ? { y: 1e-9, g: 1e-9 } : { y: 2e-5, g: 2e-4 };
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const a = await logMelRun(e, c, i, true);
      const b = await logMelRun(e, c, i, false);
      expect(a.y.shape).toEqual(b.y.shape);
      expect(maxAbsRel(await a.y.read(), await b.y.read()), 'values').toBeLessThan(tol.y);
      for (let k = 0; k < a.grads.length; k++)
        expect(maxAbsRel(await a.grads[k].read(), await b.grads[k].read()), `gradient ${k}`).toBeLessThan(tol.g);
      for (const t of [a.y, b.y, ...a.grads, ...b.grads]) t.dispose();
    });
  }
});

/** Small stftMel problems for finite differences (every coordinate of every input). */
interface OpCase {
  name: string;
  batch: number;
  length: number;
  bins: number;
  nMels: number;
  options: Omit<StftMelOptions, 'filterbank' | 'window'>;
  window: boolean;
}

const OP_CASES: OpCase[] = [
  {
    name: 'reflect centre, power, dB',
    batch: 2,
    length: 37,
    bins: 5,
    nMels: 3,
    options: { nFft: 8, hop: 3, center: 4, db: { multiplier: 10, amin: 1e-10, ref: 1 } },
    window: true,
  },
  {
    name: 'zero centre, magnitude, dB with ref',
    batch: 1,
    length: 30,
    bins: 4,
    nMels: 2,
    options: { nFft: 7, hop: 4, center: 3, padMode: 'constant', power: 1, db: { multiplier: 20, amin: 1e-5, ref: 2 } },
    window: true,
  },
  {
    name: 'no centre, no window, no dB, full spectrum',
    batch: 3,
    length: 19,
    bins: 6,
    nMels: 3,
    options: { nFft: 6, hop: 5 },
    window: false,
  },
];

function opInputs(e: Engine, c: OpCase, seed: number, x0?: Float64Array, w0?: Float64Array, fb0?: Float64Array) {
  const x = e.tensor(x0 ?? Float64Array.from(randArray(c.batch * c.length, seed, -1, 1)), [c.batch, c.length]);
  const n = c.options.nFft;
  const w = c.window ? e.tensor(w0 ?? Float64Array.from(randArray(n, seed + 1, 0.3, 1)), [n]) : null;
  const fb = e.tensor(fb0 ?? Float64Array.from(randArray(c.bins * c.nMels, seed + 2, 0.1, 1)), [c.bins, c.nMels]);
  return { x, w, fb };
}

/** sum(stftMel(x; w, fb) * R) as a function of (x, fb[, w]). */
const objective = (c: OpCase, R: Tensor) => (x: Tensor, fb: Tensor, w?: Tensor) =>
  sum(mul(stftMel(x, { ...c.options, filterbank: fb, window: w ?? null }), R));

describe('gradcheck of stftMel on the CPU engine (central differences, every coordinate)', () => {
  const e = pair.cpu;
  for (const [i, c] of OP_CASES.entries()) {
    it(c.name, async () => {
      const seed = 50 + 7 * i;
      const { x, w, fb } = opInputs(e, c, seed);
      const y = stftMel(x, { ...c.options, filterbank: fb, window: w });
      const R = e.tensor(randArray(y.size, seed + 3), y.shape);
      const f = objective(c, R);
      const args = w ? [x, fb, w] : [x, fb];
      const analytic = await Promise.all((w ? grad(f)(x, fb, w) : grad(f)(x, fb)).map((g) => g.read()));
      const data = await Promise.all(args.map(async (t) => Float64Array.from(await t.read())));
      const eps = 1e-5;
      for (let j = 0; j < args.length; j++) {
        let scale = 0;
        for (const v of analytic[j]) scale = Math.max(scale, Math.abs(v));
        let worst = 0;
        for (let k = 0; k < data[j].length; k++) {
          const d = e.tidy(() => {
            const at = (delta: number) => {
              const pert = data.map((a, jj) => {
                if (jj !== j) return a;
                const p = Float64Array.from(a);
                p[k] += delta;
                return p;
              });
              const t = pert.map((a, jj) => e.tensor(a, args[jj].shape));
              return f(t[0], t[1], t[2]);
            };
            return sub(at(eps), at(-eps));
          });
          const numeric = (await d.item()) / (2 * eps);
          d.dispose();
          worst = Math.max(worst, Math.abs(numeric - analytic[j][k]));
        }
        expect(scale, `input ${j} has a non-zero gradient`).toBeGreaterThan(0);
        expect(worst / scale, `input ${j}: worst |analytic - numeric| / max|analytic|`).toBeLessThan(1e-4);
      }
      for (const t of [x, w, fb, y, R]) t?.dispose();
    });
  }
});

describe.skipIf(!pair.gpu)('stftMel gradients: WebGPU against the CPU engine', () => {
  it('wave, window and filterbank gradients agree (larger sizes: several workgroups)', async () => {
    const cases: [OpCase, number][] = [
      [
        {
          name: 'dB',
          batch: 3,
          length: 2001,
          bins: 201,
          nMels: 24,
          options: { nFft: 400, hop: 160, center: 200, db: { multiplier: 10, amin: 1e-10, ref: 1 } },
          window: true,
        },
        2e-3,
      ],
      // nFft 512 and 375 as in the logMel cases above (their pipelines are compiled once per file).
      [
        {
          name: 'power',
          batch: 2,
          length: 1999,
          bins: 257,
          nMels: 9,
          options: { nFft: 512, hop: 150, center: 256, padMode: 'constant' },
          window: true,
        },
        1e-4,
      ],
      [
        {
          name: 'magnitude, odd nFft',
          batch: 2,
          length: 1777,
          bins: 188,
          nMels: 7,
          options: { nFft: 375, hop: 131, center: 187, power: 1 },
          window: true,
        },
        1e-4,
      ],
    ];
    for (const [c, tol] of cases) {
      const seed = 90;
      const x0 = Float64Array.from(randArray(c.batch * c.length, seed, -1, 1));
      const w0 = Float64Array.from(randArray(c.options.nFft, seed + 1, 0.3, 1));
      const fb0 = Float64Array.from(randArray(c.bins * c.nMels, seed + 2, 0, 1).map((v) => (v > 0.7 ? v : 0)));
      const run = async (e: Engine) => {
        const { x, w, fb } = opInputs(e, c, seed, x0, w0, fb0);
        const frames = Math.floor((c.length + 2 * (c.options.center ?? 0) - c.options.nFft) / c.options.hop) + 1;
        const R = e.tensor(randArray(c.batch * c.nMels * frames, seed + 3), [c.batch, c.nMels, frames]);
        const gs = grad(objective(c, R))(x, fb, w!);
        const out = await Promise.all(gs.map((g) => g.read()));
        for (const t of [x, w, fb, R, ...gs]) t?.dispose();
        return out;
      };
      const [g, r] = [await run(pair.gpu!), await run(pair.cpu)];
      ['wave', 'filterbank', 'window'].forEach((what, k) => expect(maxAbsRel(g[k], r[k]), `${c.name}: ${what}`).toBeLessThan(tol));
    }
  });

  it('repeated fused logMel with gradients does not grow GPU memory', async () => {
    const e = pair.gpu!;
    const x = e.tensor(randArray(2 * 4000, 7, -0.5, 0.5), [2, 4000]);
    const step = async () => {
      const [g] = grad((t: Tensor) => sum(audio.logMel(t, { topDb: 80 })))(x);
      await g.read();
      g.dispose();
    };
    await step();
    await e.sync();
    const before = e.memory();
    for (let k = 0; k < 3; k++) await step();
    await e.sync();
    const after = e.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    x.dispose();
  });
});

describe('stftMel argument errors', () => {
  const e = pair.cpu;
  const x = e.tensor(randArray(100, 1), [100]);
  const fb = e.tensor(randArray(9 * 4, 2), [9, 4]);
  afterAll(() => {
    x.dispose();
    fb.dispose();
  });
  const call =
    (o: Partial<StftMelOptions>, xt: Tensor = x) =>
    () =>
      stftMel(xt, { nFft: 16, hop: 4, filterbank: fb, ...o } as StftMelOptions);
  it('names the argument and what was expected', () => {
    expect(call({ nFft: 0 })).toThrow(/stftMel: nFft must be a positive integer/);
    expect(call({ hop: 1.5 })).toThrow(ValueError);
    expect(call({ center: -1 })).toThrow(/center must be an integer >= 0/);
    expect(call({ padMode: 'wrap' as 'reflect' })).toThrow(/padMode must be 'reflect' or 'constant'/);
    expect(call({ power: 3 as 2 })).toThrow(/power must be 1 or 2/);
    expect(call({ filterbank: e.tensor(randArray(17 * 2, 3), [17, 2]) })).toThrow(ShapeError);
    expect(call({ window: e.tensor(randArray(15, 3), [15]) })).toThrow(/window must be \[16\]/);
    expect(call({ db: { multiplier: 10, amin: 0, ref: 1 } })).toThrow(/db.amin must be > 0/);
    expect(call({ db: { multiplier: 10, amin: 1e-10, ref: -1 } })).toThrow(/db.ref must be > 0/);
    expect(call({ center: 100 })).toThrow(/reflect padding by 100 needs more than 100 samples/);
    expect(call({}, e.tensor(randArray(10, 4), [10]))).toThrow(/shorter than nFft = 16/);
    expect(() => audio.logMel(x, { fused: 'yes' as unknown as boolean })).toThrow(/fused must be true or false/);
  });
});
