/**
 * nn modules and models.fromSpec: PyTorch names and order, init, train/eval, parameterRefs,
 * BatchNorm running statistics, dropout seeds, state dicts, forwardWithActivations (capture,
 * replace, nested names, gradients with respect to activations) and spec validation. CPU engine
 * (the numerics of both backends are checked against PyTorch in models.golden.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gradientTape } from '../src/engine/autograd.js';
import { createEngine } from '../src/engine/engine.js';
import { mul, relu } from '../src/engine/ops/elementwise.js';
import { sum } from '../src/engine/ops/reduce.js';
import { keep, tidy } from '../src/engine/scope.js';
import type { Tensor } from '../src/engine/tensor.js';
import * as auralens from '../src/index.js';
import { digitCNN, fromSpec, genreCNN, genreCNNSpec, validateSpec, type ModelSpec } from '../src/models/index.js';
import { BatchNorm2d, Conv1d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, StateDictError } from '../src/nn/index.js';
import { randArray } from './helpers/random.js';

const e = await createEngine({ backend: 'cpu' });
afterAll(() => e.dispose());

const read = async (t: Tensor) => Array.from(await t.read());
const close = (a: number[], b: number[], tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

describe('Module tree and names', () => {
  it('exports nn and models from the package root', () => {
    expect(typeof auralens.nn.Conv2d).toBe('function');
    expect(typeof auralens.models.genreCNN).toBe('function');
  });

  it('namedModules, namedParameters, namedBuffers and stateDict follow PyTorch order', () => {
    const m = genreCNN(e, { seed: 1 });
    expect(m.namedModules().map(([n]) => n)).toEqual([
      '',
      'conv1',
      'bn1',
      'relu1',
      'pool1',
      'conv2',
      'bn2',
      'relu2',
      'pool2',
      'conv3',
      'bn3',
      'relu3',
      'pool3',
      'gap',
      'flatten',
      'fc1',
      'relu4',
      'dropout',
      'fc2',
    ]);
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'bn1.weight',
      'bn1.bias',
      'conv2.weight',
      'conv2.bias',
      'bn2.weight',
      'bn2.bias',
      'conv3.weight',
      'conv3.bias',
      'bn3.weight',
      'bn3.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    const bufs = m.namedBuffers();
    expect(bufs.map(([n]) => n).slice(0, 3)).toEqual(['bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']);
    expect(bufs[2][1].dtype).toBe('int32');
    expect(bufs[2][1].shape).toEqual([]);
    expect(Object.keys(m.stateDict()).slice(0, 7)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
    ]);
    expect(m.numParameters()).toBe(32 * 9 + 32 + 64 + 64 * 32 * 9 + 64 + 128 + 128 * 64 * 9 + 128 + 256 + 128 * 256 + 256 + 256 * 10 + 10);
    expect(m.toString()).toContain('(conv1): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))');
    m.dispose();
  });

  it('nested containers name children with dots; unnamed Sequential children are 0, 1, …', () => {
    const features = new Sequential(e, [
      ['conv1', new Conv2d(e, 1, 2, 3, { seed: 1 })],
      ['relu1', new ReLU(e)],
    ]);
    const head = new Sequential(e, [new Flatten(e), new Linear(e, 2 * 4 * 4, 3, { seed: 2 })]);
    const m = new Sequential(e, [
      ['features', features],
      ['head', head],
    ]);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'features', 'features.conv1', 'features.relu1', 'head', 'head.0', 'head.1']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['features.conv1.weight', 'features.conv1.bias', 'head.1.weight', 'head.1.bias']);
    expect(m.getSubmodule('features.conv1')).toBeInstanceOf(Conv2d);
    m.dispose();
  });

  it('train() and eval() set the mode recursively', () => {
    const m = digitCNN(e, { dropout: 0.3 });
    expect(m.modules().every((x) => x.training)).toBe(true);
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
    m.train(false);
    expect(m.modules().some((x) => x.training)).toBe(false);
    m.dispose();
  });

  it('dispose frees every parameter and buffer', () => {
    const live = e.memory().liveTensors;
    const m = genreCNN(e);
    expect(e.memory().liveTensors).toBe(live + 16 + 9);
    m.dispose();
    expect(e.memory().liveTensors).toBe(live);
  });
});

describe('layers', () => {
  it('default init is kaiming_uniform(a=√5): U(±1/√fanIn) for weight and bias, reproducible from the seed', async () => {
    const a = new Conv2d(e, 4, 8, [3, 2], { seed: 5 });
    const b = new Conv2d(e, 4, 8, [3, 2], { seed: 5 });
    const c = new Conv2d(e, 4, 8, [3, 2], { seed: 6 });
    const bound = 1 / Math.sqrt(4 * 3 * 2);
    const w = await read(a.weight);
    expect(a.weight.shape).toEqual([8, 4, 3, 2]);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Math.max(...(await read(a.bias!)).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(await read(b.weight)).toEqual(w);
    expect(await read(c.weight)).not.toEqual(w);
    expect((await read(a.bias!)).slice(0, 8)).not.toEqual(w.slice(0, 8).map((v) => v));
    const l = new Linear(e, 10, 3, { bias: false, seed: 1 });
    expect(l.bias).toBeNull();
    expect(l.namedParameters().map(([n]) => n)).toEqual(['weight']);
    for (const m of [a, b, c, l]) m.dispose();
  });

  it('Conv1d and Conv2d padding "same" keep the size (odd and even kernels)', () => {
    tidy(() => {
      const c2 = new Conv2d(e, 2, 3, [4, 3], { padding: 'same', seed: 1 });
      expect(c2.forward(e.rand([1, 2, 7, 9], { seed: 1 })).shape).toEqual([1, 3, 7, 9]);
      const c1 = new Conv1d(e, 2, 3, 4, { padding: 'same', seed: 1 });
      expect(c1.forward(e.rand([2, 2, 10], { seed: 1 })).shape).toEqual([2, 3, 10]);
      const c1s = new Conv1d(e, 2, 3, 3, { stride: 2, padding: 1, seed: 1 });
      expect(c1s.forward(e.rand([2, 2, 10], { seed: 1 })).shape).toEqual([2, 3, 5]);
      for (const m of [c2, c1, c1s]) m.dispose();
    });
    expect(() => new Conv2d(e, 2, 3, 3, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
  });

  it('BatchNorm2d in train mode updates running statistics (momentum 0.1; null = cumulative) and num_batches_tracked', async () => {
    const n = 2,
      c = 3,
      h = 2,
      w = 2;
    const data = randArray(n * c * h * w, 11, -2, 3);
    const stats = (k: number) => {
      const v: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < h * w; j++) v.push(data[(i * c + k) * h * w + j]);
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const varU = v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1);
      return [mu, varU];
    };
    const x = e.tensor(data, [n, c, h, w]);
    const bn = new BatchNorm2d(e, c);
    const old = bn.getBuffer('running_mean');
    tidy(() => {
      bn.forward(x);
      bn.forward(x);
    });
    expect(old.isDisposed).toBe(true);
    const rm = await read(bn.getBuffer('running_mean'));
    const rv = await read(bn.getBuffer('running_var'));
    for (let k = 0; k < c; k++) {
      const [mu, v] = stats(k);
      // two updates with momentum 0.1 from (0, 1)
      close([rm[k]], [0.19 * mu]);
      close([rv[k]], [0.81 + 0.19 * v]);
    }
    expect(await read(bn.getBuffer('num_batches_tracked'))).toEqual([2]);
    // Cumulative average: after two identical batches the running stats are the batch stats.
    const cum = new BatchNorm2d(e, c, { momentum: null });
    tidy(() => {
      cum.forward(x);
      cum.forward(x);
    });
    const cm = await read(cum.getBuffer('running_mean'));
    const cv = await read(cum.getBuffer('running_var'));
    for (let k = 0; k < c; k++) close([cm[k], cv[k]], stats(k));
    expect(cum.numBatchesTracked).toBe(2);
    // Eval mode uses the running statistics and changes nothing.
    bn.eval();
    const before = await read(bn.getBuffer('running_mean'));
    const y = await read(tidy(() => bn.forward(x)));
    expect(await read(bn.getBuffer('running_mean'))).toEqual(before);
    const [mu0, v0] = [rm[0], rv[0]];
    close([y[0]], [(data[0] - mu0) / Math.sqrt(v0 + 1e-5)], 1e-4);
    x.dispose();
    bn.dispose();
    cum.dispose();
  });

  it('Dropout: deterministic mask sequence per seed, identity in eval and for p = 0', async () => {
    const x = e.ones([64]);
    const masks = async (seed: number) => {
      const d = new Dropout(e, 0.5, { seed });
      const out = [await read(tidy(() => d.forward(x))), await read(tidy(() => d.forward(x)))];
      d.eval();
      out.push(await read(tidy(() => d.forward(x))));
      return out;
    };
    const [a1, a2, a3] = await masks(9);
    const [b1, b2] = await masks(9);
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(a1).not.toEqual(a2);
    expect(new Set(a1)).toEqual(new Set([0, 2]));
    expect(a3).toEqual(new Array(64).fill(1));
    x.dispose();
  });
});

describe('parameterRefs', () => {
  it('set replaces the parameter, disposes the old tensor and keeps the new one past tidy', async () => {
    const m = new Sequential(e, [['fc', new Linear(e, 2, 2, { seed: 1 })]]);
    const [w, b] = m.parameterRefs();
    expect([w.name, b.name]).toEqual(['fc.weight', 'fc.bias']);
    const old = w.get();
    tidy(() => w.set(e.tensor([1, 2, 3, 4], [2, 2])));
    expect(old.isDisposed).toBe(true);
    expect(w.get().isDisposed).toBe(false);
    expect(await read(m.stateDict()['fc.weight'])).toEqual([1, 2, 3, 4]);
    expect(() => w.set(e.zeros([4]))).toThrow(/expected shape \[2, 2\]/);
    m.dispose();
  });
});

describe('loadStateDict', () => {
  it('loads int64 / int32 / float data and engine tensors (copied), int64 num_batches_tracked as int32', async () => {
    const bn = new BatchNorm2d(e, 2);
    const mean = e.tensor([1, 2]);
    bn.loadStateDict({
      weight: { dtype: 'F64', shape: [2], data: new Float64Array([3, 4]) },
      bias: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
      running_mean: mean,
      running_var: { dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) },
      num_batches_tracked: { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) },
    });
    expect(bn.getBuffer('running_mean')).not.toBe(mean);
    mean.dispose();
    expect(await read(bn.weight!)).toEqual([3, 4]);
    expect(await read(bn.bias!)).toEqual([1, -2]);
    expect(await read(bn.getBuffer('running_mean'))).toEqual([1, 2]);
    const nbt = bn.getBuffer('num_batches_tracked');
    expect(nbt.dtype).toBe('int32');
    expect(await read(nbt)).toEqual([7]);
    expect(bn.numBatchesTracked).toBe(7);
    const other = await createEngine({ backend: 'cpu' });
    const foreign = other.zeros([2]);
    expect(() => bn.loadStateDict({ ...bn.stateDict(), weight: foreign })).toThrow(/weight: the tensor belongs to another engine/);
    other.dispose();
    bn.dispose();
  });
});

describe('forwardWithActivations', () => {
  const smallSpec: ModelSpec = {
    input: [1, 6, 6],
    layers: [
      {
        type: 'sequential',
        name: 'features',
        layers: [
          { type: 'conv2d', name: 'conv1', in: 1, out: 2, kernel: 3, padding: 1 },
          { type: 'relu', name: 'relu1' },
          { type: 'maxpool2d', name: 'pool1', kernel: 2 },
        ],
      },
      { type: 'flatten', name: 'flatten' },
      { type: 'linear', name: 'fc', in: 18, out: 3 },
    ],
  };

  it('returns named (nested) activations that equal a plain forward, and frees the rest', async () => {
    const m = fromSpec(e, smallSpec, { seed: 4 }).eval();
    const x = e.rand([2, 1, 6, 6], { seed: 3, low: -1, high: 1 });
    const live = e.memory().liveTensors;
    const { output, activations } = m.forwardWithActivations(x, ['features.conv1', 'features', 'flatten']);
    expect(Object.keys(activations).sort()).toEqual(['features', 'features.conv1', 'flatten']);
    expect(activations['features.conv1'].shape).toEqual([2, 2, 6, 6]);
    expect(activations.features.shape).toEqual([2, 2, 3, 3]);
    expect(activations.flatten.shape).toEqual([2, 18]);
    expect(e.memory().liveTensors).toBe(live + 4);
    const plain = m.forward(x);
    expect(await read(output)).toEqual(await read(plain));
    for (const t of [output, plain, ...Object.values(activations)]) t.dispose();
    expect(e.memory().liveTensors).toBe(live);
    expect(() => m.forwardWithActivations(x, ['conv1'])).toThrow(
      /unknown module name\(s\) "conv1"; valid names: '' \(the whole model\), features, features\.conv1, features\.relu1, features\.pool1, flatten, fc/,
    );
    expect(() => m.forwardWithActivations(x, [], { replace: { nope: (a) => a } })).toThrow(/unknown module name\(s\) "nope"/);
    x.dispose();
    m.dispose();
  });

  it('replace substitutes a module output; the gradient with respect to an activation matches the one through the replacement', async () => {
    const m = fromSpec(e, smallSpec, { seed: 4 }).eval();
    const x = e.rand([2, 1, 6, 6], { seed: 3, low: -1, high: 1 });
    const w = e.rand([2, 3], { seed: 8 });
    // Zeroing the features leaves the bias of fc.
    const zeroed = tidy(() => m.forwardWithActivations(x, [], { replace: { features: (a) => mul(a, 0) } }).output);
    const bias = await read((m.getSubmodule('fc') as Linear).bias!);
    expect(await read(zeroed)).toEqual([...bias, ...bias]);
    // d sum(out * w) / d conv1, through the captured activation ...
    const g1 = gradientTape((tape) => {
      const { output, activations } = m.forwardWithActivations(x, ['features.conv1']);
      return tape.gradient(sum(mul(output, w)), [activations['features.conv1']])[0];
    });
    // ... and through a leaf tensor substituted for conv1's output.
    const act = keep(tidy(() => m.forwardWithActivations(x, ['features.conv1']).activations['features.conv1']));
    const g2 = gradientTape((tape) => {
      const { output } = m.forwardWithActivations(x, [], { replace: { 'features.conv1': () => relu(act) } });
      // relu(act) has the same values as act wherever the gradient flows (relu1 follows conv1).
      return tape.gradient(sum(mul(output, w)), [act])[0];
    });
    const a = await read(g1);
    const b = await read(g2);
    const actV = await read(act);
    a.forEach((v, i) => expect(actV[i] > 0 ? v : 0).toBeCloseTo(b[i], 6));
    expect(a.some((v) => v !== 0)).toBe(true);
    for (const t of [x, w, zeroed, g1, g2, act]) t.dispose();
    m.dispose();
  });
});

describe('models and specs', () => {
  it('genreCNN and digitCNN produce [N, classes] logits', () => {
    tidy(() => {
      const g = genreCNN(e, { seed: 1, nMels: 16, channels: [4, 4, 4], bottleneck: 8, nClasses: 5 }).eval();
      expect(g.forward(e.rand([2, 1, 16, 20], { seed: 1 })).shape).toEqual([2, 5]);
      const d = digitCNN(e, { seed: 1 }).eval();
      expect(d.forward(e.rand([2, 1, 32, 48], { seed: 1 })).shape).toEqual([2, 10]);
      const d2 = digitCNN(e, { inputSize: [40, 40] });
      expect((d2.getSubmodule('fc1') as Linear).inFeatures).toBe(24 * 9 * 2);
      for (const m of [g, d, d2]) m.dispose();
    });
    expect(validateSpec(genreCNNSpec())).toEqual([10]);
  });

  it('the same seed gives the same model; different seeds differ', async () => {
    const a = genreCNN(e, { seed: 3 });
    const b = genreCNN(e, { seed: 3 });
    const c = genreCNN(e, { seed: 4 });
    expect(await read(a.stateDict()['conv2.weight'])).toEqual(await read(b.stateDict()['conv2.weight']));
    expect(await read(a.stateDict()['conv2.weight'])).not.toEqual(await read(c.stateDict()['conv2.weight']));
    expect(await read(a.stateDict()['conv2.weight'])).not.toEqual(
      await read(a.stateDict()['conv3.weight']).then((v) => v.slice(0, 64 * 32 * 9)),
    );
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects invalid specs with the layer at fault', () => {
    const ok: ModelSpec = genreCNNSpec();
    const bad = (patch: (s: ModelSpec) => void) => {
      const s = JSON.parse(JSON.stringify(ok)) as ModelSpec;
      patch(s);
      return () => fromSpec(e, s);
    };
    expect(bad((s) => ((s.layers[0] as { type: string }).type = 'conv3d'))).toThrow(
      /layers\[0\]: unknown layer type "conv3d" \(valid types: conv2d, conv1d/,
    );
    expect(bad((s) => ((s.layers[0] as unknown as Record<string, unknown>).kernal = 3))).toThrow(
      /layers\[0\] 'conv1' \(conv2d\): unknown field\(s\) 'kernal'/,
    );
    expect(bad((s) => (s.layers[1].name = 'conv1'))).toThrow(/duplicate layer name 'conv1'/);
    expect(bad((s) => ((s.layers[1] as { features: number }).features = 16))).toThrow(
      /'bn1' \(batchnorm2d\): features = 16 does not match the 32 channels coming in/,
    );
    expect(bad((s) => ((s.layers[4] as { in: number }).in = 16))).toThrow(/'conv2' \(conv2d\): in = 16 does not match the 32 channels/);
    expect(bad((s) => ((s.layers[14] as { in: number }).in = 100))).toThrow(
      /'fc1' \(linear\): in = 100 does not match the 128 features coming in/,
    );
    expect(bad((s) => delete (s.layers[0] as { kernel?: number }).kernel)).toThrow(/missing field 'kernel'/);
    expect(bad((s) => (s.layers[0].name = 'a.b'))).toThrow(/name must be a non-empty string without '\.'/);
    expect(bad((s) => (s.input = [1, 4, 4]))).toThrow(/'pool3' \(maxpool2d\): input \[128, 1, 1\] is too small/);
    expect(() => fromSpec(e, { layers: [] })).toThrow(/layers must be a non-empty array/);
    expect(() => fromSpec(e, { layers: [{ type: 'relu', name: 'r' }], extra: 1 } as never)).toThrow(/unknown field\(s\) 'extra'/);
  });

  it('loads weights by PyTorch name into a model built from a spec (round trip through stateDict)', async () => {
    const a = genreCNN(e, { seed: 1 });
    const b = genreCNN(e, { seed: 2 });
    b.loadStateDict(a.stateDict());
    for (const [k, t] of Object.entries(a.stateDict())) expect(await read(b.stateDict()[k]), k).toEqual(await read(t));
    expect(() => b.loadStateDict({ ...a.stateDict(), 'conv1.weight': e.zeros([1]) })).toThrow(StateDictError);
    a.dispose();
    b.dispose();
  });
});

describe('MaxPool2d module', () => {
  it('defaults stride to the kernel', () => {
    const p = new MaxPool2d(e, [2, 3]);
    expect(p.stride).toEqual([2, 3]);
    expect(tidy(() => p.forward(e.zeros([1, 1, 14, 10])).shape)).toEqual([1, 1, 7, 3]);
  });
});
