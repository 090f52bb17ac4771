/**
 * The genre and digit CNNs (models.genreCNN / models.digitCNN with the golden PyTorch weights)
 * against the float64 PyTorch references of /work/shared/golden, on the CPU reference and on
 * WebGPU. Fixtures (test/fixtures/golden, made by scripts/extract-golden.py): the weight files
 * as saved by PyTorch, the references rounded to float32, and each entry's tolerance.
 *
 * Per entry, the golden's primary measure must be within its tolerance (README of the golden):
 * max_abs_rel = max|got − ref| / max|ref|, rel_l2 = ‖got − ref‖ / ‖ref‖, max_abs = max|got − ref|.
 * Checked: logits and every named activation (eval), the input gradient of the sum of the target
 * logits (eval), and one train-mode step with dropout p = 0: the cross-entropy, every parameter
 * gradient (BatchNorm on batch statistics) and the BatchNorm running statistics after that
 * forward. (The Adam-step entries are checked by the optimiser tests.)
 *
 * In CI a missing WebGPU adapter fails this file (gpuBackend() throws); elsewhere the WebGPU
 * suite is skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gradientTape } from '../src/engine/autograd.js';
import type { Engine } from '../src/engine/engine.js';
import { crossEntropy } from '../src/engine/ops/classification.js';
import { mul } from '../src/engine/ops/elementwise.js';
import { sum } from '../src/engine/ops/reduce.js';
import { oneHot } from '../src/engine/ops/shape_ops.js';
import { hostToTensor, toFloat32, type HostTensor } from '../src/engine/safetensors.js';
import type { Tensor } from '../src/engine/tensor.js';
import { digitCNN, genreCNN } from '../src/models/index.js';
import { Dropout, StateDictError } from '../src/nn/index.js';
import {
  expectWithin,
  goldenJson,
  goldenModel,
  goldenTensors,
  goldenWeights,
  measure,
  printReport,
  type Measure,
  type ModelName,
  type ReportEntry,
} from './helpers/golden.js';
import { enginePair } from './helpers/gpu.js';

interface Meta {
  target: number[];
  labels: number[];
  dropout: number;
  cross_entropy: number;
  activations: string[];
  tolerances: Record<string, { measure: Measure; tolerance: number }>;
}

const META = goldenJson<Record<ModelName, Meta>>('models.json');
const WEIGHTS: Record<ModelName, Record<string, HostTensor>> = {
  genre_cnn: goldenWeights('genre_cnn'),
  digit_cnn: goldenWeights('digit_cnn'),
};
const REFS: Record<ModelName, Record<string, HostTensor>> = {
  genre_cnn: goldenTensors('genre_cnn.ref.safetensors'),
  digit_cnn: goldenTensors('digit_cnn.ref.safetensors'),
};

const { cpu, gpu, gpuAvailable, dispose: disposeEngines } = await enginePair();

/** Every checked entry: backend, model, key, measure, value, tolerance (printed at the end). */
const report: ReportEntry[] = [];

afterAll(() => {
  disposeEngines();
  printReport('golden model entries (measure: got / tolerance (ratio))', report, { where: 20, key: 58, measure: 11 });
});

/** Checks a tensor against the reference entry `key` with that entry's measure and tolerance. */
async function check(where: string, name: ModelName, key: string, t: Tensor): Promise<void> {
  const ref = REFS[name][key];
  const tol = META[name].tolerances[key];
  expect(tol, `${key}: no tolerance in the fixture`).toBeDefined();
  expect.soft(t.shape, `${where} ${key}: shape`).toEqual(ref.shape);
  expectWithin(report, where, key, tol, await t.read(), toFloat32(ref));
}

const backends: [string, () => Engine | null][] = [
  ['cpu', () => cpu],
  ['webgpu', () => gpu],
];

for (const [backend, engineOf] of backends) {
  describe.skipIf(backend === 'webgpu' && !gpuAvailable)(`golden models on ${backend}`, () => {
    for (const name of ['genre_cnn', 'digit_cnn'] as const) {
      const meta = META[name];
      const where = `${backend}/${name.replace('_cnn', '')}`;

      it(`${name}: eval logits and every named activation`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = goldenModel(e, name).eval();
        const x = hostToTensor(e, REFS[name].input);
        const { output, activations } = model.forwardWithActivations(x, meta.activations);
        expect(Object.keys(activations).sort()).toEqual([...meta.activations].sort());
        await check(where, name, 'logits', output);
        for (const a of meta.activations) await check(where, name, `activations.${a}`, activations[a]);
        for (const t of [output, ...Object.values(activations), x]) t.dispose();
        model.dispose();
        expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
      });

      it(`${name}: eval input gradient of the target logit sum`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = goldenModel(e, name).eval();
        const x = hostToTensor(e, REFS[name].input);
        const targets = e.tensor(meta.target, [meta.target.length], 'int32');
        const gx = gradientTape((tape) => {
          const logits = model.forward(x);
          const y = sum(mul(logits, oneHot(targets, logits.shape[1])));
          return tape.gradient(y, [x])[0];
        });
        await check(where, name, 'grad_input_of_target_logit_sum', gx);
        for (const t of [gx, x, targets]) t.dispose();
        model.dispose();
        expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
      });

      it(`${name}: train step (cross-entropy, parameter gradients, BatchNorm running statistics)`, async () => {
        const e = engineOf()!;
        const live = e.memory().liveTensors;
        const model = goldenModel(e, name).train();
        for (const m of model.modules()) if (m instanceof Dropout) m.p = meta.dropout;
        const x = hostToTensor(e, REFS[name].input);
        const labels = e.tensor(meta.labels, [meta.labels.length], 'int32');
        const refs = model.parameterRefs();
        const { loss, grads } = gradientTape((tape) => {
          const l = crossEntropy(model.forward(x), labels);
          return {
            loss: l,
            grads: tape.gradient(
              l,
              refs.map((r) => r.get()),
            ),
          };
        });
        const tol = meta.tolerances['train.cross_entropy'];
        const ce = await loss.item();
        const value = measure(tol.measure, [ce], [meta.cross_entropy]);
        report.push({ where, key: 'train.cross_entropy', measure: tol.measure, value, tolerance: tol.tolerance });
        expect.soft(value, `${where} cross-entropy ${ce} vs ${meta.cross_entropy}`).toBeLessThanOrEqual(tol.tolerance);
        const gradKeys = Object.keys(REFS[name]).filter((k) => k.startsWith('train.param_grads.'));
        expect(refs.map((r) => `train.param_grads.${r.name}`).sort()).toEqual(gradKeys.sort());
        for (let i = 0; i < refs.length; i++) await check(where, name, `train.param_grads.${refs[i].name}`, grads[i]);
        const running = Object.keys(REFS[name]).filter((k) => k.startsWith('train.bn_running_after_one_train_forward.'));
        expect(running.length).toBe(name === 'genre_cnn' ? 6 : 0);
        const buffers = Object.fromEntries(model.namedBuffers());
        for (const k of running) await check(where, name, k, buffers[k.slice('train.bn_running_after_one_train_forward.'.length)]);
        for (const [k, t] of model.namedBuffers()) {
          if (k.endsWith('num_batches_tracked')) expect(Array.from(await t.read()), k).toEqual([Number(WEIGHTS[name][k].data[0]) + 1]);
        }
        for (const t of [loss, ...grads, x, labels]) t.dispose();
        model.dispose();
        expect(e.memory().liveTensors, 'tensors leaked').toBe(live);
      });
    }
  });
}

describe('loadStateDict with a PyTorch state_dict that does not fit', () => {
  it('lists every missing key, unexpected key and shape mismatch in one error and leaves the model unchanged', async () => {
    const model = genreCNN(cpu, { seed: 3 });
    const before = await Promise.all(Object.values(model.stateDict()).map((t) => t.read()));
    const bad: Record<string, HostTensor> = { ...WEIGHTS.genre_cnn };
    delete bad['bn2.running_var'];
    delete bad['fc2.bias'];
    bad['fc1.weight'] = { dtype: 'F32', shape: [128, 256], data: new Float32Array(128 * 256) };
    bad['conv3.bias'] = { dtype: 'F32', shape: [64], data: new Float32Array(64) };
    bad['fc3.weight'] = { dtype: 'F32', shape: [10, 10], data: new Float32Array(100) };
    let err: unknown;
    try {
      model.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const se = err as StateDictError;
    expect([...se.missingKeys].sort()).toEqual(['bn2.running_var', 'fc2.bias']);
    expect(se.unexpectedKeys).toEqual(['fc3.weight']);
    expect(se.shapeMismatches).toEqual([
      'conv3.bias: checkpoint [64] vs model [128]',
      'fc1.weight: checkpoint [128, 256] vs model [256, 128]',
    ]);
    for (const s of ['bn2.running_var', 'fc2.bias', 'fc3.weight', 'conv3.bias', 'fc1.weight', 'the model is unchanged'])
      expect(se.message).toContain(s);
    const after = await Promise.all(Object.values(model.stateDict()).map((t) => t.read()));
    expect(after).toEqual(before);
    // Non-strict: missing and unexpected keys are reported, shape mismatches still fail.
    expect(() => model.loadStateDict(bad, { strict: false })).toThrow(/2 shape mismatches/);
    const partial: Record<string, HostTensor> = { ...WEIGHTS.genre_cnn, extra: WEIGHTS.genre_cnn['fc2.bias'] };
    delete partial['fc2.bias'];
    expect(model.loadStateDict(partial, { strict: false })).toEqual({ missingKeys: ['fc2.bias'], unexpectedKeys: ['extra'] });
    expect(await model.stateDict()['fc2.bias'].read()).toEqual(before[Object.keys(model.stateDict()).indexOf('fc2.bias')]);
    expect(await model.stateDict()['fc1.weight'].read()).toEqual(toFloat32(WEIGHTS.genre_cnn['fc1.weight']));
    model.dispose();
  });

  it('has exactly the PyTorch state_dict keys and shapes of the golden weight files', () => {
    for (const name of ['genre_cnn', 'digit_cnn'] as const) {
      const model = name === 'genre_cnn' ? genreCNN(cpu) : digitCNN(cpu);
      const sd = model.stateDict();
      const w = WEIGHTS[name];
      expect(Object.keys(sd).sort()).toEqual(Object.keys(w).sort());
      for (const [k, t] of Object.entries(sd)) expect(t.shape, k).toEqual(w[k].shape);
      expect(sd['bn1.num_batches_tracked']?.dtype ?? 'int32').toBe('int32');
      model.dispose();
    }
  });
});
