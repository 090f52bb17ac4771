/**
 * Host statistics of TCAV runs: scores (fraction of positive directional derivatives) and
 * magnitudes (their mean) per CAV column, summaries, and JSON-safe numbers.
 */

/** Mean and standard deviation (population, ddof = 0, as numpy's np.std that tensorflow/tcav reports). */
export interface Summary {
  mean: number;
  std: number;
}

export function summarize(v: readonly number[]): Summary {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) * (x - mean), 0) / v.length);
  return { mean, std };
}

/**
 * Per column r of S [N, R] (row-major host values): the TCAV score |{i : S[i, r] > 0}| / N
 * (unitless, in [0, 1]) and the magnitude mean_i S[i, r] (logit units per unit step along the CAV).
 */
export function columnScores(
  S: ArrayLike<number>,
  N: number,
  R: number,
  columns: readonly number[],
): { scores: number[]; magnitudes: number[] } {
  const scores: number[] = [];
  const magnitudes: number[] = [];
  for (const r of columns) {
    let pos = 0;
    let total = 0;
    for (let i = 0; i < N; i++) {
      const v = S[i * R + r];
      if (v > 0) pos++;
      total += v;
    }
    scores.push(pos / N);
    magnitudes.push(total / N);
  }
  return { scores, magnitudes };
}

/** A number for JSON: non-finite values (an infinite t of two constant samples, a NaN) become null. */
export const jsonNumber = (x: number): number | null => (Number.isFinite(x) ? x : null);
