/**
 * The fused mel-spectrogram primitive (Backend.stftMel): the WebGPU kernels (the straight-line
 * kernel generated per nFft from shaders/stft_mel_gen.wgsl, the default; `lanes2`, one frame per
 * invocation; one workgroup per frame with the FFT in workgroup memory; the framing + multi-pass
 * FFT + `melEpilogue` path for rows too long for workgroup memory) against the float64 CPU
 * reference, which is itself checked against the unfused CPU primitives it stands for (frame,
 * rfftPower, a dense filterbank product). Geometries: nFft 400 / 512 (radix 8, 5, 4), 375 and 401
 * (odd, past the generated kernel's 256), 98 (radix 7), 22 and 13 (radix 11 and 13), 34 (a prime
 * the generator declines: lanes2), 12 and 2 and 1 (tiny), 1000 (rows), 4096 (multi-pass); odd wave
 * lengths; reflect / zero / no centre padding; hop above and below nFft; batch > 1, frame counts
 * that are not multiples of a workgroup's 8 frames, and more frames than one dispatch row;
 * onesided and full spectra; real htk / slaney mel filterbanks, random sparse banks (empty columns,
 * zeros inside a band) and a dense bank; power and magnitude; with and without decibels and window.
 * The generator itself: its radix plans, the kernel choice, and the code for a tiny nFft. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, StftMelParams } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { melFilterbank } from '../../src/audio/mel.js';
import { autoStftMelPath, forceStftMelPath, type StftMelPath } from '../../src/engine/webgpu/kernels/stftMel.js';
import { codegenName, codegenPlan, codegenShader } from '../../src/engine/webgpu/kernels/stftMelCodegen.js';
import { gpuBackend } from '../helpers/gpu.js';
import { maxAbsRel, randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

type FbKind = 'htk' | 'slaney' | 'sparse' | 'dense';

interface Case {
  n: number;
  hop: number;
  center: number;
  mode: 'reflect' | 'constant';
  batch: number;
  length: number;
  bins: number;
  nMels: number;
  fb: FbKind;
  magnitude: boolean;
  db: boolean;
  window: boolean;
}

const CASES: Case[] = [
  {
    n: 400,
    hop: 160,
    center: 200,
    mode: 'reflect',
    batch: 3,
    length: 4001,
    bins: 201,
    nMels: 64,
    fb: 'htk',
    magnitude: false,
    db: true,
    window: true,
  },
  {
    n: 512,
    hop: 128,
    center: 256,
    mode: 'constant',
    batch: 2,
    length: 2999,
    bins: 257,
    nMels: 40,
    fb: 'slaney',
    magnitude: true,
    db: true,
    window: true,
  },
  {
    n: 375,
    hop: 100,
    center: 187,
    mode: 'reflect',
    batch: 2,
    length: 1501,
    bins: 188,
    nMels: 23,
    fb: 'sparse',
    magnitude: false,
    db: false,
    window: true,
  },
  {
    n: 98,
    hop: 33,
    center: 0,
    mode: 'reflect',
    batch: 5,
    length: 701,
    bins: 50,
    nMels: 7,
    fb: 'dense',
    magnitude: false,
    db: false,
    window: false,
  },
  {
    n: 401,
    hop: 97,
    center: 200,
    mode: 'reflect',
    batch: 1,
    length: 1203,
    bins: 401,
    nMels: 9,
    fb: 'sparse',
    magnitude: true,
    db: false,
    window: true,
  },
  {
    n: 12,
    hop: 5,
    center: 6,
    mode: 'reflect',
    batch: 7,
    length: 61,
    bins: 12,
    nMels: 5,
    fb: 'sparse',
    magnitude: false,
    db: true,
    window: true,
  },
  {
    n: 12,
    hop: 17,
    center: 6,
    mode: 'constant',
    batch: 2,
    length: 95,
    bins: 7,
    nMels: 3,
    fb: 'dense',
    magnitude: false,
    db: false,
    window: true,
  },
  {
    n: 22,
    hop: 9,
    center: 11,
    mode: 'constant',
    batch: 3,
    length: 77,
    bins: 12,
    nMels: 4,
    fb: 'sparse',
    magnitude: true,
    db: true,
    window: true,
  },
  {
    n: 13,
    hop: 4,
    center: 6,
    mode: 'reflect',
    batch: 2,
    length: 40,
    bins: 13,
    nMels: 3,
    fb: 'dense',
    magnitude: false,
    db: false,
    window: false,
  },
  {
    n: 34,
    hop: 10,
    center: 17,
    mode: 'reflect',
    batch: 2,
    length: 123,
    bins: 18,
    nMels: 6,
    fb: 'htk',
    magnitude: false,
    db: true,
    window: true,
  },
  {
    n: 2,
    hop: 1,
    center: 1,
    mode: 'reflect',
    batch: 2,
    length: 9,
    bins: 2,
    nMels: 3,
    fb: 'dense',
    magnitude: false,
    db: false,
    window: true,
  },
  {
    n: 1,
    hop: 1,
    center: 0,
    mode: 'reflect',
    batch: 3,
    length: 5,
    bins: 1,
    nMels: 2,
    fb: 'dense',
    magnitude: true,
    db: false,
    window: false,
  },
  {
    n: 1000,
    hop: 333,
    center: 500,
    mode: 'reflect',
    batch: 2,
    length: 2501,
    bins: 501,
    nMels: 20,
    fb: 'htk',
    magnitude: false,
    db: true,
    window: true,
  },
  {
    n: 4096,
    hop: 1000,
    center: 2048,
    mode: 'reflect',
    batch: 2,
    length: 5001,
    bins: 2049,
    nMels: 16,
    fb: 'htk',
    magnitude: false,
    db: true,
    window: true,
  },
];

/** A filterbank [bins, nMels] of the given kind (float64). */
function filterbank(c: Case, seed: number): Float64Array {
  if (c.fb === 'htk' || c.fb === 'slaney')
    return melFilterbank({ nFreqs: c.bins, nMels: c.nMels, sampleRate: 16000, scale: c.fb, norm: c.fb === 'slaney' ? 'slaney' : null });
  const r = rng(seed);
  const fb = new Float64Array(c.bins * c.nMels);
  for (let m = 0; m < c.nMels; m++) {
    if (c.fb === 'sparse' && m % 4 === 1) continue; // an empty column
    const lo = c.fb === 'dense' ? 0 : Math.floor(r() * c.bins);
    const hi = c.fb === 'dense' ? c.bins : Math.min(c.bins, lo + 1 + Math.floor(r() * 9));
    for (let k = lo; k < hi; k++) fb[k * c.nMels + m] = c.fb === 'sparse' && k === lo + 1 ? 0 : 0.1 + r();
  }
  return fb;
}

function params(c: Case): StftMelParams {
  return {
    nFft: c.n,
    hop: c.hop,
    center: c.center,
    centerMode: c.mode,
    magnitude: c.magnitude,
    db: c.db ? { scale: 10 / Math.LN10, shift: -3, amin: 1e-6 } : null,
  };
}

const nFramesOf = (c: Case) => Math.floor((c.length + 2 * c.center - c.n) / c.hop) + 1;

async function run(be: Backend, c: Case, x: ArrayLike<number>, w: ArrayLike<number> | null, fb: ArrayLike<number>): Promise<Float64Array> {
  const xs = be.upload(x, 'float32');
  const ws = w ? be.upload(w, 'float32') : null;
  const fs = be.upload(fb, 'float32');
  const out = be.stftMel(
    { storage: xs, shape: [c.batch, c.length], dtype: 'float32' },
    ws ? { storage: ws, shape: [c.n], dtype: 'float32' } : null,
    { storage: fs, shape: [c.bins, c.nMels], dtype: 'float32' },
    params(c),
  );
  // The CPU reference's float64 values as they are (read() rounds to float32).
  const got =
    be === cpu
      ? Float64Array.from((out as unknown as { data: Float64Array }).data)
      : Float64Array.from(await be.read(out, c.batch * c.nMels * nFramesOf(c), 'float32'));
  for (const s of [xs, ws, fs, out]) if (s) be.free(s);
  return got;
}

/** The unfused CPU primitives: frame → rfftPower → dense product → transpose → dB. */
async function unfused(c: Case, x: ArrayLike<number>, w: ArrayLike<number> | null, fb: ArrayLike<number>): Promise<Float64Array> {
  const nFrames = nFramesOf(c);
  const rows = c.batch * nFrames;
  const xs = cpu.upload(x, 'float32');
  const frames = cpu.frame({ storage: xs, shape: [c.batch, c.length], dtype: 'float32' }, c.n, c.hop, c.center, c.mode);
  const ws = w ? cpu.upload(w, 'float32') : null;
  const ps = cpu.rfftPower(
    { storage: frames, shape: [rows, c.n], dtype: 'float32' },
    c.n,
    c.bins,
    ws ? { storage: ws, shape: [c.n], dtype: 'float32' } : null,
  );
  // The CPU storage's float64 values (read() would round them to float32).
  const power = (ps as unknown as { data: Float64Array }).data;
  const out = new Float64Array(rows * c.nMels);
  for (let r = 0; r < rows; r++) {
    const b = Math.floor(r / nFrames);
    const f = r % nFrames;
    for (let m = 0; m < c.nMels; m++) {
      let s = 0;
      for (let k = 0; k < c.bins; k++) {
        const p = power[r * c.bins + k];
        s += (c.magnitude ? Math.sqrt(p) : p) * fb[k * c.nMels + m];
      }
      out[(b * c.nMels + m) * nFrames + f] = c.db ? (10 / Math.LN10) * Math.log(Math.max(s, 1e-6)) - 3 : s;
    }
  }
  for (const s of [xs, frames, ws, ps]) if (s) cpu.free(s);
  return out;
}

function inputs(c: Case, i: number) {
  const x = randArray(c.batch * c.length, 100 + i, -1, 1);
  const w = c.window ? randArray(c.n, 200 + i, 0.1, 1) : null;
  // Rounded to float32 as every upload is, so the unfused reference sees the same values.
  return { x, w, fb: Float32Array.from(filterbank(c, 300 + i)) };
}

/** Largest |a - b| (decibels) or max|a - b| / max|b| (linear). */
const err = (c: Case, a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (!c.db) return maxAbsRel(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('stftMel CPU reference (float64)', () => {
  it('equals the unfused CPU primitives (frame, rfftPower, dense filterbank product, decibels)', async () => {
    for (const [i, c] of CASES.entries()) {
      const { x, w, fb } = inputs(c, i);
      const got = await run(cpu, c, x, w, fb);
      expect(got.length, `case ${i}`).toBe(c.batch * c.nMels * nFramesOf(c));
      expect(err(c, got, await unfused(c, x, w, fb)), `case ${i} (n ${c.n})`).toBeLessThan(1e-12);
    }
  });
});

describe.skipIf(!gpu)('stftMel WebGPU kernel against the CPU reference', () => {
  // Linear values: float32 FFT rounding (relative to the largest value); decibels: absolute dB.
  const TOL = { linear: 2e-5, db: 2e-3 };

  afterEach(() => forceStftMelPath(null));

  it('every geometry, filterbank, level and decibel setting on the automatic path (codegen; lanes2 for 34; rows for 375, 401 and 1000; passes for 4096)', async () => {
    for (const [i, c] of CASES.entries()) {
      const { x, w, fb } = inputs(c, i);
      const g = await run(gpu!, c, x, w, fb);
      const r = await run(cpu, c, x, w, fb);
      expect(err(c, g, r), `case ${i} (n ${c.n}, bins ${c.bins}, ${c.fb})`).toBeLessThan(c.db ? TOL.db : TOL.linear);
    }
  });

  // Each kernel forced where it applies (elsewhere the automatic choice runs): the generated
  // straight-line kernel, the lane kernel with its rows in workgroup memory and in private memory
  // (its fallback where workgroup storage is short), the frame-per-workgroup kernel and the
  // multi-pass path on the small sizes the generated kernel takes by default. The lane kernels
  // (one pipeline per nFft, each compiled for seconds on lavapipe) run a subset of the
  // geometries: radix 8 x 5 x 5, 7 x 7, 13 (odd prime), 17 and 1 (no pass).
  const LANE_CASES = new Set([400, 98, 13, 34, 2]);
  for (const path of ['codegen', 'lanes2', 'lanes2-private', 'rows', 'passes'] as StftMelPath[]) {
    it(`the '${path}' kernel on the same cases`, async () => {
      forceStftMelPath(path);
      for (const [i, c] of CASES.entries()) {
        if (c.n > 1000 || (path.startsWith('lanes2') && !LANE_CASES.has(c.n))) continue;
        const { x, w, fb } = inputs(c, i);
        const g = await run(gpu!, c, x, w, fb);
        const r = await run(cpu, c, x, w, fb);
        expect(err(c, g, r), `${path}: case ${i} (n ${c.n})`).toBeLessThan(c.db ? TOL.db : TOL.linear);
      }
    });
  }

  it('more workgroups than one dispatch row (> 65,535 fold into 2-D) on the lane and rows kernels', async () => {
    // 529,997 frames: 66,250 workgroups of 8 frames (codegen, lanes2), 529,997 of one frame (rows).
    const c: Case = {
      n: 4,
      hop: 1,
      center: 0,
      mode: 'reflect',
      batch: 1,
      length: 530000,
      bins: 3,
      nMels: 2,
      fb: 'dense',
      magnitude: false,
      db: false,
      window: true,
    };
    const { x, w, fb } = inputs(c, 99);
    const r = await run(cpu, c, x, w, fb);
    for (const path of ['codegen', 'lanes2', 'lanes2-private', 'rows'] as StftMelPath[]) {
      forceStftMelPath(path);
      expect(err(c, await run(gpu!, c, x, w, fb), r), path).toBeLessThan(TOL.linear);
    }
  });

  it('the generated kernel with other radix plans (direct DFTs of radix 10 and 6, radix 3 before 4)', async () => {
    const c: Case = { ...CASES[0], n: 120, hop: 50, center: 60, bins: 61, nMels: 16 }; // cl = 60
    const { x, w, fb } = inputs(c, 0);
    const r = await run(cpu, c, x, w, fb);
    // 8 x 5 x 5 does not factor 60: the default plan runs instead.
    for (const plan of [
      [10, 6],
      [3, 4, 5],
      [8, 5, 5],
    ]) {
      forceStftMelPath('codegen', plan);
      expect(err(c, await run(gpu!, c, x, w, fb), r), plan.join('x')).toBeLessThan(TOL.db);
    }
  });

  it('precompile compiles the generated kernel of a traced call (its shader defined while tracing)', async () => {
    const c: Case = { ...CASES[5], n: 24, center: 12, bins: 13 }; // cl = 12: plan 4 x 3, compiled nowhere else
    const spec = { n: c.n, bins: c.bins, plan: codegenPlan(12)! };
    const { x, w, fb } = inputs(c, 5);
    const ctx = gpu!.ctx;
    expect(ctx.pipelines.has(codegenName(spec), 'lanesGen')).toBe(false);
    await ctx.precompile(() => {
      const xs = gpu!.upload(x, 'float32');
      const ws = gpu!.upload(w!, 'float32');
      const fs = gpu!.upload(fb, 'float32');
      const out = gpu!.stftMel(
        { storage: xs, shape: [c.batch, c.length], dtype: 'float32' },
        { storage: ws, shape: [c.n], dtype: 'float32' },
        { storage: fs, shape: [c.bins, c.nMels], dtype: 'float32' },
        params(c),
      );
      for (const s of [xs, ws, fs, out]) gpu!.free(s);
    });
    expect(ctx.pipelines.has(codegenName(spec), 'lanesGen')).toBe(true);
    expect(err(c, await run(gpu!, c, x, w, fb), await run(cpu, c, x, w, fb))).toBeLessThan(TOL.db);
  });

  it('keeps frames apart: a silent wave next to a loud one gives exactly zero mel power', async () => {
    const c = CASES[0];
    const x = new Float32Array(c.batch * c.length);
    for (let t = 0; t < c.length; t++) x[t] = 1000 * Math.sin(t) + 300;
    const got = await run(gpu!, { ...c, db: false }, x, randArray(c.n, 5, 0, 1), filterbank(c, 1));
    const per = c.nMels * nFramesOf(c);
    for (let i = per; i < got.length; i++) expect(got[i]).toBe(0);
  });
});

describe('stftMel kernel choice and the straight-line kernel generator', () => {
  it('takes the generated kernel where its radix plan applies, else lanes2, rows or passes', () => {
    // (nFft, whether the FFT fits workgroup memory) -> path; cl = nFft / 2 for even nFft, else nFft.
    const cases: [number, boolean, StftMelPath][] = [
      [400, true, 'codegen'],
      [512, true, 'codegen'],
      [98, true, 'codegen'],
      [12, true, 'codegen'],
      [2, true, 'codegen'],
      [1, true, 'codegen'],
      [243, true, 'codegen'],
      [34, true, 'lanes2'], // cl = 17: a prime above the direct-DFT bound
      [375, true, 'rows'], // cl = 375 > 256
      [401, true, 'rows'],
      [1000, true, 'rows'],
      [4096, false, 'passes'],
    ];
    for (const [n, shared, path] of cases) expect(autoStftMelPath(n % 2 === 0 ? n / 2 : n, shared), `nFft ${n}`).toBe(path);
  });

  it('plans radix 8 first, then 4, 2, 5, 3 and primes up to 13; none past 256 or for larger primes', () => {
    expect(codegenPlan(200)).toEqual([8, 5, 5]);
    expect(codegenPlan(256)).toEqual([8, 8, 4]);
    expect(codegenPlan(6)).toEqual([2, 3]);
    expect(codegenPlan(143)).toEqual([11, 13]);
    expect(codegenPlan(49)).toEqual([7, 7]);
    expect(codegenPlan(1)).toEqual([]);
    expect(codegenPlan(17)).toBeNull();
    expect(codegenPlan(2 * 17)).toBeNull();
    expect(codegenPlan(320)).toBeNull();
  });

  it('generates straight-line WGSL: constant indices, one level store per bin, no placeholder', () => {
    const spec = { n: 8, bins: 5, plan: [4] };
    const code = codegenShader(spec);
    expect(code).toContain('const BINS = 5u;\nconst CL = 4u;');
    expect(code).toContain(`// Generated: ${codegenName(spec)}`);
    expect(code).not.toMatch(/^\/\/!generated$/m);
    expect(code).not.toContain('f32(p.n)'); // the placeholder's plain DFT is gone
    const body = code.slice(code.indexOf('fn laneLevels'), code.indexOf('@compute'));
    // The frame is loaded by one loop; every other index is a literal.
    expect(body.match(/for \(/g)?.length).toBe(1);
    for (const k of [0, 1, 2, 3, 4]) expect(body.split(`lv[${k}] = `).length - 1, `bin ${k}`).toBe(1);
    expect(body).not.toContain('lv[5]');
    expect(body).toContain('dft4(fr[0], fr[1], fr[2], fr[3], -1.0)');
    expect(codegenShader(spec)).toBe(code);
    expect(() => codegenShader({ n: 8, bins: 5, plan: [2] })).toThrow(/plan 2 is not a factorisation of 4/);
    expect(() => codegenShader({ n: 8, bins: 9, plan: [4] })).toThrow(/9 bins/);
  });
});
