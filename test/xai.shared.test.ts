/**
 * src/xai/shared, tested directly on the CPU reference and on WebGPU: strict options with Captum
 * aliases and nearest-key suggestions, the validators, the one baseline resolver, targets as a
 * number / array / int32 tensor, input and model checks, chunk sizing from engine.info(), chunked
 * execution with progress, yields and cancellation, the perturbation core (predictInChunks and
 * mask attribution against host arithmetic on a linear model), layer selection and layer
 * gradients, and the training-mode warning. Memory is checked flat across repeated calls.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, DTypeError, ShapeError, ValueError, matmul, reshape, type Engine, type Tensor } from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';
import {
  checkInputs,
  checkModel,
  finiteNumber,
  forEachChunk,
  forwardLogits,
  layerGradient,
  maskAttribution,
  materializeBaseline,
  oneOf,
  parseOptions,
  positiveInt,
  predictInChunks,
  readTargets,
  resolveBaseline,
  resolveLayer,
  resolveTargets,
  rowsPerChunk,
  targetGradient,
  checkSignal,
  CPU_CHUNK_ELEMENTS,
  warnIfTraining,
  type Progress,
} from '../src/xai/shared/index.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

const SPEC = {
  steps: ['nSteps', 'n_steps'],
  baseline: ['baselines'],
  target: [],
} as const;

describe('parseOptions and validators (host only)', () => {
  it('renames aliases to canonical keys, returns a new object and leaves the input untouched', () => {
    const given = { n_steps: 7, baselines: 2, target: 1 };
    const frozen = JSON.stringify(given);
    expect(parseOptions(given, SPEC, 'f')).toEqual({
      steps: 7,
      baseline: 2,
      target: 1,
    });
    expect(JSON.stringify(given)).toBe(frozen);
    expect(parseOptions(undefined, SPEC, 'f')).toEqual({});
    expect(parseOptions({ nSteps: undefined }, SPEC, 'f')).toEqual({});
  });
  it('unknown keys name the nearest known option; duplicates and non-objects are refused', () => {
    expect(() => parseOptions({ n_step: 2 }, SPEC, 'integratedGradients')).toThrow(
      /^integratedGradients: unknown option 'n_step' — did you mean 'steps'\?$/,
    );
    expect(() => parseOptions({ baselnie: 2 }, SPEC, 'f')).toThrow(/did you mean 'baseline'\?/);
    expect(() => parseOptions({ zzzzzzzzzzzz: 2 }, SPEC, 'f')).toThrow(
      /unknown option 'zzzzzzzzzzzz' — known options: steps, baseline, target/,
    );
    expect(() => parseOptions({ steps: 2, n_steps: 3 }, SPEC, 'f')).toThrow(ValueError);
    expect(() => parseOptions(null, SPEC, 'f')).toThrow(/options must be an object, got null/);
    expect(() => parseOptions([1], SPEC, 'f')).toThrow(/got \[1\]$/);
    expect(() => parseOptions(new Array(100).fill(0), SPEC, 'f')).toThrow(/got an array of 100$/);
  });
  it('validators give short ValueErrors naming the argument', () => {
    expect(positiveInt(undefined, 'options.steps', 'f', { default: 50 })).toBe(50);
    expect(positiveInt(3, 'options.steps', 'f', { max: 10 })).toBe(3);
    expect(() => positiveInt(11, 'options.steps', 'f', { max: 10 })).toThrow(/f: options.steps = 11 exceeds the limit of 10/);
    expect(() => positiveInt(1.5, 'options.steps', 'f')).toThrow(/options.steps must be a positive integer, got 1.5/);
    expect(() => positiveInt('x'.repeat(10000), 'n', 'f')).toThrow(ValueError);
    expect(() => positiveInt('x'.repeat(10000), 'n', 'f')).toThrow(/^.{0,140}$/);
    expect(() => finiteNumber(NaN, 'options.stdevs', 'f')).toThrow(/must be a finite number, got NaN/);
    expect(() => oneOf('x', ['a', 'b'], 'options.type', 'f')).toThrow(/must be one of 'a', 'b', got "x"/);
    expect(() => checkSignal({}, 'f')).toThrow(/options.signal must be an AbortSignal/);
    expect(checkSignal(new AbortController().signal, 'f')?.aborted).toBe(false);
  });
});

describe('forEachChunk (host only)', () => {
  it('runs every chunk in order, reports progress and yields to the event loop between chunks', async () => {
    const seen: [number, number][] = [];
    const progress: Progress[] = [];
    let timerRan = 0;
    const ticks: number[] = [];
    await forEachChunk(
      10,
      4,
      (s, e) => {
        seen.push([s, e]);
        ticks.push(timerRan);
        setTimeout(() => timerRan++, 0);
      },
      { onProgress: (p) => progress.push(p), stage: 'test' },
    );
    expect(seen).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(progress).toEqual([4, 8, 10].map((done) => ({ done, total: 10, stage: 'test' })));
    // A timer set in chunk k has run before chunk k + 1: the loop yielded to the event loop.
    expect(ticks).toEqual([0, 1, 2]);
  });
  it('throws CancelledError when aborted before the start or between chunks', async () => {
    const ac = new AbortController();
    ac.abort('stop');
    await expect(forEachChunk(3, 1, () => {}, { signal: ac.signal, fname: 'g' })).rejects.toThrow(CancelledError);
    const ac2 = new AbortController();
    const done: number[] = [];
    const p = forEachChunk(
      5,
      1,
      (s) => {
        done.push(s);
        if (s === 1) ac2.abort();
      },
      { signal: ac2.signal, fname: 'g' },
    );
    await expect(p).rejects.toThrow(/^g: cancelled$/);
    expect(done).toEqual([0, 1]);
  });
});

for (const [where, engine] of [
  ['cpu', cpu],
  ['webgpu', gpu],
] as const) {
  describe.skipIf(!engine)(`shared xai on ${where}`, () => {
    const e = engine as Engine;
    const [B, N, C] = [3, 6, 4];
    const wHost = randArray(N * C, 11);
    const xHost = randArray(B * N, 12);
    /** f(x) = x W: a linear model, so every perturbation effect is exact host arithmetic. */
    const linear = (w: Tensor) => (x: Tensor) => matmul(reshape(x, [x.shape[0], N]), w);
    const hostLogit = (row: ArrayLike<number>, c: number) => Array.from(row).reduce((s, v, i) => s + v * wHost[i * C + c], 0);

    it('inputs, models and targets: ShapeError for rank 1, ValueError for null/{}/number models, tensor targets', async () => {
      const w = e.tensor(wHost, [N, C]);
      const x = e.tensor(xHost, [B, N]);
      const wave = e.tensor(randArray(16, 1), [16]);
      expect(() => checkInputs(wave, 'f')).toThrow(ShapeError);
      expect(() => checkInputs(wave, 'f')).toThrow(/for one example use reshape\(x, \[1, 16\]\)/);
      expect(() => checkModel(null, 'f')).toThrow(/f: model must be an nn Module or a function .*got null/);
      expect(() => checkModel({}, 'f')).toThrow(/got an object/);
      expect(() => forwardLogits((() => 3) as unknown as (x: Tensor) => Tensor, x, 'f')).toThrow(
        /the model must return a Tensor of logits \[B, nClasses\], got 3/,
      );
      // Targets: number, array, int32 tensor (read once), null, wrong length, out of range.
      expect(resolveTargets(2, B, C, 'f')).toEqual([2, 2, 2]);
      expect(resolveTargets([0, 1, 3], B, C, 'f')).toEqual([0, 1, 3]);
      const tt = e.tensor([3, 0, 1], [B], 'int32');
      expect(() => resolveTargets(tt, B, C, 'f')).toThrow(/must be read first/);
      expect(await readTargets(tt, B, 'f')).toEqual([3, 0, 1]);
      expect(resolveTargets(tt, B, C, 'f')).toEqual([3, 0, 1]);
      await expect(readTargets(null, B, 'f')).rejects.toThrow(ValueError);
      await expect(readTargets(e.tensor([1, 2, 3], [B]), B, 'f')).rejects.toThrow(DTypeError);
      await expect(readTargets(tt, 2, 'f')).rejects.toThrow(/must be \[B\] = \[2\] class indices, got \[3\]/);
      expect(() => resolveTargets([0, 1], B, C, 'f')).toThrow(/lists 2 classes for a batch of 3/);
      expect(() => resolveTargets([0, 1, 4], B, C, 'f')).toThrow(/options.target\[2\] = 4 is out of range: the model has 4 classes/);
      // targetGradient of a linear model: the gradient is the target column of W.
      const { grad, logits } = targetGradient(linear(w), x, tt, 'f');
      const g = await grad.read();
      for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) expect(g[b * N + i]).toBeCloseTo(wHost[i * C + [3, 0, 1][b]], 5);
      for (const t of [w, x, wave, tt, grad, logits]) t.dispose();
    });

    it('resolveBaseline: numbers and the three tensor shapes; others refused', () => {
      const x = e.tensor(xHost, [B, 2, 3]);
      expect(resolveBaseline(undefined, x, 'f')).toBe(0);
      expect(resolveBaseline(-1.5, x, 'f')).toBe(-1.5);
      expect(() => resolveBaseline(Infinity, x, 'f')).toThrow(/options.baseline must be a finite number/);
      expect(() => resolveBaseline('0', x, 'f')).toThrow(ValueError);
      for (const shape of [
        [B, 2, 3],
        [1, 2, 3],
        [2, 3],
      ]) {
        const b = e.tensor(new Float32Array(shape.reduce((a, v) => a * v, 1)).fill(2), shape);
        expect(resolveBaseline(b, x, 'f')).toBe(b);
        const live = e.memory().liveTensors;
        const full = materializeBaseline(b, x);
        expect(full.shape).toEqual([B, 2, 3]);
        full.dispose();
        expect(e.memory().liveTensors, `materializeBaseline ${JSON.stringify(shape)} leaks nothing`).toBe(live);
        b.dispose();
      }
      const bad = e.tensor(new Float32Array(3), [3]);
      expect(() => resolveBaseline(bad, x, 'f')).toThrow(
        /options.baseline must be a number, a tensor shaped like the inputs \[3, 2, 3\] or like one example \(\[2, 3\] or \[1, 2, 3\]\), got \[3\]/,
      );
      bad.dispose();
      x.dispose();
    });

    it('rowsPerChunk follows engine.info().limits.maxBindingBytes; maxBatch overrides it', () => {
      const bytes = e.info().limits.maxBindingBytes;
      // The CPU reference (computing on the JS thread) also caps a chunk at CPU_CHUNK_ELEMENTS input elements.
      const cap = (rows: number, per: number) => (e.info().backend === 'cpu' ? Math.min(rows, Math.floor(CPU_CHUNK_ELEMENTS / per)) : rows);
      expect(rowsPerChunk(e, 1000)).toBe(Math.max(1, cap(Math.floor(bytes / (4 * 64 * 1000)), 1000)));
      expect(rowsPerChunk(e, 100, { factor: 1 })).toBe(cap(Math.floor(bytes / 400), 100));
      expect(rowsPerChunk(e, 1e12)).toBe(1);
      expect(rowsPerChunk(e, 1000, { maxBatch: 7 })).toBe(7);
      expect(() => rowsPerChunk(e, 1000, { maxBatch: 0, fname: 'f' })).toThrow(/f: options.maxBatch must be a positive integer/);
    });

    it('predictInChunks: chunked logits equal host arithmetic, with progress, abort and flat memory', async () => {
      const w = e.tensor(wHost, [N, C]);
      const rowsHost = randArray(10 * N, 13);
      const rows = e.tensor(rowsHost, [10, N]);
      const { slice } = await import('../src/engine/index.js');
      const build = (k0: number, k1: number) => slice(rows, [k0, 0], [k1 - k0, N]);
      const before = e.memory();
      for (let rep = 0; rep < 2; rep++) {
        const progress: number[] = [];
        const all = await predictInChunks(linear(w), 10, build, {
          engine: e,
          elementsPerRow: N,
          maxBatch: 3,
          fname: 'f',
          onProgress: (p) => progress.push(p.done),
        });
        expect(all.shape).toEqual([10, C]);
        expect(progress).toEqual([3, 6, 9, 10]);
        const got = await all.read();
        for (let k = 0; k < 10; k++)
          for (let c = 0; c < C; c++) expect(got[k * C + c]).toBeCloseTo(hostLogit(rowsHost.subarray(k * N, (k + 1) * N), c), 4);
        const col = await predictInChunks(linear(w), 10, build, {
          engine: e,
          elementsPerRow: N,
          maxBatch: 4,
          fname: 'f',
          target: 2,
        });
        expect(col.shape).toEqual([10]);
        const gc = await col.read();
        for (let k = 0; k < 10; k++) expect(gc[k]).toBeCloseTo(got[k * C + 2], 5);
        all.dispose();
        col.dispose();
      }
      const ac = new AbortController();
      ac.abort();
      await expect(
        predictInChunks(linear(w), 10, build, {
          engine: e,
          elementsPerRow: N,
          fname: 'f',
          signal: ac.signal,
        }),
      ).rejects.toThrow(CancelledError);
      await expect(
        predictInChunks(linear(w), 4, (k0, k1) => e.zeros([k1 - k0 + 1, N]), {
          engine: e,
          elementsPerRow: N,
          fname: 'f',
        }),
      ).rejects.toThrow(ShapeError);
      const after = e.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      w.dispose();
      rows.dispose();
    });

    it('maskAttribution: one feature per element of a linear model gives (x − baseline)·w_t, chunked', async () => {
      const w = e.tensor(wHost, [N, C]);
      const x = e.tensor(xHost, [B, N]);
      const base = e.tensor(randArray(N, 14), [N]);
      const baseHost = await base.read();
      const targets = [1, 3, 0];
      const plan = {
        count: N,
        // Mask k: element k of every example, [c, 1, N].
        masks: (k0: number, k1: number) => {
          const m = new Float32Array((k1 - k0) * N);
          for (let k = k0; k < k1; k++) m[(k - k0) * N + k] = 1;
          return e.tensor(m, [k1 - k0, 1, N]);
        },
      };
      const before = e.memory().liveTensors;
      for (const weighted of [false, true]) {
        const progress: Progress[] = [];
        const a = await maskAttribution(linear(w), x, targets, base, plan, {
          weighted,
          maxBatch: 2 * B,
          fname: 'f',
          onProgress: (p) => progress.push(p),
        });
        expect(progress.map((p) => p.done)).toEqual([2, 4, 6]);
        const got = await a.read();
        for (let b = 0; b < B; b++)
          for (let i = 0; i < N; i++) expect(got[b * N + i]).toBeCloseTo((xHost[b * N + i] - baseHost[i]) * wHost[i * C + targets[b]], 4);
        a.dispose();
      }
      expect(e.memory().liveTensors).toBe(before);
      const ac = new AbortController();
      const p = maskAttribution(linear(w), x, targets, 0, plan, {
        weighted: false,
        maxBatch: B,
        fname: 'occlusion',
        signal: ac.signal,
        onProgress: () => ac.abort(),
      });
      await expect(p).rejects.toThrow(/^occlusion: cancelled$/);
      expect(e.memory().liveTensors).toBe(before);
      for (const t of [w, x, base]) t.dispose();
    });

    it('layers: names checked with suggestions, a module instead of a name, one-pass layer gradient', async () => {
      const net = new nn.Sequential(e, [
        ['fc1', new nn.Linear(e, N, 5, { seed: 1 })],
        ['relu1', new nn.ReLU(e)],
        ['drop', new nn.Dropout(e, 0.5)],
        ['fc2', new nn.Linear(e, 5, C, { seed: 2 })],
      ]);
      expect(resolveLayer(net, 'relu1', 'gradCam')).toBe('relu1');
      expect(() => resolveLayer(net, 'relu', 'gradCam')).toThrow(
        /gradCam: options.layer 'relu' is not a module of the model — did you mean 'relu1'\?; valid names: relu1, fc1, drop, fc2/,
      );
      const modErr = (() => {
        try {
          resolveLayer(net, net.getSubmodule('fc2'), 'gradCam');
        } catch (err) {
          return err as Error;
        }
        return null;
      })();
      expect(modErr).toBeInstanceOf(ValueError);
      expect(modErr!.message).toBe(
        "gradCam: options.layer must be a layer name (a string), got a Linear module; its name in this model is 'fc2'",
      );
      expect(() => resolveLayer((x: Tensor) => x, 'fc1', 'gradCam')).toThrow(/must be an nn Module/);
      // Training-mode warning: once per model and method, none in eval mode.
      const warnings: string[] = [];
      expect(warnIfTraining(net, 'saliency', (m) => warnings.push(m))).toBe(true);
      warnIfTraining(net, 'saliency', (m) => warnings.push(m));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/saliency: the model is in training mode with drop \(Dropout\) active.*model\.eval\(\)/);
      net.eval();
      expect(warnIfTraining(net, 'gradCam', (m) => warnings.push(m))).toBe(false);
      expect(warnings).toHaveLength(1);
      // d logit_t / d relu1 = the target column of fc2's weight, for every example.
      const x = e.tensor(xHost, [B, N]);
      const before = e.memory().liveTensors;
      const { activation, grad, logits, targets } = layerGradient(net, x, 'relu1', [0, 2, 3]);
      expect(activation.shape).toEqual([B, 5]);
      expect(targets).toEqual([0, 2, 3]);
      const w2 = await (net.getSubmodule('fc2') as nn.Linear).weight.read(); // [C, 5]
      const g = await grad.read();
      for (let b = 0; b < B; b++) for (let j = 0; j < 5; j++) expect(g[b * 5 + j]).toBeCloseTo(w2[targets[b] * 5 + j], 5);
      for (const t of [activation, grad, logits]) t.dispose();
      expect(e.memory().liveTensors).toBe(before);
      x.dispose();
    });
  });
}
