/**
 * The gradient attribution methods (src/xai: saliency, inputXGradient, integratedGradients,
 * smoothGrad, guidedBackprop, deconvolution) on the CPU reference and on WebGPU:
 *
 * - against Captum 0.8 (test/fixtures/golden/{genre,digit}_attributions.ref.safetensors and
 *   attributions.json, made by scripts/extract-golden.py): each entry's primary measure within its
 *   tolerance, and for the IG convergence deltas also max_abs_over_sum_abs_attr (max|got − ref| /
 *   the largest per-example Σ|attribution| of the matching IG reference);
 * - Integrated Gradients: completeness, chunking (internalBatchSize) and baseline forms;
 * - SmoothGrad against the same noise applied by hand, per aggregation type;
 * - Guided Backprop and Deconvolution against hand-derived gradients of a two-layer net;
 * - function models: a fixed front end (matmul, and audio.logMel) composed with the digit CNN,
 *   attributions on the raw input in one call (checked by the chain rule);
 * - errors naming the option.
 *
 * Cost: every IG variant runs on both models and both backends (576 forward+backward rows of the
 * genre CNN per backend; a few minutes on the CPU reference, which holds float64 and reproduces
 * the float64 goldens exactly, so the float32 check that matters is the WebGPU one).
 *
 * In CI a missing WebGPU adapter fails this file (gpuBackend() throws); elsewhere the WebGPU
 * suite is skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { vjp } from '../src/engine/autograd.js';
import type { Engine } from '../src/engine/engine.js';
import { AuralensError, ShapeError, ValueError } from '../src/engine/errors.js';
import { add, mul, relu, sigmoid, tanh } from '../src/engine/ops/elementwise.js';
import { matmul } from '../src/engine/ops/matmul.js';
import { reshape, slice } from '../src/engine/ops/shape_ops.js';
import { tidy } from '../src/engine/scope.js';
import { hostToTensor, toFloat32, type HostTensor } from '../src/engine/safetensors.js';
import type { Tensor } from '../src/engine/tensor.js';
import type { Module } from '../src/nn/index.js';
import * as audio from '../src/audio/index.js';
import {
  deconvolution,
  guidedBackprop,
  inputXGradient,
  integratedGradients,
  saliency,
  smoothGrad,
  type IntegratedGradientsMethod,
  type Model,
} from '../src/xai/index.js';
import {
  expectWithin,
  goldenInput,
  goldenJson,
  goldenModel,
  goldenTensors,
  measure,
  printReport,
  type Measure,
  type ModelName,
  type ReportEntry,
} from './helpers/golden.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

interface AttrMeta {
  target: number[];
  tolerances: Record<string, { measure: Measure; tolerance: number; max_abs_over_sum_abs_attr?: number }>;
}

const META = goldenJson<Record<ModelName, AttrMeta>>('attributions.json');
const INPUTS: Record<ModelName, HostTensor> = { genre_cnn: goldenInput('genre_cnn'), digit_cnn: goldenInput('digit_cnn') };
const REFS: Record<ModelName, Record<string, HostTensor>> = {
  genre_cnn: goldenTensors('genre_attributions.ref.safetensors'),
  digit_cnn: goldenTensors('digit_attributions.ref.safetensors'),
};

/** The IG golden entries: ig_<method>_<steps>[_baseline_minus1.5]. */
const IG_KEY = /^attributions\.ig_(gausslegendre|riemann_left|riemann_right|riemann_middle|riemann_trapezoid)_(\d+)(_baseline_minus1\.5)?$/;

const { cpu, gpu, gpuAvailable, dispose: disposeEngines } = await enginePair();

const report: ReportEntry[] = [];

afterAll(() => {
  disposeEngines();
  printReport('golden attribution entries (measure: got / tolerance (ratio), time of the call)', report, {
    where: 14,
    key: 52,
    measure: 25,
  });
});

const maxAbsRel = (got: ArrayLike<number>, ref: ArrayLike<number>) => measure('max_abs_rel', got, ref);

/** The golden model in eval mode. */
const buildModel = (engine: Engine, name: ModelName): Module => goldenModel(engine, name).eval();

/** Checks got against the golden entry `key` with its primary measure and tolerance. */
async function check(where: string, name: ModelName, key: string, t: Tensor, ms?: number): Promise<void> {
  const ref = REFS[name][key];
  const tol = META[name].tolerances[key];
  expect(tol, `${key}: no tolerance in the fixture`).toBeDefined();
  expect(t.shape, `${where} ${key}: shape`).toEqual(ref.shape);
  expectWithin(report, where, key, tol, await t.read(), toFloat32(ref), { ms });
}

/** The delta's second measure: max|got − ref| / max over examples of Σ|IG reference|. */
async function checkDeltaScale(where: string, name: ModelName, igKey: string, delta: Tensor): Promise<void> {
  const key = `${igKey}_delta`;
  const tol = META[name].tolerances[key].max_abs_over_sum_abs_attr!;
  expect(tol, `${key}: no max_abs_over_sum_abs_attr tolerance`).toBeDefined();
  const ref = toFloat32(REFS[name][key]);
  const attr = toFloat32(REFS[name][igKey]);
  const per = attr.length / ref.length;
  let scale = 0;
  for (let b = 0; b < ref.length; b++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += Math.abs(attr[b * per + i]);
    scale = Math.max(scale, s);
  }
  const got = await delta.read();
  let maxDiff = 0;
  for (let b = 0; b < ref.length; b++) maxDiff = Math.max(maxDiff, Math.abs(got[b] - ref[b]));
  const value = maxDiff / scale;
  report.push({ where, key, measure: 'max_abs_over_sum_abs_attr', value, tolerance: tol });
  expect.soft(value, `${where} ${key}: max_abs_over_sum_abs_attr`).toBeLessThanOrEqual(tol);
}

/** Each example's target logit, on the host. */
async function targetLogits(model: Model, x: Tensor, target: readonly number[]): Promise<number[]> {
  const logits = tidy(() => (typeof model === 'function' ? model(x) : model.call(x)));
  const v = await logits.read();
  logits.dispose();
  const c = v.length / target.length;
  return target.map((t, b) => v[b * c + t]);
}

/** Per-example sums of a [B, ...] host array. */
function rowSums(v: ArrayLike<number>, batch: number): number[] {
  const per = v.length / batch;
  return Array.from({ length: batch }, (_, b) => {
    let s = 0;
    for (let i = 0; i < per; i++) s += v[b * per + i];
    return s;
  });
}

/** Reads a tensor and disposes it. */
async function take(p: Tensor | Promise<Tensor>): Promise<Float32Array> {
  const t = await p;
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

function expectLeakFree(e: Engine, live: number): void {
  expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
}

const backends: [string, () => Engine | null][] = [
  ['cpu', () => cpu],
  ['webgpu', () => gpu],
];

for (const [backend, engineOf] of backends) {
  describe.skipIf(backend === 'webgpu' && !gpuAvailable)(`gradient attributions on ${backend}`, () => {
    for (const name of ['digit_cnn', 'genre_cnn'] as const) {
      const meta = META[name];
      const where = `${backend}/${name.replace('_cnn', '')}`;

      it(`${name}: saliency (abs, signed), inputXGradient, guidedBackprop against Captum`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = buildModel(e, name);
        const x = hostToTensor(e, INPUTS[name]);
        const target = meta.target;
        const runs: [string, () => Promise<Tensor>][] = [
          ['attributions.saliency_abs', () => saliency(model, x, { target })],
          ['attributions.saliency_signed', () => saliency(model, x, { target, abs: false })],
          ['attributions.input_x_gradient', () => inputXGradient(model, x, { target })],
          ['attributions.guided_backprop', () => guidedBackprop(model, x, { target })],
        ];
        for (const [key, run] of runs) {
          const t0 = performance.now();
          const a = await run();
          await a.read();
          await check(where, name, key, a, performance.now() - t0);
          a.dispose();
        }
        x.dispose();
        model.dispose();
        expectLeakFree(e, live);
      });

      const igKeys = Object.keys(REFS[name]).filter((k) => IG_KEY.test(k));
      it('covers every IG entry of the golden file', () => expect(igKeys.length).toBe(6));
      for (const key of igKeys) {
        const [, method, steps, minus] = IG_KEY.exec(key)!;
        it(`${name}: ${key.slice('attributions.'.length)} and its convergence delta against Captum`, async () => {
          const e = engineOf()!;
          const live = e.memory().liveTensors;
          const model = buildModel(e, name);
          const x = hostToTensor(e, INPUTS[name]);
          const t0 = performance.now();
          const { attributions, delta } = await integratedGradients(model, x, {
            target: meta.target,
            method: method as IntegratedGradientsMethod,
            steps: Number(steps),
            baseline: minus ? -1.5 : undefined,
            returnConvergenceDelta: true,
          });
          await attributions.read();
          const ms = performance.now() - t0;
          await check(where, name, key, attributions, ms);
          if (REFS[name][`${key}_delta`]) {
            await check(where, name, `${key}_delta`, delta);
            await checkDeltaScale(where, name, key, delta);
          } else {
            // No reference delta (the -1.5 baseline): check it against its definition.
            const fx = await targetLogits(model, x, meta.target);
            const b = e.full(x.shape, -1.5);
            const fb = await targetLogits(model, b, meta.target);
            const sums = rowSums(await attributions.read(), 3);
            const want = sums.map((s, i) => s - (fx[i] - fb[i]));
            const got = Array.from(await delta.read());
            for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(fx[i] - fb[i])) + 1e-6);
            b.dispose();
          }
          for (const t of [attributions, delta, x]) t.dispose();
          model.dispose();
          expectLeakFree(e, live);
        }, 300_000);
      }
    }

    it('integratedGradients: completeness (gausslegendre 50), delta = Σ attributions − (F(x) − F(baseline))', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      // A smooth function model: completeness then holds to quadrature accuracy.
      const w1 = e.tensor(randArray(24 * 16, 1, -0.5, 0.5), [24, 16]);
      const w2 = e.tensor(randArray(16 * 5, 2, -0.8, 0.8), [16, 5]);
      const smooth: Model = (x) => matmul(tanh(matmul(reshape(x, [x.shape[0], 24]), w1)), w2);
      const x = e.tensor(randArray(4 * 2 * 12, 3, -2, 2), [4, 2, 12]);
      const baseline = e.tensor(randArray(2 * 12, 4, -0.5, 0.5), [2, 12]);
      const target = [0, 3, 4, 1];
      const { attributions, delta } = await integratedGradients(smooth, x, { target, baseline, returnConvergenceDelta: true });
      expect(attributions.shape).toEqual([4, 2, 12]);
      expect(delta.shape).toEqual([4]);
      const fx = await targetLogits(smooth, x, target);
      const bFull = tidy(() => add(e.zeros(x.shape), baseline));
      const fb = await targetLogits(smooth, bFull, target);
      const sums = rowSums(await attributions.read(), 4);
      const d = Array.from(await delta.read());
      for (let i = 0; i < 4; i++) {
        const diff = fx[i] - fb[i];
        expect(Math.abs(sums[i] - diff) / Math.abs(diff), `example ${i}: completeness`).toBeLessThan(1e-4);
        expect(Math.abs(d[i] - (sums[i] - diff))).toBeLessThan(1e-5);
      }
      // The digit CNN (ReLU, max-pool): Captum's own deltas are up to 1% of F(x) − F(0) there.
      const model = buildModel(e, 'digit_cnn');
      const xd = hostToTensor(e, INPUTS.digit_cnn);
      const r = await integratedGradients(model, xd, { target: META.digit_cnn.target, returnConvergenceDelta: true });
      const fxd = await targetLogits(model, xd, META.digit_cnn.target);
      const z = e.zeros(xd.shape);
      const f0 = await targetLogits(model, z, META.digit_cnn.target);
      const sd = rowSums(await r.attributions.read(), 3);
      const dd = Array.from(await r.delta.read());
      for (let i = 0; i < 3; i++) {
        const diff = fxd[i] - f0[i];
        expect(Math.abs(sd[i] - diff) / Math.abs(diff), `digit example ${i}: completeness`).toBeLessThan(0.02);
        expect(Math.abs(dd[i] - (sd[i] - diff))).toBeLessThan(1e-5);
      }
      for (const t of [w1, w2, x, baseline, attributions, delta, bFull, xd, r.attributions, r.delta, z]) t.dispose();
      model.dispose();
      expectLeakFree(e, live);
    });

    it('integratedGradients: internalBatchSize chunks and every baseline form give the same result', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      const model = buildModel(e, 'digit_cnn');
      const x = hostToTensor(e, INPUTS.digit_cnn);
      const target = META.digit_cnn.target;
      const opts = { target, steps: 20, method: 'riemann_middle' as const, returnConvergenceDelta: true as const };
      const whole = await integratedGradients(model, x, opts);
      const wholeA = await whole.attributions.read();
      const wholeD = await whole.delta.read();
      // 7 rows per pass: chunks cut through steps and examples (60 rows, 9 passes); 1 row per pass.
      for (const internalBatchSize of [7, 1]) {
        const part = await integratedGradients(model, x, { ...opts, internalBatchSize });
        expect(maxAbsRel(await part.attributions.read(), wholeA), `internalBatchSize ${internalBatchSize}`).toBeLessThan(1e-5);
        expect(maxAbsRel(await part.delta.read(), wholeD)).toBeLessThan(1e-3);
        part.attributions.dispose();
        part.delta.dispose();
      }
      // Baseline -1.5 as a number, as one example [1, 32, 48], as [1, 1, 32, 48], as the inputs' shape.
      const num = await integratedGradients(model, x, { target, steps: 8, baseline: -1.5 });
      const ref = await num.read();
      const forms = [e.full([1, 32, 48], -1.5), e.full([1, 1, 32, 48], -1.5), e.full([3, 1, 32, 48], -1.5)];
      for (const b of forms) {
        const a = await integratedGradients(model, x, { target, steps: 8, baseline: b });
        expect(maxAbsRel(await a.read(), ref), `baseline ${JSON.stringify(b.shape)}`).toBeLessThan(1e-6);
        a.dispose();
      }
      // A per-example baseline: example b's attributions depend on its own baseline only.
      const mixed = e.tensor(
        Float32Array.from({ length: 3 * 1536 }, (_, i) => (i < 1536 ? -1.5 : i < 3072 ? 0 : 0.5)),
        [3, 1, 32, 48],
      );
      const am = await take(integratedGradients(model, x, { target, steps: 8, baseline: mixed }));
      const a0 = await take(integratedGradients(model, x, { target, steps: 8 }));
      expect(maxAbsRel(am.slice(0, 1536), ref.slice(0, 1536))).toBeLessThan(1e-6);
      expect(maxAbsRel(am.slice(1536, 3072), a0.slice(1536, 3072))).toBeLessThan(1e-6);
      for (const t of [whole.attributions, whole.delta, num, ...forms, mixed, x]) t.dispose();
      model.dispose();
      expectLeakFree(e, live);
    });

    it('smoothGrad: Captum NoiseTunnel semantics against the same noise applied by hand', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      const model = buildModel(e, 'digit_cnn');
      const x = hostToTensor(e, INPUTS.digit_cnn);
      const target = META.digit_cnn.target;
      const n = 4;
      const stdevs = 0.3;
      const seed = 11;
      // The noise smoothGrad draws: randn [B, n, ...] from the seed; sample k of example b = x_b + noise[b, k].
      const noise = e.randn([3, n, 1, 32, 48], { seed, std: stdevs });
      const samples: Float32Array[] = [];
      for (let k = 0; k < n; k++) {
        const noisy = tidy(() => add(x, reshape(slice(noise, [0, k], [3, 1]), [3, 1, 32, 48])));
        const s = await saliency(model, noisy, { target, abs: false });
        samples.push((await s.read()) as Float32Array);
        for (const t of [noisy, s]) t.dispose();
      }
      const size = samples[0].length;
      const mean = new Float64Array(size);
      const meanSq = new Float64Array(size);
      for (const s of samples) for (let i = 0; i < size; i++) ((mean[i] += s[i] / n), (meanSq[i] += (s[i] * s[i]) / n));
      const vargrad = mean.map((m, i) => meanSq[i] - m * m);
      const want = { smoothgrad: mean, smoothgrad_sq: meanSq, vargrad };
      for (const type of ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const) {
        const got = await smoothGrad(model, x, { target, nSamples: n, stdevs, seed, type, methodOptions: { abs: false } });
        expect(got.shape).toEqual(x.shape);
        expect(maxAbsRel(await got.read(), want[type]), type).toBeLessThan(1e-5);
        // Chunked (2 samples per example per call of the method) draws the same noise.
        const chunked = await smoothGrad(model, x, {
          target,
          nSamples: n,
          stdevs,
          seed,
          type,
          methodOptions: { abs: false },
          nSamplesBatchSize: 3,
        });
        expect(maxAbsRel(await chunked.read(), want[type]), `${type} chunked`).toBeLessThan(1e-5);
        got.dispose();
        chunked.dispose();
      }
      // Default method: saliency with abs (Captum's Saliency default); stdevs 0 gives saliency itself.
      const sal = await take(saliency(model, x, { target }));
      const s0 = await smoothGrad(model, x, { target, stdevs: 0 });
      expect(maxAbsRel(await s0.read(), sal)).toBeLessThan(1e-6);
      const v0 = await smoothGrad(model, x, { target, stdevs: 0, type: 'vargrad' });
      expect(Math.max(...Array.from(await v0.read()).map(Math.abs))).toBeLessThan(1e-6 * Math.max(...Array.from(sal)) ** 2 + 1e-12);
      // Another method with its options: integrated gradients with a per-example baseline tensor.
      const baseline = e.tensor(
        Float32Array.from({ length: 3 * 1536 }, (_, i) => (i < 1536 ? -1.5 : 0.25)),
        [3, 1, 32, 48],
      );
      const ig = await smoothGrad(model, x, {
        target: 4,
        nSamples: 2,
        stdevs,
        seed: 5,
        method: integratedGradients,
        methodOptions: { steps: 6, baseline },
      });
      const noise2 = e.randn([3, 2, 1, 32, 48], { seed: 5, std: stdevs });
      const igWant = new Float64Array(3 * 1536);
      for (let k = 0; k < 2; k++) {
        const noisy = tidy(() => add(x, reshape(slice(noise2, [0, k], [3, 1]), [3, 1, 32, 48])));
        const a = await integratedGradients(model, noisy, { target: 4, steps: 6, baseline });
        (await a.read()).forEach((v, i) => (igWant[i] += v / 2));
        for (const t of [noisy, a]) t.dispose();
      }
      expect(maxAbsRel(await ig.read(), igWant)).toBeLessThan(1e-5);
      // Deterministic per seed, different across seeds.
      const a1 = await take(smoothGrad(model, x, { target, seed: 3 }));
      const a2 = await take(smoothGrad(model, x, { target, seed: 3 }));
      const a3 = await take(smoothGrad(model, x, { target, seed: 4 }));
      expect(maxAbsRel(a1, a2)).toBe(0);
      expect(maxAbsRel(a3, a1)).toBeGreaterThan(1e-3);
      for (const t of [noise, s0, v0, baseline, ig, noise2, x]) t.dispose();
      model.dispose();
      expectLeakFree(e, live);
    });

    it('guidedBackprop and deconvolution override every ReLU (module or functional) as Captum: hand-derived on a two-layer net', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      const [B, D, H, C] = [3, 6, 5, 4];
      const W1 = randArray(D * H, 21, -1, 1);
      const W2 = randArray(H * C, 22, -1, 1);
      const X = randArray(B * D, 23, -1, 1);
      const w1 = e.tensor(W1, [D, H]);
      const w2 = e.tensor(W2, [H, C]);
      const x = e.tensor(X, [B, D]);
      const net: Model = (v) => matmul(relu(matmul(v, w1)), w2);
      const target = [0, 2, 3];
      const guided = await take(guidedBackprop(net, x, { target }));
      const deconv = await take(deconvolution(net, x, { target }));
      const plain = await take(saliency(net, x, { target, abs: false }));
      for (let b = 0; b < B; b++) {
        // h = x W1; g_h = W2[:, t] (the gradient reaching the ReLU's output).
        const h = Array.from({ length: H }, (_, j) => {
          let s = 0;
          for (let i = 0; i < D; i++) s += X[b * D + i] * W1[i * H + j];
          return s;
        });
        const gh = Array.from({ length: H }, (_, j) => W2[j * C + target[b]]);
        for (let i = 0; i < D; i++) {
          let gGuided = 0;
          let gDeconv = 0;
          let gPlain = 0;
          for (let j = 0; j < H; j++) {
            gGuided += W1[i * H + j] * Math.max(gh[j], 0) * (h[j] > 0 ? 1 : 0);
            gDeconv += W1[i * H + j] * Math.max(gh[j], 0);
            gPlain += W1[i * H + j] * gh[j] * (h[j] > 0 ? 1 : 0);
          }
          expect(guided[b * D + i]).toBeCloseTo(gGuided, 5);
          expect(deconv[b * D + i]).toBeCloseTo(gDeconv, 5);
          expect(plain[b * D + i]).toBeCloseTo(gPlain, 5);
        }
      }
      // Outside the call the ReLU's own rule is back.
      expect(Array.from(await take(saliency(net, x, { target, abs: false })))).toEqual(Array.from(plain));
      for (const t of [w1, w2, x]) t.dispose();
      expectLeakFree(e, live);
    });

    it('function models: a fixed front end + the digit CNN gives attributions on the raw input in one call', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      const cnn = buildModel(e, 'digit_cnn');
      const target = META.digit_cnn.target;
      // Raw input [B, 96] → a fixed linear "front end" → sigmoid (a smooth non-linearity) → [B, 1, 32, 48].
      const W = e.tensor(randArray(96 * 1536, 31, -0.3, 0.3), [96, 1536]);
      const frontEnd = (raw: Tensor) => reshape(sigmoid(matmul(raw, W)), [raw.shape[0], 1, 32, 48]);
      const pipeline: Model = (raw) => cnn.call(frontEnd(raw));
      const raw = e.tensor(randArray(3 * 96, 32, -1, 1), [3, 96]);
      const spec = tidy(() => frontEnd(raw));
      // Chain rule: d F / d raw = vjp of the front end applied to d F / d spec.
      for (const [label, method] of [
        ['saliency', (m: Model, v: Tensor) => saliency(m, v, { target, abs: false })],
        ['guidedBackprop', (m: Model, v: Tensor) => guidedBackprop(m, v, { target })],
      ] as const) {
        const onRaw = await method(pipeline, raw);
        expect(onRaw.shape).toEqual([3, 96]);
        const onSpec = await method(cnn, spec);
        const { value, grads } = vjp(frontEnd, [raw], onSpec);
        expect(maxAbsRel(await onRaw.read(), await grads[0].read()), label).toBeLessThan(1e-4);
        for (const t of [onRaw, onSpec, value, ...grads]) t.dispose();
      }
      // Integrated gradients on the raw input, with completeness.
      const { attributions, delta } = await integratedGradients(pipeline, raw, { target, returnConvergenceDelta: true });
      expect(attributions.shape).toEqual([3, 96]);
      const fx = await targetLogits(pipeline, raw, target);
      const z = e.zeros(raw.shape);
      const f0 = await targetLogits(pipeline, z, target);
      const d = Array.from(await delta.read());
      for (let i = 0; i < 3; i++) expect(Math.abs(d[i]) / Math.abs(fx[i] - f0[i])).toBeLessThan(0.02);
      for (const t of [W, raw, spec, attributions, delta, z]) t.dispose();
      cnn.dispose();
      expectLeakFree(e, live);
    });

    it('function models: waveform → audio.logMel → digit CNN', async () => {
      const e = engineOf()!;
      // nFft 256, hop 64, centred: 47 · 64 samples give 48 frames; 32 mel bands.
      const melOpts = { nFft: 256, hop: 64, nMels: 32, sampleRate: 8000 };
      const L = 47 * 64;
      const front = (w: Tensor) => mul(add(audio.logMel(w, melOpts), 20), 0.05);
      const wave = e.tensor(
        Float32Array.from(randArray(3 * L, 41, -1, 1), (v, i) => 0.5 * v + 0.3 * Math.sin(i * 0.05)),
        [3, 1, L],
      );
      tidy(() => front(wave)).dispose(); // logMel uploads its constants once per engine (kept)
      const live = e.memory().liveTensors - 1;
      const cnn = buildModel(e, 'digit_cnn');
      const target = META.digit_cnn.target;
      const pipeline: Model = (w) => cnn.call(front(w));
      const spec = tidy(() => front(wave));
      expect(spec.shape).toEqual([3, 1, 32, 48]);
      const onWave = await saliency(pipeline, wave, { target, abs: false });
      expect(onWave.shape).toEqual([3, 1, L]);
      const onSpec = await saliency(cnn, spec, { target, abs: false });
      const { value, grads } = vjp(front, [wave], onSpec);
      expect(maxAbsRel(await onWave.read(), await grads[0].read())).toBeLessThan(1e-4);
      const ig = await integratedGradients(pipeline, wave, { target, steps: 8, method: 'riemann_middle', baseline: 0.01 });
      expect(ig.shape).toEqual([3, 1, L]);
      expect(Array.from(await ig.read()).every(Number.isFinite)).toBe(true);
      for (const t of [wave, spec, onWave, onSpec, value, ...grads, ig]) t.dispose();
      cnn.dispose();
      expectLeakFree(e, live);
    });
  });
}

describe('errors name the option', () => {
  it('targets, baselines, steps, methods, chunk sizes, noise tunnel options', async () => {
    const e = cpu;
    const live = e.memory().liveTensors;
    const model = buildModel(e, 'digit_cnn');
    const x = hostToTensor(e, INPUTS.digit_cnn);
    const err = async (f: () => Promise<unknown>, type: typeof AuralensError, re: RegExp) => {
      await expect(f()).rejects.toThrow(type);
      await expect(f()).rejects.toThrow(re);
    };
    await err(
      () => saliency(model, x, { target: 10 }),
      ValueError,
      /saliency: options\.target = 10 is out of range: the model has 10 classes/,
    );
    await err(() => saliency(model, x, { target: [1, 2, -1] }), ValueError, /options\.target\[2\] = -1 is out of range/);
    await err(() => inputXGradient(model, x, { target: [1, 2] }), ShapeError, /options\.target lists 2 classes for a batch of 3/);
    await err(() => guidedBackprop(model, x, {} as never), ValueError, /guidedBackprop: options\.target is required/);
    await err(() => deconvolution(model, x, undefined as never), ValueError, /deconvolution: options\.target is required/);
    await err(() => saliency(model, x, { target: 1, abs: 'yes' as never }), ValueError, /options\.abs must be a boolean/);
    await err(
      () => integratedGradients(model, x, { target: [1, 2, 12], steps: 4 }),
      ValueError,
      /integratedGradients: options\.target\[2\] = 12 is out of range/,
    );
    await err(() => integratedGradients(model, x, { target: [1, 2] }), ShapeError, /options\.target lists 2 classes for a batch of 3/);
    await err(() => integratedGradients(model, x, { target: 1, steps: 0 }), ValueError, /options\.steps must be a positive integer, got 0/);
    await err(() => integratedGradients(model, x, { target: 1, steps: 2.5 }), ValueError, /options\.steps must be a positive integer/);
    await err(
      () => integratedGradients(model, x, { target: 1, steps: 1, method: 'riemann_left' }),
      ValueError,
      /options\.steps must be >= 2 for method 'riemann_left'/,
    );
    await err(
      () => integratedGradients(model, x, { target: 1, method: 'simpson' as never }),
      ValueError,
      /options\.method must be one of 'gausslegendre', 'riemann_left'.*got "simpson"/,
    );
    await err(
      () => integratedGradients(model, x, { target: 1, internalBatchSize: 0 }),
      ValueError,
      /options\.internalBatchSize must be a positive integer, got 0/,
    );
    await err(() => integratedGradients(model, x, { target: 1, baseline: NaN }), ValueError, /options\.baseline must be a finite number/);
    const bad = e.zeros([3, 32, 48]);
    await err(
      () => integratedGradients(model, x, { target: 1, baseline: bad }),
      ShapeError,
      /options\.baseline must be a number, a tensor shaped like the inputs \[3, 1, 32, 48\] or like one example \(\[1, 32, 48\] or \[1, 1, 32, 48\]\), got \[3, 32, 48\]/,
    );
    await err(
      () => integratedGradients(model, x, { target: 1, returnConvergenceDelta: 1 as never }),
      ValueError,
      /options\.returnConvergenceDelta must be a boolean/,
    );
    await err(
      () => smoothGrad(model, x, { target: 1, type: 'var' as never }),
      ValueError,
      /smoothGrad: options\.type must be one of 'smoothgrad', 'smoothgrad_sq', 'vargrad'/,
    );
    await err(() => smoothGrad(model, x, { target: 1, nSamples: 0 }), ValueError, /options\.nSamples must be a positive integer/);
    await err(() => smoothGrad(model, x, { target: 1, stdevs: -1 }), ValueError, /options\.stdevs must be >= 0/);
    await err(() => smoothGrad(model, x, { target: 1, method: 3 as never }), ValueError, /options\.method must be an attribution function/);
    await err(
      () => smoothGrad(model, x, { target: [1, 2, 10], nSamples: 2 }),
      ValueError,
      /smoothGrad: .*options\.target\[2\] = 10 is out of range/,
    );
    await err(() => smoothGrad(model, x, { target: [1, 2] }), ShapeError, /smoothGrad: options\.target lists 2 classes for a batch of 3/);
    await err(
      () => smoothGrad(model, x, { target: 1, method: integratedGradients, methodOptions: { returnConvergenceDelta: true } as never }),
      ValueError,
      /methodOptions\.returnConvergenceDelta is not supported/,
    );
    const ints = e.zeros([3, 1, 32, 48], 'int32');
    await err(() => saliency(model, ints, { target: 1 }), AuralensError, /saliency: inputs must be float32/);
    await err(
      () => saliency((v: Tensor) => reshape(v, [-1]), x, { target: 1 }),
      ShapeError,
      /the model must return logits \[B, nClasses\]/,
    );
    for (const t of [bad, ints, x]) t.dispose();
    model.dispose();
    expectLeakFree(e, live);
  });
});
