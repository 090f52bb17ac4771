/**
 * Chunked, cancellable execution of long attribution work. Work that does not fit one forward
 * pass (IG's path points, perturbed copies, noisy samples) is cut into chunks of rows sized from
 * the device's limits; between chunks the call yields to the event loop (so a browser tab stays
 * responsive and Node can run timers), reports progress and checks its AbortSignal.
 */
import { CancelledError, type Engine } from '../../engine/index.js';
import type { Progress } from './contract.js';
import { positiveInt } from './options.js';

/**
 * How many times larger than the input rows a model's largest intermediate is assumed to be when
 * chunks are sized from maxBindingBytes: a CNN's first activations are typically 16–64× its input
 * (e.g. 32 channels at full resolution). With WebGPU's default 128 MiB binding limit this gives
 * 2^19 input elements a chunk (e.g. 81 rows of a [1, 64, 100] log-mel).
 */
export const DEFAULT_ACTIVATION_FACTOR = 64;

/**
 * Input elements per chunk on the CPU reference backend, which computes on the JavaScript thread
 * itself: its memory limit alone would allow minutes of work per chunk, so its chunks are capped
 * at 2^19 input elements (81 rows of a [1, 64, 100] log-mel). Not lower: the reference's cost per
 * row falls with the batch (genre CNN forward on [rows, 1, 64, 100], measured: 1190 ms/row at 3
 * rows, 727 at 9, 519 at 27, 283 at 81), so small chunks would cost up to 4× the time. For a
 * responsive page use the WebGPU backend.
 */
export const CPU_CHUNK_ELEMENTS = 1 << 19;

/**
 * Rows per chunk: floor(maxBindingBytes / (4 bytes · factor · elementsPerRow)), at least 1, so that
 * an intermediate activation `factor` times the chunk's input still fits one binding; on the CPU
 * backend also at most floor(CPU_CHUNK_ELEMENTS / elementsPerRow). `maxBatch`, when given,
 * overrides both (a positive integer, validated here and named in errors as `opts.name`, default
 * 'options.maxBatch').
 */
export function rowsPerChunk(
  engine: Engine,
  elementsPerRow: number,
  opts: { maxBatch?: unknown; factor?: number; fname?: string; name?: string } = {},
): number {
  if (opts.maxBatch !== undefined) return positiveInt(opts.maxBatch, opts.name ?? 'options.maxBatch', opts.fname ?? 'rowsPerChunk');
  const factor = opts.factor ?? DEFAULT_ACTIVATION_FACTOR;
  const info = engine.info();
  const per = Math.max(1, elementsPerRow);
  const rows = Math.floor(info.limits.maxBindingBytes / (4 * factor * per));
  return Math.max(1, info.backend === 'cpu' ? Math.min(rows, Math.floor(CPU_CHUNK_ELEMENTS / per)) : rows);
}

/** Lets the event loop run (timers, I/O, rendering): works in Node and browsers. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Throws CancelledError when the signal is aborted (with the signal's reason attached). */
export function throwIfAborted(signal: AbortSignal | undefined, fname: string): void {
  if (signal?.aborted) throw new CancelledError(`${fname}: cancelled`, signal.reason);
}

export interface ChunkOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Stage name in progress reports (e.g. 'occlusion', 'integrate'). */
  stage?: string;
  /** Function name for the CancelledError message. */
  fname?: string;
}

/**
 * Runs fn(start, end) over [0, total) in chunks of `chunk`, awaiting each; after each chunk it
 * reports { done: end, total, stage }, and between chunks it yields to the event loop and checks
 * the signal (CancelledError when aborted, also before the first chunk). total = 0 runs nothing.
 */
export async function forEachChunk(
  total: number,
  chunk: number,
  fn: (start: number, end: number) => void | Promise<void>,
  opts: ChunkOptions = {},
): Promise<void> {
  const fname = opts.fname ?? opts.stage ?? 'forEachChunk';
  const size = positiveInt(chunk, 'chunk', fname);
  throwIfAborted(opts.signal, fname);
  for (let start = 0; start < total; start += size) {
    const end = Math.min(total, start + size);
    await fn(start, end);
    opts.onProgress?.({ done: end, total, stage: opts.stage ?? fname });
    if (end < total) {
      await yieldToEventLoop();
      throwIfAborted(opts.signal, fname);
    }
  }
}

/**
 * The row ranges whose kernels a trace should cover before forEachChunk(total, chunk, ...): the
 * first chunk and, when it is shorter, the last one (a kernel variant can depend on the row
 * count, e.g. a broadcast over one row). Empty for total = 0.
 */
export function chunksToTrace(total: number, chunk: number): [number, number][] {
  if (total <= 0) return [];
  const out: [number, number][] = [[0, Math.min(total, chunk)]];
  const tail = total % chunk;
  if (total > chunk && tail !== 0) out.push([total - tail, total]);
  return out;
}
