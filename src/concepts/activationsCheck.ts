/**
 * Checks shared by the concept functions: activation sets as [N, D] float tensors, the Gram
 * matrix's finiteness (which names the set and row holding a NaN or Inf), and seeded splits.
 */
import { checkFloat, fmt, pcgHash, reshape, seedKey, ShapeError, tidy, type Tensor, ValueError } from '../engine/index.js';

/** An activation set flattened per example: x [N, ...] → [N, D]. Needs N ≥ 2 (a CAV is fitted on sets). */
export function activationRows(x: unknown, name: string, fname: string): Tensor {
  const t = checkFloat(x, name, fname);
  if (t.rank < 2)
    throw new ShapeError(`${fname}: ${name} must be activations [N, ...features] with one row per example, got ${fmt(t.shape)}`);
  if (t.shape[0] < 2)
    throw new ValueError(
      `${fname}: ${name} must hold at least 2 examples (a concept set of one example cannot be separated from random), got ${t.shape[0]}`,
    );
  const d = t.shape.slice(1).reduce((p, v) => p * v, 1);
  if (d < 1) throw new ShapeError(`${fname}: ${name} has no features, got ${fmt(t.shape)}`);
  return t.rank === 2 ? t : tidy(() => reshape(t, [t.shape[0], d]));
}

/** A named block of rows in a stacked activation matrix. */
export interface RowBlock {
  name: string;
  start: number;
  count: number;
}

/**
 * Throws a ValueError naming the block and row whose activations are not finite: a row with a
 * NaN or ±Inf (or values whose squares overflow float32) has a non-finite diagonal entry ‖xᵢ‖².
 */
export function checkGramFinite(gram: Float64Array, M: number, blocks: readonly RowBlock[], fname: string): void {
  for (const b of blocks) {
    for (let i = 0; i < b.count; i++) {
      const v = gram[(b.start + i) * M + b.start + i];
      if (!Number.isFinite(v)) {
        throw new ValueError(`${fname}: ${b.name} row ${i} is not finite (NaN or Inf in the activations, or values too large for float32)`);
      }
    }
  }
}

/** A uniform number in [0, 1) from (seed, i): the same on every backend and platform. */
function uniform(seed: number, i: number): number {
  return pcgHash((seedKey(seed) ^ pcgHash(i + 0x9e3779b9)) >>> 0) / 4294967296;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform(seed, i) * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * A stratified split of nPos positive then nNeg negative rows (indices 0..nPos+nNeg−1):
 * round(testFraction·n) rows of each class held out (at most n − 1, so each class keeps a
 * training row), chosen by a seeded shuffle. testFraction 0 trains on every row.
 */
export function stratifiedSplit(nPos: number, nNeg: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  [
    [0, nPos],
    [nPos, nNeg],
  ].forEach(([offset, n], cls) => {
    const nTest = Math.min(n - 1, Math.round(testFraction * n));
    const order = permutation(n, seed * 2 + cls);
    order.forEach((k, i) => (i < nTest ? test : train).push(offset + k));
  });
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train, test };
}
