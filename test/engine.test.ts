// Engine-level behaviour on both backends: creation, tensors, tidy/memory accounting, batching
// of GPU work into one submit, typed errors for device loss and out-of-memory, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  createEngine,
  crossEntropy,
  DeviceLostError,
  DisposedError,
  DTypeError,
  type Engine,
  exp,
  gather,
  grad,
  matmul,
  mul,
  OutOfMemoryError,
  relu,
  ShapeError,
  sum,
  tidy,
  ValueError,
  noGrad,
  mean,
} from '../src/index.js';
import type { WebGpuBackend } from '../src/engine/webgpu/webgpuBackend.js';
import { backendOf, gpuBackend } from './helpers/gpu.js';

const gpuAvailable = (await gpuBackend()) !== null;

describe('createEngine', () => {
  it('makes a CPU engine on request', async () => {
    const e = await createEngine({ backend: 'cpu' });
    expect(e.backend).toBe('cpu');
    e.dispose();
  });

  it('rejects an unknown backend name', async () => {
    await expect(createEngine({ backend: 'metal' as never })).rejects.toThrow(/backend: expected 'webgpu', 'cpu' or 'auto'/);
  });

  it.skipIf(!gpuAvailable)('picks WebGPU by default when an adapter exists', async () => {
    const e = await createEngine();
    expect(e.backend).toBe('webgpu');
    e.dispose();
  });
});

for (const kind of ['cpu', 'webgpu'] as const) {
  describe.skipIf(kind === 'webgpu' && !gpuAvailable)(`engine on ${kind}`, () => {
    let e: Engine;
    beforeAll(async () => {
      e = await createEngine({ backend: kind });
    });
    afterAll(() => e.dispose());

    it('info() names the backend and the limits that size batch chunks', () => {
      const info = e.info();
      expect(info.backend).toBe(kind);
      expect(info.adapter.length).toBeGreaterThan(0);
      expect(info.limits.maxBindingBytes).toBeGreaterThanOrEqual(128 * 2 ** 20);
      expect(info.limits.maxBindingBytes).toBeLessThanOrEqual(info.limits.maxBufferSize);
      if (kind === 'webgpu') expect(Number.isFinite(info.limits.maxComputeInvocationsPerWorkgroup)).toBe(true);
    });

    it('keeps its backend private: no impl property, not even for JavaScript callers', () => {
      expect((e as unknown as Record<string, unknown>).impl).toBeUndefined();
      expect(Object.keys(e)).not.toContain('impl');
      expect(backendOf(e).name).toBe(kind);
    });

    it('creates tensors from data and by pattern', async () => {
      expect(Array.from(await e.tensor([1, 2, 3, 4], [2, 2]).read())).toEqual([1, 2, 3, 4]);
      expect(Array.from(await e.zeros([3]).read())).toEqual([0, 0, 0]);
      expect(Array.from(await e.ones([2]).read())).toEqual([1, 1]);
      expect(Array.from(await e.full([2], 7.5).read())).toEqual([7.5, 7.5]);
      expect(Array.from(await e.arange(5).read())).toEqual([0, 1, 2, 3, 4]);
      expect(Array.from(await e.arange(1, 2, 0.25).read())).toEqual([1, 1.25, 1.5, 1.75]);
      const ints = e.tensor([3, -1, 7], [3], 'int32');
      expect(ints.dtype).toBe('int32');
      expect(await ints.read()).toEqual(new Int32Array([3, -1, 7]));
      const s = e.tensor(2.5);
      expect(s.shape).toEqual([]);
      expect(await s.item()).toBe(2.5);
    });

    it('never aliases or mutates the caller data', async () => {
      const data = new Float32Array([1, 2, 3]);
      const t = e.tensor(data);
      data[0] = 100;
      expect((await t.read())[0]).toBe(1);
      const out = await mul(t, 2).read();
      expect(Array.from(data)).toEqual([100, 2, 3]);
      expect(Array.from(out)).toEqual([2, 4, 6]);
    });

    it('draws seeded random numbers', async () => {
      const a = await e.rand([1000], { seed: 42 }).read();
      const b = await e.rand([1000], { seed: 42 }).read();
      const c = await e.rand([1000], { seed: 43 }).read();
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThan(1);
      const n = await e.randn([20000], { seed: 1, mean: 2, std: 3 }).readFloat();
      const m = n.reduce((s, v) => s + v, 0) / n.length;
      const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
      expect(m).toBeCloseTo(2, 1);
      expect(sd).toBeCloseTo(3, 1);
    });

    it('tidy frees what it created and keeps what it returns', async () => {
      const before = e.memory().liveTensors;
      const x = e.tensor([1, 2, 3]);
      const kept = tidy(() => {
        const y = mul(x, 3);
        const z = add(y, 1);
        return { z, list: [exp(z)] };
      });
      expect(e.memory().liveTensors).toBe(before + 3);
      expect(Array.from(await kept.z.read())).toEqual([4, 7, 10]);
      kept.z.dispose();
      kept.list[0].dispose();
      x.dispose();
      expect(e.memory().liveTensors).toBe(before);
    });

    it('frees everything created in a tidy that throws', () => {
      const before = e.memory().liveTensors;
      expect(() =>
        tidy(() => {
          e.ones([4]);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(e.memory().liveTensors).toBe(before);
    });

    it('keeps memory flat over 1000 forward+backward calls', async () => {
      const w1 = e.randn([16, 32], { seed: 1, std: 0.3 });
      const w2 = e.randn([32, 4], { seed: 2, std: 0.3 });
      const x = e.randn([8, 16], { seed: 3 });
      const targets = e.tensor([0, 1, 2, 3, 0, 1, 2, 3], [8], 'int32');
      const loss = (a: typeof w1, b: typeof w2) => crossEntropy(matmul(relu(matmul(x, a)), b), targets);
      const step = () => {
        const gs = grad(loss)(w1, w2);
        for (const g of gs) g.dispose();
      };
      for (let i = 0; i < 20; i++) step();
      await w1.read(); // settle the pool
      const start = e.memory();
      for (let i = 0; i < 1000; i++) {
        step();
        if (i % 100 === 99) await w1.read();
      }
      await w1.read();
      const end = e.memory();
      expect(end.liveTensors).toBe(start.liveTensors);
      expect(end.bytesInUse).toBe(start.bytesInUse);
      expect(end.bytesPooled).toBeLessThanOrEqual(start.bytesPooled * 2 + 65536);
      for (const t of [w1, w2, x, targets]) t.dispose();
    });

    it('names the argument in errors for bad input', () => {
      const a = e.ones([2, 3]);
      const b = e.ones([4, 5]);
      expect(() => add(a, b)).toThrow(ShapeError);
      expect(() => add(a, b)).toThrow(/a \[2, 3\] and b \[4, 5\]/);
      expect(() => matmul(a, b)).toThrow(/inner dimensions differ/);
      expect(() => e.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
      expect(() => e.tensor([1.5], [1], 'int32')).toThrow(/int32 tensors need integer values/);
      expect(() => e.full([2], NaN)).toThrow(/value: expected a number/);
      expect(() => e.zeros([2, -1])).toThrow(/non-negative integer/);
      const idx = e.tensor([0, 5], [2], 'int32');
      expect(() => gather(a, idx, 1)).toThrow(/indices must lie in \[0, 2\]/);
      expect(() => exp(idx)).toThrow(DTypeError);
      expect(() => crossEntropy(a, e.tensor([0, 3], [2], 'int32'))).toThrow(/targets must be class indices in \[0, 2\]/);
      expect(() => e.rand([2], { seed: 1.5 })).toThrow(ValueError);
      const gone = e.ones([2]);
      gone.dispose();
      expect(() => exp(gone)).toThrow(DisposedError);
      expect(() => exp(gone)).toThrow(/exp: x: tensor #\d+ \[2\] was used after dispose/);
    });

    it('noGrad records nothing: the gradient through it is zero', () => {
      const x = e.ones([3]);
      const [g] = grad((v: typeof x) =>
        add(
          sum(v),
          noGrad(() => sum(mul(v, v))),
        ),
      )(x);
      return g.read().then((v) => expect(Array.from(v)).toEqual([1, 1, 1]));
    });
  });
}

describe.skipIf(!gpuAvailable)('WebGPU batching and failure modes', () => {
  it('records a forward pass into one submit', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const x = e.randn([32, 64], { seed: 5 });
    const w = e.randn([64, 64], { seed: 6 });
    await x.read();
    const before = ctx.submitCount;
    let h = x;
    for (let i = 0; i < 10; i++) h = relu(add(matmul(h, w), 0.1));
    await mean(h).read();
    expect(ctx.submitCount - before).toBe(1);
    e.dispose();
  });

  it('throws OutOfMemoryError for a buffer beyond the device limits', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    const n = Math.ceil((backendOf(e) as WebGpuBackend).ctx.device.limits.maxStorageBufferBindingSize / 4) + 1024;
    expect(() => e.zeros([n])).toThrow(OutOfMemoryError);
    e.dispose();
  });

  it('turns device loss into DeviceLostError for pending and later work', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const x = e.ones([1024]);
    const pending = exp(x).read();
    ctx.device.destroy();
    await expect(pending).rejects.toThrow(DeviceLostError);
    await new Promise((r) => setTimeout(r, 50));
    expect(() => exp(x)).toThrow(DeviceLostError);
    await expect(x.read()).rejects.toThrow(DeviceLostError);
    e.dispose();
  });
});
