/**
 * Chunked per-layer passes shared by layerActivations, directionalDerivatives and tcav: slicing
 * rows, choosing the chunk size, gathering one tensor per layer per chunk (freed if a chunk
 * fails) and offsetting progress when several such passes make up one long run.
 */
import { concat, slice, type Tensor, tidy } from '../engine/index.js';
import { forEachChunk, positiveInt, type Progress, rowsPerChunk } from '../xai/shared/index.js';

/** Rows of x [N, ...] from start to end (a view-sized copy on the device). */
export function rowSlice(x: Tensor, start: number, end: number): Tensor {
  return start === 0 && end === x.shape[0] ? x : slice(x, [start, ...x.shape.slice(1).map(() => 0)], [end - start, ...x.shape.slice(1)]);
}

/** Runs parts (name → chunks) through concat, disposing the chunks. */
export function joinChunks(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0];
  const out = tidy(() => concat(parts, 0));
  parts.forEach((p) => p.dispose());
  return out;
}

/**
 * Examples per pass over x [N, ...]: options.maxBatch when given (checked), else sized from the
 * device limits for x's per-example size. One rule for every concepts entry point.
 */
export function chunkRows(maxBatch: unknown, x: Tensor, fname: string): number {
  return maxBatch !== undefined ? positiveInt(maxBatch, 'options.maxBatch', fname) : rowsPerChunk(x.engine, x.size / x.shape[0]);
}

/** Progress and cancellation of one chunked pass. */
export interface ChunkPassOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  fname: string;
  stage?: string;
}

/**
 * Runs `step(start, end)` over the N rows in chunks (forEachChunk: progress, yielding, abort);
 * each step returns one kept tensor per name, in `names` order. Returns name → the chunks joined
 * along rows; if a step throws, every chunk gathered so far is disposed first.
 */
export async function collectPerLayer(
  names: readonly string[],
  N: number,
  chunk: number,
  step: (start: number, end: number) => Tensor[],
  opts: ChunkPassOptions & { stage: string },
): Promise<Record<string, Tensor>> {
  const parts: Record<string, Tensor[]> = Object.fromEntries(names.map((n) => [n, []]));
  try {
    await forEachChunk(
      N,
      chunk,
      (start, end) => {
        const out = step(start, end);
        names.forEach((n, i) => parts[n].push(out[i]));
      },
      { onProgress: opts.onProgress, signal: opts.signal, stage: opts.stage, fname: opts.fname },
    );
  } catch (e) {
    Object.values(parts).forEach((ps) => ps.forEach((p) => p.dispose()));
    throw e;
  }
  return Object.fromEntries(names.map((n) => [n, joinChunks(parts[n])]));
}

/**
 * A progress callback for one pass of a longer run: reports `done + p.done` of `total` under
 * `stage` (tcav runs one pass per example set but reports rows over all of them).
 */
export function offsetProgress(
  onProgress: ((p: Progress) => void) | undefined,
  done: number,
  total: number,
  stage: string,
): ((p: Progress) => void) | undefined {
  return onProgress && ((p) => onProgress({ done: done + p.done, total, stage }));
}
