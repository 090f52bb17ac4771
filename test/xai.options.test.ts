/**
 * Issue 12 (points 2–4) and issue 11 (point 3) for the attribution methods, on a small CNN
 * ([2, 1, 8, 8] inputs, 4 classes) on the CPU reference and on WebGPU:
 *
 * - strict options: an unknown key names the nearest known one, for every method; Captum's
 *   spellings give the same numbers as the canonical keys; options objects are never mutated;
 * - targets as a number, an array or an int32 tensor give the same attributions;
 * - progress and cancellation: every method reports progress, rejects with CancelledError when
 *   aborted (before the start, and mid-way for the chunked methods), and the chunked methods
 *   yield to the event loop between chunks (a timer set before the call fires during it);
 * - no silent wrong answers: the training-mode warning (once, Dropout and BatchNorm, silenced by
 *   warn: false), IG's convergence warning on a scale-invariant model (none on a linear one), a
 *   rank-1 waveform (ShapeError), null / {} / number-returning models and target null
 *   (ValueError), a layer given as a module (short error naming it);
 * - bounds: IG steps above MAX_IG_STEPS; feature ids such as 2^31 − 1 and 2^24 + 1 are distinct
 *   features on both backends (remapped to 0..k−1);
 * - memory flat over repeated calls of every method.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  ShapeError,
  ValueError,
  div,
  mean,
  mul,
  reshape,
  sqrt,
  sum,
  add,
  square,
  type Engine,
  type Tensor,
} from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';
import {
  deconvolution,
  featureAblation,
  gradCam,
  guidedBackprop,
  guidedGradCam,
  inputXGradient,
  integratedGradients,
  MAX_IG_STEPS,
  occlusion,
  saliency,
  smoothGrad,
  type Model,
  type Progress,
} from '../src/xai/index.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

const [B, S, C] = [2, 8, 4];
const X_HOST = randArray(B * S * S, 21, 0, 1);

/** conv → relu → pool → linear, in eval mode; optionally with dropout / batchnorm modules. */
function smallCnn(e: Engine, extra: 'none' | 'dropout' | 'batchnorm' = 'none'): nn.Sequential {
  const layers: [string, nn.Module][] = [['conv1', new nn.Conv2d(e, 1, 4, 3, { padding: 1, seed: 3 })]];
  if (extra === 'batchnorm') layers.push(['bn1', new nn.BatchNorm2d(e, 4)]);
  layers.push(['relu1', new nn.ReLU(e)], ['pool1', new nn.MaxPool2d(e, 2)], ['flatten', new nn.Flatten(e)]);
  if (extra === 'dropout') layers.push(['drop', new nn.Dropout(e, 0.5)]);
  layers.push(['fc', new nn.Linear(e, 4 * (S / 2) * (S / 2), C, { seed: 4 })]);
  const m = new nn.Sequential(e, layers);
  return extra === 'none' ? m.eval() : m;
}

type Run = (m: Model, x: Tensor, extra: Record<string, unknown>) => Promise<Tensor>;

/** Every method with small settings; gradCam returns its map. */
const METHODS: [string, Run][] = [
  ['saliency', (m, x, o) => saliency(m, x, { target: 1, ...o })],
  ['inputXGradient', (m, x, o) => inputXGradient(m, x, { target: 1, ...o })],
  ['integratedGradients', (m, x, o) => integratedGradients(m, x, { target: 1, steps: 6, internalBatchSize: 4, warn: false, ...o })],
  ['smoothGrad', (m, x, o) => smoothGrad(m, x, { target: 1, nSamples: 4, stdevs: 0.1, nSamplesBatchSize: 1, ...o })],
  ['guidedBackprop', (m, x, o) => guidedBackprop(m, x, { target: 1, ...o })],
  ['deconvolution', (m, x, o) => deconvolution(m, x, { target: 1, ...o })],
  [
    'gradCam',
    async (m, x, o) => {
      const r = await gradCam(m, x, { target: 1, layer: 'conv1', ...o });
      r.layerMap.dispose();
      return r.map;
    },
  ],
  ['guidedGradCam', (m, x, o) => guidedGradCam(m, x, { target: 1, layer: 'conv1', ...o })],
  ['occlusion', (m, x, o) => occlusion(m, x, { target: 1, window: [1, 4, 4], strides: 2, maxBatch: 4, ...o })],
  ['featureAblation', (m, x, o) => featureAblation(m, x, { target: 1, maxBatch: 16, ...o })],
];

const CHUNKED = new Set(['integratedGradients', 'smoothGrad', 'occlusion', 'featureAblation']);

async function take(p: Promise<Tensor> | Tensor): Promise<Float32Array> {
  const t = await p;
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 1e-12;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  expect(worst / scale, what).toBeLessThanOrEqual(tol);
}

for (const [where, engine] of [
  ['cpu', cpu],
  ['webgpu', gpu],
] as const) {
  describe.skipIf(!engine)(`attribution options, progress and checks on ${where}`, () => {
    const e = engine as Engine;

    it('unknown options name the nearest key, for every method; options are not mutated', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const typos: [string, Record<string, unknown>, string][] = [
        ['saliency', { ab: false }, 'abs'],
        ['inputXGradient', { targte: 1 }, 'target'],
        ['integratedGradients', { n_step: 4 }, 'steps'],
        ['smoothGrad', { nt_sample: 4 }, 'nSamples'],
        ['guidedBackprop', { onprogres: () => {} }, 'onProgress'],
        ['deconvolution', { sigal: 1 }, 'signal'],
        ['gradCam', { relu_attribution: true }, 'relu'],
        ['guidedGradCam', { interpolatemode: 'nearest' }, 'upsample'],
        ['occlusion', { sliding_window_shape: [1, 2, 2] }, 'window'],
        ['featureAblation', { featuremasks: null }, 'featureMask'],
      ];
      for (const [name, extra, near] of typos) {
        const run = METHODS.find(([n]) => n === name)![1];
        const err = await run(m, x, extra).then(
          () => null,
          (er: unknown) => er as Error,
        );
        expect(err, name).toBeInstanceOf(ValueError);
        expect(err!.message, name).toMatch(
          new RegExp(`^${name}: unknown option '${Object.keys(extra).at(-1)}' — did you mean '${near}'\\?$`),
        );
      }
      const opts = Object.freeze({ target: Object.freeze([1, 2]), n_steps: 3, baselines: 0.5 });
      const a = await integratedGradients(m, x, opts);
      expect(opts).toEqual({ target: [1, 2], n_steps: 3, baselines: 0.5 });
      a.dispose();
      x.dispose();
      m.dispose();
    });

    it("Captum's spellings give the same numbers as the canonical keys", async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const pairs: [string, () => Promise<Tensor>, () => Promise<Tensor>][] = [
        [
          'integratedGradients',
          () => integratedGradients(m, x, { target: [1, 3], steps: 5, baseline: 0.25, internalBatchSize: 3, method: 'riemann_middle' }),
          () =>
            integratedGradients(m, x, { target: [1, 3], n_steps: 5, baselines: 0.25, internal_batch_size: 3, method: 'riemann_middle' }),
        ],
        [
          'integratedGradients (delta)',
          async () => (await integratedGradients(m, x, { target: 2, steps: 4, returnConvergenceDelta: true })).delta,
          async () =>
            (await integratedGradients(m, x, { target: 2, nSteps: 4, return_convergence_delta: true } as never)) as unknown as Tensor,
        ],
        [
          'smoothGrad',
          () => smoothGrad(m, x, { target: 0, nSamples: 3, type: 'vargrad', stdevs: 0.2, nSamplesBatchSize: 2 }),
          () => smoothGrad(m, x, { target: 0, nt_samples: 3, nt_type: 'vargrad', stdevs: 0.2, nt_samples_batch_size: 2 }),
        ],
        [
          'gradCam',
          async () => (await gradCam(m, x, { target: 1, layer: 'relu1', relu: false, upsample: 'nearest' })).map,
          async () => (await gradCam(m, x, { target: 1, layer: 'relu1', relu_attributions: false, interpolate_mode: 'nearest' })).map,
        ],
        [
          'occlusion',
          () => occlusion(m, x, { target: 3, window: [1, 2, 4], strides: [1, 2, 2], baseline: 0.1, perturbationsPerEval: 3 }),
          () =>
            occlusion(m, x, { target: 3, sliding_window_shapes: [1, 2, 4], strides: [1, 2, 2], baselines: 0.1, perturbations_per_eval: 3 }),
        ],
      ];
      const ids = e.tensor(
        Int32Array.from({ length: S * S }, (_, i) => Math.floor(i / 16)),
        [1, 1, S, S],
        'int32',
      );
      pairs.push([
        'featureAblation',
        () => featureAblation(m, x, { target: 1, featureMask: ids, baseline: 0.5, perturbationsPerEval: 2 }),
        () => featureAblation(m, x, { target: 1, feature_mask: ids, baselines: 0.5, perturbations_per_eval: 2 }),
      ]);
      for (const [name, canonical, alias] of pairs) {
        const a = await canonical();
        if (name === 'integratedGradients (delta)') {
          const r = (await integratedGradients(m, x, { target: 2, nSteps: 4, return_convergence_delta: true })) as unknown as {
            attributions: Tensor;
            delta: Tensor;
          };
          expect(Array.from(await take(r.delta)), name).toEqual(Array.from(await take(a)));
          r.attributions.dispose();
          continue;
        }
        expect(Array.from(await take(alias())), name).toEqual(Array.from(await take(a)));
      }
      ids.dispose();
      x.dispose();
      m.dispose();
    });

    it('a target given as a number, an array or an int32 tensor gives the same attributions, for every method', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const tt = e.tensor([2, 2], [B], 'int32');
      for (const [name, run] of METHODS) {
        const byNumber = await take(run(m, x, { target: 2 }));
        expectClose(await take(run(m, x, { target: tt })), byNumber, 1e-6, `${name} tensor target`);
        expectClose(await take(run(m, x, { target: [2, 2] })), byNumber, 1e-6, `${name} array target`);
      }
      await expect(saliency(m, x, { target: e.tensor([1, 2, 3], [3], 'int32') })).rejects.toThrow(
        /options.target as a tensor must be \[B\] = \[2\] class indices, got \[3\]/,
      );
      for (const [name, run] of METHODS) await expect(run(m, x, { target: null }), name).rejects.toThrow(ValueError);
      tt.dispose();
      x.dispose();
      m.dispose();
    });

    it('progress reports end at done = total; an aborted signal rejects with CancelledError; chunked methods yield', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const before = e.memory();
      for (const [name, run] of METHODS) {
        const reports: Progress[] = [];
        let timerFired = false;
        let firedBeforeEnd = false;
        setTimeout(() => (timerFired = true), 0);
        const out = await run(m, x, {
          onProgress: (p: Progress) => {
            reports.push(p);
            if (p.done < p.total && timerFired) firedBeforeEnd = true;
          },
        });
        out.dispose();
        expect(reports.length, name).toBeGreaterThan(0);
        const last = reports.filter((p) => p.stage === reports[0].stage).at(-1)!;
        expect(last.done, name).toBe(last.total);
        for (const p of reports) expect(p.done, name).toBeLessThanOrEqual(p.total);
        if (CHUNKED.has(name)) {
          expect(reports.filter((p) => p.stage === reports[0].stage).length, `${name}: several chunks`).toBeGreaterThan(1);
          expect(firedBeforeEnd, `${name}: a timer ran between chunks`).toBe(true);
        }
        const ac = new AbortController();
        ac.abort();
        await expect(run(m, x, { signal: ac.signal }), name).rejects.toThrow(CancelledError);
        if (CHUNKED.has(name)) {
          const mid = new AbortController();
          await expect(run(m, x, { signal: mid.signal, onProgress: () => mid.abort() }), name).rejects.toThrow(
            new RegExp(`^${name}: cancelled$`),
          );
        }
      }
      expect(e.memory().liveTensors).toBe(before.liveTensors);
      x.dispose();
      m.dispose();
    });

    it('memory stays flat across repeated calls of every method', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      await take(saliency(m, x, { target: 1 })); // warm the pools
      for (const [, run] of METHODS) await take(run(m, x, {}));
      const before = e.memory();
      for (let rep = 0; rep < 2; rep++) for (const [, run] of METHODS) await take(run(m, x, {}));
      const after = e.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      x.dispose();
      m.dispose();
    });

    it('warns once when a module is in training mode with dropout or batchnorm; warn: false silences it', async () => {
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      for (const kind of ['dropout', 'batchnorm'] as const) {
        const m = smallCnn(e, kind);
        const seen: string[] = [];
        const warn = (msg: string) => seen.push(msg);
        await take(saliency(m, x, { target: 1, warn }));
        await take(saliency(m, x, { target: 1, warn }));
        expect(seen, kind).toHaveLength(1);
        expect(seen[0]).toMatch(
          new RegExp(
            `^saliency: the model is in training mode with ${kind === 'dropout' ? 'drop \\(Dropout\\)' : 'bn1 \\(BatchNorm2d\\)'} active.*call model\\.eval\\(\\) first`,
          ),
        );
        await take(occlusion(m, x, { target: 1, window: [1, 4, 4], strides: 4, warn }));
        expect(seen, `${kind}: once per method`).toHaveLength(2);
        const quiet = smallCnn(e, kind);
        const noWarn: string[] = [];
        const orig = console.warn;
        console.warn = (msg: string) => noWarn.push(msg);
        try {
          await take(saliency(quiet, x, { target: 1, warn: false }));
          quiet.eval();
          await take(saliency(quiet, x, { target: 1 }));
        } finally {
          console.warn = orig;
        }
        expect(noWarn, `${kind}: warn false, then eval mode`).toEqual([]);
        m.dispose();
        quiet.dispose();
      }
      x.dispose();
    });

    it('integratedGradients warns when the convergence delta is large (scale-invariant model), not on a linear model', async () => {
      const N = 16;
      const w = e.tensor(randArray(N, 5), [1, N]);
      const xs = e.tensor(randArray(B * N, 6, 0.5, 1.5), [B, N]);
      // f(x) = Σ w · x / rms(x): invariant to the scale of x, like a normalised log-mel front end.
      const scaleInvariant: Model = (v) => reshape(sum(mul(div(v, sqrt(add(mean(square(v), 1, true), 1e-12))), w), 1), [v.shape[0], 1]);
      const linear: Model = (v) => reshape(sum(mul(v, w), 1), [v.shape[0], 1]);
      const seen: string[] = [];
      const warn = (msg: string) => seen.push(msg);
      const r = await integratedGradients(scaleInvariant, xs, { target: 0, warn, returnConvergenceDelta: true });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(
        /^integratedGradients: the attributions of example \d miss F\(x\) − F\(baseline\) = .* by .*scale-invariant preprocessing.*a baseline on a plateau/,
      );
      const d = await r.delta.read();
      expect(Math.max(...Array.from(d, Math.abs))).toBeGreaterThan(0.05);
      r.attributions.dispose();
      r.delta.dispose();
      await take(integratedGradients(linear, xs, { target: 0, warn }));
      expect(seen).toHaveLength(1);
      // warn: false skips the check (and its extra forward pass).
      const orig = console.warn;
      const quiet: string[] = [];
      console.warn = (msg: string) => quiet.push(msg);
      try {
        await take(integratedGradients(scaleInvariant, xs, { target: 0, warn: false }));
      } finally {
        console.warn = orig;
      }
      expect(quiet).toEqual([]);
      for (const t of [w, xs]) t.dispose();
    });

    it('bad models, rank-1 inputs, layers given as modules and IG steps past the bound get library errors', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const wave = e.tensor(randArray(64, 7), [64]);
      const fnModel: Model = (v) => reshape(v, [v.shape[0], -1]);
      for (const run of [saliency, integratedGradients, occlusion, featureAblation] as const) {
        const o = { target: 0, ...(run === occlusion ? { window: [4] } : {}) };
        await expect((run as unknown as Run)(fnModel, wave, o), run.name).rejects.toThrow(ShapeError);
        await expect((run as unknown as Run)(fnModel, wave, o), run.name).rejects.toThrow(
          /inputs must be \[B, \.\.\.features\] with a batch axis, got \[64\] — for one example use reshape\(x, \[1, 64\]\)/,
        );
      }
      for (const bad of [null, {}, 3]) {
        for (const [name, run] of METHODS)
          await expect(run(bad as never, x, {}), name).rejects.toThrow(/model must be an nn Module or a function/);
      }
      const numberModel = (() => 3) as unknown as Model;
      for (const [name, run] of METHODS.filter(([n]) => !n.includes('Cam'))) {
        await expect(run(numberModel, x, {}), name).rejects.toThrow(/the model must return a Tensor of logits \[B, nClasses\], got 3/);
      }
      const err = await gradCam(m, x, { target: 1, layer: m.getSubmodule('conv1') as never }).then(
        () => null,
        (er: unknown) => er as Error,
      );
      expect(err).toBeInstanceOf(ValueError);
      expect(err!.message).toBe(
        "gradCam: options.layer must be a layer name (a string), got a Conv2d module; its name in this model is 'conv1'",
      );
      await expect(integratedGradients(m, x, { target: 1, steps: MAX_IG_STEPS + 1 })).rejects.toThrow(
        /options.steps = 10001 exceeds the limit of 10000/,
      );
      wave.dispose();
      x.dispose();
      m.dispose();
    });

    it('featureAblation: ids 0, 2^24, 2^24 + 1 and 2^31 − 1 are four features (compared as integers after remapping)', async () => {
      const m = smallCnn(e);
      const x = e.tensor(X_HOST, [B, 1, S, S]);
      const raw = [0, 2 ** 24, 2 ** 24 + 1, 2 ** 31 - 1];
      const quarter = (i: number) => Math.floor(i / 16);
      const big = e.tensor(
        Int32Array.from({ length: S * S }, (_, i) => raw[quarter(i)]),
        [1, 1, S, S],
        'int32',
      );
      const small = e.tensor(
        Int32Array.from({ length: S * S }, (_, i) => quarter(i)),
        [1, 1, S, S],
        'int32',
      );
      const progress: Progress[] = [];
      const a = await take(featureAblation(m, x, { target: [0, 3], featureMask: big, onProgress: (p) => progress.push(p) }));
      expect(progress.at(-1)).toEqual({ done: 4, total: 4, stage: 'featureAblation' });
      const b = await take(featureAblation(m, x, { target: [0, 3], featureMask: small }));
      expect(Array.from(a)).toEqual(Array.from(b));
      // Rows 2 and 3 (ids 2^24 and 2^24 + 1) are separate features: their attributions differ.
      expect(a[2 * 16]).not.toBe(a[3 * 16]);
      for (const t of [big, small, x]) t.dispose();
      m.dispose();
    });
  });
}
