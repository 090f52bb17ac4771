/**
 * The differentiable audio front end (src/audio) against the torchaudio/librosa golden
 * (test/fixtures/golden/frontend.safetensors, from ../shared/golden/frontend.json by
 * scripts/extract-golden-frontend.py): every entry within its stated tolerance in its primary
 * measure, on the CPU reference and on WebGPU, with both DFT methods. Plus: istft(stft(x)) ≈ x,
 * masks back to audio, batching and topDb semantics, no GPU submits inside logMel, and a
 * finite-difference gradient check of logMel on the CPU engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as audio from '../src/audio/index.js';
import { grad } from '../src/engine/autograd.js';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { mul, sub, sum } from '../src/engine/ops/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import type { WebGpuBackend } from '../src/engine/webgpu/webgpuBackend.js';
import { goldenFile, measures } from './helpers/golden.js';
import { backendOf, gpuBackend } from './helpers/gpu.js';
import { maxAbsRel, randArray, rng } from './helpers/random.js';

const fixture = goldenFile('frontend.safetensors');
const G = Object.fromEntries(
  Object.entries(fixture.tensors).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data as Float32Array) }]),
);
const TOL: Record<string, { max_abs_rel: number; rel_l2: number; primary: 'max_abs_rel' | 'rel_l2' }> = JSON.parse(
  fixture.metadata.tolerances,
);
const P = JSON.parse(fixture.metadata.params) as {
  sample_rate: number;
  n_fft: number;
  hop_length: number;
  win_length: number;
  n_mels: number;
  f_min: number;
  f_max: number;
};

const gpuAvailable = (await gpuBackend()) !== null;
const cpu = await createEngine({ backend: 'cpu' });
const gpu = gpuAvailable ? await createEngine({ backend: 'webgpu' }) : null;
afterAll(() => {
  cpu.dispose();
  gpu?.dispose();
});

/** Results table printed at the end: entry, engine/method, primary measure, tolerance. */
const report: string[] = [];

function expectGolden(key: string, got: ArrayLike<number>, where: string): void {
  const tol = TOL[key];
  const m = measures(got, G[key].data);
  const primary = tol.primary;
  report.push(
    `${key.padEnd(30)} ${where.padEnd(16)} ${primary} ${m[primary].toExponential(2)} (tol ${tol[primary].toExponential(1)}; other ${primary === 'max_abs_rel' ? `rel_l2 ${m.rel_l2.toExponential(2)}` : `max_abs_rel ${m.max_abs_rel.toExponential(2)}`})`,
  );
  expect(m[primary], `${key} on ${where}: ${primary}`).toBeLessThanOrEqual(tol[primary]);
  expect(m[primary === 'max_abs_rel' ? 'rel_l2' : 'max_abs_rel'], `${key} on ${where}: secondary measure`).toBeLessThanOrEqual(
    tol[primary === 'max_abs_rel' ? 'rel_l2' : 'max_abs_rel'] * 10,
  );
}

afterAll(() => {
  if (report.length) console.log(`golden frontend results:\n${report.join('\n')}`);
});

const STFT = { nFft: P.n_fft, hop: P.hop_length, winLength: P.win_length, window: 'hann' as const };
const MEL = { sampleRate: P.sample_rate, nFft: P.n_fft, hop: P.hop_length, nMels: P.n_mels, fMin: P.f_min, fMax: P.f_max };

describe('mel filterbanks (host, float64) against torchaudio and librosa', () => {
  const base = { nFreqs: P.n_fft / 2 + 1, nMels: P.n_mels, sampleRate: P.sample_rate, fMin: P.f_min, fMax: P.f_max };
  it('torchaudio melscale_fbanks (htk, norm None)', () => {
    expectGolden('mel_fbanks_htk', audio.melFilterbank(base), 'host');
  });
  it('librosa.filters.mel slaney (slaney norm) and htk', () => {
    expectGolden('mel_fbanks_librosa_slaney', audio.melFilterbank({ ...base, scale: 'slaney', norm: 'slaney', grid: 'librosa' }), 'host');
    expectGolden('mel_fbanks_librosa_htk', audio.melFilterbank({ ...base, scale: 'htk', grid: 'librosa' }), 'host');
  });
  it('hz <-> mel round trips on both scales', () => {
    for (const f of [0, 440, 999, 1000, 1001, 8000]) {
      for (const s of ['htk', 'slaney'] as const) expect(audio.melToHz(audio.hzToMel(f, s), s)).toBeCloseTo(f, 8);
    }
  });
  it('windows match torch.hann_window / hamming_window (periodic and symmetric)', () => {
    expect(Array.from(audio.hannWindow(4))).toEqual([0, 0.5, 1, 0.5].map((v, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 4)));
    const s = audio.hannWindow(5, { periodic: false });
    expect(s[0]).toBe(0);
    expect(s[4]).toBeCloseTo(0, 15);
    expect(s[2]).toBe(1);
    const h = audio.hammingWindow(8, { periodic: false });
    expect(h[0]).toBeCloseTo(0.08, 12);
    expect(h[7]).toBeCloseTo(0.08, 12);
    expect(audio.hammingWindow(8)[4]).toBeCloseTo(1, 12);
    expect(Array.from(audio.hannWindow(1))).toEqual([1]);
  });
});

type Case = { name: string; engine: () => Engine; method: audio.DftMethod };
const CASES: Case[] = [
  { name: 'cpu/fft', engine: () => cpu, method: 'fft' },
  { name: 'cpu/matmul', engine: () => cpu, method: 'matmul' },
  ...(gpuAvailable
    ? [
        { name: 'webgpu/fft', engine: () => gpu!, method: 'fft' as const },
        { name: 'webgpu/matmul', engine: () => gpu!, method: 'matmul' as const },
      ]
    : []),
];

describe.each(CASES)('golden front end on $name', ({ name, engine, method }) => {
  const wave = () => engine().tensor(G.wave.data, [G.wave.data.length]);

  it('stft re / im, power', async () => {
    const e = engine();
    const x = wave();
    const { re, im } = audio.stft(x, { ...STFT, method });
    expect(re.shape).toEqual(G.stft_re.shape);
    expectGolden('stft_re', await re.read(), name);
    expectGolden('stft_im', await im.read(), name);
    const p = audio.spectrogram(x, { ...STFT, method, power: 2 });
    expectGolden('power', await p.read(), name);
    for (const t of [x, re, im, p]) t.dispose();
    void e;
  });

  it('mel, log_mel_db, log_mel_db_top80', async () => {
    const x = wave();
    const mel = audio.logMel(x, { ...MEL, method, db: false });
    expect(mel.shape).toEqual(G.mel.shape);
    expectGolden('mel', await mel.read(), name);
    const db = audio.logMel(x, { ...MEL, method });
    expectGolden('log_mel_db', await db.read(), name);
    const top = audio.logMel(x, { ...MEL, method, topDb: 80 });
    expectGolden('log_mel_db_top80', await top.read(), name);
    for (const t of [x, mel, db, top]) t.dispose();
  });

  it('grad_wave_of_weighted_db_sum (weights linspace(-1, 1, numel))', async () => {
    const e = engine();
    const x = wave();
    const n = G.log_mel_db.data.length;
    const w = e.tensor(
      Float64Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)),
      G.log_mel_db.shape,
    );
    const [g] = grad((t: Tensor) => sum(mul(audio.logMel(t, { ...MEL, method }), w)))(x);
    expectGolden('grad_wave_of_weighted_db_sum', await g.read(), name);
    for (const t of [x, w, g]) t.dispose();
  });

  it('istft of the golden STFT and of its own STFT', async () => {
    const e = engine();
    const re = e.tensor(G.stft_re.data, G.stft_re.shape);
    const im = e.tensor(G.stft_im.data, G.stft_im.shape);
    const y = audio.istft(re, im, { ...STFT, method });
    expect(y.shape).toEqual(G.istft.shape);
    expectGolden('istft', await y.read(), `${name} (golden X)`);
    const x = wave();
    const s = audio.stft(x, { ...STFT, method });
    const y2 = audio.istft(s.re, s.im, { ...STFT, method, length: 16000 });
    expectGolden('istft', await y2.read(), name);
    for (const t of [re, im, y, x, s.re, s.im, y2]) t.dispose();
  });
});

/** Random batch of clips. */
function clips(e: Engine, b: number, L: number, seed: number): Tensor {
  return e.tensor(randArray(b * L, seed, -0.5, 0.5), [b, L]);
}

describe.each(CASES)('stft / istft / masks on $name', ({ name, engine, method }) => {
  it('istft(stft(x)) = x for several geometries and windows', async () => {
    const e = engine();
    const configs: (audio.StftOptions & { L: number })[] = [
      { nFft: 400, hop: 160, L: 3001 },
      { nFft: 512, hop: 128, window: 'hamming', L: 2048 },
      { nFft: 256, hop: 64, winLength: 200, L: 1000 },
      { nFft: 100, hop: 25, center: false, window: 'hamming', L: 1025 },
      { nFft: 375, hop: 93, normalized: true, L: 1500 },
      { nFft: 400, hop: 100, onesided: false, L: 1600 },
      { nFft: 400, hop: 160, window: 'hann', padMode: 'constant', L: 1111 },
    ];
    for (const { L, ...o } of configs) {
      const x = clips(e, 3, L, L);
      const s = audio.stft(x, { ...o, method });
      const y = audio.istft(s.re, s.im, { ...o, method, length: L });
      const got = await y.read();
      const ref = await x.read();
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
      expect(err, `${name} ${JSON.stringify(o)}`).toBeLessThan(2e-5);
      for (const t of [x, s.re, s.im, y]) t.dispose();
    }
  });

  it('a Tensor window gives the same STFT / istft as the named one, and gets a gradient', async () => {
    const e = engine();
    const x = clips(e, 2, 1200, 3);
    const win = e.tensor(audio.hannWindow(300), [300]);
    for (const normalized of [false, true]) {
      const o = { nFft: 400, hop: 100, winLength: 300, normalized, method: method as audio.DftMethod };
      const a = audio.stft(x, o);
      const b = audio.stft(x, { ...o, window: win });
      expect(maxAbsRel(await b.re.read(), await a.re.read())).toBeLessThan(1e-6);
      expect(maxAbsRel(await b.im.read(), await a.im.read())).toBeLessThan(1e-6);
      const ya = audio.istft(a.re, a.im, { ...o, length: 1200 });
      const yb = audio.istft(b.re, b.im, { ...o, window: win, length: 1200 });
      expect(maxAbsRel(await yb.read(), await ya.read())).toBeLessThan(1e-5);
      expect(maxAbsRel(await yb.read(), await x.read())).toBeLessThan(2e-5);
      for (const t of [a.re, a.im, b.re, b.im, ya, yb]) t.dispose();
    }
    const [gw] = grad((w: Tensor) => sum(audio.spectrogram(x, { nFft: 400, hop: 100, winLength: 300, window: w, method })))(win);
    expect(gw.shape).toEqual([300]);
    const v = await gw.read();
    expect(v.every(Number.isFinite) && v.some((a) => a !== 0)).toBe(true);
    // The FFT op's own window rule against matmul's (the window multiplied in as an ordinary op).
    const other = method === 'fft' ? 'matmul' : 'fft';
    const [gw2] = grad((w: Tensor) => sum(audio.spectrogram(x, { nFft: 400, hop: 100, winLength: 300, window: w, method: other })))(win);
    expect(maxAbsRel(v, await gw2.read())).toBeLessThan(1e-4);
    for (const t of [x, win, gw, gw2]) t.dispose();
  });

  it('istft: torch lengths (default, shorter, longer with zeros) and NOLA', async () => {
    const e = engine();
    const x = clips(e, 2, 1000, 5);
    const s = audio.stft(x, { nFft: 400, hop: 160, method });
    const frames = s.re.shape[2];
    const dflt = audio.istft(s.re, s.im, { nFft: 400, hop: 160, method });
    expect(dflt.shape).toEqual([2, 160 * (frames - 1)]);
    const longer = audio.istft(s.re, s.im, { nFft: 400, hop: 160, method, length: 1300 });
    const v = await longer.read();
    expect(v[1299]).toBe(0);
    expect(v[1300 + 1299]).toBe(0);
    expect(() => audio.istft(s.re, s.im, { nFft: 400, hop: 401, method, window: 'hann' })).toThrow(/NOLA/);
    // torch.istft refuses center=False with a Hann window too (its first sample has weight 0).
    expect(() => audio.istft(s.re, s.im, { nFft: 400, hop: 160, method, center: false })).toThrow(/NOLA/);
    for (const t of [x, s.re, s.im, dflt, longer]) t.dispose();
  });

  it('maskToAudio: a mask of ones (linear or mel) gives the wave back, zeros give silence, and masks get gradients', async () => {
    const e = engine();
    const L = 4000;
    const x = clips(e, 2, L, 9);
    const frames = 1 + Math.floor(L / 160);
    const ref = await x.read();
    for (const rows of [201, 64]) {
      const m = e.ones([rows, frames]);
      const y = audio.maskToAudio(x, m, { method });
      expect(y.shape).toEqual([2, L]);
      expect(maxAbsRel(await y.read(), ref), `${name}: ones ${rows}`).toBeLessThan(2e-5);
      const z = audio.maskToAudio(x, e.zeros([rows, frames]), { method });
      expect(Math.max(...Array.from(await z.read(), Math.abs))).toBe(0);
      for (const t of [m, y, z]) t.dispose();
    }
    const mask = e.tensor(randArray(64 * frames, 3, 0, 1), [64, frames]);
    const [gx, gm] = grad((w: Tensor, m: Tensor) => sum(mul(audio.maskToAudio(w, m, { method }), w)))(x, mask);
    for (const g of [gx, gm]) {
      const v = await g.read();
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(0);
      g.dispose();
    }
    x.dispose();
    mask.dispose();
  });

  it('batched logMel equals per-clip logMel; topDb follows torchaudio (one peak per packed batch) unless per-example', async () => {
    const e = engine();
    const L = 3200;
    const data = randArray(3 * L, 21, -0.5, 0.5);
    // Make the clips differ in level by 40 dB so a shared topDb peak clips the quiet one.
    for (let i = 2 * L; i < 3 * L; i++) data[i] *= 0.01;
    const x = e.tensor(data, [3, L]);
    const batched = await audio.logMel(x, { method }).readFloat();
    const per = 64 * (1 + Math.floor(L / 160));
    for (let b = 0; b < 3; b++) {
      const one = e.tensor(data.subarray(b * L, (b + 1) * L), [L]);
      const y = audio.logMel(one, { method });
      expect(maxAbsRel(batched.subarray(b * per, (b + 1) * per), await y.read())).toBeLessThan(1e-6);
      one.dispose();
      y.dispose();
    }
    const shared = await audio.logMel(x, { method, topDb: 30 }).readFloat();
    const own = await audio.logMel(x, { method, topDb: 30, topDbPerExample: true }).readFloat();
    const peak = (v: Float32Array, b: number) => Math.max(...v.subarray(b * per, (b + 1) * per));
    const floor = (v: Float32Array, b: number) => Math.min(...v.subarray(b * per, (b + 1) * per));
    const globalPeak = Math.max(peak(batched, 0), peak(batched, 1), peak(batched, 2));
    expect(floor(shared, 2)).toBeCloseTo(globalPeak - 30, 3);
    expect(floor(own, 2)).toBeCloseTo(peak(batched, 2) - 30, 3);
    // [B, 1, mels, frames] (rank 4): torchaudio takes one peak per example.
    const db4 = audio.amplitudeToDb(audio.logMel(e.tensor(data, [3, 1, L]), { method, db: false }), { topDb: 30 });
    expect(floor(await db4.readFloat(), 2)).toBeCloseTo(peak(batched, 2) - 30, 3);
    x.dispose();
    db4.dispose();
  });
});

describe('normalizePerClip', () => {
  it('gives mean 0 and std 1 per example (rank 3) or over everything (rank 2)', async () => {
    const x = cpu.tensor(randArray(2 * 6 * 7, 1, 0, 5), [2, 6, 7]);
    const y = await audio.normalizePerClip(x).readFloat();
    for (let b = 0; b < 2; b++) {
      const v = y.subarray(b * 42, (b + 1) * 42);
      const m = v.reduce((a, c) => a + c, 0) / 42;
      const sd = Math.sqrt(v.reduce((a, c) => a + (c - m) ** 2, 0) / 42);
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(sd).toBeCloseTo(1, 5);
    }
    const z = await audio.normalizePerClip(cpu.tensor([1, 2, 3, 4], [2, 2]), { unbiased: true }).read();
    expect(z[3]).toBeCloseTo(1.5 / Math.sqrt(5 / 3), 5);
    x.dispose();
  });
});

describe.skipIf(!gpuAvailable)('logMel on WebGPU: one recorded pass', () => {
  it('records without submitting (no host round trip) and leaks nothing but its cached constants', async () => {
    const e = gpu!;
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const x = clips(e, 4, 48000, 77);
    for (const method of ['fft', 'matmul'] as const) {
      audio.logMel(x, { method }).dispose();
      await e.sync();
      const live = e.memory().liveTensors;
      const submits = ctx.submitCount;
      const y = audio.logMel(x, { method, topDb: 80, normalize: true });
      expect(ctx.submitCount, method).toBe(submits);
      expect(e.memory().liveTensors).toBe(live + 1);
      expect(y.shape).toEqual([4, 64, 301]);
      y.dispose();
    }
    x.dispose();
  });
});

describe('gradcheck of logMel on the CPU engine (central differences, float64 inside)', () => {
  for (const method of ['fft', 'matmul'] as const) {
    it(`${method}: d sum(logMel(w) * R) / dw on a short clip`, async () => {
      const L = 900;
      const opts = { method, nFft: 128, hop: 50, nMels: 16, normalize: true } as const;
      const w0 = Float64Array.from(randArray(L, 42, -0.5, 0.5));
      const out = audio.logMel(cpu.tensor(w0, [L]), opts);
      const R = cpu.tensor(randArray(out.size, 43), out.shape);
      out.dispose();
      const f = (t: Tensor) => sum(mul(audio.logMel(t, opts), R));
      const x = cpu.tensor(w0, [L]);
      const [g] = grad(f)(x);
      const analytic = await g.read();
      let scale = 0;
      for (const v of analytic) scale = Math.max(scale, Math.abs(v));
      const r = rng(44);
      const coords = new Set([0, 1, 63, L - 1]);
      while (coords.size < 24) coords.add(Math.floor(r() * L));
      const eps = 1e-4;
      let worst = 0;
      for (const i of coords) {
        const d = cpu.tidy(() => {
          const at = (delta: number) => {
            const p = Float64Array.from(w0);
            p[i] += delta;
            return f(cpu.tensor(p, [L]));
          };
          return sub(at(eps), at(-eps));
        });
        const numeric = (await d.item()) / (2 * eps);
        d.dispose();
        worst = Math.max(worst, Math.abs(numeric - analytic[i]));
      }
      expect(worst / scale, `${method}: worst |analytic - numeric| / max|analytic|`).toBeLessThan(1e-3);
      for (const t of [R, x, g]) t.dispose();
    });
  }
});
