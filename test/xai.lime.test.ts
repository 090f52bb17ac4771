/**
 * LIME and KernelSHAP end to end on the CPU reference and on WebGPU, with small shapes:
 * planted models that listen to one temporal segment or one band only (both methods rank it
 * first; KernelSHAP enumerates the coalitions and recovers it exactly), KernelSHAP values summing
 * to f(x) − f(all off), seeded runs reproducing exactly, progress and cancellation, bad input
 * (zero components, more components than the clip supports, a model returning the wrong shape
 * or NaN, unknown options) and flat memory across repeated calls.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, concat, mul, reshape, ShapeError, slice, sum, ValueError, type Engine, type Tensor } from '../src/engine/index.js';
import { logMel } from '../src/audio/index.js';
import { kernelShap, lime, melBands, temporalSegments } from '../src/xai/lime/index.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

const F = 8;
const T = 20;

/** A model of [B, 1, F, T] whose class-1 logit is the sum of one region, class 0 a constant. */
function planted(f0: number, nf: number, t0: number, nt: number) {
  return (x: Tensor) => {
    const b = x.shape[0];
    const s = reshape(sum(slice(x, [0, 0, f0, t0], [b, 1, nf, nt]), [1, 2, 3]), [b, 1]);
    return concat([mul(s, 0), s], 1);
  };
}

for (const [where, engine] of [
  ['cpu', cpu],
  ['webgpu', gpu],
] as [string, Engine | null][]) {
  describe.skipIf(!engine)(`LIME and KernelSHAP on ${where}`, () => {
    const e = engine!;
    const input = () => e.tensor(randArray(F * T, 11, 0.5, 1.5), [1, 1, F, T]);

    it('a model listening to segment 3 only: LIME and KernelSHAP rank it first', async () => {
      const x = input();
      const f = temporalSegments(x, { n: 10 });
      const model = planted(0, F, 6, 2); // frames 6..7 = segment 3 of 10
      const l = await lime(model, x, { factorization: f, numSamples: 300, seed: 1, output: 'logits' });
      expect(l.components[0].index).toBe(3);
      expect(l.components[0].weight).toBeGreaterThan(0);
      expect(l.score).toBeGreaterThan(0.99);
      const s = await kernelShap(model, x, { factorization: f, numSamples: 300, seed: 1 });
      expect(s.components[0].index).toBe(3);
      const host = await x.readFloat();
      let region = 0;
      for (let r = 0; r < F; r++) for (let t = 6; t < 8; t++) region += host[r * T + t];
      expect(Math.abs(s.values[3] - region)).toBeLessThan(1e-4 * region);
      for (let j = 0; j < 10; j++) if (j !== 3) expect(Math.abs(s.values[j])).toBeLessThan(1e-4 * region);
      f.dispose();
      x.dispose();
    });

    it('a model listening to band 2 of 4 only: ranked first; exact KernelSHAP by enumeration', async () => {
      const x = input();
      const f = melBands(x, { n: 4 });
      const model = planted(4, 2, 0, T);
      const l = await lime(model, x, { factorization: f, numSamples: 200, seed: 2, featureSelection: 'none' });
      expect(l.components[0].index).toBe(2);
      const s = await kernelShap(model, x, { factorization: f, numSamples: 100 });
      expect(s.exact).toBe(true);
      expect(s.numSamples).toBe(16);
      expect(s.components[0].index).toBe(2);
      f.dispose();
      x.dispose();
    });

    it('waveform recomposition through the front end: a model hearing only the top band ranks it first', async () => {
      const n = 1600;
      const host = new Float32Array(n);
      for (let i = 0; i < n; i++)
        host[i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / 8000) + 0.3 * Math.sin((2 * Math.PI * 3500 * i) / 8000);
      const x = e.tensor(host, [1, n]);
      const fe = { sampleRate: 8000, nFft: 128, hop: 32, nMels: 16 };
      const f = melBands(x, { n: 4, frontEnd: fe }); // waveform bands through the STFT
      const model = (w: Tensor) => {
        const m = logMel(w, { ...fe, db: false }); // [B, 16, frames]
        const b = w.shape[0];
        const hi = reshape(sum(slice(m, [0, 12, 0], [b, 4, m.shape[2]]), [1, 2]), [b, 1]);
        return concat([mul(hi, 0), hi], 1);
      };
      const l = await lime(model, x, { factorization: f, numSamples: 64, output: 'logits', featureSelection: 'none' });
      expect(l.components[0].index).toBe(3);
      f.dispose();
      x.dispose();
    });

    it('KernelSHAP values sum to f(x) − f(all off) on a non-linear model', async () => {
      const x = input();
      const f = temporalSegments(x, { n: 6 });
      const model = (z: Tensor) => {
        const b = z.shape[0];
        const a = reshape(sum(slice(z, [0, 0, 0, 0], [b, 1, F, 8]), [1, 2, 3]), [b, 1]);
        const c = reshape(sum(slice(z, [0, 0, 2, 10], [b, 1, 3, 10]), [1, 2, 3]), [b, 1]);
        return concat([mul(a, c), mul(a, a)], 1);
      };
      const s = await kernelShap(model, x, { factorization: f, numSamples: 200, seed: 4, target: 0 });
      const total = s.values.reduce((p, q) => p + q, 0);
      expect(Math.abs(total - (s.fullValue - s.baseValue))).toBeLessThan(1e-9 * Math.abs(s.fullValue));
      // f(x) and f(all off) straight from the model.
      const fx = (await model(x).readFloat())[0];
      const f0 = (await model(e.zeros([1, 1, F, T])).readFloat())[0];
      expect(Math.abs(s.fullValue - fx)).toBeLessThan(1e-4 * Math.abs(fx));
      expect(Math.abs(s.baseValue - f0)).toBeLessThan(1e-4 * Math.abs(fx) + 1e-6);
      f.dispose();
      x.dispose();
    });

    it('seeded runs reproduce exactly; another seed draws other rows; progress reaches the total', async () => {
      const x = input();
      const f = temporalSegments(x, { n: 5 });
      const model = planted(0, F, 0, 9);
      const seen: number[] = [];
      const a = await lime(model, x, { factorization: f, numSamples: 64, seed: 7, maxBatch: 16, onProgress: (p) => seen.push(p.done) });
      const b = await lime(model, x, { factorization: f, numSamples: 64, seed: 7, maxBatch: 16 });
      const c = await lime(model, x, { factorization: f, numSamples: 64, seed: 8, maxBatch: 16 });
      expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
      expect(Array.from(a.data.subarray(0, 5))).toEqual([1, 1, 1, 1, 1]);
      expect(seen).toEqual([16, 32, 48, 64]);
      f.dispose();
      x.dispose();
    });

    it('bad input: zero components, too many components, wrong model output, NaN, unknown options, abort', async () => {
      const x = input();
      expect(() => temporalSegments(x, { n: 0 })).toThrow(/at least one component/);
      expect(() => temporalSegments(x, { n: T + 1 })).toThrow(/more components than the clip supports/);
      expect(() => melBands(x, { n: F + 1 })).toThrow(/more components than the clip supports/);
      const f = temporalSegments(x, { n: 4 });
      await expect(lime((z: Tensor) => sum(z, [1, 2, 3]), x, { factorization: f, numSamples: 8 })).rejects.toThrow(ShapeError);
      await expect(
        lime((z: Tensor) => reshape(mul(sum(z, [1, 2, 3]), NaN), [z.shape[0], 1]), x, {
          factorization: f,
          numSamples: 8,
          output: 'logits',
        }),
      ).rejects.toThrow(/NaN/);
      await expect(lime(planted(0, 1, 0, 1), x, { factorization: f, numSample: 8 } as never)).rejects.toThrow(/did you mean 'numSamples'/);
      await expect(lime(planted(0, 1, 0, 1), x, { factorization: f, target: 5 })).rejects.toThrow(/out of range/);
      await expect(lime(planted(0, 1, 0, 1), e.zeros([1, 1, F, T + 1]), { factorization: f })).rejects.toThrow(/built for an input/);
      await expect(kernelShap(planted(0, 1, 0, 1), x, { factorization: f, numSamples: 1 })).rejects.toThrow(ValueError);
      const ctl = new AbortController();
      ctl.abort();
      await expect(lime(planted(0, 1, 0, 1), x, { factorization: f, numSamples: 8, signal: ctl.signal })).rejects.toThrow(CancelledError);
      f.dispose();
      x.dispose();
    });

    it('GPU memory stays flat across repeated calls (shortcut factorizations are freed by dispose)', async () => {
      const x = input();
      const model = planted(0, F, 0, 4);
      const run = async () => {
        const l = await lime(model, x, { factorization: 'patches', numSamples: 32 });
        l.dispose();
        const s = await kernelShap(model, x, { factorization: 'bands', numSamples: 32 });
        s.dispose();
      };
      await run();
      const before = e.memory();
      await run();
      await run();
      const after = e.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      x.dispose();
    });
  });
}
