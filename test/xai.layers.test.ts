/**
 * Layer and perturbation attributions (gradCam, guidedGradCam, occlusion, featureAblation) against
 * Captum 0.8 (float64) on the golden genre and digit CNNs, on the CPU reference and on WebGPU.
 * Fixtures: test/fixtures/golden/{genre,digit}_attributions.ref.safetensors and attributions.json
 * (scripts/extract-golden.py); each entry is judged by its primary measure and tolerance.
 *
 * Layers as the goldens name them: last_conv = the last Conv2d (genre conv3, digit conv2),
 * last_relu = the ReLU after it (genre relu3, after bn3; digit relu2).
 *
 * Test time: the genre occlusion golden (1×8×12 windows at stride 1×4×6 on [3, 1, 64, 100]: 240
 * windows × 3 examples = 720 forward passes, batched on the device) runs for all examples on both
 * backends (about two minutes on the CPU reference), as does the digit one.
 * featureAblation is checked against a direct per-feature loop on the CPU, and against occlusion
 * with non-overlapping windows on both backends.
 *
 * In CI a missing WebGPU adapter fails this file (gpuBackend() throws); elsewhere the WebGPU suite
 * is skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import { hostToTensor, toFloat32, type HostTensor } from '../src/engine/safetensors.js';
import type { Tensor } from '../src/engine/tensor.js';
import type { Module } from '../src/nn/index.js';
import { featureAblation } from '../src/xai/featureAblation.js';
import { gradCam, guidedGradCam } from '../src/xai/gradCam.js';
import { occlusion } from '../src/xai/occlusion.js';
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

interface Meta {
  target: number[];
  tolerances: Record<string, { measure: Measure; tolerance: number }>;
}

const META = goldenJson<Record<ModelName, Meta>>('attributions.json');
const INPUTS: Record<ModelName, HostTensor> = { genre_cnn: goldenInput('genre_cnn'), digit_cnn: goldenInput('digit_cnn') };
const REFS: Record<ModelName, Record<string, HostTensor>> = {
  genre_cnn: goldenTensors('genre_attributions.ref.safetensors'),
  digit_cnn: goldenTensors('digit_attributions.ref.safetensors'),
};
const LAYERS: Record<ModelName, Record<'last_conv' | 'last_relu', string>> = {
  genre_cnn: { last_conv: 'conv3', last_relu: 'relu3' },
  digit_cnn: { last_conv: 'conv2', last_relu: 'relu2' },
};

const { cpu, gpu, gpuAvailable, dispose: disposeEngines } = await enginePair();

const report: ReportEntry[] = [];

afterAll(() => {
  disposeEngines();
  printReport('golden layer/perturbation attributions (measure: got / tolerance (ratio))', report, { where: 14, key: 50, measure: 11 });
});

/** The golden model in eval mode. */
const buildModel = (engine: Engine, name: ModelName): Module => goldenModel(engine, name).eval();

/** Checks t against the reference entry (its first `examples` examples when given) with the entry's measure and tolerance. */
async function check(where: string, name: ModelName, entry: string, t: Tensor, examples?: number): Promise<void> {
  const key = `attributions.${entry}`;
  const ref = REFS[name][key];
  const tol = META[name].tolerances[key];
  expect(ref, `${key}: no reference in the fixture`).toBeDefined();
  expect(tol, `${key}: no tolerance in the fixture`).toBeDefined();
  const n = examples ?? ref.shape[0];
  const per = ref.shape.slice(1).reduce((a, b) => a * b, 1);
  expect.soft(t.shape, `${where} ${key}: shape`).toEqual([n, ...ref.shape.slice(1)]);
  expectWithin(report, where, key, tol, await t.read(), toFloat32(ref).subarray(0, n * per), {
    reportKey: n === ref.shape[0] ? entry : `${entry} (examples 0..${n - 1})`,
  });
}

/** max|a − b| / max|b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

const backends: [string, () => Engine | null][] = [
  ['cpu', () => cpu],
  ['webgpu', () => gpu],
];

for (const [backend, engineOf] of backends) {
  describe.skipIf(backend === 'webgpu' && !gpuAvailable)(`layer and perturbation attributions on ${backend}`, () => {
    for (const name of ['genre_cnn', 'digit_cnn'] as const) {
      const where = `${backend}/${name.replace('_cnn', '')}`;
      const target = META[name].target;

      it(`${name}: gradCam (bilinear / nearest, relu / no relu) and guidedGradCam on the last conv and the ReLU after it`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = buildModel(e, name);
        const x = hostToTensor(e, INPUTS[name]);
        for (const [tag, layer] of Object.entries(LAYERS[name])) {
          // The golden gradcam_<layer>* entries are Captum's LayerGradCam default (relu_attributions=False):
          // gradcam_<layer> equals gradcam_<layer>_no_relu, and the upsampled entries resize that map.
          const bil = await gradCam(model, x, { target, layer, relu: false });
          await check(where, name, `gradcam_${tag}`, bil.layerMap);
          await check(where, name, `gradcam_${tag}_no_relu`, bil.layerMap);
          await check(where, name, `gradcam_${tag}_upsampled_bilinear`, bil.map);
          const near = await gradCam(model, x, { target, layer, relu: false, upsample: 'nearest' });
          await check(where, name, `gradcam_${tag}_upsampled_nearest`, near.map);
          // relu: true (the default) against max(reference, 0), with the same tolerance.
          const pos = await gradCam(model, x, { target, layer, upsample: false });
          expect(pos.map.shape).toEqual(pos.layerMap.shape);
          expect(Array.from(await pos.map.read())).toEqual(Array.from(await pos.layerMap.read()));
          const ref = toFloat32(REFS[name][`attributions.gradcam_${tag}_no_relu`]).map((v) => Math.max(v, 0));
          const value = measure('max_abs_rel', await pos.layerMap.read(), ref);
          report.push({ where, key: `gradcam_${tag} relu=true vs relu(ref)`, measure: 'max_abs_rel', value, tolerance: 1e-4 });
          expect.soft(value, `${where} gradcam_${tag} with relu`).toBeLessThanOrEqual(1e-4);
          const ggc = await guidedGradCam(model, x, { target, layer });
          await check(where, name, `guided_gradcam_${tag}`, ggc);
          for (const t of [bil.layerMap, bil.map, near.layerMap, near.map, pos.layerMap, pos.map, ggc]) t.dispose();
        }
        x.dispose();
        model.dispose();
        expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
      });

      const nOcc = target.length;
      it(`${name}: occlusion, window 1x8x12, strides 1x4x6 (all examples)`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = buildModel(e, name);
        const input = INPUTS[name];
        const per = input.shape.slice(1).reduce((a, b) => a * b, 1);
        const x = e.tensor(toFloat32(input).subarray(0, nOcc * per), [nOcc, ...input.shape.slice(1)]);
        const occ = await occlusion(model, x, { target: target.slice(0, nOcc), window: [1, 8, 12], strides: [1, 4, 6] });
        await check(where, name, 'occlusion_1x8x12_stride_1x4x6', occ, nOcc);
        for (const t of [occ, x]) t.dispose();
        model.dispose();
        expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
      }, 600_000);
    }

    it('featureAblation with a mask of non-overlapping windows equals occlusion with those windows (digit)', async () => {
      const e = engineOf()!;
      const live = e.memory().liveTensors;
      const model = buildModel(e, 'digit_cnn');
      const x = hostToTensor(e, INPUTS.digit_cnn);
      const ids = new Int32Array(32 * 48);
      for (let h = 0; h < 32; h++) for (let w = 0; w < 48; w++) ids[h * 48 + w] = Math.floor(h / 8) * 4 + Math.floor(w / 12);
      const featureMask = e.tensor(ids, [1, 1, 32, 48], 'int32');
      const target = META.digit_cnn.target;
      const fa = await featureAblation(model, x, { target, featureMask, baseline: 0.25, maxBatch: 10 });
      const occ = await occlusion(model, x, { target, window: [1, 8, 12], strides: [1, 8, 12], baseline: 0.25 });
      expect(fa.shape).toEqual(x.shape);
      expect(relDiff(await fa.read(), await occ.read())).toBeLessThan(1e-6);
      for (const t of [fa, occ, featureMask, x]) t.dispose();
      model.dispose();
      expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
    });
  });
}

describe('featureAblation against a direct per-feature loop (CPU)', () => {
  it('per-example masks, a tensor baseline and chunked forwards match ablating one feature at a time', async () => {
    const e = cpu;
    const live = e.memory().liveTensors;
    const model = buildModel(e, 'digit_cnn');
    const xHost = toFloat32(INPUTS.digit_cnn);
    const [b, h, w] = [3, 32, 48];
    const x = e.tensor(xHost, [b, 1, h, w]);
    // Per-example masks: example i cuts the spectrogram into bands of (4 + 2i) rows x 16 columns; ids 0..(n_i - 1).
    const ids = new Int32Array(b * h * w);
    for (let i = 0; i < b; i++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) ids[(i * h + r) * w + c] = Math.floor(r / (4 + 2 * i)) * 3 + Math.floor(c / 16);
    const baseHost = new Float32Array(h * w).map((_, k) => Math.sin(k) * 0.5);
    const featureMask = e.tensor(ids, [b, 1, h, w], 'int32');
    const baseline = e.tensor(baseHost, [1, h, w]);
    const target = [2, 5, 7];
    const faT = await featureAblation(model, x, { target, featureMask, baseline, maxBatch: 7 });
    const fa = await faT.read();
    faT.dispose();

    // Direct: one forward per (example, feature).
    const logitsOf = async (data: Float32Array) => {
      const t = e.tensor(data, [1, 1, h, w]);
      const y = model.call(t);
      const v = await y.read();
      t.dispose();
      y.dispose();
      return v;
    };
    const expected = new Float32Array(b * h * w);
    for (let i = 0; i < b; i++) {
      const xi = xHost.slice(i * h * w, (i + 1) * h * w);
      const f0 = (await logitsOf(xi))[target[i]];
      const idsI = ids.slice(i * h * w, (i + 1) * h * w);
      const nFeatures = Math.max(...idsI) + 1;
      for (let f = 0; f < nFeatures; f++) {
        const ablated = xi.map((v, k) => (idsI[k] === f ? baseHost[k] : v));
        const d = f0 - (await logitsOf(ablated))[target[i]];
        idsI.forEach((id, k) => {
          if (id === f) expected[i * h * w + k] = d;
        });
      }
    }
    expect(relDiff(fa, expected)).toBeLessThan(1e-5);

    for (const t of [featureMask, baseline, x]) t.dispose();
    model.dispose();
    expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
  });

  it('without a mask every element is its own feature (equal to occlusion with a 1x1x1 window)', async () => {
    const e = cpu;
    const live = e.memory().liveTensors;
    // A small function model: logits = [sum(x * w1), sum(relu(x) * w2)] on [B, 1, 4, 5].
    const w1 = e.randn([1, 1, 4, 5], { seed: 1 });
    const w2 = e.randn([1, 1, 4, 5], { seed: 2 });
    const { mul, relu, sum, stack, square } = await import('../src/engine/ops/index.js');
    const model = (x: Tensor) => stack([sum(mul(square(x), w1), [1, 2, 3]), sum(mul(relu(x), w2), [1, 2, 3])], 1);
    const x = e.randn([2, 1, 4, 5], { seed: 3 });
    const fa = await featureAblation(model, x, { target: [0, 1], baseline: 0.5 });
    const occ = await occlusion(model, x, { target: [0, 1], window: [1, 1, 1], baseline: 0.5 });
    expect(relDiff(await fa.read(), await occ.read())).toBeLessThan(1e-6);
    for (const t of [fa, occ, x, w1, w2]) t.dispose();
    expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
  });
});

describe('option errors', () => {
  const model = buildModel(cpu, 'digit_cnn');
  const x = hostToTensor(cpu, INPUTS.digit_cnn);
  const target = [1, 4, 8];

  it('gradCam / guidedGradCam: unknown layer names list the valid ones; targets out of range; bad upsample', async () => {
    await expect(gradCam(model, x, { target, layer: 'conv9' })).rejects.toThrow(
      /options\.layer 'conv9' is not a module of the model — did you mean 'conv1'\?; valid names: conv1, relu1, pool1, conv2, relu2/,
    );
    await expect(guidedGradCam(model, x, { target, layer: 'nope' })).rejects.toThrow(
      /guidedGradCam: options\.layer 'nope' is not a module of the model; valid names: conv1/,
    );
    await expect(gradCam(model, x, { target, layer: '' })).rejects.toThrow(/options\.layer must be the name/);
    await expect(gradCam(model, x, { target: 10, layer: 'conv2' })).rejects.toThrow(
      /options\.target = 10 is out of range: the model has 10 classes/,
    );
    await expect(gradCam(model, x, { target: [1, 2], layer: 'conv2' })).rejects.toThrow(/lists 2 classes for a batch of 3/);
    await expect(gradCam(model, x, { target, layer: 'conv2', upsample: 'bicubic' as never })).rejects.toThrow(
      /options\.upsample must be one of 'bilinear', 'nearest', false, got "bicubic"/,
    );
    await expect(gradCam(model, x, { target, layer: 'fc1' })).rejects.toThrow(/cannot upsample the map of layer 'fc1'/);
    await expect(gradCam((t: Tensor) => model.call(t), x, { target, layer: 'conv2' })).rejects.toThrow(/must be an nn Module/);
  });

  it('gradCam on a layer without spatial dims gives [B, 1] (Captum), with upsample false', async () => {
    const r = await gradCam(model, x, { target, layer: 'fc1', upsample: false, relu: false });
    expect(r.layerMap.shape).toEqual([3, 1]);
    r.layerMap.dispose();
    r.map.dispose();
  });

  it('occlusion: window and strides of the wrong length or size, baseline of the wrong shape', async () => {
    await expect(occlusion(model, x, { target, window: [8, 12] })).rejects.toThrow(
      /options\.window must be an array of 3 positive integers \(one per non-batch dim of the input \[B, 1, 32, 48\]\)/,
    );
    await expect(occlusion(model, x, { target, window: [1, 40, 12] })).rejects.toThrow(
      /options\.window \[1, 40, 12\] exceeds the input's non-batch dims \[1, 32, 48\]/,
    );
    await expect(occlusion(model, x, { target, window: [1, 8, 12], strides: [4, 6] })).rejects.toThrow(
      /options\.strides must be a positive integer or an array of 3/,
    );
    await expect(occlusion(model, x, { target, window: [1, 8, 12], strides: 0 })).rejects.toThrow(/options\.strides/);
    const bad = cpu.zeros([2, 32, 48]);
    await expect(occlusion(model, x, { target, window: [1, 8, 12], baseline: bad })).rejects.toThrow(
      /options\.baseline must be a number, a tensor shaped like the inputs \[3, 1, 32, 48\] or like one example \(\[1, 32, 48\] or \[1, 1, 32, 48\]\), got \[2, 32, 48\]/,
    );
    bad.dispose();
    await expect(occlusion(model, x, { target: 12, window: [1, 8, 12] })).rejects.toThrow(/options\.target = 12 is out of range/);
    await expect(occlusion(model, x, { target, window: [1, 8, 12], maxBatch: 0 })).rejects.toThrow(
      /options\.maxBatch must be a positive integer/,
    );
  });

  it('featureAblation: masks of the wrong shape or dtype, options that do not exist', async () => {
    const m1 = cpu.zeros([1, 1, 32, 47], 'int32');
    await expect(featureAblation(model, x, { target, featureMask: m1 })).rejects.toThrow(
      /options\.featureMask has shape \[1, 1, 32, 47\], expected a shape broadcastable to the input \[3, 1, 32, 48\]/,
    );
    const m2 = cpu.zeros([1, 1, 32, 48]);
    await expect(featureAblation(model, x, { target, featureMask: m2 })).rejects.toThrow(/options\.featureMask must be an int32 tensor/);
    const m3 = cpu.tensor([-1, 0], [1, 1, 1, 2], 'int32');
    await expect(featureAblation(model, x, { target, featureMask: m3 })).rejects.toThrow(/expected a shape broadcastable/);
    const base = cpu.zeros([3, 1, 32, 1]);
    const m5 = cpu.zeros([48], 'int32');
    await expect(featureAblation(model, x, { target, featureMask: m5, numFeatures: 3 } as never)).rejects.toThrow(
      /featureAblation: unknown option 'numFeatures'/,
    );
    await expect(featureAblation(model, x, { target, feature_mask: m5, featureMask: m5 })).rejects.toThrow(
      /options 'feature_mask' and 'featureMask' are the same option 'featureMask'; give it once/,
    );
    for (const t of [m1, m2, m3, m5, base]) t.dispose();
  });
});
