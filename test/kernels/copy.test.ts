/**
 * WebGPU copy kernels (stridedCopy, concat, pad) against the CPU reference. They move bits, so
 * results must be exactly equal, for float32 and int32 alike.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Buf, DType, Storage } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { sizeOf, stridesOf } from '../../src/engine/shape.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray, rng } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

/** Data of `n` elements: floats, or integers for int32. */
function data(n: number, seed: number, dtype: DType): number[] {
  return Array.from(randArray(n, seed, -1000, 1000), (v) => (dtype === 'int32' ? Math.round(v) : v));
}

async function runOn(
  be: Backend,
  ins: { data: number[]; shape: number[] }[],
  dtype: DType,
  f: (be: Backend, xs: Buf[]) => Storage,
  outSize: number,
) {
  const xs = ins.map((i) => ({ storage: be.upload(i.data, dtype), shape: i.shape, dtype }));
  const s = f(be, xs);
  const out = await be.read(s, outSize, dtype);
  for (const x of xs) be.free(x.storage);
  be.free(s);
  return Array.from(out);
}

/** Runs `f` on both backends and expects exactly equal results. */
async function expectSame(
  ins: { data: number[]; shape: number[] }[],
  dtype: DType,
  f: (be: Backend, xs: Buf[]) => Storage,
  outSize: number,
  what: string,
) {
  const g = await runOn(gpu!, ins, dtype, f, outSize);
  const c = await runOn(cpu, ins, dtype, f, outSize);
  expect(g, what).toEqual(c);
}

const DTYPES = ['float32', 'int32'] as const;

describe.skipIf(!gpu)('webgpu copy kernels', () => {
  it('stridedCopy: permutations, slices with steps, flips and broadcasts of random shapes', async () => {
    const r = rng(11);
    const dims = [1, 2, 3, 7, 13];
    for (let k = 0; k < 40; k++) {
      const rank = 1 + Math.floor(r() * 4);
      const shape = Array.from({ length: rank }, () => dims[Math.floor(r() * dims.length)]);
      const st = stridesOf(shape);
      // Permute the axes, then flip some (negative stride from the far end) and broadcast one
      // size-1 axis into a new extent (stride 0), and take every other element on one axis.
      const perm = shape.map((_, i) => i).sort(() => r() - 0.5);
      let offset = 0;
      const outShape: number[] = [];
      const strides: number[] = [];
      for (const d of perm) {
        let extent = shape[d];
        let stride = st[d];
        if (extent === 1 && r() < 0.5) {
          extent = 5;
          stride = 0;
        } else if (extent > 2 && r() < 0.3) {
          extent = Math.ceil(extent / 2);
          stride *= 2;
        }
        if (r() < 0.4) {
          offset += (extent - 1) * stride;
          stride = -stride;
        }
        outShape.push(extent);
        strides.push(stride);
      }
      const dtype = DTYPES[k % 2];
      const x = data(sizeOf(shape), k, dtype);
      await expectSame(
        [{ data: x, shape }],
        dtype,
        (be, [xb]) => be.stridedCopy(xb, outShape, strides, offset),
        sizeOf(outShape),
        `[${shape}] -> [${outShape}] strides [${strides}] offset ${offset}`,
      );
    }
  });

  it('stridedCopy: scalar, size 0, a transpose past one workgroup, and rank 8', async () => {
    await expectSame([{ data: [4.5], shape: [] }], 'float32', (be, [xb]) => be.stridedCopy(xb, [], [], 0), 1, 'scalar');
    await expectSame([{ data: [4.5], shape: [1] }], 'float32', (be, [xb]) => be.stridedCopy(xb, [3, 0], [0, 0], 0), 0, 'size 0');
    await expectSame(
      [{ data: data(257 * 300, 1, 'float32'), shape: [300, 257] }],
      'float32',
      (be, [xb]) => be.stridedCopy(xb, [257, 300], [1, 257], 0),
      257 * 300,
      'transpose',
    );
    const shape = [2, 3, 2, 3, 2, 3, 2, 3];
    const st = stridesOf(shape);
    const perm = [7, 0, 6, 1, 5, 2, 4, 3];
    await expectSame(
      [{ data: data(sizeOf(shape), 2, 'int32'), shape }],
      'int32',
      (be, [xb]) =>
        be.stridedCopy(
          xb,
          perm.map((d) => shape[d]),
          perm.map((d) => st[d]),
          0,
        ),
      sizeOf(shape),
      'rank 8',
    );
  });

  it('concat along every axis, with empty inputs and int32', async () => {
    const cases: [number[][], number][] = [
      [[[7], [13], [1]], 0],
      [
        [
          [2, 3],
          [2, 0],
          [2, 5],
        ],
        1,
      ],
      [
        [
          [3, 4, 2],
          [1, 4, 2],
          [0, 4, 2],
        ],
        0,
      ],
      [
        [
          [3, 4, 2],
          [3, 1, 2],
          [3, 7, 2],
        ],
        1,
      ],
      [
        [
          [3, 4, 2],
          [3, 4, 13],
          [3, 4, 1],
        ],
        2,
      ],
      [
        [
          [300, 257],
          [300, 3],
        ],
        1,
      ],
      [[[5]], 0],
    ];
    for (const [shapes, axis] of cases) {
      const outShape = shapes[0].slice();
      outShape[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
      for (const dtype of DTYPES) {
        const ins = shapes.map((shape, i) => ({ data: data(sizeOf(shape), i + 1, dtype), shape }));
        await expectSame(
          ins,
          dtype,
          (be, xs) => be.concat(xs, axis, outShape),
          sizeOf(outShape),
          `concat ${JSON.stringify(shapes)} axis ${axis}`,
        );
      }
    }
  });

  it('pad: constant and reflect on any axes, pads past the axis length, int32', async () => {
    const cases: [number[], [number, number][]][] = [
      [[7], [[2, 3]]],
      [[7], [[6, 6]]],
      [[3], [[5, 7]]], // reflect periodically past n - 1
      [
        [1, 4],
        [
          [2, 1],
          [0, 3],
        ],
      ], // an axis of 1 repeats under reflect
      [
        [3, 4, 5],
        [
          [1, 1],
          [0, 0],
          [2, 3],
        ],
      ],
      [
        [2, 3, 4, 5],
        [
          [0, 0],
          [1, 2],
          [0, 0],
          [4, 4],
        ],
      ],
      [
        [13, 257],
        [
          [0, 0],
          [40, 40],
        ],
      ],
      [[4, 5], [[2, 2]]], // missing trailing pads mean [0, 0]
      [[], []],
    ];
    for (const [shape, pads] of cases) {
      const outShape = shape.map((s, d) => s + (pads[d]?.[0] ?? 0) + (pads[d]?.[1] ?? 0));
      for (const mode of ['constant', 'reflect'] as const) {
        for (const dtype of DTYPES) {
          await expectSame(
            [{ data: data(sizeOf(shape), 3, dtype), shape }],
            dtype,
            (be, [xb]) => be.pad(xb, pads, mode, -2.5),
            sizeOf(outShape),
            `pad [${shape}] ${JSON.stringify(pads)} ${mode} ${dtype}`,
          );
        }
      }
    }
    // Constant padding of an empty axis, and an empty result.
    await expectSame(
      [{ data: [], shape: [0, 3] }],
      'float32',
      (be, [xb]) =>
        be.pad(
          xb,
          [
            [1, 1],
            [0, 0],
          ],
          'constant',
          7,
        ),
      6,
      'pad empty axis',
    );
    await expectSame(
      [{ data: [], shape: [0, 3] }],
      'float32',
      (be, [xb]) =>
        be.pad(
          xb,
          [
            [0, 0],
            [1, 1],
          ],
          'constant',
          7,
        ),
      0,
      'pad to empty',
    );
  });
});
