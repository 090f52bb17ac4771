/**
 * Framing primitives (Backend.frame / overlapAdd): WebGPU against the CPU reference on odd sizes
 * that span many workgroups, and adjointness <frame(x), y> = <x, overlapAdd(y)> on both.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { gpuBackend } from '../helpers/gpu.js';
import { maxAbsRel, randArray } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

const nFramesOf = (L: number, N: number, hop: number) => (L < N ? 0 : Math.floor((L - N) / hop) + 1);

async function frameOn(be: Backend, x: Float32Array, B: number, L: number, N: number, hop: number): Promise<Float32Array> {
  const s = be.upload(x, 'float32');
  const out = be.frame({ storage: s, shape: [B, L], dtype: 'float32' }, N, hop);
  const v = (await be.read(out, B * nFramesOf(L, N, hop) * N, 'float32')) as Float32Array;
  be.free(s);
  be.free(out);
  return v;
}

async function olaOn(be: Backend, fr: Float32Array, B: number, F: number, N: number, hop: number, length: number): Promise<Float32Array> {
  const s = be.upload(fr, 'float32');
  const out = be.overlapAdd({ storage: s, shape: [B, F, N], dtype: 'float32' }, hop, length);
  const v = (await be.read(out, B * length, 'float32')) as Float32Array;
  be.free(s);
  be.free(out);
  return v;
}

/** Plain float64 reference of overlap-add. */
function olaRef(fr: Float32Array, B: number, F: number, N: number, hop: number, length: number): Float64Array {
  const out = new Float64Array(B * length);
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++)
      for (let j = 0; j < N; j++) {
        const t = f * hop + j;
        if (t < length) out[b * length + t] += fr[(b * F + f) * N + j];
      }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// [B, L, frameLength, hop]: hop < N (overlap), hop = N, hop > N (gaps), a single frame, N = 1.
const CASES: [number, number, number, number][] = [
  [3, 1237, 97, 31],
  [2, 4001, 400, 160],
  [1, 999, 50, 50],
  [5, 333, 20, 37],
  [2, 97, 97, 5],
  [4, 129, 1, 1],
  [1, 16000, 400, 160],
  // More frames than one dispatch dimension holds: the 1-D (divided index) frame kernel.
  [1, 70001, 3, 1],
];

describe('frame / overlapAdd on the CPU reference', () => {
  it('frame picks x[b, f*hop + j]; overlapAdd matches a scatter reference; adjoint pair', async () => {
    for (const [B, L, N, hop] of CASES) {
      const F = nFramesOf(L, N, hop);
      const x = randArray(B * L, L);
      const fr = await frameOn(cpu, x, B, L, N, hop);
      for (let b = 0; b < B; b++)
        for (const f of [0, F - 1])
          for (const j of [0, N - 1]) {
            expect(fr[(b * F + f) * N + j]).toBe(x[b * L + f * hop + j]);
          }
      const y = randArray(B * F * N, N + 1);
      for (const length of [L, (F - 1) * hop + N, Math.max(1, L - 7), L + 11]) {
        const ola = await olaOn(cpu, y, B, F, N, hop, length);
        expect(maxAbsRel(ola, olaRef(y, B, F, N, hop, length)), `ola [${B}, ${L}] N ${N} hop ${hop} length ${length}`).toBeLessThan(1e-6);
      }
      const back = await olaOn(cpu, y, B, F, N, hop, L);
      const lhs = dot(fr, y);
      expect(Math.abs(lhs - dot(x, back))).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)) + 1e-4);
    }
  });
});

describe.skipIf(!gpu)('webgpu frame / overlapAdd kernels', () => {
  it('frame equals the CPU reference exactly (a gather)', async () => {
    for (const [B, L, N, hop] of CASES) {
      const x = randArray(B * L, 7 * L);
      expect(Array.from(await frameOn(gpu!, x, B, L, N, hop)), `[${B}, ${L}] N ${N} hop ${hop}`).toEqual(
        Array.from(await frameOn(cpu, x, B, L, N, hop)),
      );
    }
  });

  it('overlapAdd matches the CPU reference for lengths shorter, equal and longer than the frames cover', async () => {
    for (const [B, L, N, hop] of CASES) {
      const F = nFramesOf(L, N, hop);
      const y = randArray(B * F * N, 3 * L);
      for (const length of [L, (F - 1) * hop + N, Math.max(1, L - 7), L + 11]) {
        const g = await olaOn(gpu!, y, B, F, N, hop, length);
        const c = await olaOn(cpu, y, B, F, N, hop, length);
        expect(maxAbsRel(g, c), `[${B}, ${F}, ${N}] hop ${hop} length ${length}`).toBeLessThan(1e-6);
      }
    }
  });

  it('is an adjoint pair on the GPU: <frame(x), y> = <x, overlapAdd(y)>', async () => {
    for (const [B, L, N, hop] of CASES) {
      const F = nFramesOf(L, N, hop);
      const x = randArray(B * L, 11 * L);
      const y = randArray(B * F * N, 13 * L);
      const lhs = dot(await frameOn(gpu!, x, B, L, N, hop), y);
      const rhs = dot(x, await olaOn(gpu!, y, B, F, N, hop, L));
      expect(Math.abs(lhs - rhs), `[${B}, ${L}] N ${N} hop ${hop}`).toBeLessThan(1e-4 * Math.sqrt(B * F * N));
    }
  });

  it('handles no frames and empty batches', async () => {
    const s = gpu!.upload([], 'float32');
    const out = gpu!.overlapAdd({ storage: s, shape: [2, 0, 5], dtype: 'float32' }, 3, 4);
    expect(Array.from(await gpu!.read(out, 8, 'float32'))).toEqual(new Array(8).fill(0));
    gpu!.free(s);
    gpu!.free(out);
  });
});

describe('frame with centre padding read in place (Backend.frame center / centerMode)', () => {
  async function framePadded(
    be: Backend,
    x: Float32Array,
    B: number,
    L: number,
    N: number,
    hop: number,
    p: number,
    mode: 'reflect' | 'constant',
  ) {
    const s = be.upload(x, 'float32');
    const out = be.frame({ storage: s, shape: [B, L], dtype: 'float32' }, N, hop, p, mode);
    const v = await be.read(out, B * nFramesOf(L + 2 * p, N, hop) * N, 'float32');
    be.free(s);
    be.free(out);
    return v;
  }
  /** numpy-style padding of each row by p (reflect without the edge sample, or zeros). */
  function padRows(x: Float32Array, B: number, L: number, p: number, mode: 'reflect' | 'constant') {
    const out = new Float32Array(B * (L + 2 * p));
    for (let b = 0; b < B; b++)
      for (let i = 0; i < L + 2 * p; i++) {
        let t = i - p;
        if (mode === 'reflect') t = t < 0 ? -t : t >= L ? 2 * (L - 1) - t : t;
        out[b * (L + 2 * p) + i] = t >= 0 && t < L ? x[b * L + t] : 0;
      }
    return out;
  }
  // [B, L, N, hop, p]: p = N/2 (torch's centre), p = L - 1 (the widest reflection), odd sizes.
  const PADDED: [number, number, number, number, number][] = [
    [2, 1237, 97, 31, 48],
    [1, 4001, 400, 160, 200],
    [3, 5, 4, 1, 4],
    [2, 13, 20, 3, 10],
    [1, 70001, 3, 1, 1],
  ];
  it.each(['reflect', 'constant'] as const)('%s: CPU and GPU equal framing the padded rows, exactly', async (mode) => {
    for (const [B, L, N, hop, p] of PADDED) {
      const x = randArray(B * L, 5 * L + p);
      const want = await frameOn(cpu, padRows(x, B, L, p, mode), B, L + 2 * p, N, hop);
      expect(Array.from(await framePadded(cpu, x, B, L, N, hop, p, mode)), `cpu [${B}, ${L}] N ${N} hop ${hop} p ${p}`).toEqual(
        Array.from(want),
      );
      if (gpu)
        expect(Array.from(await framePadded(gpu, x, B, L, N, hop, p, mode)), `gpu [${B}, ${L}] N ${N} hop ${hop} p ${p}`).toEqual(
          Array.from(want),
        );
    }
  });
});
