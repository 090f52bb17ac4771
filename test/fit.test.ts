/**
 * fit() and checkpoints, on the CPU engine and on WebGPU, with a small CNN (conv → BatchNorm →
 * ReLU → max-pool → conv → ReLU → max-pool → linear) on synthetic 12x12 images of 4 classes:
 * one bright quadrant per class over Gaussian noise (generated on the host from a seed).
 * - training reaches >= 90% validation accuracy (chance: 25%) within 4 epochs;
 * - the same seed replays the same history exactly, another seed gives another one;
 * - one device read per epoch (the data never comes back to the host);
 * - memory is flat across epochs (live tensors and bytes), and back to the start after fit;
 * - an optimiser instance is used as given (not disposed), argument errors name the argument;
 * - a checkpoint round trip (safetensors, PyTorch names) restores identical logits (bit-identical
 *   on WebGPU; on the CPU reference, which holds float32 tensors in float64, within 1e-6 of the
 *   live model and bit-identical once the model itself is reloaded);
 * - CPU and WebGPU follow the same trajectory (same shuffles): first-epoch loss within 1e-4.
 * WebGPU suites skip only when gpuBackend() finds no adapter (it throws under CI).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { DTypeError, ShapeError, ValueError } from '../src/engine/errors.js';
import { noGrad } from '../src/engine/autograd.js';
import { readSafetensors } from '../src/engine/safetensors.js';
import type { Tensor } from '../src/engine/tensor.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../src/nn/index.js';
import { SGD } from '../src/optim/index.js';
import { fit, loadCheckpoint, saveCheckpoint, shuffleOrder, type FitProgress } from '../src/train/fit.js';
import { backendOf, gpuBackend } from './helpers/gpu.js';
import { maxAbsRel, rng } from './helpers/random.js';

const gpuAvailable = (await gpuBackend()) !== null;
/** The first test's history per backend, to compare CPU and WebGPU. */
const histories: Partial<Record<'cpu' | 'webgpu', FitProgress[]>> = {};

const SIZE = 12;
const CLASSES = 4;

/** n images [n, 1, 12, 12]: class k brightens quadrant k by 0.8 over N(0, 1) noise; labels cycle 0..3. */
function quadrants(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * SIZE * SIZE);
  const y = new Int32Array(n);
  const h = SIZE / 2;
  for (let i = 0; i < n; i++) {
    const k = i % CLASSES;
    y[i] = k;
    const [qr, qc] = [Math.floor(k / 2), k % 2];
    for (let rr = 0; rr < SIZE; rr++) {
      for (let cc = 0; cc < SIZE; cc++) {
        const inside = Math.floor(rr / h) === qr && Math.floor(cc / h) === qc;
        x[i * SIZE * SIZE + rr * SIZE + cc] = gauss() + (inside ? 0.8 : 0);
      }
    }
  }
  return { x, y };
}

function makeModel(e: Engine, seed: number): Sequential {
  return new Sequential(e, [
    ['conv1', new Conv2d(e, 1, 8, 3, { padding: 1, seed: seed + 1 })],
    ['bn1', new BatchNorm2d(e, 8)],
    ['relu1', new ReLU(e)],
    ['pool1', new MaxPool2d(e, 2)],
    ['conv2', new Conv2d(e, 8, 8, 3, { padding: 1, seed: seed + 2 })],
    ['relu2', new ReLU(e)],
    ['pool2', new MaxPool2d(e, 2)],
    ['flatten', new Flatten(e)],
    ['fc', new Linear(e, 8 * 3 * 3, CLASSES, { seed: seed + 3 })],
  ]);
}

for (const kind of ['cpu', 'webgpu'] as const) {
  describe.skipIf(kind === 'webgpu' && !gpuAvailable)(`fit on ${kind}`, () => {
    let e: Engine;
    let train: { x: Tensor; y: Tensor };
    let val: { x: Tensor; y: Tensor };
    const ready = (async () => {
      e = await createEngine({ backend: kind });
      const t = quadrants(256, 1);
      const v = quadrants(128, 2);
      train = { x: e.tensor(t.x, [256, 1, SIZE, SIZE]), y: e.tensor(t.y, [256], 'int32') };
      val = { x: e.tensor(v.x, [128, 1, SIZE, SIZE]), y: e.tensor(v.y, [128], 'int32') };
    })();
    afterAll(() => e?.dispose());

    const options = (seed: number) => ({ epochs: 4, batchSize: 32, lr: 1e-2, seed, validation: val });

    it('learns the 4 classes well above chance (>= 90% validation accuracy), one read per epoch', async () => {
      await ready;
      const model = makeModel(e, 10);
      const seen: FitProgress[] = [];
      const impl = backendOf(e) as unknown as { read: (...a: never[]) => Promise<unknown> };
      const realRead = impl.read;
      let reads = 0;
      impl.read = function (this: unknown, ...args: never[]) {
        reads++;
        return realRead.apply(this, args);
      };
      const t0 = performance.now();
      let history: FitProgress[];
      try {
        history = await fit(model, train, { ...options(7), onEpoch: (p) => void seen.push(p) });
      } finally {
        impl.read = realRead;
      }
      const ms = performance.now() - t0;
      console.log(
        `[${kind}] fit 4 epochs of 256 in ${ms.toFixed(0)} ms: ${history.map((h) => `${h.loss.toFixed(3)}/${h.trainAccuracy.toFixed(2)}/${h.valAccuracy?.toFixed(3)}`).join(' ')}`,
      );
      expect(reads).toBe(4);
      expect(history.length).toBe(4);
      expect(seen).toEqual(history);
      expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
      const last = history[history.length - 1];
      expect(last.valAccuracy!).toBeGreaterThanOrEqual(0.9);
      expect(last.loss).toBeLessThan(history[0].loss);
      for (const h of history) {
        expect(Number.isFinite(h.loss)).toBe(true);
        expect(h.trainAccuracy).toBeGreaterThanOrEqual(0);
        expect(h.trainAccuracy).toBeLessThanOrEqual(1);
      }
      expect(model.training).toBe(false);
      histories[kind] = history;
      if (histories.cpu && histories.webgpu) {
        const [c, g] = [histories.cpu[0].loss, histories.webgpu[0].loss];
        expect(Math.abs(g - c), `first-epoch loss: cpu ${c}, webgpu ${g}`).toBeLessThanOrEqual(1e-4 * Math.abs(c));
      }
      // The BatchNorm ran 8 train batches per epoch (32 in all).
      expect((model.get('bn1') as BatchNorm2d).numBatchesTracked).toBe(32);
      model.dispose();
    });

    it('replays the same history for the same seed; another seed gives another', async () => {
      await ready;
      const run = async (seed: number) => {
        const model = makeModel(e, 10);
        const h = await fit(model, train, { ...options(seed), epochs: 2 });
        model.dispose();
        return h;
      };
      const a = await run(3);
      const b = await run(3);
      const c = await run(4);
      expect(b).toEqual(a);
      expect(c[0].loss).not.toBe(a[0].loss);
      // The shuffle is a host permutation from (seed, epoch): the same on every backend.
      const p = shuffleOrder(50, 3, 0);
      expect(Array.from(p).sort((u, v) => u - v)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(Array.from(shuffleOrder(50, 3, 0))).toEqual(Array.from(p));
      expect(Array.from(shuffleOrder(50, 3, 1))).not.toEqual(Array.from(p));
      expect(Array.from(shuffleOrder(50, 4, 0))).not.toEqual(Array.from(p));
    });

    it('keeps memory flat across epochs and frees its optimiser at the end', async () => {
      await ready;
      const model = makeModel(e, 20);
      const before = e.memory();
      const mem: { live: number; bytes: number }[] = [];
      await fit(model, train, {
        ...options(5),
        epochs: 5,
        onEpoch: () => {
          const m = e.memory();
          mem.push({ live: m.liveTensors, bytes: m.bytesInUse });
        },
      });
      // After epoch 1 the Adam moments exist (2 per parameter); nothing else may stay.
      const nParams = model.parameterRefs().length;
      expect(mem[0].live).toBe(before.liveTensors + 2 * nParams);
      for (const m of mem) expect(m).toEqual(mem[0]);
      const after = e.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      model.dispose();
    });

    it('uses an optimiser instance as given (SGD with momentum) and leaves it to the caller', async () => {
      await ready;
      const model = makeModel(e, 30);
      const opt = new SGD(model, { lr: 0.05, momentum: 0.9 });
      const h = await fit(model, train, { epochs: 3, batchSize: 64, seed: 1, optimizer: opt, validation: val });
      expect(opt.isDisposed).toBe(false);
      expect(opt.stepCount(0)).toBe(3 * 4);
      expect(h[2].loss).toBeLessThan(h[0].loss);
      // Still usable: another fit continues with the same momentum buffers.
      await fit(model, train, { epochs: 1, batchSize: 64, seed: 2, optimizer: opt });
      expect(opt.stepCount(0)).toBe(4 * 4);
      await expect(fit(model, train, { epochs: 1, batchSize: 64, seed: 2, optimizer: opt, lr: 0.1 })).rejects.toThrow(
        /fit: options.lr applies to the optimiser fit creates/,
      );
      opt.dispose();
      model.dispose();
    });

    it('rejects bad arguments with errors naming them', async () => {
      await ready;
      const model = makeModel(e, 40);
      const live = e.memory().liveTensors;
      const base = { epochs: 1, batchSize: 32, seed: 1 };
      const yf = e.tensor(new Float32Array(256), [256]);
      const yShort = e.tensor(new Int32Array(10), [10], 'int32');
      const yBig = e.tensor(
        Int32Array.from({ length: 256 }, (_, i) => i % 6),
        [256],
        'int32',
      );
      await expect(fit(model, { x: train.x, y: yf }, base)).rejects.toThrow(DTypeError);
      await expect(fit(model, { x: train.x, y: yf }, base)).rejects.toThrow(/fit: data.y must be int32 class indices, got float32/);
      await expect(fit(model, { x: train.x, y: yShort }, base)).rejects.toThrow(ShapeError);
      await expect(fit(model, { x: train.x, y: yShort }, base)).rejects.toThrow(/fit: data.y must be \[256\]/);
      await expect(fit(model, train, { ...base, batchSize: 0 })).rejects.toThrow(
        /fit: options.batchSize must be a positive integer, got 0/,
      );
      await expect(fit(model, train, { ...base, epochs: 1.5 })).rejects.toThrow(/fit: options.epochs must be a positive integer/);
      await expect(fit(model, train, { ...base, seed: NaN })).rejects.toThrow(/fit: options.seed must be an integer, got NaN/);
      await expect(fit(model, train, { ...base, lr: NaN })).rejects.toThrow(/fit: options.lr must be a finite number >= 0, got NaN/);
      await expect(fit(model, train, { ...base, optimizer: 'rmsprop' as never })).rejects.toThrow(
        /fit: options.optimizer must be 'adam', 'sgd'/,
      );
      await expect(fit(model, train, { ...base, batchSizes: 3 } as never)).rejects.toThrow(
        /fit: unknown option 'batchSizes' — did you mean 'batchSize'\?/,
      );
      await expect(fit(model, train, { ...base, batchSize: undefined, batch_size: 0 } as never)).rejects.toThrow(
        /fit: options.batchSize must be a positive integer, got 0/,
      );
      await expect(fit(model, train, { ...base, epochs: 1e9 })).rejects.toThrow(
        /fit: options.epochs = 1000000000 exceeds the limit of 1000000/,
      );
      await expect(fit(model, train, { ...base, signal: {} as never })).rejects.toThrow(/fit: options.signal must be an AbortSignal/);
      await expect(fit(model, train, { ...base, validation: { x: val.x, y: yShort } })).rejects.toThrow(
        /fit: options.validation.y must be \[128\]/,
      );
      await expect(fit(model, { x: train.x, y: yBig }, base)).rejects.toThrow(ValueError);
      await expect(fit(model, { x: train.x, y: yBig }, base)).rejects.toThrow(/fit: labels go up to 5, but the model has 4 classes/);
      await expect(fit({} as never, train, base)).rejects.toThrow(/fit: model must have forward\(x\) and parameterRefs\(\)/);
      for (const t of [yf, yShort, yBig]) t.dispose();
      expect(e.memory().liveTensors).toBe(live);
      model.dispose();
    });

    it('checkpoint round trip: PyTorch names, identical logits after loading into another model', async () => {
      await ready;
      const a = makeModel(e, 50);
      await fit(a, train, { epochs: 1, batchSize: 32, lr: 1e-2, seed: 9 });
      const bytes = await saveCheckpoint(a);
      const file = readSafetensors(bytes);
      expect(Object.keys(file.tensors).sort()).toEqual(
        [
          'conv1.weight',
          'conv1.bias',
          'bn1.weight',
          'bn1.bias',
          'bn1.running_mean',
          'bn1.running_var',
          'bn1.num_batches_tracked',
          'conv2.weight',
          'conv2.bias',
          'fc.weight',
          'fc.bias',
        ].sort(),
      );
      expect(file.tensors['conv1.weight'].shape).toEqual([8, 1, 3, 3]);
      expect(file.tensors['bn1.num_batches_tracked'].dtype).toBe('I32');
      expect(Array.from(file.tensors['bn1.num_batches_tracked'].data as Int32Array)).toEqual([8]);
      expect(file.metadata.format).toBe('pt');
      const b = makeModel(e, 60);
      b.eval();
      a.eval();
      const logits = (m: Sequential) => noGrad(() => m.forward(val.x));
      const la = logits(a);
      const lb0 = logits(b);
      expect(Array.from(await lb0.readFloat())).not.toEqual(Array.from(await la.readFloat()));
      loadCheckpoint(b, bytes);
      const lb = logits(b);
      const [va, vb] = [await la.readFloat(), await lb.readFloat()];
      if (kind === 'webgpu') {
        expect(Array.from(vb)).toEqual(Array.from(va));
      } else {
        // The CPU reference holds float32 tensors in float64; the checkpoint stores float32.
        expect(maxAbsRel(vb, va)).toBeLessThanOrEqual(1e-6);
      }
      expect((b.get('bn1') as BatchNorm2d).numBatchesTracked).toBe(8);
      // Loaded back into the model it came from, the logits are bit-identical on every backend.
      loadCheckpoint(a, bytes);
      const la2 = logits(a);
      expect(Array.from(await lb.readFloat())).toEqual(Array.from(await la2.readFloat()));
      la2.dispose();
      // A checkpoint of another architecture is refused and leaves the model unchanged.
      const other = new Sequential(e, [['fc', new Linear(e, 3, 2, { seed: 1 })]]);
      const otherBytes = await saveCheckpoint(other);
      expect(() => loadCheckpoint(b, otherBytes)).toThrow(/loadStateDict/);
      const lb2 = logits(b);
      expect(Array.from(await lb2.readFloat())).toEqual(Array.from(vb));
      for (const t of [la, lb0, lb, lb2]) t.dispose();
      for (const m of [a, b, other]) m.dispose();
    });
  });
}
