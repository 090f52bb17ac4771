/**
 * engine.profile(): per kernel family dispatch counts and times on both backends. The totals must
 * add up (families sum to totalMs, shares to 1, dispatch counts to the total), the kernel time
 * cannot exceed the wall time of the call, the families name the kernels that ran, fn's result
 * comes back, and profiles do not nest. No speed is asserted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, matmul, relu, conv2d, gradientTape, sum } from '../src/engine/index.js';
import type { Engine, ProfileResult } from '../src/engine/index.js';
import { enginePair } from './helpers/gpu.js';

const pair = await enginePair();
afterAll(() => pair.dispose());

function checkTotals(r: ProfileResult<unknown>) {
  const sumMs = r.kernels.reduce((a, k) => a + k.totalMs, 0);
  expect(sumMs).toBeCloseTo(r.totalMs, 9);
  expect(r.kernels.reduce((a, k) => a + k.dispatches, 0)).toBe(r.dispatches);
  if (r.totalMs > 0) expect(r.kernels.reduce((a, k) => a + k.share, 0)).toBeCloseTo(1, 9);
  for (const k of r.kernels) {
    expect(k.dispatches).toBeGreaterThan(0);
    expect(k.meanMs).toBeCloseTo(k.totalMs / k.dispatches, 9);
    expect(k.totalMs).toBeGreaterThanOrEqual(0);
  }
  // Sorted, most expensive first.
  for (let i = 1; i < r.kernels.length; i++) expect(r.kernels[i - 1].totalMs).toBeGreaterThanOrEqual(r.kernels[i].totalMs);
  // Kernels run one after another inside the call (1 ms of slack for timer granularity).
  expect(r.totalMs).toBeLessThanOrEqual(r.wallMs + 1);
}

const engines = (): [string, Engine][] => [['cpu', pair.cpu], ...(pair.gpu ? ([['webgpu', pair.gpu]] as [string, Engine][]) : [])];

describe('engine.profile', () => {
  it.each(['cpu', 'webgpu'])('%s: totals add up and families name the kernels (matmul, conv2d and its backward)', async (name) => {
    const e = engines().find(([n]) => n === name)?.[1];
    if (!e) {
      expect(pair.gpuAvailable).toBe(false); // only outside CI (enginePair throws in CI)
      return;
    }
    const a = e.randn([33, 17], { seed: 1 });
    const b = e.randn([17, 9], { seed: 2 });
    const x = e.randn([2, 3, 9, 11], { seed: 3 });
    const w = e.randn([4, 3, 3, 3], { seed: 4 });
    const r = await e.profile(async () => {
      const y = relu(matmul(a, b));
      const [gw] = gradientTape((tape) => tape.gradient(sum(conv2d(x, w, null, { padding: 1 })), [w]));
      return { y, gw };
    });
    checkTotals(r);
    expect(r.result.y.shape).toEqual([33, 9]);
    expect(r.result.gw.shape).toEqual([4, 3, 3, 3]);
    const fams = r.kernels.map((k) => k.family);
    if (name === 'cpu') {
      expect(r.method).toBe('cpu-timer');
      expect(fams).toEqual(expect.arrayContaining(['matmul', 'conv2d', 'conv2dBackwardWeight', 'unary/relu']));
    } else {
      expect(['timestamp-query', 'timed-submits']).toContain(r.method);
      expect(fams).toEqual(expect.arrayContaining(['matmul/main', 'conv_forward/main', 'conv_backward/backWeight']));
    }
    // The same values as an unprofiled run.
    const y2 = relu(matmul(a, b));
    expect(Array.from(await r.result.y.read())).toEqual(Array.from(await y2.read()));
    for (const t of [a, b, x, w, r.result.y, r.result.gw, y2]) t.dispose();
  });

  it.each(['cpu', 'webgpu'])(
    '%s: an empty fn gives no kernels; nesting and a non-function are refused; a throwing fn ends the profile',
    async (name) => {
      const e = engines().find(([n]) => n === name)?.[1];
      if (!e) return;
      const r = await e.profile(() => 42);
      expect(r.result).toBe(42);
      expect(r.kernels).toEqual([]);
      expect(r.totalMs).toBe(0);
      await expect(e.profile(() => e.profile(() => 1))).rejects.toThrow(/already profiling/);
      await expect(e.profile(null as unknown as () => number)).rejects.toThrow(/fn must be a function/);
      await expect(
        e.profile(() => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      // Profiling is off again: a later profile works and ordinary work is unaffected.
      const t = e.randn([5], { seed: 9 });
      const r2 = await e.profile(() => relu(t));
      expect(r2.dispatches).toBeGreaterThan(0);
      checkTotals(r2);
      r2.result.dispose();
      t.dispose();
    },
  );

  it('webgpu without timestamp-query: each dispatch is submitted and timed alone', async () => {
    if (!pair.gpu) return;
    const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    const gpuObj = create([]);
    const adapter = await gpuObj.requestAdapter();
    const device = await adapter!.requestDevice(); // no features requested
    expect(device.features.has('timestamp-query')).toBe(false);
    const e = await createEngine({ device });
    const a = e.randn([64, 32], { seed: 1 });
    const r = await e.profile(() => relu(matmul(a, a, { transB: true })));
    expect(r.method).toBe('timed-submits');
    expect(r.dispatches).toBeGreaterThanOrEqual(2);
    expect(r.kernels.map((k) => k.family)).toEqual(expect.arrayContaining(['matmul/main', 'elementwise_unary/main']));
    checkTotals(r);
    r.result.dispose();
    a.dispose();
    e.dispose();
    device.destroy();
    expect(gpuObj).toBeTruthy(); // keeps Dawn's GPU object alive until the device is gone
  });
});
