/**
 * Kernels compiled before a method's first chunk (issue 12.3): engine.precompile traces a
 * function's ops (kernels not run) and compiles the pipelines they need with
 * createComputePipelineAsync, so Node's Dawn does not compile them on the JavaScript thread on
 * first use. Tested as a mechanism (no timing): a fresh WebGPU engine runs saliency, IG, Grad-CAM,
 * occlusion and feature ablation with no synchronous pipeline creation; the results equal the CPU
 * reference (tolerance 2e-4 relative to the largest value: float32 against float64) and, for the
 * chunked methods, the same call with other chunk sizes; progress totals and abort mid-run are
 * unchanged; the trace leaves no tensors and no memory behind, refuses reads and nesting, and is
 * skipped for a model in training mode (whose BatchNorm would store the trace's garbage).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, createEngine, ValueError, type Engine, type Tensor } from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';
import * as audio from '../src/audio/index.js';
import { featureAblation, gradCam, integratedGradients, kernelShap, lime, occlusion, saliency } from '../src/xai/index.js';
import { chunksToTrace, precompileChunk, traceable, type Progress } from '../src/xai/shared/index.js';
import type { WebGpuBackend } from '../src/engine/webgpu/webgpuBackend.js';
import { backendOf, enginePair } from './helpers/gpu.js';

const { cpu, gpuAvailable, dispose } = await enginePair();
afterAll(dispose);

/** A small conv classifier on [B, 1, 8, 12], the same weights on any engine (seeded). */
function smallModel(e: Engine, withBatchNorm = false): nn.Sequential {
  const layers: [string, nn.Module][] = [['conv1', new nn.Conv2d(e, 1, 3, 3, { padding: 1, seed: 1 })]];
  if (withBatchNorm) layers.push(['bn1', new nn.BatchNorm2d(e, 3)]);
  layers.push(['relu', new nn.ReLU(e)], ['flat', new nn.Flatten(e)], ['fc', new nn.Linear(e, 3 * 8 * 12, 4, { seed: 2 })]);
  return new nn.Sequential(e, layers);
}

const input = (e: Engine, b = 2) =>
  e.tensor(
    Array.from({ length: b * 96 }, (_, i) => Math.sin(i * 0.37) + 0.1 * (i % 7)),
    [b, 1, 8, 12],
  );

/** Counts synchronous and asynchronous pipeline creations on a WebGPU engine's device. */
function countPipelines(e: Engine): { sync: string[]; async: number } {
  const device = (backendOf(e) as WebGpuBackend).ctx.device;
  const counts = { sync: [] as string[], async: 0 };
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  device.createComputePipeline = (d) => (counts.sync.push(d.label ?? '?'), sync(d));
  device.createComputePipelineAsync = (d) => (counts.async++, async(d));
  return counts;
}

async function values(t: Tensor | Float64Array): Promise<number[]> {
  if (t instanceof Float64Array) return Array.from(t);
  const v = Array.from((await t.read()) as Float32Array);
  t.dispose();
  return v;
}

function expectClose(a: number[], b: number[], what: string): void {
  expect(a.length, what).toBe(b.length);
  const scale = Math.max(1e-6, ...b.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / scale));
  expect(worst, `${what}: worst error relative to the largest value`).toBeLessThanOrEqual(2e-4);
}

type Run = (m: nn.Module, x: Tensor, extra?: Record<string, unknown>) => Promise<Tensor | Float64Array>;

const methods: [string, Run][] = [
  ['saliency', (m, x) => saliency(m, x, { target: [1, 2] })],
  ['integratedGradients', (m, x, extra = {}) => integratedGradients(m, x, { target: [1, 2], steps: 6, ...extra })],
  ['gradCam', async (m, x) => (await gradCam(m, x, { target: [1, 2], layer: 'conv1' })).map],
  ['occlusion', (m, x, extra = {}) => occlusion(m, x, { target: [1, 2], window: [1, 4, 4], strides: [1, 2, 4], ...extra })],
  [
    'featureAblation',
    (m, x, extra = {}) => {
      const e = x.engine;
      const ids = e.tensor(
        Array.from({ length: 96 }, (_, i) => Math.floor(i / 24)),
        [1, 1, 8, 12],
        'int32',
      );
      return featureAblation(m, x, { target: [1, 2], featureMask: ids, ...extra }).finally(() => ids.dispose());
    },
  ],
  ['lime', async (m, x) => (await lime(m, input(x.engine, 1), { numSamples: 24, factorization: 'patches', seed: 0 })).weights],
  ['kernelShap', async (m, x) => (await kernelShap(m, input(x.engine, 1), { numSamples: 24, factorization: 'patches', seed: 0 })).values],
];

describe.skipIf(!gpuAvailable)('kernels compiled ahead of the first chunk (WebGPU)', () => {
  it.each(methods)('%s on a fresh engine compiles no pipeline on the thread and equals the CPU reference', async (_name, run) => {
    const e = await createEngine({ backend: 'webgpu' });
    try {
      const m = smallModel(e).eval();
      const x = input(e);
      await e.sync();
      const counts = countPipelines(e);
      const got = await values(await run(m, x));
      expect(counts.async, 'pipelines compiled ahead (createComputePipelineAsync)').toBeGreaterThan(0);
      expect(counts.sync.length, `pipelines compiled on first use (createComputePipeline): ${counts.sync.join(', ')}`).toBe(0);
      const want = await values(await run(smallModel(cpu).eval(), input(cpu)));
      expectClose(got, want, _name);
    } finally {
      e.dispose();
    }
  });

  it('chunked equals unchunked, progress totals and abort mid-run are unchanged', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    try {
      const m = smallModel(e).eval();
      const x = input(e);
      const [, ig] = methods[1];
      const [, occ] = methods[3];
      expectClose(await values(await ig(m, x, { internalBatchSize: 5 })), await values(await ig(m, x)), 'IG chunks of 5 rows');
      const reports: Progress[] = [];
      const counts = countPipelines(e);
      const chunked = await values(await occ(m, x, { perturbationsPerEval: 2, onProgress: (p: Progress) => reports.push(p) }));
      expectClose(chunked, await values(await occ(m, x)), 'occlusion 2 windows a pass');
      // 3 × 3 window positions, 2 a pass: 5 chunks, the last one reaching the total (the trace reports nothing).
      expect(reports.map((p) => p.done)).toEqual([2, 4, 6, 8, 9]);
      expect(reports.every((p) => p.total === 9)).toBe(true);
      // The last chunk (1 window) was traced too: no kernel variant compiled on the thread.
      expect(counts.sync.length, counts.sync.join(', ')).toBe(0);
      const ac = new AbortController();
      const run = occ(m, x, { perturbationsPerEval: 2, signal: ac.signal, onProgress: (p: Progress) => p.done >= 4 && ac.abort() });
      await expect(run).rejects.toThrow(CancelledError);
      x.dispose();
      m.dispose();
    } finally {
      e.dispose();
    }
  });

  it('the trace runs no kernel, leaves no tensor or memory behind, and refuses reads and nesting', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    try {
      const m = smallModel(e).eval();
      const x = input(e);
      const before = e.memory();
      const ctx = (backendOf(e) as WebGpuBackend).ctx;
      const submits = ctx.submitCount;
      await precompileChunk(e, m, () => m.call(x));
      expect(ctx.submitCount, 'no batch submitted by the trace').toBe(submits);
      expect(e.memory().liveTensors).toBe(before.liveTensors);
      expect(e.memory().bytesInUse).toBe(before.bytesInUse);
      let nested: unknown;
      await e.precompile(() => {
        nested = e.precompile(() => {});
      });
      await expect(nested).rejects.toThrow(ValueError);
      let readError: unknown;
      await e.precompile(() => {
        readError = ctx.read(ctx.fault, 4);
      });
      await expect(readError).rejects.toThrow(/must not read/);
      // A model in training mode is not traced: its BatchNorm would store the trace's garbage statistics.
      const bn = smallModel(e, true);
      expect(traceable(bn)).toBe(false);
      expect(traceable(bn.eval())).toBe(true);
      bn.train();
      const counts = countPipelines(e);
      await precompileChunk(e, bn, () => bn.call(x));
      expect(counts.async).toBe(0);
      const mean = Array.from((await bn.getSubmodule('bn1').getBuffer('running_mean').read()) as Float32Array);
      expect(mean, 'running_mean untouched').toEqual([0, 0, 0]);
      x.dispose();
    } finally {
      e.dispose();
    }
  });
});

describe.skipIf(!gpuAvailable)('engine.precompile and cached constants', () => {
  it('constants uploaded while tracing (the audio front end cache) hold their values afterwards', async () => {
    const traced = await createEngine({ backend: 'webgpu' });
    const fresh = await createEngine({ backend: 'webgpu' });
    try {
      const wave = Array.from({ length: 2 * 1600 }, (_, i) => 0.1 * Math.sin(i * 0.05) + 0.01 * (i % 13));
      // The trace makes and caches the window and the filterbank; its own output is garbage.
      const xt = traced.tensor(wave, [2, 1600]);
      await traced.precompile(() => audio.logMel(xt).dispose());
      const got = await audio.logMel(xt).read();
      const xf = fresh.tensor(wave, [2, 1600]);
      const want = await audio.logMel(xf).read();
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      // dB values of two float32 runs of the same kernel: equal to rounding.
      expect(maxDiff).toBeLessThan(1e-3);
    } finally {
      traced.dispose();
      fresh.dispose();
    }
  });
});

describe('engine.precompile on the CPU reference', () => {
  it('does not run the function', async () => {
    let ran = false;
    await cpu.precompile(() => {
      ran = true;
    });
    expect(ran).toBe(false);
  });
});

describe('chunksToTrace', () => {
  it('names the first chunk and a shorter last one', () => {
    expect(chunksToTrace(0, 4)).toEqual([]);
    expect(chunksToTrace(3, 4)).toEqual([[0, 3]]);
    expect(chunksToTrace(8, 4)).toEqual([[0, 4]]);
    expect(chunksToTrace(9, 4)).toEqual([
      [0, 4],
      [8, 9],
    ]);
  });
});
