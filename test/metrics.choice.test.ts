/**
 * seededRandom().choice keeps its partial Fisher–Yates permutation sparse (O(k) a draw instead of
 * O(n), since FaithfulnessCorrelation draws thousands of small subsets of ~20,000 features on the
 * JavaScript thread): it must return exactly what the dense shuffle returns for the same stream.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/metrics/random.js';

/** The dense reference: shuffle the first k of [0, n) with the same uniform stream. */
function denseChoice(next: () => number, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k);
}

describe('seededRandom().choice', () => {
  it('equals the dense partial Fisher–Yates on the same stream (odd sizes, k = n included)', () => {
    for (const [n, k, seed] of [
      [1, 1, 0],
      [7, 3, 1],
      [7, 7, 2],
      [100, 37, 3],
      [19264, 224, 4],
    ]) {
      const sparse = seededRandom(seed);
      // The stream the dense reference consumes: uniform(0, 1, 1) draws one value of the same generator.
      const stream = seededRandom(seed);
      const next = () => stream.uniform(0, 1, 1)[0];
      for (let rep = 0; rep < 3; rep++) {
        const got = sparse.choice(n, k);
        expect(got).toEqual(denseChoice(next, n, k));
        expect(new Set(got).size).toBe(k);
      }
    }
  });
});
