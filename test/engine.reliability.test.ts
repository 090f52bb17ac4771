/**
 * Issue 11 (reliability) and issue 12 point 6 (tensor ergonomics), engine parts, on both
 * backends: bounded sizes as OutOfMemoryError, typed errors for bad data, tidy refusing async
 * functions without an unhandled rejection, leak-free reads, empty-axis argmax, gradients
 * w.r.t. int32, dtype inference from Int32Array, and a printable tensor.
 */
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { DTypeError, OutOfMemoryError, ValueError } from '../src/engine/errors.js';
import { grad, gradientTape, noGrad, valueAndGrad, vjp } from '../src/engine/autograd.js';
import { argmax, argmin, cast, crossEntropy, exp, gather, oneHot, sum } from '../src/engine/ops/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import type { WebGpuBackend } from '../src/engine/webgpu/webgpuBackend.js';
import { backendOf, enginePair } from './helpers/gpu.js';

const pair = await enginePair();
afterAll(() => pair.dispose());
const engines: [string, Engine | null][] = [
  ['cpu', pair.cpu],
  ['webgpu', pair.gpu],
];

for (const [kind, maybe] of engines) {
  describe.skipIf(!maybe)(`engine reliability on ${kind}`, () => {
    const e = maybe!;

    it('refuses tensors past the per-tensor limit with OutOfMemoryError, before allocating', () => {
      expect(() => e.zeros([1e10])).toThrow(OutOfMemoryError);
      expect(() => e.zeros([1e10])).toThrow(/full: a tensor of 10000000000 elements/);
      expect(() => e.arange(0, 1e12)).toThrow(OutOfMemoryError);
      expect(() => e.rand([1e5, 1e5], { seed: 1 })).toThrow(OutOfMemoryError);
      expect(e.memory().liveTensors).toBe(0);
    });

    it('refuses non-numeric data with a ValueError naming the index, never NaN', () => {
      expect(() => e.tensor([1n] as unknown as number[])).toThrow(ValueError);
      expect(() => e.tensor([1n] as unknown as number[])).toThrow('data: expected numbers, got the bigint 1n at index 0');
      expect(() => e.tensor(['1', 'x'] as unknown as number[])).toThrow('data: expected numbers, got the string "1" at index 0');
      expect(() => e.tensor([1, undefined] as unknown as number[])).toThrow('data: expected numbers, got undefined at index 1');
      expect(() => e.tensor([[1, 2]] as unknown as number[])).toThrow(/nested arrays/);
      expect(() => e.tensor(new BigInt64Array(2) as unknown as number[])).toThrow(ValueError);
      expect(() => e.tensor(null as unknown as number[])).toThrow(ValueError);
      expect(e.memory().liveTensors).toBe(0);
    });

    it('infers int32 from an Int32Array (float32 otherwise), as tfjs and PyTorch', async () => {
      const t = e.tensor(new Int32Array([3, -1, 7]));
      expect(t.dtype).toBe('int32');
      expect(await t.read()).toEqual(new Int32Array([3, -1, 7]));
      expect(e.tensor(new Float32Array([1.5])).dtype).toBe('float32');
      expect(e.tensor([1, 2]).dtype).toBe('float32');
      expect(e.tensor(new Int32Array([1]), [1], 'float32').dtype).toBe('float32');
      t.dispose();
    });

    it('prints shape, dtype and leading values; util.inspect shows no internals', async () => {
      const t = e.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5]);
      expect(await t.format()).toBe('Tensor [2, 5] float32 [1, 2, 3, 4, 5, 6, 7, 8, ... (10 values)]');
      expect(await e.tensor(new Int32Array([4, 5])).format()).toBe('Tensor [2] int32 [4, 5]');
      const shown = inspect(t);
      expect(shown).toMatch(/^Tensor\(\[2, 5\], float32\) #\d+ on /);
      expect(shown.length).toBeLessThan(120);
      expect(shown).not.toMatch(/engine|storage|DataRef/);
      // Leading values: known for tensors made from host data, after a read, and always on the CPU.
      expect(shown).toMatch(/ \[1, 2, 3, 4, 5, 6, 7, 8, \.\.\. \(10 values\)\]$/);
      expect(inspect(e.tensor(new Int32Array([4, 5])))).toMatch(/int32\) #\d+ on \w+ \[4, 5\]$/);
      const computed = exp(t);
      if (kind === 'cpu') expect(inspect(computed)).toMatch(/ \[2\.71828, 7\.38906, /);
      else expect(inspect(computed)).toMatch(/\(values: await t\.print\(\)\)$/); // a device read is async
      await computed.read();
      expect(inspect(computed)).toMatch(/ \[2\.71828, 7\.38906, .*\(10 values\)\]$/);
      computed.dispose();
      t.dispose();
    });

    it('argmax/argmin over an empty axis raise (there is no index to return)', () => {
      const x = e.zeros([3, 0]);
      expect(() => argmax(x, 1)).toThrow(ValueError);
      expect(() => argmin(x, 1)).toThrow(/argmin: axis 1 of x \[3, 0\] is empty/);
      expect(() => argmax(e.zeros([0]))).toThrow(/argmax: x is empty/);
      expect(Array.from(argmax(e.zeros([0, 4]), 1).shape)).toEqual([0]);
      x.dispose();
    });

    it('gradients with respect to an int32 tensor raise; so does a function returning a number', () => {
      const i = e.tensor([1, 2], [2], 'int32');
      const x = e.tensor([1, 2]);
      expect(() => grad((v: Tensor) => sum(v))(i)).toThrow(DTypeError);
      expect(() => grad((v: Tensor) => sum(v))(i)).toThrow(/argument 0 is int32/);
      expect(() => grad((() => 3) as unknown as (v: typeof x) => typeof x)(x)).toThrow(
        'valueAndGrad: f must return a Tensor (a scalar), got number',
      );
      for (const t of [i, x]) t.dispose();
    });

    /** Runs fn and reads its result: the CPU raises at once, WebGPU on the read (device-side check). */
    async function faults(fn: () => Tensor): Promise<unknown> {
      try {
        const y = fn();
        try {
          await y.read();
        } finally {
          y.dispose();
        }
      } catch (err) {
        return err;
      }
      return null;
    }

    it('indices computed on the device are bounds-checked: ValueError, never stale memory', async () => {
      // cast() makes int32 indices whose range the host does not know (as argmax or arithmetic would).
      const x = e.tensor([1, 2, 3, 4, 5]);
      const bad = cast(e.tensor([1, 7]), 'int32');
      const neg = cast(e.tensor([-1]), 'int32');
      const err1 = await faults(() => gather(x, bad));
      expect(err1).toBeInstanceOf(ValueError);
      expect(String(err1)).toMatch(/gather: an index .*out of range/);
      expect(await faults(() => gather(x, neg))).toBeInstanceOf(ValueError);
      const err2 = await faults(() => oneHot(bad, 3));
      expect(String(err2)).toMatch(/oneHot: an index .*out of range/);
      // crossEntropy with target 7 of 3 classes (it was a silent loss of 0).
      const logits = e.tensor([0.1, 0.2, 0.3, 0.3, 0.2, 0.1], [2, 3]);
      expect(await faults(() => crossEntropy(logits, bad))).toBeInstanceOf(ValueError);
      // The flag is cleared after reporting: valid work reads normally afterwards.
      const ok = cast(e.tensor([4, 0]), 'int32');
      const y = gather(x, ok);
      expect(Array.from(await y.read())).toEqual([5, 1]);
      for (const t of [x, bad, neg, logits, ok, y]) t.dispose();
    });

    it('tidy refuses async functions and leaves no promise to reject unhandled', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (r: unknown) => unhandled.push(r);
      process.on('unhandledRejection', onUnhandled);
      try {
        expect(() =>
          e.tidy(async () => {
            throw new Error('late');
          }),
        ).toThrow(ValueError);
        expect(() => e.tidy((() => Promise.reject(new Error('later'))) as () => unknown)).toThrow('tidy(fn): fn must be synchronous');
        expect(() => e.tidy(null as unknown as () => unknown)).toThrow(ValueError);
        await new Promise((r) => setTimeout(r, 30));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });
  });
}

describe('autograd argument checks', () => {
  it('grad, valueAndGrad, vjp and gradientTape refuse a non-function where it is given', () => {
    expect(() => grad(null as never)).toThrow(/grad: expected a function, got null/);
    expect(() => valueAndGrad(3 as never)).toThrow(ValueError);
    expect(() => vjp({} as never, [], null as never)).toThrow(/vjp: expected a function, got object/);
    expect(() => gradientTape('f' as never)).toThrow(/gradientTape: expected a function/);
  });
  it('a function that returns a number is a ValueError, not a TypeError', async () => {
    const e = await createEngine({ backend: 'cpu' });
    expect(() => grad((_x: Tensor) => 3 as never)(e.tensor([1]))).toThrow(/must return a Tensor/);
    e.dispose();
  });
});

describe('createEngine argument checks', () => {
  it('refuses a device that is not a GPUDevice with a ValueError', async () => {
    await expect(createEngine({ device: {} as GPUDevice })).rejects.toThrow(ValueError);
    await expect(createEngine({ device: {} as GPUDevice })).rejects.toThrow(/options.device must be a GPUDevice/);
    await expect(createEngine(null as never)).rejects.toThrow(ValueError);
  });
});

describe.skipIf(!pair.gpu)('WebGPU reads are leak-free', () => {
  it('keeps no per-read listener on the device once reads finish', async () => {
    const e = pair.gpu!;
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const x = e.tensor([1, 2, 3]);
    const reads = [];
    for (let i = 0; i < 50; i++) reads.push(x.read());
    await Promise.all(reads);
    for (let i = 0; i < 200; i++) await x.read();
    expect(ctx.pendingReads).toBe(0);
    x.dispose();
  });
});

describe.skipIf(!pair.gpu)('WebGPU long synchronous loops (issue 11 point 1)', () => {
  // 100k such ops used to crash Dawn (a fresh bind group per dispatch, freed only between
  // event-loop turns); the full size runs in `npm run soak -- ops`.
  it('runs 20,000 small ops without a turn, reusing bind groups, memory flat', async () => {
    const e = pair.gpu!;
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const x = e.rand([64], { seed: 1 });
    await x.read();
    const before = e.memory();
    const created0 = ctx.bindGroups.created;
    for (let i = 0; i < 20000; i++) noGrad(() => e.tidy(() => (exp(x), null)));
    const created = ctx.bindGroups.created - created0;
    // One bind group per (uniform ring slot, offset) at most, not one per op.
    expect(created).toBeLessThan(3000);
    expect(ctx.bindGroups.size).toBeLessThanOrEqual(ctx.bindGroups.maxCached);
    expect((await x.read()).length).toBe(64);
    expect(e.memory().liveTensors).toBe(before.liveTensors);
    expect(e.memory().bytesInUse).toBe(before.bytesInUse);
    x.dispose();
  });

  it('past the per-turn bound, throws a ValueError asking for engine.sync() instead of crashing; a turn resets it', async () => {
    const e = pair.gpu!;
    const ctx = (backendOf(e) as WebGpuBackend).ctx;
    const saved = ctx.bindGroups.maxCreatedPerTurn;
    await e.sync();
    ctx.bindGroups.maxCreatedPerTurn = ctx.bindGroups.createdThisTurn + 40;
    const kept: Tensor[] = [];
    try {
      // Distinct live inputs and outputs: every dispatch needs a bind group of its own.
      const many = () => {
        for (let i = 0; i < 100; i++) kept.push(exp(e.full([8 + i], 1)));
      };
      expect(() => noGrad(many)).toThrow(ValueError);
      expect(() => noGrad(() => exp(e.full([300], 1)).dispose())).toThrow(/await engine\.sync\(\)/);
      await e.sync();
      const y = exp(e.full([4], 0));
      expect(Array.from(await y.read())).toEqual([1, 1, 1, 1]);
      y.dispose();
    } finally {
      ctx.bindGroups.maxCreatedPerTurn = saved;
      for (const t of kept) t.dispose();
    }
  });
});
