/**
 * WebGPU indexing kernels (gather, scatterAdd, oneHot) against the CPU reference. gather and
 * oneHot must be exact; int32 scatterAdd is exact. float32 scatterAdd sums in the CPU's order but
 * in float32 (the CPU sums in float64), whose rounding error grows with the terms summed: each
 * output must agree within 1e-6 * max(sum of |terms|, 1).
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Buf, DType, Storage } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { sizeOf } from '../../src/engine/shape.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

interface Input {
  data: number[];
  shape: number[];
  dtype: DType;
}

async function runOn(be: Backend, ins: Input[], f: (be: Backend, xs: Buf[]) => Storage, outSize: number, outDtype: DType) {
  const xs = ins.map((i) => ({ storage: be.upload(i.data, i.dtype), shape: i.shape, dtype: i.dtype }));
  const s = f(be, xs);
  const out = await be.read(s, outSize, outDtype);
  for (const x of xs) be.free(x.storage);
  be.free(s);
  return Array.from(out);
}

async function both(ins: Input[], f: (be: Backend, xs: Buf[]) => Storage, outSize: number, outDtype: DType) {
  return [await runOn(gpu!, ins, f, outSize, outDtype), await runOn(cpu, ins, f, outSize, outDtype)] as const;
}

function values(n: number, seed: number, dtype: DType): number[] {
  return Array.from(randArray(n, seed, -10, 10), (v) => (dtype === 'int32' ? Math.round(v) : v));
}

function indices(n: number, dim: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * dim));
}

/** Random [x shape, axis, indices shape] cases plus fixed ones (size 1, primes, past one workgroup). */
function cases(seed: number): [number[], number, number[]][] {
  const r = rng(seed);
  const dims = [1, 2, 3, 7, 13];
  const out: [number[], number, number[]][] = [
    [[1], 0, [1]],
    [[7], 0, [13]],
    [[13, 7], 1, [2, 3]],
    [[257, 3], 0, [257]],
    [[5, 300, 2], 1, [260]],
    [[4, 5], 0, []],
    [[4, 5], 1, [0]],
  ];
  for (let k = 0; k < 16; k++) {
    const rank = 1 + Math.floor(r() * 3);
    const shape = Array.from({ length: rank }, () => dims[Math.floor(r() * dims.length)]);
    const idxShape = Array.from({ length: Math.floor(r() * 3) }, () => dims[Math.floor(r() * dims.length)]);
    out.push([shape, Math.floor(r() * rank), idxShape]);
  }
  return out;
}

describe.skipIf(!gpu)('webgpu indexing kernels', () => {
  it('gather along every axis with indices of any shape, float32 and int32, exactly', async () => {
    for (const [shape, axis, idxShape] of cases(1)) {
      for (const dtype of ['float32', 'int32'] as const) {
        const idx = indices(sizeOf(idxShape), shape[axis], sizeOf(shape));
        const outShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const [g, c] = await both(
          [
            { data: values(sizeOf(shape), 2, dtype), shape, dtype },
            { data: idx, shape: idxShape, dtype: 'int32' },
          ],
          (be, [xb, ib]) => be.gather(xb, ib, axis),
          sizeOf(outShape),
          dtype,
        );
        expect(g, `gather [${shape}] axis ${axis} idx [${idxShape}]`).toEqual(c);
      }
    }
  });

  it('scatterAdd accumulates repeated indices (float32 within 1e-6, int32 exactly)', async () => {
    for (const [shape, axis, idxShape] of cases(2)) {
      const dimSize = shape[axis];
      const gShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
      // Few distinct targets so that indices repeat.
      const idx = indices(sizeOf(idxShape), Math.min(dimSize, 3), sizeOf(gShape));
      for (const dtype of ['float32', 'int32'] as const) {
        const gData = values(sizeOf(gShape), 3, dtype);
        const scatter = (data: number[]) =>
          both(
            [
              { data, shape: gShape, dtype },
              { data: idx, shape: idxShape, dtype: 'int32' },
            ],
            (be, [gb, ib]) => be.scatterAdd(gb, ib, axis, dimSize),
            sizeOf(shape),
            dtype,
          );
        const [g, c] = await scatter(gData);
        const what = `scatterAdd g [${gShape}] axis ${axis} idx [${idxShape}] ${dtype}`;
        if (dtype === 'int32') {
          expect(g, what).toEqual(c);
          continue;
        }
        const [, absSum] = await scatter(gData.map(Math.abs));
        for (let i = 0; i < c.length; i++) {
          if (!(Math.abs(g[i] - c[i]) <= 1e-6 * Math.max(absSum[i], 1))) expect.fail(`${what} element ${i}: ${g[i]} vs ${c[i]}`);
        }
      }
    }
  });

  it('oneHot: a row per index, on random shapes incl. odd sizes', async () => {
    for (const [idxShape, depth] of [
      [[1], 1],
      [[7], 13],
      [[2, 3], 5],
      [[257], 300],
      [[], 4],
      [[0], 3],
    ] as [number[], number][]) {
      const idx = indices(sizeOf(idxShape), depth, depth);
      const [g, c] = await both(
        [{ data: idx, shape: idxShape, dtype: 'int32' }],
        (be, [ib]) => be.oneHot(ib, depth),
        sizeOf(idxShape) * depth,
        'float32',
      );
      expect(g, `oneHot [${idxShape}] depth ${depth}`).toEqual(c);
    }
  });

  it('out-of-range indices (-1 or dim) raise a ValueError on both backends (WebGPU: on the read)', async () => {
    const cases: [string, (be: Backend, xs: Buf[]) => Storage, number][] = [
      ['gather', (be, [x, i]) => be.gather(x, i, 0), 2],
      ['scatterAdd', (be, [x, i]) => be.scatterAdd({ ...x, shape: [2] }, i, 0, 5), 5],
      ['oneHot', (be, [, i]) => be.oneHot(i, 5), 10],
    ];
    for (const bad of [-1, 5]) {
      for (const [name, f, outSize] of cases) {
        const ins: Input[] = [
          { data: [1, 2], shape: [2], dtype: 'float32' },
          { data: [0, bad], shape: [2], dtype: 'int32' },
        ];
        for (const be of [gpu!, cpu]) {
          await expect(runOn(be, ins, f, outSize, 'float32'), `${name} ${be.name} index ${bad}`).rejects.toThrow(
            new RegExp(`${name}: an index .*out of range`),
          );
        }
      }
    }
    // The fault is reported once: the next read is clean.
    const [g] = await both(
      [
        { data: [1, 2, 3, 4, 5], shape: [5], dtype: 'float32' },
        { data: [4], shape: [1], dtype: 'int32' },
      ],
      (be, [x, i]) => be.gather(x, i, 0),
      1,
      'float32',
    );
    expect(g).toEqual([5]);
  });
});
