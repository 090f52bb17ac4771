/**
 * Properties, batching and bad input of the Quantus-parity metrics (src/metrics), on the CPU and
 * WebGPU engines. Golden parity is in metrics.golden.test.ts. Shapes are tiny: a linear model on
 * [B, 1, 4, 6] inputs, and the digit CNN (golden weights) on two [1, 32, 48] inputs for the
 * randomisation test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, ShapeError, ValueError } from '../src/engine/errors.js';
import type { Engine } from '../src/engine/engine.js';
import { matmul, mul, reshape, sum } from '../src/engine/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import * as metrics from '../src/metrics/index.js';
import { rankingHeatmapPng } from '../src/metrics/png.js';
import { inputXGradient, saliency } from '../src/xai/index.js';
import { goldenModel, goldenTensors } from './helpers/golden.js';
import { enginePair } from './helpers/gpu.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

const B = 3;
const SHAPE = [B, 1, 4, 6];
const N = 24;
const C = 3;

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** A linear model f(x) = x_flat · W as a function model, counting its calls and their batch sizes. */
function linearModel(e: Engine) {
  const w = e.tensor(values(N * C, 7), [N, C]);
  const calls: number[] = [];
  const model = (x: Tensor) => {
    calls.push(x.shape[0]);
    return matmul(reshape(x, [x.shape[0], N]), w);
  };
  return { model, calls, w };
}

const explainSaliency: metrics.ExplainFunction = (m, x, o) => saliency(m, x, { target: o.target as number[] });
const explainIxG: metrics.ExplainFunction = (m, x, o) => inputXGradient(m, x, { target: o.target as number[] });

for (const [backend, engineOf] of [
  ['cpu', () => cpu],
  ['webgpu', () => gpu],
] as [string, () => Engine | null][]) {
  describe.skipIf(backend === 'webgpu' && !gpu)(`metrics (${backend})`, () => {
    const targets = [0, 1, 2];

    it('sparseness of a one-hot map is ~1 and of a uniform map 0; complexity 0 and log N', async () => {
      const e = engineOf()!;
      const x = e.tensor(values(2 * N, 1), [2, 1, 4, 6]);
      const host = new Float32Array(2 * N);
      host[5] = 1;
      host.fill(0.5, N);
      const a = e.tensor(host, [2, 1, 4, 6]);
      const sp = await metrics.sparseness(null, x, null, { attributions: a });
      expect(sp[0]).toBeGreaterThan(0.95);
      expect(Math.abs(sp[1])).toBeLessThan(1e-6);
      const cx = await metrics.complexity(null, x, null, { attributions: a });
      expect(cx[0]).toBeLessThan(1e-6);
      expect(cx[1]).toBeCloseTo(Math.log(N), 5);
      expect(await metrics.effectiveComplexity(null, x, null, { attributions: a })).toEqual([1, N]);
      x.dispose();
      a.dispose();
    });

    it('a perfect attribution of a linear model has faithfulness correlation 1 (baseline 0)', async () => {
      const e = engineOf()!;
      const { model } = linearModel(e);
      const x = e.tensor(values(B * N, 3), SHAPE);
      // Input × gradient of a linear model is exactly each feature's contribution to the logit.
      const a = await explainIxG(model, x, { target: targets });
      const fc = await metrics.faithfulnessCorrelation(model, x, targets, {
        attributions: a,
        nrRuns: 12,
        subsetSize: 5,
        perturbBaseline: 0,
        seed: 3,
      });
      for (const v of fc) expect(v).toBeCloseTo(1, 5);
      const fe = await metrics.faithfulnessEstimate(model, x, targets, {
        attributions: a,
        featuresInStep: 4,
        perturbBaseline: 0,
      });
      for (const v of fe) expect(v).toBeCloseTo(1, 5);
      a.dispose();
      x.dispose();
    });

    it('runs all perturbations of all examples in one forward pass, and all re-explanations in one explain call', async () => {
      const e = engineOf()!;
      const { model, calls } = linearModel(e);
      const x = e.tensor(values(B * N, 4), SHAPE);
      const a = e.tensor(values(B * N, 5), SHAPE);
      await metrics.faithfulnessCorrelation(model, x, targets, {
        attributions: a,
        nrRuns: 10,
        subsetSize: 6,
      });
      expect(calls).toEqual([B, 10 * B]);
      calls.length = 0;
      await metrics.pixelFlipping(model, x, targets, {
        attributions: a,
        featuresInStep: 6,
      });
      expect(calls).toEqual([(N / 6) * B]);
      const explained: number[] = [];
      const counting: metrics.ExplainFunction = (m, xs, o) => {
        explained.push(xs.shape[0]);
        return explainSaliency(m, xs, o);
      };
      await metrics.avgSensitivity(model, x, targets, {
        attributions: a,
        explain: counting,
        nrSamples: 7,
        lowerBound: 0.1,
      });
      expect(explained).toEqual([7 * B]);
      // A chunk limit splits the same rows over passes.
      calls.length = 0;
      await metrics.faithfulnessCorrelation(model, x, targets, {
        attributions: a,
        nrRuns: 10,
        subsetSize: 6,
        maxBatch: 8,
      });
      expect(calls).toEqual([B, 8, 8, 8, 6]);
      a.dispose();
      x.dispose();
    });

    it('is reproducible for a seed, reports progress, and stops with CancelledError when aborted', async () => {
      const e = engineOf()!;
      const { model } = linearModel(e);
      const x = e.tensor(values(B * N, 6), SHAPE);
      const a = e.tensor(values(B * N, 8), SHAPE);
      const opts = { attributions: a, nrRuns: 8, subsetSize: 4, seed: 11 };
      expect(await metrics.faithfulnessCorrelation(model, x, targets, opts)).toEqual(
        await metrics.faithfulnessCorrelation(model, x, targets, opts),
      );
      const progress: { done: number; total: number; stage: string }[] = [];
      await metrics.monotonicityCorrelation(model, x, targets, {
        attributions: a,
        nrSamples: 3,
        featuresInStep: 6,
        maxBatch: 10,
        onProgress: (p) => progress.push(p),
      });
      expect(progress.at(-1)).toEqual({
        done: (N / 6) * 3 * B,
        total: (N / 6) * 3 * B,
        stage: 'monotonicityCorrelation',
      });
      const ac = new AbortController();
      const run = metrics.faithfulnessCorrelation(model, x, targets, {
        attributions: a,
        nrRuns: 20,
        subsetSize: 4,
        maxBatch: 4,
        signal: ac.signal,
        onProgress: () => ac.abort(),
      });
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      a.dispose();
      x.dispose();
    });

    it('bad input: wrong-shape or all-zero attributions, subset larger than the input, unknown options', async () => {
      const e = engineOf()!;
      const { model } = linearModel(e);
      const x = e.tensor(values(B * N, 9), SHAPE);
      const a = e.tensor(values(B * N, 10), SHAPE);
      const wrong = e.tensor(values(B * 20, 1), [B, 1, 4, 5]);
      await expect(
        metrics.faithfulnessCorrelation(model, x, targets, {
          attributions: wrong,
          subsetSize: 4,
        }),
      ).rejects.toThrow(ShapeError);
      await expect(metrics.sparseness(null, x, null, { attributions: wrong })).rejects.toThrow(
        /attributions must be shaped like the inputs \[3, 1, 4, 6\]/,
      );
      const zeros = e.zeros(SHAPE);
      await expect(
        metrics.faithfulnessEstimate(model, x, targets, {
          attributions: zeros,
        }),
      ).rejects.toThrow(/all 0/);
      await expect(
        metrics.faithfulnessCorrelation(model, x, targets, {
          attributions: a,
          subsetSize: N + 1,
        }),
      ).rejects.toThrow(/subsetSize = 25 is larger than the 24 features/);
      await expect(
        metrics.pixelFlipping(model, x, targets, {
          attributions: a,
          featuresInStep: 5,
        }),
      ).rejects.toThrow(/must divide the 24 features/);
      await expect(
        metrics.faithfulnessCorrelation(model, x, targets, {
          attributions: a,
          nrRun: 3,
        } as never),
      ).rejects.toThrow(/unknown option 'nrRun' — did you mean 'nrRuns'\?/);
      await expect(metrics.avgSensitivity(model, x, targets, { attributions: a })).rejects.toThrow(/options.explain is required/);
      await expect(
        metrics.faithfulnessCorrelation(model, x, [0, 1, 7], {
          attributions: a,
        }),
      ).rejects.toThrow(ValueError);
      // Channel-less attributions [B, H, W] broadcast over the channel, as Quantus.
      const flatA = e.tensor(values(B * N, 10), [B, 4, 6]);
      expect(
        await metrics.faithfulnessEstimate(model, x, targets, {
          attributions: flatA,
          featuresInStep: 4,
        }),
      ).toEqual(
        await metrics.faithfulnessEstimate(model, x, targets, {
          attributions: a,
          featuresInStep: 4,
        }),
      );
      // A constant prediction change gives NaN, as scipy's pearsonr (documented).
      const constModel = (z: Tensor) => mul(sum(reshape(z, [z.shape[0], N]), 1, true), e.zeros([1, C]));
      const nan = await metrics.faithfulnessCorrelation(constModel, x, targets, { attributions: a, nrRuns: 4, subsetSize: 3 });
      expect(nan.every(Number.isNaN)).toBe(true);
      for (const t of [x, a, wrong, zeros, flatA]) t.dispose();
    });

    it('does not grow device memory across repeated calls', async () => {
      const e = engineOf()!;
      const { model, w } = linearModel(e);
      const x = e.tensor(values(B * N, 12), SHAPE);
      const a = e.tensor(values(B * N, 13), SHAPE);
      const once = async () => {
        await metrics.faithfulnessCorrelation(model, x, targets, {
          attributions: a,
          nrRuns: 5,
          subsetSize: 3,
        });
        await metrics.maxSensitivity(model, x, targets, {
          attributions: a,
          explain: explainSaliency,
          nrSamples: 3,
        });
        await metrics.randomLogit(model, x, targets, {
          attributions: a,
          explain: explainSaliency,
        });
      };
      await once();
      const before = e.memory();
      await once();
      await once();
      expect(e.memory().liveTensors).toBe(before.liveTensors);
      expect(e.memory().bytesInUse).toBe(before.bytesInUse);
      x.dispose();
      a.dispose();
      w.dispose();
    });
  });
}

for (const [backend, engineOf] of [
  ['cpu', () => cpu],
  ['webgpu', () => gpu],
] as [string, () => Engine | null][]) {
  describe.skipIf(backend === 'webgpu' && !gpu)(`modelParameterRandomisation and evaluate (${backend}, digit CNN)`, () => {
    const T = goldenTensors('metrics.safetensors');
    let model: ReturnType<typeof goldenModel>;
    let x: Tensor;
    const targets = [1, 1];
    const setup = () => {
      const e = engineOf()!;
      model ??= goldenModel(e, 'digit_cnn').eval();
      x ??= e.tensor(Float32Array.from((T.input.data as Float32Array).subarray(0, 2 * 1536)), [2, 1, 32, 48]);
    };

    it('randomising all layers lowers the similarity; the model is restored', async () => {
      setup();
      const before = await model.call(x).read();
      for (const layerOrder of ['top_down', 'independent'] as const) {
        const r = (await metrics.modelParameterRandomisation(model, x, targets, {
          explain: explainSaliency,
          layerOrder,
        })) as Record<string, number[]>;
        expect(Object.keys(r)[0]).toBe('original');
        for (const v of r.original) expect(v).toBeCloseTo(1, 6);
        if (layerOrder === 'top_down') {
          expect(Object.keys(r).slice(1)).toEqual(['fc2', 'fc1', 'conv2', 'conv1']);
          for (const v of Object.values(r).at(-1)!) expect(v).toBeLessThan(0.5);
        }
      }
      const ssim = (await metrics.modelParameterRandomisation(model, x, targets, {
        explain: explainSaliency,
        similarityFunc: 'ssim',
        returnLastCorrelation: true,
      })) as number[];
      for (const v of ssim) expect(v).toBeLessThan(0.5);
      expect(Array.from(await model.call(x).read())).toEqual(Array.from(before));
    });

    it('evaluate: methods × metrics table as CSV, JSON, Markdown and the ranking heatmap', async () => {
      setup();
      const done: string[] = [];
      const res = await metrics.evaluate({
        model,
        inputs: x,
        targets,
        methods: { saliency: explainSaliency, inputXGradient: explainIxG },
        metrics: [
          {
            metric: 'faithfulnessCorrelation',
            options: { nrRuns: 5, subsetSize: 32 },
          },
          'sparseness',
          {
            metric: 'avgSensitivity',
            options: { nrSamples: 2 },
            label: 'avgSens',
          },
        ],
        onProgress: (p) => done.push(`${p.done}/${p.total} ${p.stage}`),
      });
      expect(done).toEqual([
        '1/6 saliency/faithfulnessCorrelation',
        '2/6 saliency/sparseness',
        '3/6 saliency/avgSens',
        '4/6 inputXGradient/faithfulnessCorrelation',
        '5/6 inputXGradient/sparseness',
        '6/6 inputXGradient/avgSens',
      ]);
      expect(res.methods).toEqual(['saliency', 'inputXGradient']);
      expect(res.metrics).toEqual(['faithfulnessCorrelation', 'sparseness', 'avgSens']);
      for (let j = 0; j < 3; j++)
        expect([res.ranks[0][j], res.ranks[1][j]].sort()).toEqual(res.scores[0][j] === res.scores[1][j] ? [1, 1] : [1, 2]);
      const csv = res.toCsv().trim().split('\n');
      expect(csv[0]).toBe('method,metric,mean,n,rank,higher_is_better');
      expect(csv).toHaveLength(7);
      expect(csv[2]).toMatch(/^saliency,sparseness,[0-9.]+,2,[12],true$/);
      const md = res.toMarkdown().trim().split('\n');
      expect(md[0]).toBe('| method | faithfulnessCorrelation ↑ | sparseness ↑ | avgSens ↓ |');
      expect(md).toHaveLength(4);
      const json = JSON.parse(res.toJson()) as { perExample: number[][][] };
      expect(json.perExample[1][1]).toHaveLength(2);
      expect(res.heatmapSvg()).toMatch(/^<svg[\s\S]*saliency[\s\S]*avgSens[\s\S]*<\/svg>$/);
      const png = rankingHeatmapPng(res);
      expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
      await expect(
        metrics.evaluate({
          model,
          inputs: x,
          targets,
          methods: { s: explainSaliency },
          metrics: ['sparsenes' as never],
        }),
      ).rejects.toThrow(/metrics\[0\] must name one of/);
    });

    afterAll(() => {
      x?.dispose();
      model?.dispose();
    });
  });
}
