/**
 * Concepts (TCAV) on the CPU reference and on WebGPU:
 * - goldens (test/fixtures/golden/tcav.json, scikit-learn 1.9 and SciPy 1.17 in float64, copied by
 *   scripts/extract-golden-tcav.py): CAV coef and intercept within 1e-3 relative (max|Δ| / max|ref|),
 *   train accuracy and TCAV scores exactly, Student and Welch t and p within 1e-6;
 * - a planted model whose target logit is u·h at layer h: concept scores 1 (and 0 for the opposite
 *   class), significant; a random "concept" is not;
 * - directional derivatives equal an explicit per-example gradient · CAV (1e-4 relative);
 * - bad input errors, progress, cancellation, and no device memory growth over repeated calls.
 * Shapes are small: the whole file runs in well under a minute per backend.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import {
  add,
  CancelledError,
  gradientTape,
  hostToTensor,
  matmul,
  mul,
  slice,
  stack,
  sum,
  type Tensor,
  ValueError,
} from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';
import {
  directionalDerivatives,
  layerActivations,
  relativeTcav,
  tcav,
  tcavChartSvg,
  tcavScores,
  trainCav,
  ttest,
} from '../src/concepts/index.js';
import { goldenJson, goldenTensors } from './helpers/golden.js';
import { enginePair } from './helpers/gpu.js';

interface TcavGolden {
  cavs: Record<string, { intercept: number; train_accuracy: number }>;
  tcav_scores: number[];
  random_vs_random_scores: number[];
  ttest_student: { t: number; p: number };
  ttest_welch: { t: number; p: number };
}
const G = goldenJson<TcavGolden>('tcav.json');
const T = goldenTensors('tcav.ref.safetensors');

const pair = await enginePair();
afterAll(() => pair.dispose());

const maxAbsRel = (got: ArrayLike<number>, ref: ArrayLike<number>) => {
  let d = 0;
  let r = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(got[i] - ref[i]));
    r = Math.max(r, Math.abs(ref[i]));
  }
  return Number.isNaN(d) ? Infinity : d / r;
};

describe('ttest (host, scipy.stats.ttest_ind)', () => {
  it('matches the goldens for Student and Welch within 1e-6', () => {
    const s = ttest(G.tcav_scores, G.random_vs_random_scores);
    const w = ttest(G.tcav_scores, G.random_vs_random_scores, {
      equalVar: false,
    });
    expect(Math.abs(s.t - G.ttest_student.t)).toBeLessThan(1e-6);
    expect(Math.abs(s.p - G.ttest_student.p)).toBeLessThan(1e-6);
    expect(Math.abs(w.t - G.ttest_welch.t)).toBeLessThan(1e-6);
    expect(Math.abs(w.p - G.ttest_welch.p)).toBeLessThan(1e-6);
    expect(s.df).toBe(10);
  });
  it('handles constant samples like scipy and rejects bad samples', () => {
    expect(ttest([1, 1, 1], [0, 0, 0])).toMatchObject({ t: Infinity, p: 0 });
    expect(Number.isNaN(ttest([1, 1], [1, 1]).t)).toBe(true);
    expect(() => ttest([1], [0, 1])).toThrow(/a must hold at least 2 values/);
    expect(() => ttest([1, NaN], [0, 1])).toThrow(/a\[1\] must be a finite number/);
    expect(() => ttest([1, 2], [0, 1], { equal_vr: true } as never)).toThrow(/unknown option 'equal_vr'.*equalVar/);
  });
});

/** A planted model: h = x (identity Linear named 'h'), logits = [−u·h, u·h] (the head 'head'). */
function plantedModel(engine: Engine, u: number[]): nn.Sequential {
  const D = u.length;
  const h = new nn.Linear(engine, D, D, { seed: 1 });
  const head = new nn.Linear(engine, D, 2, { seed: 2 });
  const eye = new Float32Array(D * D);
  for (let i = 0; i < D; i++) eye[i * D + i] = 1;
  h.loadStateDict({
    weight: { dtype: 'F32', shape: [D, D], data: eye },
    bias: { dtype: 'F32', shape: [D], data: new Float32Array(D) },
  });
  head.loadStateDict({
    weight: {
      dtype: 'F32',
      shape: [2, D],
      data: Float32Array.from([...u.map((v) => -v), ...u]),
    },
    bias: { dtype: 'F32', shape: [2], data: new Float32Array(2) },
  });
  const model = new nn.Sequential(engine, [
    ['h', h],
    ['head', head],
  ]);
  model.eval();
  return model;
}

for (const backend of ['cpu', 'webgpu'] as const) {
  const engine = backend === 'cpu' ? pair.cpu : pair.gpu;
  describe.skipIf(!engine)(`concepts on ${backend}`, () => {
    const e = engine as Engine;
    const host = (name: string) => hostToTensor(e, T[name]);

    it('trainCav matches scikit-learn (coef, intercept 1e-3 relative; accuracy exactly) and TCAV scores the goldens exactly', async () => {
      const concept = host('concept_acts');
      const grads = host('logit_grads');
      const vectors: Tensor[] = [];
      for (let k = 0; k < 6; k++) {
        const random = host(`random_acts.random${k}`);
        const cav = await trainCav(concept, random, { testFraction: 0 });
        const ref = G.cavs[`concept_vs_random${k}`];
        expect(maxAbsRel(await cav.coef.read(), T[`cavs.concept_vs_random${k}.coef`].data as Float64Array)).toBeLessThan(1e-3);
        expect(Math.abs(cav.intercept - ref.intercept) / Math.abs(ref.intercept)).toBeLessThan(1e-3);
        expect(cav.trainAccuracy).toBe(ref.train_accuracy);
        expect(cav.accuracy).toBeNull();
        expect(cav.converged).toBe(true);
        const v = await cav.vector.read();
        expect(Math.hypot(...v)).toBeCloseTo(1, 5);
        vectors.push(cav.vector);
        cav.coef.dispose();
        random.dispose();
      }
      const V = stack(vectors, 0);
      const S = matmul(grads, V, { transB: true });
      const { scores } = await tcavScores(S);
      expect(scores).toEqual(G.tcav_scores);
      const s = ttest(scores, G.random_vs_random_scores);
      expect(Math.abs(s.t - G.ttest_student.t)).toBeLessThan(1e-6);
      expect(Math.abs(s.p - G.ttest_student.p)).toBeLessThan(1e-6);
      [concept, grads, V, S, ...vectors].forEach((t) => t.dispose());
    });

    it('linear_svm and sgd give CAVs close in direction to the logistic one, with held-out accuracy', async () => {
      const concept = host('concept_acts');
      const random = host('random_acts.random0');
      const ref = await trainCav(concept, random, { seed: 3 });
      const refV = await ref.vector.readFloat();
      expect(ref.accuracy).toBeGreaterThan(0.8);
      for (const method of ['linear_svm', 'sgd'] as const) {
        const cav = await trainCav(concept, random, { method, seed: 3 });
        const v = await cav.vector.readFloat();
        const cos = v.reduce((s, x, i) => s + x * refV[i], 0);
        expect(cos, method).toBeGreaterThan(0.9);
        expect(cav.accuracy!, method).toBeGreaterThan(ref.accuracy! - 0.15);
        cav.dispose();
      }
      [concept, random].forEach((t) => t.dispose());
      ref.dispose();
    });

    it('directionalDerivatives equal an explicit per-example gradient · CAV', async () => {
      const model = new nn.Sequential(e, [
        ['conv', new nn.Conv2d(e, 1, 3, 3, { padding: 1, seed: 4 })],
        ['relu', new nn.ReLU(e)],
        ['flatten', new nn.Flatten(e)],
        ['fc', new nn.Linear(e, 3 * 5 * 7, 4, { seed: 5 })],
      ]);
      model.eval();
      const x = e.randn([5, 1, 5, 7], { seed: 6 });
      const cavs = e.randn([3, 3 * 5 * 7], { seed: 7 });
      const target = [0, 3, 1, 2, 3];
      const S = await directionalDerivatives(model, x, {
        layer: 'conv',
        target,
        cavs,
        maxBatch: 2,
      });
      const got = await S.read();
      const C = await cavs.read();
      for (let i = 0; i < 5; i++) {
        const g = gradientTape((tape) => {
          const { output, activations } = model.forwardWithActivations(slice(x, [i, 0, 0, 0], [1, 1, 5, 7]), ['conv']);
          return tape.gradient(sum(slice(output, [0, target[i]], [1, 1])), [activations.conv])[0];
        });
        const gv = await g.read();
        g.dispose();
        for (let r = 0; r < 3; r++) {
          let ref = 0;
          let scale = 0;
          for (let d = 0; d < gv.length; d++) {
            ref += gv[d] * C[r * gv.length + d];
            scale += Math.abs(gv[d] * C[r * gv.length + d]);
          }
          expect(Math.abs(got[i * 3 + r] - ref)).toBeLessThan(1e-4 * scale);
        }
      }
      const acts = await layerActivations(model, x, ['conv', 'fc'], {
        maxBatch: 3,
      });
      expect(acts.conv.shape).toEqual([5, 105]);
      expect(acts.fc.shape).toEqual([5, 4]);
      [S, x, cavs, acts.conv, acts.fc].forEach((t) => t.dispose());
    });

    it('tcav on a planted model: concept scores 1 for its class (0 for the other), significant; a random concept is not', async () => {
      const D = 6;
      const u = [0.5, -1, 0.25, 0.75, 0, 1];
      const model = plantedModel(e, u);
      const noise = (seed: number, n = 12) => e.randn([n, D], { seed });
      // The concept: noise shifted by 3·u along the planted direction.
      const concept = e.tidy(() => add(noise(100), mul(e.tensor(u, [1, D]), 3)));
      const randoms = Array.from({ length: 10 }, (_, r) => noise(200 + r));
      const fakeConcept = noise(300);
      const inputs = noise(400, 16);
      const before = e.memory();
      const stages = new Set<string>();
      const run = () =>
        tcav({
          model,
          layers: ['h'],
          targets: [1, 0],
          concepts: { planted: concept, noise: fakeConcept },
          randoms,
          inputs,
          onProgress: (p) => stages.add(p.stage),
        });
      const result = await run();
      await run();
      expect(e.memory().liveTensors).toBe(before.liveTensors);
      expect(e.memory().bytesInUse).toBe(before.bytesInUse);
      expect([...stages].sort()).toEqual(['activations', 'cavs', 'gradients']);
      const json = JSON.parse(JSON.stringify(result));
      expect(json).toEqual(result);
      expect(result.testsRun).toBe(4);
      const entry = (c: string, t: number) => result.entries.find((x) => x.concept === c && x.target === t)!;
      expect(entry('planted', 1).score.mean).toBe(1);
      expect(entry('planted', 1).significant).toBe(true);
      expect(entry('planted', 1).cavAccuracy.mean!).toBeGreaterThan(0.9);
      expect(entry('planted', 1).magnitude.mean).toBeGreaterThan(0);
      expect(entry('planted', 0).score.mean).toBe(0);
      expect(entry('planted', 0).significant).toBe(true);
      expect(entry('noise', 1).significant).toBe(false);
      expect(entry('noise', 1).student.pCorrected!).toBeGreaterThan(0.05);
      expect(result.baselines).toHaveLength(2);
      expect(result.baselines[0].score.runs).toHaveLength(10);
      const svg = tcavChartSvg(result, { classNames: ['minus', 'plus'] });
      expect(svg).toContain('<svg');
      expect(svg).toContain('planted');

      const rel = await relativeTcav({
        model,
        layers: ['h'],
        targets: 1,
        concepts: { planted: concept, noise: fakeConcept },
        randoms,
        inputs,
      });
      expect(rel.entries[0].concept).toBe('planted vs noise');
      expect(rel.entries[0].score.mean).toBe(1);

      // Bad input: clear errors naming the argument.
      const base = {
        model,
        layers: ['h'],
        targets: 1,
        concepts: { planted: concept },
        randoms,
        inputs,
      };
      await expect(tcav({ ...base, randoms: [randoms[0]] })).rejects.toThrow(/randoms must be an array of at least 2 random example sets/);
      await expect(tcav({ ...base, layers: ['hh'] })).rejects.toThrow(/layers\[0\] 'hh' is not a module of the model — did you mean 'h'\?/);
      const one = slice(concept, [0, 0], [1, D]);
      await expect(tcav({ ...base, concepts: { planted: one } })).rejects.toThrow(/concepts\['planted'\] must hold at least 2 examples/);
      await expect(tcav({ ...base, alhpa: 0.1 } as never)).rejects.toThrow(/unknown option 'alhpa' — did you mean 'alpha'\?/);
      const ac = new AbortController();
      ac.abort();
      await expect(tcav({ ...base, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
      const nan = e.tensor([1, 2, NaN, 4, 5, 6, 1, 1, 1, 1, 1, 1], [2, D]);
      await expect(tcav({ ...base, concepts: { planted: concept, broken: nan } })).rejects.toThrow(
        /concepts\['broken'\] row 0 is not finite/,
      );
      await expect(relativeTcav({ ...base, concepts: { planted: concept, noise: fakeConcept }, testFraction: 0 })).rejects.toThrow(
        /testFraction must be > 0/,
      );
      expect(e.memory().liveTensors).toBe(before.liveTensors + 2);
      await expect(trainCav(concept, nan)).rejects.toThrow(/randomActs row 0 is not finite/);
      await expect(trainCav(one, randoms[0])).rejects.toThrow(ValueError);
      [concept, fakeConcept, inputs, one, nan, ...randoms].forEach((t) => t.dispose());
    });
  });
}
