/**
 * Similarity functions a metric can be given by name (Quantus's similarity_func), or as a function
 * (a, b) → number on two host vectors of one example.
 */
import { ValueError } from '../engine/index.js';
import { describeValue } from '../xai/shared/index.js';
import { ssimHost } from './ssim.js';
import { pearson, spearman } from './stats.js';

/** A similarity of two vectors of one example (e.g. attribution sums and prediction changes). */
export type SimilarityFunction = (a: Float64Array, b: Float64Array) => number;

/** Names accepted for `similarityFunc`. */
export type SimilarityName = 'pearson' | 'spearman' | 'ssim';

const NAMED: Record<SimilarityName, SimilarityFunction> = {
  pearson,
  spearman,
  // Quantus compares flattened maps with SSIM: a 1-D window of 7.
  ssim: (a, b) => ssimHost(a, b, [a.length]),
};

/** Resolves `similarityFunc` (a name or a function) with a default name. */
export function similarityOf(v: unknown, fname: string, dflt: SimilarityName): SimilarityFunction {
  if (v === undefined) return NAMED[dflt];
  if (typeof v === 'function') return v as SimilarityFunction;
  if (typeof v === 'string' && v in NAMED) return NAMED[v as SimilarityName];
  throw new ValueError(
    `${fname}: options.similarityFunc must be 'pearson', 'spearman', 'ssim' or a function (a, b) => number, got ${describeValue(v)}`,
  );
}
