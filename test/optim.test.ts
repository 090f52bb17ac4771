/**
 * Adam and SGD against PyTorch's update rules, on the CPU engine and on WebGPU:
 * - hand-computed first steps (Adam's first step is lr * g / (|g| + eps) after bias correction;
 *   SGD's is lr * g, its momentum buffer starting at the first gradient);
 * - several steps against a float64 host transcription of torch.optim.Adam / torch.optim.SGD
 *   (weight decay, amsgrad, betas on both branches of torch.lerp, a large eps that tells
 *   sqrt(v)/sqrt(bc2) + eps apart from other placements, momentum, dampening, nesterov), compared
 *   at |got - want| <= 2e-6 * max(1, |want|) with lr 0.1, far below the ~lr-sized error of a
 *   wrong rule;
 * - gradients by name, null gradients (skipped, as a None .grad), lr changes, argument errors,
 *   state ownership (no leaks; dispose releases the moments);
 * - the golden train step: one Adam step (lr 1e-3) on PyTorch's float64 gradients of the genre
 *   and digit CNNs reproduces params_after_one_adam_step_lr_1e-3 within each entry's tolerance
 *   in its primary measure (test/fixtures/golden/*_adam_step.safetensors, made by
 *   scripts/extract-golden-adam.py from ../shared/golden), both on bare parameter refs and on
 *   models.genreCNN / models.digitCNN loaded from the PyTorch weights with loadCheckpoint.
 * WebGPU suites skip only when gpuBackend() finds no adapter (it throws under CI).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { DTypeError, ShapeError, ValueError } from '../src/engine/errors.js';
import { hostToTensor } from '../src/engine/safetensors.js';
import { keep, tidy } from '../src/engine/scope.js';
import type { Tensor } from '../src/engine/tensor.js';
import * as models from '../src/models/index.js';
import { Adam, SGD, type AdamOptions, type ParamRef, type SGDOptions } from '../src/optim/index.js';
import { loadCheckpoint } from '../src/train/fit.js';
import { goldenFile, measures } from './helpers/golden.js';
import { gpuBackend } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const gpuAvailable = (await gpuBackend()) !== null;

/** A Module-like holder of named parameters with parameterRefs() (set disposes the old tensor, keeps the new). */
class ParamStore {
  private tensors = new Map<string, Tensor>();
  readonly refs: ParamRef[];
  constructor(e: Engine, init: Record<string, { data: ArrayLike<number>; shape: number[] }>) {
    for (const [name, { data, shape }] of Object.entries(init)) this.tensors.set(name, keep(e.tensor(data, shape)));
    this.refs = [...this.tensors.keys()].map((name) => ({
      name,
      get: () => this.tensors.get(name)!,
      set: (t: Tensor) => {
        const old = this.tensors.get(name)!;
        if (old !== t) old.dispose();
        this.tensors.set(name, keep(t));
      },
    }));
  }
  parameterRefs(): ParamRef[] {
    return this.refs;
  }
  get(name: string): Tensor {
    return this.tensors.get(name)!;
  }
  async values(name: string): Promise<number[]> {
    return Array.from(await this.tensors.get(name)!.readFloat());
  }
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
  }
}

// ---- float64 transcriptions of torch.optim.Adam / SGD (single-tensor path) ----

interface HostAdamState {
  m: number[];
  v: number[];
  vmax: number[];
  step: number;
}

function hostAdam(p: number[], g0: number[], s: HostAdamState, o: Required<AdamOptions>): number[] {
  const [b1, b2] = o.betas;
  s.step++;
  const bc1 = 1 - b1 ** s.step;
  const bc2 = 1 - b2 ** s.step;
  return p.map((pi, i) => {
    const g = g0[i] + o.weightDecay * pi;
    const w = 1 - b1;
    s.m[i] = w < 0.5 ? s.m[i] + w * (g - s.m[i]) : g - (g - s.m[i]) * (1 - w);
    s.v[i] = b2 * s.v[i] + (1 - b2) * g * g;
    s.vmax[i] = Math.max(s.vmax[i], s.v[i]);
    const denom = Math.sqrt(o.amsgrad ? s.vmax[i] : s.v[i]) / Math.sqrt(bc2) + o.eps;
    return pi - (o.lr / bc1) * (s.m[i] / denom);
  });
}

function hostSgd(p: number[], g0: number[], buf: number[] | null, o: Required<SGDOptions>): { p: number[]; buf: number[] | null } {
  let g = g0.map((gi, i) => gi + o.weightDecay * p[i]);
  let b = buf;
  if (o.momentum !== 0) {
    b = buf ? buf.map((bi, i) => o.momentum * bi + (1 - o.dampening) * g[i]) : g.slice();
    const bb = b;
    g = o.nesterov ? g.map((gi, i) => gi + o.momentum * bb[i]) : bb.slice();
  }
  return { p: p.map((pi, i) => pi - o.lr * g[i]), buf: b };
}

function expectClose(got: readonly number[], want: readonly number[], what: string, tol = 2e-6): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]), `${what}[${i}]: got ${g}, want ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]))),
  );
}

const ADAM_DEFAULTS: Required<AdamOptions> = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false };
const SGD_DEFAULTS: Required<SGDOptions> = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };

/** Parameters a [2,3] and b [4], gradients drawn per step (some exact zeros). */
const SHAPES: Record<string, number[]> = { a: [2, 3], b: [4] };
function initData(): Record<string, { data: Float32Array; shape: number[] }> {
  return { a: { data: randArray(6, 11, -2, 2), shape: SHAPES.a }, b: { data: randArray(4, 12, -1, 1), shape: SHAPES.b } };
}
function gradData(step: number): Record<string, Float32Array> {
  const a = randArray(6, 100 + step, -1, 1);
  const b = randArray(4, 200 + step, -0.3, 0.3);
  a[2] = 0; // a zero gradient: Adam moves it by 0 (m = 0) only while it stays 0
  if (step === 0) b[1] = 1e-9; // far below eps on the first step
  return { a, b };
}

interface GoldenAdam {
  model: string;
  file: ReturnType<typeof goldenFile>;
  names: string[];
  lr: number;
  tol: Record<string, { primary: string; max_abs_rel: number; rel_l2: number; max_abs?: number }>;
}

/** test/fixtures/golden/{model}_adam_step.safetensors: param.*, grad.*, expected.* and the tolerances. */
function goldenAdam(model: 'digit' | 'genre'): GoldenAdam {
  const file = goldenFile(`${model}_adam_step.safetensors`);
  const tol = JSON.parse(file.metadata.tolerances) as GoldenAdam['tol'];
  const names = Object.keys(tol);
  expect(names.length).toBeGreaterThan(0);
  return { model, file, names, lr: Number(file.metadata.lr), tol };
}

/** Checks every parameter after the step against the reference in its primary measure; returns one report line each. */
async function judge(g: GoldenAdam, got: (name: string) => Tensor): Promise<string[]> {
  const report: string[] = [];
  for (const n of g.names) {
    const v = await got(n).readFloat();
    const want = g.file.tensors[`expected.${n}`].data as Float32Array;
    const m: Record<string, number> = measures(v, want);
    const t = g.tol[n];
    const limit = t[t.primary as keyof typeof t] as number;
    const value = m[t.primary];
    report.push(`${g.model} ${n}: ${t.primary} ${value.toExponential(2)} / ${limit} = ${(value / limit).toFixed(4)}`);
    expect(value, `${g.model} ${n}: ${t.primary} (tolerance ${limit})`).toBeLessThanOrEqual(limit);
  }
  return report;
}

/** The float32 values the engine holds for host data (the references start from them). */
const f32 = (xs: ArrayLike<number>): number[] => Array.from(Float32Array.from(xs));

for (const kind of ['cpu', 'webgpu'] as const) {
  describe.skipIf(kind === 'webgpu' && !gpuAvailable)(`optimisers on ${kind}`, () => {
    let e: Engine;
    const ready = (async () => {
      e = await createEngine({ backend: kind });
    })();
    afterAll(() => e?.dispose());

    /** Runs `steps` steps of opt on a fresh store and checks each against the host rule. */
    async function againstHost(
      make: (store: ParamStore) => Adam | SGD,
      host: (name: string, p: number[], g: number[], step: number) => number[],
      steps = 5,
    ): Promise<void> {
      await ready;
      const store = new ParamStore(e, initData());
      const opt = make(store);
      const want: Record<string, number[]> = Object.fromEntries(Object.entries(initData()).map(([k, v]) => [k, f32(v.data)]));
      for (let s = 0; s < steps; s++) {
        const gd = gradData(s);
        const grads = tidy(() => store.refs.map((r) => e.tensor(gd[r.name], SHAPES[r.name])));
        opt.step(grads);
        for (const g of grads) g.dispose();
        for (const name of Object.keys(SHAPES)) {
          want[name] = host(name, want[name], f32(gd[name]), s);
          expectClose(await store.values(name), want[name], `step ${s + 1} ${name}`);
        }
      }
      expect(opt.stepCount(0)).toBe(steps);
      opt.dispose();
      store.dispose();
    }

    it('runs on the requested backend', async () => {
      await ready;
      expect(e.backend).toBe(kind);
    });

    it("Adam's first step is lr * g / (|g| + eps) (hand-computed)", async () => {
      await ready;
      const store = new ParamStore(e, { w: { data: [1, -2, 0.5, 3], shape: [4] } });
      const opt = new Adam(store, { lr: 0.1 });
      const g = e.tensor([0.5, -0.25, 0, 1e-8]);
      opt.step([g]);
      // m_hat = g, v_hat = g^2 (bias-corrected), so the step is lr * g / (|g| + eps).
      expectClose(await store.values('w'), [1 - 0.1 * (0.5 / (0.5 + 1e-8)), -2 + 0.1 * (0.25 / (0.25 + 1e-8)), 0.5, 3 - 0.1 * 0.5], 'w');
      g.dispose();
      opt.dispose();
      store.dispose();
    });

    it('Adam (defaults but lr) matches the PyTorch rule over 5 steps', async () => {
      const o = { ...ADAM_DEFAULTS, lr: 0.1 };
      const states = new Map<string, HostAdamState>();
      await againstHost(
        (st) => new Adam(st, { lr: 0.1 }),
        (name, p, g) => {
          if (!states.has(name)) states.set(name, { m: p.map(() => 0), v: p.map(() => 0), vmax: p.map(() => 0), step: 0 });
          return hostAdam(p, g, states.get(name)!, o);
        },
      );
    });

    for (const [label, opts] of [
      ['weight decay', { lr: 0.1, weightDecay: 0.3 }],
      ['amsgrad', { lr: 0.1, amsgrad: true }],
      ['betas [0.6, 0.9] and a large eps (1e-2)', { lr: 0.1, betas: [0.6, 0.9], eps: 1e-2 }],
      ['beta1 0.2 (the other lerp branch), weight decay and amsgrad', { lr: 0.05, betas: [0.2, 0.99], weightDecay: 0.1, amsgrad: true }],
    ] as [string, AdamOptions][]) {
      it(`Adam with ${label} matches the PyTorch rule over 5 steps`, async () => {
        const o = { ...ADAM_DEFAULTS, ...opts };
        const states = new Map<string, HostAdamState>();
        await againstHost(
          (st) => new Adam(st, opts),
          (name, p, g) => {
            if (!states.has(name)) states.set(name, { m: p.map(() => 0), v: p.map(() => 0), vmax: p.map(() => 0), step: 0 });
            return hostAdam(p, g, states.get(name)!, o);
          },
        );
      });
    }

    it('SGD first steps (hand-computed): plain, momentum, nesterov', async () => {
      await ready;
      const store = new ParamStore(e, { w: { data: [1, -2], shape: [2] } });
      const plain = new SGD(store, { lr: 0.5 });
      const g1 = e.tensor([0.2, -0.4]);
      plain.step([g1]);
      expectClose(await store.values('w'), [0.9, -1.8], 'plain');
      const mom = new SGD(store, { lr: 0.5, momentum: 0.9 });
      mom.step([g1]); // buf = g
      expectClose(await store.values('w'), [0.8, -1.6], 'momentum step 1');
      mom.step([g1]); // buf = 0.9 g + g = 1.9 g
      expectClose(await store.values('w'), [0.8 - 0.5 * 1.9 * 0.2, -1.6 + 0.5 * 1.9 * 0.4], 'momentum step 2');
      const nes = new SGD(store, { lr: 1, momentum: 0.5, nesterov: true });
      const before = await store.values('w');
      nes.step([g1]); // buf = g, update g + 0.5 g
      expectClose(await store.values('w'), [before[0] - 1.5 * 0.2, before[1] + 1.5 * 0.4], 'nesterov step 1');
      for (const t of [g1]) t.dispose();
      for (const o of [plain, mom, nes]) o.dispose();
      store.dispose();
    });

    for (const [label, opts] of [
      ['no momentum', { lr: 0.1 }],
      ['weight decay', { lr: 0.1, weightDecay: 0.2 }],
      ['momentum 0.9', { lr: 0.1, momentum: 0.9 }],
      ['momentum and dampening 0.3', { lr: 0.1, momentum: 0.8, dampening: 0.3, weightDecay: 0.05 }],
      ['nesterov', { lr: 0.1, momentum: 0.9, nesterov: true }],
      ['nesterov and weight decay', { lr: 0.1, momentum: 0.7, nesterov: true, weightDecay: 0.1 }],
    ] as [string, SGDOptions][]) {
      it(`SGD with ${label} matches the PyTorch rule over 5 steps`, async () => {
        const o = { ...SGD_DEFAULTS, ...opts };
        const bufs = new Map<string, number[] | null>();
        await againstHost(
          (st) => new SGD(st, opts),
          (name, p, g) => {
            const r = hostSgd(p, g, bufs.get(name) ?? null, o);
            bufs.set(name, r.buf);
            return r.p;
          },
        );
      });
    }

    it('takes gradients by name; null skips a parameter (its step count and state stay)', async () => {
      await ready;
      const store = new ParamStore(e, initData());
      const opt = new Adam(store.refs, { lr: 0.1 });
      expect(opt.paramNames).toEqual(['a', 'b']);
      const gd = gradData(0);
      const ga = e.tensor(gd.a, SHAPES.a);
      const gb = e.tensor(gd.b, SHAPES.b);
      const b0 = await store.values('b');
      opt.step({ a: ga, b: null });
      expect(await store.values('b')).toEqual(b0);
      expect([opt.stepCount(0), opt.stepCount(1)]).toEqual([1, 0]);
      opt.step([null, gb]);
      expect([opt.stepCount(0), opt.stepCount(1)]).toEqual([1, 1]);
      // b's first step: bias-corrected, so lr * g / (|g| + eps).
      expectClose(
        await store.values('b'),
        b0.map((p, i) => p - 0.1 * (f32(gd.b)[i] / (Math.abs(f32(gd.b)[i]) + 1e-8))),
        'b',
      );
      // lr can change between steps (a schedule).
      opt.lr = 0;
      const a1 = await store.values('a');
      opt.step({ b: gb, a: ga });
      expect(await store.values('a')).toEqual(a1);
      expect(() => (opt.lr = NaN)).toThrow(/Adam: lr must be a finite number >= 0, got NaN/);
      for (const t of [ga, gb]) t.dispose();
      opt.dispose();
      store.dispose();
    });

    it('rejects bad arguments with errors naming them, before changing anything', async () => {
      await ready;
      const store = new ParamStore(e, initData());
      const ga = e.tensor(gradData(0).a, SHAPES.a);
      const gb = e.tensor(gradData(0).b, SHAPES.b);
      expect(() => new Adam(store, { lr: NaN })).toThrow(ValueError);
      expect(() => new Adam(store, { lr: NaN })).toThrow(/Adam: lr must be a finite number >= 0, got NaN/);
      expect(() => new SGD(store, { lr: NaN })).toThrow(/SGD: lr must be a finite number >= 0, got NaN/);
      expect(() => new SGD(store, { lr: -1 })).toThrow(/SGD: lr must be/);
      expect(() => new Adam(store, { betas: [0.9, 1] })).toThrow(/Adam: betas\[1\] must be a finite number in \[0, 1\), got 1/);
      expect(() => new Adam(store, { eps: -1 })).toThrow(/Adam: eps must be/);
      expect(() => new Adam(store, { weightDecay: Infinity })).toThrow(/Adam: weightDecay must be/);
      expect(() => new Adam(store, { weight_decay: 0.1 } as AdamOptions)).toThrow(/Adam: unknown option 'weight_decay'/);
      expect(() => new SGD(store, { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov momentum needs momentum > 0 and dampening 0/);
      expect(() => new SGD(store, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/nesterov/);
      expect(() => new Adam({} as never)).toThrow(/Adam: params must be an array of parameter refs or an object with parameterRefs\(\)/);
      const opt = new Adam(store, { lr: 0.1 });
      const a0 = await store.values('a');
      expect(() => opt.step([ga])).toThrow(/Adam.step: grads has 1 entries but the optimiser has 2 parameters \(a, b\)/);
      expect(() => opt.step([gb, ga])).toThrow(ShapeError);
      expect(() => opt.step([ga, ga])).toThrow(/Adam.step: grads\[1\] has shape \[2, 3\], but parameter 1 'b' has shape \[4\]/);
      expect(() => opt.step({ a: ga })).toThrow(/Adam.step: grads has no entry for parameter 'b'/);
      expect(() => opt.step({ a: ga, b: gb, c: gb })).toThrow(/Adam.step: grads\['c'\] names no parameter/);
      const gi = e.tensor([1, 2, 3, 4], [4], 'int32');
      expect(() => opt.step([ga, gi])).toThrow(DTypeError);
      expect(() => opt.step([ga, gi])).toThrow(/Adam.step: grads\[1\] must be float32, got int32/);
      const dead = e.tensor([1, 2, 3, 4]);
      dead.dispose();
      expect(() => opt.step([ga, dead])).toThrow(/Adam.step: grads\[1\]/);
      // Nothing was updated by the failed calls (a is checked first but b's error came before any write).
      expect(await store.values('a')).toEqual(a0);
      expect(opt.stepCount(0)).toBe(0);
      opt.dispose();
      expect(() => opt.step([ga, gb])).toThrow(/Adam.step: the optimiser was disposed/);
      for (const t of [ga, gb, gi]) t.dispose();
      store.dispose();
    });

    it('keeps only its state alive: no leaks per step, dispose() frees the moments, parameters survive tidy', async () => {
      await ready;
      const store = new ParamStore(e, initData());
      const base = e.memory().liveTensors;
      const adam = new Adam(store, { lr: 0.1, amsgrad: true, weightDecay: 0.1 });
      const sgd = new SGD(store, { lr: 0.1, momentum: 0.9, nesterov: true });
      const gd = gradData(1);
      for (let s = 0; s < 4; s++) {
        // Inside an enclosing tidy, as in a training loop: the new parameters must survive it.
        tidy(() => {
          const grads = [e.tensor(gd.a, SHAPES.a), e.tensor(gd.b, SHAPES.b)];
          adam.step(grads);
          sgd.step(grads);
        });
        // Adam: m, v, vmax per parameter; SGD: one buffer per parameter.
        expect(e.memory().liveTensors).toBe(base + 2 * 3 + 2 * 1);
      }
      for (const r of store.refs) expect(r.get().isDisposed).toBe(false);
      adam.dispose();
      sgd.dispose();
      expect(e.memory().liveTensors).toBe(base);
      store.dispose();
    });

    it('one Adam step on the golden CNN train-step gradients reproduces PyTorch within tolerance', async () => {
      await ready;
      for (const model of ['digit', 'genre'] as const) {
        const g = goldenAdam(model);
        const tensors = new Map<string, Tensor>(g.names.map((n) => [n, keep(hostToTensor(e, g.file.tensors[`param.${n}`]))]));
        const refs: ParamRef[] = g.names.map((n) => ({
          name: n,
          get: () => tensors.get(n)!,
          set: (t) => {
            tensors.get(n)!.dispose();
            tensors.set(n, keep(t));
          },
        }));
        const opt = new Adam(refs, { lr: g.lr });
        const grads = Object.fromEntries(g.names.map((n) => [n, hostToTensor(e, g.file.tensors[`grad.${n}`])]));
        opt.step(grads);
        const report = await judge(g, (n) => tensors.get(n)!);
        console.log(`[${kind}] golden Adam step (parameter refs):\n  ${report.join('\n  ')}`);
        for (const t of Object.values(grads)) t.dispose();
        opt.dispose();
        for (const t of tensors.values()) t.dispose();
      }
    });

    it('the same on the models (PyTorch weights loaded with loadCheckpoint, Adam over the Module, gradients by name)', async () => {
      await ready;
      for (const name of ['digit', 'genre'] as const) {
        const g = goldenAdam(name);
        const model = name === 'genre' ? models.genreCNN(e, { seed: 1 }) : models.digitCNN(e, { seed: 1 });
        // The PyTorch state_dict as saved by safetensors.torch.save_file (num_batches_tracked int64).
        loadCheckpoint(model, readFileSync(new URL(`./fixtures/golden/${name}_cnn.safetensors`, import.meta.url)));
        const opt = new Adam(model, { lr: g.lr });
        expect([...opt.paramNames].sort()).toEqual([...g.names].sort());
        const sd = model.stateDict();
        for (const n of g.names)
          expect(Array.from(await sd[n].readFloat()), `${name} ${n} loaded`).toEqual(
            Array.from(g.file.tensors[`param.${n}`].data as Float32Array),
          );
        const grads = Object.fromEntries(g.names.map((n) => [n, hostToTensor(e, g.file.tensors[`grad.${n}`])]));
        opt.step(grads);
        const after = model.stateDict();
        const report = await judge(g, (n) => after[n]);
        console.log(`[${kind}] golden Adam step (${name}CNN module):\n  ${report.join('\n  ')}`);
        for (const t of Object.values(grads)) t.dispose();
        opt.dispose();
        model.dispose();
      }
    });
  });
}
