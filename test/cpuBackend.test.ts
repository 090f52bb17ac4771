import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BinaryOp, Buf, DType, MatmulParams, Storage, UnaryOp } from '../src/engine/backend.js';
import { CpuBackend } from '../src/engine/cpu/cpuBackend.js';
import { DisposedError } from '../src/engine/errors.js';
import { normalAt, seedKey, uniformAt } from '../src/engine/random.js';
import { sizeOf, type Shape } from '../src/engine/shape.js';

let be: CpuBackend;
beforeEach(() => {
  be = new CpuBackend();
});
afterEach(() => {
  be.dispose();
});

function buf(data: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Buf {
  return { storage: be.upload(data, dtype), shape, dtype };
}

async function rd(s: Storage, size: number, dtype: DType = 'float32'): Promise<number[]> {
  return Array.from(await be.read(s, size, dtype));
}

/** Elementwise closeness at float32 precision, NaN equal to NaN, infinities exact. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) expect(a, `index ${i}`).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, `index ${i}`).toBe(e);
    else expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  }
}

describe('storage', () => {
  it('upload copies the user data and read returns a copy', async () => {
    const src = new Float32Array([1, 2, 3]);
    const s = be.upload(src, 'float32');
    src[0] = 100;
    const r = await be.read(s, 3, 'float32');
    expect(r).toBeInstanceOf(Float32Array);
    expect(Array.from(r)).toEqual([1, 2, 3]);
    r[1] = 50;
    expect(await rd(s, 3)).toEqual([1, 2, 3]);
  });

  it('int32 upload and fill truncate toward zero', async () => {
    const s = be.upload([1.7, -1.7, 2.5, -0.2], 'int32');
    const r = await be.read(s, 4, 'int32');
    expect(r).toBeInstanceOf(Int32Array);
    expect(Array.from(r)).toEqual([1, -1, 2, 0]);
    expect(await rd(be.fill(3, -2.9, 'int32'), 3, 'int32')).toEqual([-2, -2, -2]);
    expect(await rd(be.fill(2, 0.5, 'float32'), 2)).toEqual([0.5, 0.5]);
    expect(await rd(be.fill(0, 1, 'float32'), 0)).toEqual([]);
  });

  it('keeps float values in float64 and rounds to float32 on read', async () => {
    const x = buf([1e8, 1, -1e8], [3]);
    // In float32, 1e8 + 1 == 1e8; the float64 reference keeps the 1.
    expect(await rd(be.reduce('sum', x, 1, 3, 1), 1)).toEqual([1]);
    const r = await be.read(be.upload([0.1], 'float32'), 1, 'float32');
    expect(r[0]).toBe(Math.fround(0.1));
  });

  it('counts 4 bytes per live element and nothing pooled', () => {
    expect(be.memory()).toEqual({ bytesInUse: 0, bytesPooled: 0 });
    const a = be.upload([1, 2, 3], 'float32');
    const b = be.fill(2, 7, 'int32');
    expect(be.memory()).toEqual({ bytesInUse: 20, bytesPooled: 0 });
    be.free(a);
    expect(be.memory()).toEqual({ bytesInUse: 8, bytesPooled: 0 });
    be.free(b);
    expect(be.memory().bytesInUse).toBe(0);
  });

  it('throws on use after free and on double free', () => {
    const x = buf([1, 2], [2]);
    be.free(x.storage);
    expect(() => be.unary('neg', x)).toThrow(DisposedError);
    expect(() => be.read(x.storage, 2, 'float32')).toThrow(/after free/);
    expect(() => be.free(x.storage)).toThrow(/after free/);
  });

  it('rejects storages of another backend', () => {
    const other = new CpuBackend();
    const s = other.upload([1], 'float32');
    expect(() => be.free(s)).toThrow(/does not belong/);
    other.dispose();
  });

  it('dispose frees everything and later calls throw', () => {
    const x = buf([1, 2], [2]);
    be.dispose();
    expect(() => be.memory()).toThrow(DisposedError);
    expect(() => be.upload([1], 'float32')).toThrow(/dispose/);
    expect(() => be.unary('neg', x)).toThrow(DisposedError);
    expect(() => be.flush()).toThrow(DisposedError);
    expect(() => be.dispose()).not.toThrow();
  });

  it('has name cpu and flush is a no-op', () => {
    expect(be.name).toBe('cpu');
    be.flush();
  });
});

describe('unary', () => {
  const xs = [-2, -0.5, 0, 0.5, 2];
  const cases: [UnaryOp, (v: number) => number][] = [
    ['neg', (v) => -v],
    ['exp', Math.exp],
    ['log', Math.log],
    ['sqrt', Math.sqrt],
    ['abs', Math.abs],
    ['relu', (v) => (v > 0 ? v : 0)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['tanh', Math.tanh],
    ['sign', (v) => (v > 0 ? 1 : v < 0 ? -1 : 0)],
    ['step', (v) => (v > 0 ? 1 : 0)],
    ['square', (v) => v * v],
    ['reciprocal', (v) => 1 / v],
    ['sin', Math.sin],
    ['cos', Math.cos],
  ];
  for (const [op, f] of cases) {
    it(op, async () => {
      const out = await rd(be.unary(op, buf(xs, [5])), 5);
      expectClose(out, xs.map(f));
    });
  }

  it('hand-computed values', async () => {
    expect(await rd(be.unary('sign', buf([-3, 0, -0, 4], [4])), 4)).toEqual([-1, 0, 0, 1]);
    expect(await rd(be.unary('step', buf([-1, 0, 1e-30], [3])), 3)).toEqual([0, 0, 1]);
    expect(await rd(be.unary('relu', buf([-1, 0, 3], [3])), 3)).toEqual([0, 0, 3]);
    expect(await rd(be.unary('log', buf([0, -1], [2])), 2)).toEqual([-Infinity, NaN]);
    expect(await rd(be.unary('reciprocal', buf([0, 4], [2])), 2)).toEqual([Infinity, 0.25]);
  });

  it('sigmoid is stable at large magnitude', async () => {
    const out = await rd(be.unary('sigmoid', buf([-1000, -30, 0, 30, 1000], [5])), 5);
    expectClose(out, [0, 1 / (1 + Math.exp(30)), 0.5, 1, 1]);
    expect(out.every((v) => !Number.isNaN(v))).toBe(true);
  });

  it('clamp, powScalar and affine use their parameters', async () => {
    const x = buf([-2, 0.5, 3], [3]);
    expect(await rd(be.unary('clamp', x, -1, 1), 3)).toEqual([-1, 0.5, 1]);
    expect(await rd(be.unary('powScalar', x, 2), 3)).toEqual([4, 0.25, 9]);
    expectClose(await rd(be.unary('powScalar', buf([4, 9], [2]), 0.5), 2), [2, 3]);
    expect(await rd(be.unary('affine', x, 2, 1), 3)).toEqual([-3, 2, 7]);
  });

  it('works on a scalar and on an empty tensor', async () => {
    expect(await rd(be.unary('neg', buf([5], [])), 1)).toEqual([-5]);
    expect(await rd(be.unary('exp', buf([], [0, 3])), 0)).toEqual([]);
  });
});

describe('binary', () => {
  it('same-shape ops', async () => {
    const a = buf([1, 4, -2, 3], [4]);
    const b = buf([2, 2, -2, 0], [4]);
    const run = (op: BinaryOp) => rd(be.binary(op, a, b, [4]), 4);
    expect(await run('add')).toEqual([3, 6, -4, 3]);
    expect(await run('sub')).toEqual([-1, 2, 0, 3]);
    expect(await run('mul')).toEqual([2, 8, 4, 0]);
    expect(await run('div')).toEqual([0.5, 2, 1, Infinity]);
    expect(await run('pow')).toEqual([1, 16, 0.25, 1]);
    expect(await run('maximum')).toEqual([2, 4, -2, 3]);
    expect(await run('minimum')).toEqual([1, 2, -2, 0]);
    expect(await run('gt')).toEqual([0, 1, 0, 1]);
    expect(await run('ge')).toEqual([0, 1, 1, 1]);
    expect(await run('lt')).toEqual([1, 0, 0, 0]);
    expect(await run('le')).toEqual([1, 0, 1, 0]);
    expect(await run('eq')).toEqual([0, 0, 1, 0]);
    expect(await run('ne')).toEqual([1, 1, 0, 1]);
  });

  it('broadcasts a column against a row', async () => {
    const a = buf([1, 2], [2, 1]);
    const b = buf([10, 20, 30], [3]);
    expect(await rd(be.binary('add', a, b, [2, 3]), 6)).toEqual([11, 21, 31, 12, 22, 32]);
    expect(await rd(be.binary('sub', b, a, [2, 3]), 6)).toEqual([9, 19, 29, 8, 18, 28]);
  });

  it('broadcasts a scalar and a middle axis', async () => {
    const s = buf([2], []);
    const x = buf([1, 2, 3], [3]);
    expect(await rd(be.binary('mul', x, s, [3]), 3)).toEqual([2, 4, 6]);
    expect(await rd(be.binary('div', s, x, [3]), 3)).toEqual([2, 1, 2 / 3].map(Math.fround));
    // [2,1,3] with [4,1] -> [2,4,3]
    const a = buf([0, 1, 2, 3, 4, 5], [2, 1, 3]);
    const b = buf([0, 10, 20, 30], [4, 1]);
    const out = await rd(be.binary('add', a, b, [2, 4, 3]), 24);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expected.push(i * 3 + k + j * 10);
    expect(out).toEqual(expected);
  });

  it('maximum/minimum propagate NaN', async () => {
    const a = buf([NaN, 1], [2]);
    const b = buf([0, NaN], [2]);
    expect(await rd(be.binary('maximum', a, b, [2]), 2)).toEqual([NaN, NaN]);
    expect(await rd(be.binary('minimum', a, b, [2]), 2)).toEqual([NaN, NaN]);
  });
});

describe('where and cast', () => {
  it('where picks a where cond != 0, with broadcasting', async () => {
    const cond = buf([1, 0, -2], [3]);
    const a = buf([10, 20], [2, 1]);
    const b = buf([7], []);
    expect(await rd(be.where(cond, a, b, [2, 3]), 6)).toEqual([10, 7, 10, 20, 7, 20]);
  });

  it('where with int32 values keeps int32', async () => {
    const cond = buf([0, 1], [2]);
    const a = buf([1, 2], [2], 'int32');
    const b = buf([3, 4], [2], 'int32');
    expect(await rd(be.where(cond, a, b, [2]), 2, 'int32')).toEqual([3, 2]);
  });

  it('cast float32 -> int32 truncates toward zero; int32 -> float32 is exact', async () => {
    const f = buf([1.9, -1.9, -0.5, 0, 123456.7], [5]);
    expect(await rd(be.cast(f, 'int32'), 5, 'int32')).toEqual([1, -1, 0, 0, 123456]);
    const i = buf([-3, 0, 16777216], [3], 'int32');
    expect(await rd(be.cast(i, 'float32'), 3)).toEqual([-3, 0, 16777216]);
  });
});

describe('reduce', () => {
  // x [2, 3, 2] = 0..11
  const data = Array.from({ length: 12 }, (_, i) => i);

  it('sum over the middle axis', async () => {
    expect(await rd(be.reduce('sum', buf(data, [2, 3, 2]), 2, 3, 2), 4)).toEqual([6, 9, 24, 27]);
    expect(await rd(be.reduce('sum', buf(data, [12]), 1, 12, 1), 1)).toEqual([66]);
    expect(await rd(be.reduce('sum', buf(data, [3, 4]), 3, 4, 1), 3)).toEqual([6, 22, 38]);
  });

  it('max/min/argmax/argmin over the middle axis', async () => {
    const x = buf([3, 1, 5, 5, 0, 9, 5, 2], [2, 2, 2]); // [outer=2, r=2, inner=2]
    expect(await rd(be.reduce('max', x, 2, 2, 2), 4)).toEqual([5, 5, 5, 9]);
    expect(await rd(be.reduce('min', x, 2, 2, 2), 4)).toEqual([3, 1, 0, 2]);
    expect(await rd(be.reduce('argmax', x, 2, 2, 2), 4, 'int32')).toEqual([1, 1, 1, 0]);
    expect(await rd(be.reduce('argmin', x, 2, 2, 2), 4, 'int32')).toEqual([0, 0, 0, 1]);
  });

  it('argmax/argmin return the first index on ties', async () => {
    const x = buf([1, 7, 3, 7, 7, 1], [6]);
    expect(await rd(be.reduce('argmax', x, 1, 6, 1), 1, 'int32')).toEqual([1]);
    expect(await rd(be.reduce('argmin', x, 1, 6, 1), 1, 'int32')).toEqual([0]);
    // strided (inner = 2) ties
    const y = buf([4, 2, 4, 2, 1, 2], [3, 2]);
    expect(await rd(be.reduce('argmax', y, 1, 3, 2), 2, 'int32')).toEqual([0, 0]);
    expect(await rd(be.reduce('argmin', y, 1, 3, 2), 2, 'int32')).toEqual([2, 0]);
  });

  it('NaN propagates through max/min and wins argmax/argmin (first NaN)', async () => {
    const x = buf([1, NaN, 9, NaN, -5], [5]);
    expect(await rd(be.reduce('max', x, 1, 5, 1), 1)).toEqual([NaN]);
    expect(await rd(be.reduce('min', x, 1, 5, 1), 1)).toEqual([NaN]);
    expect(await rd(be.reduce('argmax', x, 1, 5, 1), 1, 'int32')).toEqual([1]);
    expect(await rd(be.reduce('argmin', x, 1, 5, 1), 1, 'int32')).toEqual([1]);
    const y = buf([NaN, 3, 2], [3]);
    expect(await rd(be.reduce('argmax', y, 1, 3, 1), 1, 'int32')).toEqual([0]);
    expect(await rd(be.reduce('max', buf([2, 1, NaN, 3], [2, 2]), 1, 2, 2), 2)).toEqual([NaN, 3]);
  });

  it('r = 0 gives the identities', async () => {
    const x = buf([], [2, 0, 3]);
    expect(await rd(be.reduce('sum', x, 2, 0, 3), 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await rd(be.reduce('max', x, 2, 0, 3), 6)).toEqual(Array(6).fill(-Infinity));
    expect(await rd(be.reduce('min', x, 2, 0, 3), 6)).toEqual(Array(6).fill(Infinity));
    expect(await rd(be.reduce('argmax', x, 2, 0, 3), 6, 'int32')).toEqual(Array(6).fill(0));
    expect(await rd(be.reduce('argmin', x, 2, 0, 3), 6, 'int32')).toEqual(Array(6).fill(0));
  });

  it('sum of int32 stays int32', async () => {
    const x = buf([1, 2, 3, 4], [2, 2], 'int32');
    expect(await rd(be.reduce('sum', x, 2, 2, 1), 2, 'int32')).toEqual([3, 7]);
  });
});

describe('matmul', () => {
  const A = [1, 2, 3, 4, 5, 6]; // [2, 3]
  const At = [1, 4, 2, 5, 3, 6]; // [3, 2]
  const B = [7, 8, 9, 10, 11, 12]; // [3, 2]
  const Bt = [7, 9, 11, 8, 10, 12]; // [2, 3]
  const C = [58, 64, 139, 154];
  const p = (transA: boolean, transB: boolean): MatmulParams => ({
    batch: 1,
    m: 2,
    k: 3,
    n: 2,
    transA,
    transB,
    aBatchStride: 6,
    bBatchStride: 6,
  });

  it('all four transpose combinations', async () => {
    expect(await rd(be.matmul(buf(A, [2, 3]), buf(B, [3, 2]), p(false, false)), 4)).toEqual(C);
    expect(await rd(be.matmul(buf(At, [3, 2]), buf(B, [3, 2]), p(true, false)), 4)).toEqual(C);
    expect(await rd(be.matmul(buf(A, [2, 3]), buf(Bt, [2, 3]), p(false, true)), 4)).toEqual(C);
    expect(await rd(be.matmul(buf(At, [3, 2]), buf(Bt, [2, 3]), p(true, true)), 4)).toEqual(C);
  });

  it('batch stride 0 reuses one matrix', async () => {
    // a shared [2, 3]; b a batch of two [3, 2]: B and the identity-like E.
    const E = [1, 0, 0, 1, 0, 0];
    const out = await rd(
      be.matmul(buf(A, [2, 3]), buf([...B, ...E], [2, 3, 2]), {
        batch: 2,
        m: 2,
        k: 3,
        n: 2,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 6,
      }),
      8,
    );
    expect(out).toEqual([...C, 1, 2, 4, 5]);
    const out2 = await rd(
      be.matmul(buf([...A, ...A.map((v) => -v)], [2, 2, 3]), buf(Bt, [2, 3]), {
        batch: 2,
        m: 2,
        k: 3,
        n: 2,
        transA: false,
        transB: true,
        aBatchStride: 6,
        bBatchStride: 0,
      }),
      8,
    );
    expect(out2).toEqual([...C, ...C.map((v) => -v)]);
  });

  it('matches a naive reference on random sizes, batches and transposes', async () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (const [batch, m, k, n] of [
      [1, 1, 1, 1],
      [3, 4, 5, 6],
      [2, 7, 1, 3],
      [2, 3, 8, 1],
    ]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const shareA of [false, true]) {
            const aStride = shareA ? 0 : m * k;
            const bStride = shareA ? k * n : 0;
            const a = Array.from({ length: (shareA ? 1 : batch) * m * k }, rnd);
            const b = Array.from({ length: (shareA ? batch : 1) * k * n }, rnd);
            const exp: number[] = [];
            for (let bi = 0; bi < batch; bi++) {
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let s = 0;
                  for (let kk = 0; kk < k; kk++) {
                    const av = a[bi * aStride + (transA ? kk * m + i : i * k + kk)];
                    const bv = b[bi * bStride + (transB ? j * k + kk : kk * n + j)];
                    s += av * bv;
                  }
                  exp.push(s);
                }
              }
            }
            const params: MatmulParams = { batch, m, k, n, transA, transB, aBatchStride: aStride, bBatchStride: bStride };
            const out = await rd(be.matmul(buf(a, [a.length]), buf(b, [b.length]), params), batch * m * n);
            expectClose(out, exp, 1e-6);
          }
        }
      }
    }
  });

  it('k = 0 gives zeros', async () => {
    const out = await rd(
      be.matmul(buf([], [2, 0]), buf([], [0, 3]), {
        batch: 1,
        m: 2,
        k: 0,
        n: 3,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      }),
      6,
    );
    expect(out).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('stridedCopy', () => {
  const x6 = [0, 1, 2, 3, 4, 5];

  it('permutes (transpose)', async () => {
    expect(await rd(be.stridedCopy(buf(x6, [2, 3]), [3, 2], [1, 3], 0), 6)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('flips with negative strides', async () => {
    expect(await rd(be.stridedCopy(buf(x6, [6]), [6], [-1], 5), 6)).toEqual([5, 4, 3, 2, 1, 0]);
    // flip rows of [2, 3]
    expect(await rd(be.stridedCopy(buf(x6, [2, 3]), [2, 3], [-3, 1], 3), 6)).toEqual([3, 4, 5, 0, 1, 2]);
    // flip both axes
    expect(await rd(be.stridedCopy(buf(x6, [2, 3]), [2, 3], [-3, -1], 5), 6)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('slices with steps and offsets', async () => {
    const x = buf(
      Array.from({ length: 10 }, (_, i) => i),
      [10],
    );
    expect(await rd(be.stridedCopy(x, [3], [3], 1), 3)).toEqual([1, 4, 7]);
    // x[::-2] from the end
    expect(await rd(be.stridedCopy(x, [5], [-2], 9), 5)).toEqual([9, 7, 5, 3, 1]);
  });

  it('broadcasts with stride 0 and keeps int32', async () => {
    const x = buf([1, 2, 3], [3], 'int32');
    expect(await rd(be.stridedCopy(x, [2, 3], [0, 1], 0), 6, 'int32')).toEqual([1, 2, 3, 1, 2, 3]);
    expect(await rd(be.stridedCopy(x, [3, 2], [1, 0], 0), 6, 'int32')).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('copies a scalar view and an empty shape', async () => {
    expect(await rd(be.stridedCopy(buf(x6, [6]), [], [], 4), 1)).toEqual([4]);
    expect(await rd(be.stridedCopy(buf(x6, [6]), [0, 2], [1, 1], 0), 0)).toEqual([]);
  });
});

describe('concat', () => {
  it('along axis 0 and axis 1', async () => {
    const a = buf([1, 2, 3, 4], [2, 2]);
    const b = buf([5, 6], [1, 2]);
    expect(await rd(be.concat([a, b], 0, [3, 2]), 6)).toEqual([1, 2, 3, 4, 5, 6]);
    const c = buf([7, 8, 9, 10, 11, 12], [2, 3]);
    const e = buf([], [2, 0]);
    expect(await rd(be.concat([a, e, c], 1, [2, 5]), 10)).toEqual([1, 2, 7, 8, 9, 3, 4, 10, 11, 12]);
  });

  it('keeps int32', async () => {
    const a = buf([1, 2], [2], 'int32');
    const b = buf([3], [1], 'int32');
    expect(await rd(be.concat([a, b], 0, [3]), 3, 'int32')).toEqual([1, 2, 3]);
  });
});

describe('pad', () => {
  const x = [1, 2, 3, 4, 5, 6]; // [2, 3]

  it('constant', async () => {
    expect(
      await rd(
        be.pad(
          buf(x, [2, 3]),
          [
            [1, 0],
            [0, 1],
          ],
          'constant',
          9,
        ),
        12,
      ),
    ).toEqual([9, 9, 9, 9, 1, 2, 3, 9, 4, 5, 6, 9]);
    expect(await rd(be.pad(buf([1, 2], [2], 'int32'), [[1, 1]], 'constant', -1), 4, 'int32')).toEqual([-1, 1, 2, -1]);
  });

  it('reflect does not repeat the edge (numpy reflect)', async () => {
    expect(await rd(be.pad(buf([1, 2, 3], [3]), [[2, 2]], 'reflect', 0), 7)).toEqual([3, 2, 1, 2, 3, 2, 1]);
  });

  it('reflect on one axis only and on both axes', async () => {
    expect(
      await rd(
        be.pad(
          buf(x, [2, 3]),
          [
            [0, 0],
            [2, 2],
          ],
          'reflect',
          0,
        ),
        14,
      ),
    ).toEqual([3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4]);
    expect(
      await rd(
        be.pad(
          buf(x, [2, 3]),
          [
            [1, 1],
            [2, 1],
          ],
          'reflect',
          0,
        ),
        24,
      ),
    ).toEqual([6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2]);
  });

  it('reflect wider than the axis repeats the reflection (as numpy)', async () => {
    expect(await rd(be.pad(buf([1, 2, 3], [3]), [[5, 6]], 'reflect', 0), 14)).toEqual([2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1]);
    expect(await rd(be.pad(buf([7], [1]), [[2, 2]], 'reflect', 0), 5)).toEqual([7, 7, 7, 7, 7]);
  });
});

describe('gather and scatterAdd', () => {
  it('gathers rows with repeated indices (axis 0)', async () => {
    const x = buf([1, 2, 3, 4, 5, 6], [3, 2]);
    const idx = buf([2, 0, 2], [3], 'int32');
    expect(await rd(be.gather(x, idx, 0), 6)).toEqual([5, 6, 1, 2, 5, 6]);
  });

  it('gathers along axis 1 with 2-D indices', async () => {
    const x = buf([1, 2, 3, 4, 5, 6], [2, 3]);
    const idx = buf([2, 0, 1, 1], [2, 2], 'int32');
    // out [2, 2, 2]
    expect(await rd(be.gather(x, idx, 1), 8)).toEqual([3, 1, 2, 2, 6, 4, 5, 5]);
  });

  it('scatterAdd sums repeated indices', async () => {
    const g = buf([1, 2, 3, 4], [4]);
    const idx = buf([0, 2, 0, 0], [4], 'int32');
    expect(await rd(be.scatterAdd(g, idx, 0, 3), 3)).toEqual([8, 0, 2]);
  });

  it('scatterAdd along a middle axis', async () => {
    // x [2, 2, 2]; indices [1, 1, 0] on axis 1; g [2, 3, 2]
    const g = buf(
      Array.from({ length: 12 }, (_, i) => i + 1),
      [2, 3, 2],
    );
    const idx = buf([1, 1, 0], [3], 'int32');
    expect(await rd(be.scatterAdd(g, idx, 1, 2), 8)).toEqual([5, 6, 4, 6, 11, 12, 16, 18]);
  });

  it('scatterAdd is the adjoint of gather', async () => {
    const xs = Array.from({ length: 24 }, (_, i) => Math.sin(i));
    const idxData = [3, 0, 3, 1, 1, 2];
    const x = buf(xs, [2, 4, 3]);
    const idx = buf(idxData, [2, 3], 'int32');
    const gShape = [2, 2, 3, 3];
    const gs = Array.from({ length: sizeOf(gShape) }, (_, i) => Math.cos(i));
    const gx = await be.read(be.gather(x, idx, 1), gs.length, 'float32');
    const sg = await be.read(be.scatterAdd(buf(gs, gShape), idx, 1, 4), xs.length, 'float32');
    let lhs = 0;
    for (let i = 0; i < gs.length; i++) lhs += gx[i] * gs[i];
    let rhs = 0;
    for (let i = 0; i < xs.length; i++) rhs += xs[i] * sg[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5);
  });
});

describe('oneHot', () => {
  it('gives rows with a single 1; an index out of range raises (issue 11: it used to give a zero row)', async () => {
    const idx = buf([0, 2, 1, 0], [2, 2], 'int32');
    expect(await rd(be.oneHot(idx, 3), 12)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
    expect(() => be.oneHot(buf([0, 2, -1, 3], [2, 2], 'int32'), 3)).toThrow(/oneHot: an index was out of range \[0, 2\] \(got -1\)/);
  });
});

describe('random', () => {
  it('is deterministic per seed and differs between seeds', async () => {
    const a = await rd(be.random(100, 42, 'uniform', 0, 1), 100);
    const b = await rd(be.random(100, 42, 'uniform', 0, 1), 100);
    const c = await rd(be.random(100, 43, 'uniform', 0, 1), 100);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const n1 = await rd(be.random(50, 7, 'normal', 0, 1), 50);
    const n2 = await rd(be.random(50, 7, 'normal', 0, 1), 50);
    const n3 = await rd(be.random(50, 2 ** 40 + 7, 'normal', 0, 1), 50);
    expect(n1).toEqual(n2);
    expect(n3).not.toEqual(n1);
  });

  it('element i depends only on (seed, i) and follows random.ts', async () => {
    const short = await rd(be.random(5, 9, 'uniform', -1, 3), 5);
    const long = await rd(be.random(100, 9, 'uniform', -1, 3), 100);
    expect(long.slice(0, 5)).toEqual(short);
    const key = seedKey(9);
    expect(short).toEqual([0, 1, 2, 3, 4].map((i) => Math.fround(-1 + 4 * uniformAt(key, i))));
    const nrm = await rd(be.random(3, 9, 'normal', 2, 0.5), 3);
    expect(nrm).toEqual([0, 1, 2].map((i) => Math.fround(2 + 0.5 * normalAt(key, i))));
  });

  it('uniform draws lie in [a, b) with the right mean', async () => {
    const n = 10000;
    const u = await rd(be.random(n, 123, 'uniform', -2, 3), n);
    let sum = 0;
    for (const v of u) {
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThan(3);
      sum += v;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.05);
  });

  it('normal draws have mean a and standard deviation b', async () => {
    const n = 10000;
    const x = await rd(be.random(n, 5, 'normal', 3, 2), n);
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - 3)).toBeLessThan(0.06);
    expect(Math.abs(std - 2)).toBeLessThan(0.06);
  });
});
