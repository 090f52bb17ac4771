/**
 * Batched perturbation for LIME and KernelSHAP: the binary rows are sampled on the host (seeded),
 * uploaded once as a float32 matrix Z [N, M], and each chunk of rows becomes its perturbed inputs
 * on the device in one matmul, base + Z[k0:k1] · sources (see factorizations/types.ts), which run
 * through the model in chunks sized to the device limits (xai/shared predictInChunks: noGrad,
 * progress, AbortSignal, a yield between chunks). The outputs of all N rows are read back once.
 */
import { add, matmul, reshape, slice, softmax, type Tensor, tidy, ValueError } from '../../engine/index.js';
import { precompileChunk, predictInChunks, type Model, type Progress } from '../shared/index.js';
import type { Factorization } from './factorizations/types.js';
import { SeededStream } from './random.js';

/** N binary rows of M components, row-major (1 = component on). */
export interface BinaryRows {
  rows: Uint8Array;
  n: number;
  m: number;
}

/** LIME's neighbourhood: row 0 all ones (the unperturbed instance), the others uniform random bits. */
export function limeRows(n: number, m: number, seed: number): BinaryRows {
  const rows = new Uint8Array(n * m);
  const rng = new SeededStream(seed, 1);
  rows.fill(1, 0, m);
  for (let i = m; i < n * m; i++) rows[i] = rng.next() < 0.5 ? 1 : 0;
  return { rows, n, m };
}

export interface PredictRowsOptions {
  output: 'probabilities' | 'logits';
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  fname: string;
}

/**
 * The model's outputs on the perturbed inputs of every row (probabilities by a softmax on the
 * device, or logits), read back once: values [N·C] row-major, float64. NaN or infinite outputs
 * throw, naming the first bad row.
 */
export async function predictRows(
  model: Model,
  f: Factorization,
  rows: BinaryRows,
  opts: PredictRowsOptions,
): Promise<{ values: Float64Array; nClasses: number }> {
  const { fname } = opts;
  const e = f.sources.engine;
  const { n, m } = rows;
  const inner = f.inputShape.slice(1);
  const z = e.tensor(Float32Array.from(rows.rows), [n, m]);
  const build = (k0: number, k1: number) => reshape(add(matmul(slice(z, [k0, 0], [k1 - k0, m]), f.sources), f.base), [k1 - k0, ...inner]);
  let out: Tensor | null = null;
  try {
    const logits = await predictInChunks(model, n, build, {
      engine: e,
      elementsPerRow: f.base.size,
      maxBatch: opts.maxBatch,
      onProgress: opts.onProgress,
      signal: opts.signal,
      stage: 'perturb',
      fname,
    });
    // The softmax's kernels compile off the thread too (its broadcasts depend on the shape).
    if (opts.output === 'probabilities') await precompileChunk(e, model, () => softmax(logits, 1));
    out = opts.output === 'probabilities' ? tidy(() => softmax(logits, 1)) : logits;
    if (out !== logits) logits.dispose();
    const c = out.shape[1];
    const v = await out.readFloat();
    const values = Float64Array.from(v);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]))
        throw new ValueError(
          `${fname}: the model returned ${values[i]} for perturbation row ${Math.floor(i / c)} (class ${i % c}); outputs must be finite`,
        );
    }
    return { values, nClasses: c };
  } finally {
    z.dispose();
    out?.dispose();
  }
}

/** Index of the largest value of row r of an [N, C] matrix. */
export function argmaxRow(values: Float64Array, c: number, r: number): number {
  let best = 0;
  for (let j = 1; j < c; j++) if (values[r * c + j] > values[r * c + best]) best = j;
  return best;
}

/** Rows of a flat [N, M] Uint8Array as arrays (for limeBase). */
export function rowsAsArrays(rows: BinaryRows): Uint8Array[] {
  return Array.from({ length: rows.n }, (_, i) => rows.rows.subarray(i * rows.m, (i + 1) * rows.m));
}

/** Rows of a flat [N, C] Float64Array as arrays. */
export function matrixRows(values: Float64Array, c: number): Float64Array[] {
  return Array.from({ length: values.length / c }, (_, i) => values.subarray(i * c, (i + 1) * c));
}
