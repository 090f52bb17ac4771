/**
 * WebGPU reductions (src/engine/webgpu/kernels/reduce.ts) against the CPU reference.
 * Tolerances: max, min, argmax, argmin and int32 input are exact (NaN must match NaN);
 * float sums satisfy |gpu - cpu| <= 1e-5 * max(|cpu|) over the output (float32 rounding of a
 * float64 sum), and a 1e6-element sum of uniform values agrees with a float64 sum to 1e-6.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, DType, ReduceOp } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { splitsFor } from '../../src/engine/webgpu/kernels/reduce.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

const OPS: ReduceOp[] = ['sum', 'max', 'min', 'argmax', 'argmin'];

async function reduceOn(be: Backend, op: ReduceOp, data: ArrayLike<number>, dtype: DType, outer: number, r: number, inner: number) {
  const x = be.upload(data, dtype);
  const s = be.reduce(op, { storage: x, shape: [outer, r, inner], dtype }, outer, r, inner);
  const outDtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : dtype;
  const out = await be.read(s, outer * inner, outDtype);
  be.free(x);
  be.free(s);
  return out;
}

/** Compares one reduction on both backends (exact except float sums). */
async function check(op: ReduceOp, data: ArrayLike<number>, outer: number, r: number, inner: number, dtype: DType = 'float32') {
  const what = `${op} [${outer}, ${r}, ${inner}] ${dtype}`;
  const g = await reduceOn(gpu!, op, data, dtype, outer, r, inner);
  const c = await reduceOn(cpu, op, data, dtype, outer, r, inner);
  expect(g.length, what).toBe(c.length);
  if (op === 'sum' && dtype === 'float32') {
    let scale = 0;
    for (let i = 0; i < c.length; i++) if (Number.isFinite(c[i])) scale = Math.max(scale, Math.abs(c[i]));
    for (let i = 0; i < c.length; i++) {
      const ok = Number.isFinite(c[i]) ? Math.abs(g[i] - c[i]) <= 1e-5 * scale : Object.is(g[i], c[i]) || (g[i] !== g[i] && c[i] !== c[i]);
      if (!ok) expect.fail(`${what}: element ${i}: got ${g[i]}, want ${c[i]} (tol 1e-5 * ${scale})`);
    }
  } else {
    for (let i = 0; i < c.length; i++) {
      if (!(Object.is(g[i], c[i]) || (g[i] !== g[i] && c[i] !== c[i]))) expect.fail(`${what}: element ${i}: got ${g[i]}, want ${c[i]}`);
    }
  }
}

// [outer, r, inner]: sizes 1, primes, past one workgroup (64 invocations), every vector mode of
// the kernel (inner % 4 = 0; inner = 1 with r % 4 = 0; neither), and the multi-pass path.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 13, 1],
  [13, 7, 3],
  [3, 127, 4],
  [1, 12, 1],
  [127, 8, 1],
  [5, 1, 8],
  [65, 33, 2],
  [2, 257, 13],
  [1, 4099, 1],
  [1, 4100, 1],
  [3, 2000, 8],
  [1, 3001, 7],
  [4, 40000, 1],
  [1, 100_003, 1],
  [2, 30_011, 3],
];

describe.skipIf(!gpu)('webgpu reduce kernels', () => {
  it('the shapes above include single-pass and multi-pass reductions', () => {
    expect(splitsFor(7 * 3, 13)).toBe(1);
    expect(splitsFor(1, 100_003)).toBeGreaterThan(1);
    expect(splitsFor(1, Math.ceil(4099 / 4))).toBeGreaterThan(1);
  });

  it('sum, max, min, argmax, argmin on random shapes match the CPU reference', async () => {
    let seed = 1;
    for (const [outer, r, inner] of SHAPES) {
      const data = randArray(outer * r * inner, seed++, -2, 3);
      for (const op of OPS) await check(op, data, outer, r, inner);
    }
  });

  it('empty reductions: sum 0, max -inf, min +inf, arg 0; empty outputs', async () => {
    for (const op of OPS) {
      await check(op, [], 3, 0, 2);
      await check(op, [], 1, 0, 1);
      await check(op, [], 0, 5, 3);
      await check(op, [], 2, 4, 0);
    }
    expect(Array.from(await reduceOn(gpu!, 'max', [], 'float32', 2, 0, 1))).toEqual([-Infinity, -Infinity]);
    expect(Array.from(await reduceOn(gpu!, 'min', [], 'float32', 1, 0, 1))).toEqual([Infinity]);
  });

  it('argmax/argmin return the first index of ties, also across the passes of a long r', async () => {
    const rand = rng(7);
    for (const [outer, r, inner] of [
      [3, 50, 5],
      [1, 9, 1],
      [2, 4096, 1],
      [1, 100_003, 1],
      [1, 20_000, 4],
      [1, 30_001, 3],
    ] as const) {
      // Few distinct values: ties everywhere.
      const data = Float32Array.from({ length: outer * r * inner }, () => Math.floor(rand() * 4));
      for (const op of OPS) await check(op, data, outer, r, inner);
    }
    // A long constant row: index 0; the extreme placed twice, the later one first in its split.
    const n = 100_003;
    const flat = new Float32Array(n).fill(0.5);
    expect(Array.from(await reduceOn(gpu!, 'argmax', flat, 'float32', 1, n, 1))).toEqual([0]);
    expect(Array.from(await reduceOn(gpu!, 'argmin', flat, 'float32', 1, n, 1))).toEqual([0]);
    flat[77_777] = 9;
    flat[70_001] = 9;
    flat[60_000] = -9;
    flat[99_999] = -9;
    expect(Array.from(await reduceOn(gpu!, 'argmax', flat, 'float32', 1, n, 1))).toEqual([70_001]);
    expect(Array.from(await reduceOn(gpu!, 'argmin', flat, 'float32', 1, n, 1))).toEqual([60_000]);
    // All -inf: max -inf, argmax 0.
    const ninf = new Float32Array(5000).fill(-Infinity);
    for (const op of OPS) await check(op, ninf, 1, 5000, 1);
    for (const op of OPS) await check(op, ninf, 2, 500, 5);
  });

  it('max/min propagate NaN; argmax/argmin point at the first NaN', async () => {
    let seed = 100;
    for (const [outer, r, inner] of [
      [4, 31, 3],
      [1, 100_003, 1],
      [3, 1000, 4],
      [2, 4096, 1],
      [5, 77, 1],
    ] as const) {
      const data = randArray(outer * r * inner, seed++);
      const rand = rng(seed);
      // NaN in about half of the columns, sometimes twice in one column.
      for (let k = 0; k < Math.max(2, (outer * inner) / 2); k++) {
        data[Math.floor(rand() * data.length)] = NaN;
        if (k % 3 === 0) data[Math.floor(rand() * data.length)] = NaN;
      }
      data[0] = NaN;
      for (const op of OPS) await check(op, data, outer, r, inner);
    }
    // Infinities mixed with NaN.
    const mixed = Float32Array.from([Infinity, -Infinity, NaN, Infinity, 1, NaN, -Infinity, 2]);
    for (const op of OPS) await check(op, mixed, 1, 8, 1);
    for (const op of OPS) await check(op, mixed, 2, 2, 2);
  });

  it('int32 input: exact max/min/argmax/argmin/sum', async () => {
    const rand = rng(11);
    for (const [outer, r, inner] of [
      [1, 1, 1],
      [3, 17, 2],
      [1, 100_003, 1],
      [5, 4000, 4],
      [2, 0, 3],
    ] as const) {
      const data = Int32Array.from({ length: outer * r * inner }, () => Math.floor((rand() - 0.5) * 20_000));
      for (const op of OPS) await check(op, data, outer, r, inner, 'int32');
    }
    const ext = Int32Array.from([2147483647, -2147483648, 2147483647, -2147483648]);
    for (const op of ['max', 'min', 'argmax', 'argmin'] as const) await check(op, ext, 1, 4, 1, 'int32');
  });

  it('sums 1e6 uniform values to 1e-6 of a float64 sum (compensated accumulation)', async () => {
    const n = 1_000_000;
    for (const [lo, hi, seed] of [
      [0, 1, 5],
      [-1, 1.5, 6],
    ] as const) {
      const data = randArray(n, seed, lo, hi);
      let exact = 0;
      for (let i = 0; i < n; i++) exact += data[i];
      const g = (await reduceOn(gpu!, 'sum', data, 'float32', 1, n, 1))[0];
      expect(Math.abs(g - exact) / Math.abs(exact)).toBeLessThan(1e-6);
      // The same data as 1000 rows of 1000 (one pass, one invocation per row).
      const rows = await reduceOn(gpu!, 'sum', data, 'float32', 1000, 1000, 1);
      let worst = 0;
      for (let o = 0; o < 1000; o++) {
        let e = 0;
        for (let t = 0; t < 1000; t++) e += data[o * 1000 + t];
        worst = Math.max(worst, Math.abs(rows[o] - e) / Math.max(Math.abs(e), 1));
      }
      expect(worst).toBeLessThan(1e-6);
    }
    // A naive float32 loop loses every small term after a large one; a compensated one does not
    // (this also catches a driver compiler that optimizes the compensation away).
    for (const r of [300, 100_003]) {
      const data = new Float32Array(r).fill(1e-8);
      data[0] = 1;
      const g = (await reduceOn(gpu!, 'sum', data, 'float32', 1, r, 1))[0];
      const exact = 1 + (r - 1) * Math.fround(1e-8);
      expect(Math.abs(g - exact)).toBeLessThan(2.5e-7);
    }
  });

  it('more than 65,535 workgroups of outputs (folded dispatch)', async () => {
    // r = 1: max copies its input, so the check needs no reference.
    const outer = 65_535 * 64 + 1001;
    const data = randArray(outer, 21);
    const g = await reduceOn(gpu!, 'max', data, 'float32', outer, 1, 1);
    let bad = -1;
    for (let i = 0; i < outer && bad < 0; i++) if (g[i] !== data[i]) bad = i;
    expect(bad).toBe(-1);
  });
});
