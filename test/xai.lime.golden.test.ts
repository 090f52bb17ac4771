/**
 * LimeBase parity: limeBase() against lime.lime_base.LimeBase.explain_instance_with_data on the
 * recorded 300 × 12 perturbation rows (test/fixtures/golden/lime.json, copied from
 * ../shared/golden by scripts/extract-golden-lime.py): every feature-selection mode, both kernel
 * widths — selected features, weights, intercept, R² and local prediction within 1e-4 (absolute;
 * the fit is float64 on the host, so the agreement is in fact near 1e-12). The surrogate runs on
 * the host whatever the backend; the end-to-end tests on both backends are in xai.lime.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { distancesToFirst, limeBase } from '../src/xai/lime/limeBase.js';
import type { FeatureSelection } from '../src/xai/lime/featureSelection.js';
import { goldenJson } from './helpers/golden.js';

interface LimeGolden {
  data: number[][];
  labels: number[][];
  distances: number[];
  results: Record<string, { intercept: number; local_exp: [number, number][]; score: number; local_pred: number }>;
}

const TOL = 1e-4;
const g = goldenJson<LimeGolden>('lime.json');

describe('limeBase against LIME (lime.json)', () => {
  it('recomputes the stored cosine distances', () => {
    const d = distancesToFirst(g.data, 'cosine');
    g.distances.forEach((v, i) => expect(Math.abs(d[i] - v)).toBeLessThan(1e-12));
  });

  for (const [key, ref] of Object.entries(g.results)) {
    const m = /^kw([\d.]+)_(.+)_(\d+)$/.exec(key)!;
    const kernelWidth = Number(m[1]);
    const featureSelection = m[2] as FeatureSelection;
    const numFeatures = Number(m[3]);
    it(`${key}: features, weights, intercept, score and local prediction within ${TOL}`, () => {
      const r = limeBase(g.data, g.labels, g.distances, { label: 1, numFeatures, featureSelection, kernelWidth });
      expect(r.localExp.map(([f]) => f)).toEqual(ref.local_exp.map(([f]) => f));
      r.localExp.forEach(([, w], i) => expect(Math.abs(w - ref.local_exp[i][1])).toBeLessThan(TOL));
      expect(Math.abs(r.intercept - ref.intercept)).toBeLessThan(TOL);
      expect(Math.abs(r.score - ref.score)).toBeLessThan(TOL);
      expect(Math.abs(r.localPred - ref.local_pred)).toBeLessThan(TOL);
    });
  }
});
