/**
 * Real DFT primitives (Backend.rfft / rfftAdjoint): the CPU reference (fft.js, Bluestein for
 * sizes that are not powers of two) against a float64 direct DFT; the WebGPU mixed-radix
 * Stockham kernels against the CPU reference for nFft 400, 512, 256, 100, odd-radix sizes (375 =
 * 3·5³, 98 = 2·7², 243 = 3⁵, prime 401) and tiny sizes; adjointness; and the FFT path against the
 * DFT-matmul path of audio.rfft on the GPU engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { createEngine } from '../../src/engine/engine.js';
import { grad } from '../../src/engine/autograd.js';
import { add, mul, sum } from '../../src/engine/ops/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { fftRadices } from '../../src/engine/webgpu/kernels/fft.js';
import { rfft, rfftAdjoint } from '../../src/audio/dft.js';
import { gpuBackend } from '../helpers/gpu.js';
import { maxAbsRel, randArray } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

/** Direct float64 DFT of rows: [re, im] [rows, bins]. */
function dftRef(x: ArrayLike<number>, n: number, bins: number): [Float64Array, Float64Array] {
  const rows = x.length / n;
  const re = new Float64Array(rows * bins);
  const im = new Float64Array(rows * bins);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < bins; k++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < n; j++) {
        const t = (2 * Math.PI * ((j * k) % n)) / n;
        a += x[r * n + j] * Math.cos(t);
        b -= x[r * n + j] * Math.sin(t);
      }
      re[r * bins + k] = a;
      im[r * bins + k] = b;
    }
  return [re, im];
}

/** Direct float64 adjoint: y[j] = sum_k re cos - im sin. */
function adjRef(re: ArrayLike<number>, im: ArrayLike<number>, n: number, bins: number): Float64Array {
  const rows = re.length / bins;
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < bins; k++) {
        const t = (2 * Math.PI * ((j * k) % n)) / n;
        s += re[r * bins + k] * Math.cos(t) - im[r * bins + k] * Math.sin(t);
      }
      y[r * n + j] = s;
    }
  return y;
}

async function rfftOn(
  be: Backend,
  x: Float32Array,
  n: number,
  bins: number,
  window: Float32Array | null = null,
): Promise<[Float32Array, Float32Array]> {
  const s = be.upload(x, 'float32');
  const ws = window ? be.upload(window, 'float32') : null;
  const rows = x.length / n;
  const [a, b] = be.rfft(
    { storage: s, shape: [rows, n], dtype: 'float32' },
    n,
    bins,
    ws ? { storage: ws, shape: [n], dtype: 'float32' } : null,
  );
  if (ws) be.free(ws);
  const re = (await be.read(a, rows * bins, 'float32')) as Float32Array;
  const im = (await be.read(b, rows * bins, 'float32')) as Float32Array;
  be.free(s);
  be.free(a);
  be.free(b);
  return [re, im];
}

async function adjOn(
  be: Backend,
  re: Float32Array,
  im: Float32Array,
  n: number,
  bins: number,
  window: Float32Array | null = null,
): Promise<Float32Array> {
  const rows = re.length / bins;
  const a = be.upload(re, 'float32');
  const b = be.upload(im, 'float32');
  const ws = window ? be.upload(window, 'float32') : null;
  const y = be.rfftAdjoint(
    { storage: a, shape: [rows, bins], dtype: 'float32' },
    { storage: b, shape: [rows, bins], dtype: 'float32' },
    n,
    ws ? { storage: ws, shape: [n], dtype: 'float32' } : null,
  );
  if (ws) be.free(ws);
  const out = (await be.read(y, rows * n, 'float32')) as Float32Array;
  be.free(a);
  be.free(b);
  be.free(y);
  return out;
}

/** max|a - b| over max|b| of the concatenated re/im. */
const relPair = (a: [ArrayLike<number>, ArrayLike<number>], b: [ArrayLike<number>, ArrayLike<number>]) =>
  maxAbsRel([...Array.from(a[0]), ...Array.from(a[1])], [...Array.from(b[0]), ...Array.from(b[1])]);

// [n, rows]: rows odd and large enough that every pass spans several workgroups.
const SIZES: [number, number][] = [
  [400, 37],
  [512, 9],
  [256, 13],
  [100, 21],
  [375, 7],
  [98, 11],
  [243, 5],
  [401, 3],
  [1, 4],
  [2, 5],
  [3, 3],
  [5, 2],
  [12, 65],
];

describe('CPU reference rfft (fft.js + Bluestein) against a direct float64 DFT', () => {
  it('forward and adjoint, onesided and full, every size', async () => {
    for (const [n, rows] of SIZES) {
      const x = randArray(rows * n, n);
      for (const bins of [Math.floor(n / 2) + 1, n]) {
        const got = await rfftOn(cpu, x, n, bins);
        expect(relPair(got, dftRef(x, n, bins)), `rfft n ${n} bins ${bins}`).toBeLessThan(1e-6);
        const re = randArray(rows * bins, n + 1);
        const im = randArray(rows * bins, n + 2);
        expect(maxAbsRel(await adjOn(cpu, re, im, n, bins), adjRef(re, im, n, bins)), `adjoint n ${n} bins ${bins}`).toBeLessThan(1e-6);
      }
    }
  });
});

describe.skipIf(!gpu)('webgpu Stockham rfft kernels', () => {
  it('factor lengths into radix-4/2/3/5 passes and other primes', () => {
    expect(fftRadices(200)).toEqual([4, 2, 5, 5]);
    expect(fftRadices(200).reduce((a, b) => a * b, 1)).toBe(200);
    expect(fftRadices(49)).toEqual([7, 7]);
    expect(fftRadices(401)).toEqual([401]);
    expect(fftRadices(2 * 3 * 11 * 13)).toEqual([2, 3, 11, 13]);
    expect(fftRadices(1)).toEqual([]);
  });

  it('rfft matches the CPU reference (fft.js) for nFft 400, 512, 256, 100, odd radices and primes', async () => {
    for (const [n, rows] of SIZES) {
      const x = randArray(rows * n, 3 * n);
      for (const bins of [Math.floor(n / 2) + 1, n, Math.max(1, Math.floor(n / 3))]) {
        const g = await rfftOn(gpu!, x, n, bins);
        const c = await rfftOn(cpu, x, n, bins);
        expect(relPair(g, c), `n ${n} rows ${rows} bins ${bins}`).toBeLessThan(2e-6);
      }
    }
  });

  it('rfftAdjoint matches the CPU reference', async () => {
    for (const [n, rows] of SIZES) {
      for (const bins of [Math.floor(n / 2) + 1, n, Math.max(1, Math.floor(n / 3))]) {
        const re = randArray(rows * bins, 5 * n + bins);
        const im = randArray(rows * bins, 7 * n + bins);
        const g = await adjOn(gpu!, re, im, n, bins);
        const c = await adjOn(cpu, re, im, n, bins);
        expect(maxAbsRel(g, c), `n ${n} rows ${rows} bins ${bins}`).toBeLessThan(2e-6);
      }
    }
  });

  it('fuses a window into both directions (as multiplying x, or y, by it)', async () => {
    for (const [n, rows] of SIZES.filter(([n]) => [400, 375, 98, 401, 12, 1].includes(n))) {
      const bins = Math.floor(n / 2) + 1;
      const x = randArray(rows * n, 41 * n);
      const w = randArray(n, 43 * n, 0, 1);
      const xw = x.map((v, i) => v * w[i % n]);
      expect(relPair(await rfftOn(gpu!, x, n, bins, w), await rfftOn(cpu, xw, n, bins)), `rfft n ${n}`).toBeLessThan(2e-6);
      expect(relPair(await rfftOn(cpu, x, n, bins, w), await rfftOn(cpu, xw, n, bins)), `cpu rfft n ${n}`).toBeLessThan(1e-6);
      const re = randArray(rows * bins, 47 * n);
      const im = randArray(rows * bins, 53 * n);
      const y = await adjOn(cpu, re, im, n, bins);
      const yw = y.map((v, i) => v * w[i % n]);
      expect(maxAbsRel(await adjOn(gpu!, re, im, n, bins, w), yw), `adjoint n ${n}`).toBeLessThan(2e-6);
      expect(maxAbsRel(await adjOn(cpu, re, im, n, bins, w), yw), `cpu adjoint n ${n}`).toBeLessThan(1e-6);
    }
  });

  it('rfftPower is re^2 + im^2 of the same transform (row kernel and multi-pass path)', async () => {
    for (const [n, rows] of [
      [400, 37],
      [375, 7],
      [4096, 2],
    ] as const) {
      const bins = Math.floor(n / 2) + 1;
      const x = randArray(rows * n, 59 * n);
      const w = randArray(n, 61 * n, 0, 1);
      const [re, im] = await rfftOn(cpu, x, n, bins, w);
      const ref = re.map((v, i) => v * v + im[i] * im[i]);
      for (const be of [gpu!, cpu]) {
        const xs = be.upload(x, 'float32');
        const ws = be.upload(w, 'float32');
        const s = be.rfftPower({ storage: xs, shape: [rows, n], dtype: 'float32' }, n, bins, { storage: ws, shape: [n], dtype: 'float32' });
        const got = await be.read(s, rows * bins, 'float32');
        expect(maxAbsRel(got, ref), `${be.name} n ${n}`).toBeLessThan(5e-6);
        for (const t of [xs, ws, s]) be.free(t);
      }
    }
  });

  it('takes the multi-pass global-memory path for rows longer than the workgroup storage', async () => {
    for (const [n, rows] of [
      [4096, 3],
      [3000, 2],
      [2 * 1031, 2],
    ] as const) {
      const bins = n / 2 + 1;
      const x = randArray(rows * n, n);
      const w = randArray(n, n + 1, 0, 1);
      expect(relPair(await rfftOn(gpu!, x, n, bins, w), await rfftOn(cpu, x, n, bins, w)), `rfft n ${n}`).toBeLessThan(5e-6);
      const re = randArray(rows * bins, n + 2);
      const im = randArray(rows * bins, n + 3);
      expect(maxAbsRel(await adjOn(gpu!, re, im, n, bins, w), await adjOn(cpu, re, im, n, bins, w)), `adjoint n ${n}`).toBeLessThan(5e-6);
    }
  });

  it('keeps rows apart: a silent frame next to a loud one stays exactly silent', async () => {
    const n = 400;
    const x = new Float32Array(3 * n);
    for (let j = 0; j < n; j++) x[j] = 1000 * Math.sin(j) + 300;
    const [re, im] = await rfftOn(gpu!, x, n, 201);
    for (let i = 201; i < 3 * 201; i++) {
      expect(re[i]).toBe(0);
      expect(im[i]).toBe(0);
    }
  });

  it('is an adjoint pair on the GPU', async () => {
    for (const [n, rows] of SIZES) {
      const bins = Math.floor(n / 2) + 1;
      const x = randArray(rows * n, 17 * n);
      const re = randArray(rows * bins, 19 * n);
      const im = randArray(rows * bins, 23 * n);
      const [fr, fi] = await rfftOn(gpu!, x, n, bins);
      let lhs = 0;
      let scale = 0;
      for (let i = 0; i < fr.length; i++) {
        lhs += fr[i] * re[i] + fi[i] * im[i];
        scale += Math.abs(fr[i] * re[i]) + Math.abs(fi[i] * im[i]);
      }
      const y = await adjOn(gpu!, re, im, n, bins);
      let rhs = 0;
      for (let i = 0; i < y.length; i++) rhs += x[i] * y[i];
      expect(Math.abs(lhs - rhs), `n ${n}`).toBeLessThan(1e-5 * scale + 1e-6);
    }
  });
});

describe.skipIf(!gpu)('audio.rfft: FFT path against the DFT-matmul path (WebGPU engine)', async () => {
  const e = gpu ? await createEngine({ backend: 'webgpu' }) : null;
  afterAll(() => e?.dispose());

  it('forward, adjoint and gradients agree for nFft 400, 512, 256, 100 and 375', async () => {
    for (const n of [400, 512, 256, 100, 375]) {
      const x = e!.tensor(randArray(6 * n, 29 * n), [2, 3, n]);
      const bins = Math.floor(n / 2) + 1;
      const a = rfft(x, { method: 'fft' });
      const b = rfft(x, { method: 'matmul' });
      const [ar, ai, br, bi] = await Promise.all([a.re.read(), a.im.read(), b.re.read(), b.im.read()]);
      expect(relPair([ar, ai], [br, bi]), `forward n ${n}`).toBeLessThan(5e-6);
      const gr = e!.tensor(randArray(6 * bins, 31 * n), [2, 3, bins]);
      const gi = e!.tensor(randArray(6 * bins, 37 * n), [2, 3, bins]);
      const ya = await rfftAdjoint(gr, gi, n, { method: 'fft' }).read();
      const yb = await rfftAdjoint(gr, gi, n, { method: 'matmul' }).read();
      expect(maxAbsRel(ya, yb), `adjoint n ${n}`).toBeLessThan(5e-6);
      // d/dx sum(re * gr + im * gi) is the adjoint applied to (gr, gi), through either path.
      const objective = (method: 'fft' | 'matmul') => (t: Tensor) => {
        const r = rfft(t, { method });
        return add(sum(mul(r.re, gr)), sum(mul(r.im, gi)));
      };
      const [gf] = grad(objective('fft'))(x);
      const [gm] = grad(objective('matmul'))(x);
      expect(maxAbsRel(await gf.read(), ya), `grad is the adjoint, n ${n}`).toBeLessThan(5e-6);
      expect(maxAbsRel(await gf.read(), await gm.read()), `grad n ${n}`).toBeLessThan(5e-6);
      for (const t of [x, a.re, a.im, b.re, b.im, gr, gi, gf, gm]) t.dispose();
    }
  });
});
