/**
 * Per-engine cache of the front end's constant tensors (DFT bases, windows, mel filterbanks,
 * twiddle-free host data uploaded once): each is computed in float64 on the host, uploaded once
 * per engine and key, and kept out of tidy scopes. At most MAX_ENTRIES are kept per engine (the
 * least recently used is disposed); `clearAudioCache(engine)` releases them all. They count in
 * `engine.memory()` like any live tensor.
 */
import { type Engine, keep, type Tensor } from '../engine/index.js';

const MAX_ENTRIES = 32;
const caches = new WeakMap<Engine, Map<string, Tensor>>();

/** The cached constant `key` of `engine`, made from `make()` (row-major data of `shape`) on a miss. */
export function cachedConstant(engine: Engine, key: string, shape: readonly number[], make: () => ArrayLike<number>): Tensor {
  let cache = caches.get(engine);
  if (!cache) caches.set(engine, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && !hit.isDisposed) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  cache.delete(key);
  while (cache.size >= MAX_ENTRIES) {
    const [k, t] = cache.entries().next().value as [string, Tensor];
    cache.delete(k);
    // The tape holds its own aliases of tensors it recorded: disposing here is safe.
    t.dispose();
  }
  const t = keep(engine.tensor(make(), shape));
  cache.set(key, t);
  return t;
}

/** Disposes every constant the audio front end cached for `engine`. */
export function clearAudioCache(engine: Engine): void {
  const cache = caches.get(engine);
  if (!cache) return;
  for (const t of cache.values()) t.dispose();
  caches.delete(engine);
}

/** Number of constants cached for `engine` (for tests). */
export function audioCacheSize(engine: Engine): number {
  return caches.get(engine)?.size ?? 0;
}
