/**
 * The factorizations of xai.lime on the CPU reference and on WebGPU, small shapes: every one adds
 * back up to its input with all components on (exactly for masking and stems, to the STFT round
 * trip for waveform bands / HPSS / NMF), switched-off components give the baseline, the median
 * filter matches a host median on odd sizes, HPSS sends a steady tone to 'harmonic' and clicks to
 * 'percussive', onsets are found at planted clicks, and combine() cuts sources by segments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { add, matmul, type Engine, type Tensor } from '../src/engine/index.js';
import {
  combine,
  hpss,
  medianFilter,
  melBands,
  nmf,
  onsetSegments,
  patches,
  stems,
  temporalSegments,
  type Factorization,
} from '../src/xai/lime/index.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

/** base + Σ sources (every component on), read to the host. */
async function allOn(f: Factorization): Promise<Float32Array> {
  const e = f.sources.engine;
  const ones = e.ones([1, f.sources.shape[0]]);
  const y = add(matmul(ones, f.sources), f.base);
  const v = await y.readFloat();
  ones.dispose();
  y.dispose();
  return v;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** A 0.2 s, 16 kHz test wave: a 440 Hz tone plus clicks at 0.05 s and 0.13 s. */
function toneAndClicks(): Float32Array {
  const w = new Float32Array(3200);
  for (let i = 0; i < w.length; i++) w[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000);
  for (const c of [800, 2080]) for (let k = 0; k < 8; k++) w[c + k] += 0.9 * (1 - k / 8);
  return w;
}

for (const [where, engine] of [
  ['cpu', cpu],
  ['webgpu', gpu],
] as [string, Engine | null][]) {
  describe.skipIf(!engine)(`factorizations on ${where}`, () => {
    const e = engine!;

    it('spectrogram segments, bands and patches partition the input; off gives the baseline', async () => {
      const host = randArray(1 * 6 * 13, 3);
      const x = e.tensor(host, [1, 1, 6, 13]);
      for (const f of [
        temporalSegments(x, { n: 5, baseline: -2 }),
        melBands(x, { n: 4, baseline: -2 }),
        patches(x, { freq: 3, time: 4, baseline: -2 }),
      ]) {
        expect(maxAbsDiff(await allOn(f), host)).toBeLessThan(1e-6);
        const base = await f.base.readFloat();
        expect(base.every((v) => v === -2)).toBe(true);
        const part = await f.partition!.readFloat();
        const cover = new Float32Array(host.length);
        part.forEach((v, i) => (cover[i % host.length] += v));
        expect(cover.every((v) => v === 1)).toBe(true);
        f.dispose();
      }
      expect(patches(x, { freq: 3, time: 4 }).names.length).toBe(12);
      x.dispose();
    });

    it('waveform segments add up exactly; bands and patches to the STFT round trip', async () => {
      const host = toneAndClicks();
      const x = e.tensor(host, [1, host.length]);
      const seg = temporalSegments(x, { n: 7 });
      expect(maxAbsDiff(await allOn(seg), host)).toBeLessThan(1e-6);
      expect(seg.names[0]).toMatch(/segment 0 \(0\.00 s–0\.03 s\)/);
      for (const f of [melBands(x, { n: 5 }), patches(x, { freq: 2, time: 3 })]) {
        expect(maxAbsDiff(await allOn(f), host)).toBeLessThan(2e-3);
        f.dispose();
      }
      seg.dispose();
      x.dispose();
    });

    it('medianFilter equals a host median on odd sizes, along either axis', async () => {
      const [R, C] = [7, 11];
      const host = randArray(R * C, 5);
      const x = e.tensor(host, [R, C]);
      for (const [axis, k] of [
        [1, 5],
        [0, 3],
        [1, 1],
      ]) {
        const got = await medianFilter(x, k, axis).readFloat();
        const h = (k - 1) / 2;
        const n = axis === 1 ? C : R;
        const reflect = (i: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
        for (let r = 0; r < R; r++) {
          for (let c = 0; c < C; c++) {
            const win: number[] = [];
            for (let d = -h; d <= h; d++) win.push(axis === 1 ? host[r * C + reflect(c + d)] : host[reflect(r + d) * C + c]);
            win.sort((a, b) => a - b);
            expect(got[r * C + c]).toBe(win[h]);
          }
        }
      }
      x.dispose();
    });

    it('HPSS: the tone is harmonic, the clicks percussive, and they add up to the round trip', async () => {
      const host = toneAndClicks();
      const x = e.tensor(host, [1, host.length]);
      const f = hpss(x, { kernel: 9 });
      expect(f.names).toEqual(['harmonic', 'percussive']);
      expect(maxAbsDiff(await allOn(f), host)).toBeLessThan(2e-3);
      const src = await f.sources.readFloat();
      const [h, p] = [src.subarray(0, host.length), src.subarray(host.length)];
      // Around a click the percussive part carries most of the click; away from clicks it is small.
      const energy = (v: Float32Array, a: number, b: number) => v.subarray(a, b).reduce((s, q) => s + q * q, 0);
      expect(energy(p, 800, 816)).toBeGreaterThan(energy(h, 800, 816) * 0.2);
      expect(energy(h, 1200, 1800)).toBeGreaterThan(10 * energy(p, 1200, 1800));
      f.dispose();
      x.dispose();
    });

    it('NMF components add up to the input (spectrogram: exactly, with base min(x)); seeded', async () => {
      const host = randArray(12 * 10, 8, 0, 1);
      const x = e.tensor(host, [1, 1, 12, 10]);
      const a = nmf(x, { components: 3, iterations: 30, seed: 1 });
      const b = nmf(x, { components: 3, iterations: 30, seed: 1 });
      expect(maxAbsDiff(await allOn(a), host)).toBeLessThan(1e-5);
      expect(Array.from(await a.sources.readFloat())).toEqual(Array.from(await b.sources.readFloat()));
      expect(() => nmf(x, { components: 11 })).toThrow(/more components than the clip supports/);
      a.dispose();
      b.dispose();
      x.dispose();
    });

    it('stems (with residual) add up exactly; combine(hpss × segments) splits each source in time', async () => {
      const host = toneAndClicks();
      const x = e.tensor(host, [1, host.length]);
      const half = new Float32Array(2 * host.length);
      half.set(host.map((v) => v * 0.25));
      half.set(
        host.map((v) => v * 0.5),
        host.length,
      );
      const st = e.tensor(half, [2, host.length]);
      const s = stems(x, st, { names: ['a', 'b'], residual: true });
      expect(s.names).toEqual(['a', 'b', 'residual']);
      expect(maxAbsDiff(await allOn(s), host)).toBeLessThan(1e-6);
      const h = hpss(x, { kernel: 5 });
      const seg = temporalSegments(x, { n: 3 });
      const c = combine(h, seg);
      expect(c.names.length).toBe(6);
      expect(c.names[4]).toBe(`percussive × ${seg.names[1]}`);
      expect(maxAbsDiff(await allOn(c), await allOn(h))).toBeLessThan(1e-6);
      expect(() => combine(seg, h)).toThrow(/masking one/);
      for (const t of [s, h, seg, c]) t.dispose();
      st.dispose();
      x.dispose();
    });

    it('onset segments start at the planted clicks', async () => {
      const host = toneAndClicks();
      const x = e.tensor(host, [1, host.length]);
      const f = await onsetSegments(x, { maxSegments: 3 });
      const starts = f.spans.map((s) => Math.round(s.t0 * host.length));
      expect(starts[0]).toBe(0);
      expect(starts.length).toBe(3);
      expect(Math.abs(starts[1] - 800)).toBeLessThanOrEqual(320);
      expect(Math.abs(starts[2] - 2080)).toBeLessThanOrEqual(320);
      f.dispose();
      x.dispose();
    });
  });
}
