/**
 * The random source of the metrics. Quantus draws from NumPy's global generator
 * (np.random.choice, uniform, randint); a metric here draws from a RandomSource instead, so that a
 * seeded run is reproducible and a recorded run (the draws NumPy made, in call order) replays
 * Quantus exactly. Each kind of draw is its own stream, so a recorded source only needs the kinds
 * the metric uses.
 */
import { ValueError } from '../engine/index.js';

/** Where a metric's random numbers come from. All draws are made on the host (small arrays). */
export interface RandomSource {
  /** `k` distinct integers of 0 .. n−1 in random order (np.random.choice(n, k, replace=False)). */
  choice(n: number, k: number): number[];
  /** `size` floats uniform in [low, high) (np.random.uniform(low, high, size)). */
  uniform(low: number, high: number, size: number): Float64Array;
  /** `size` integers uniform in [low, high) (np.random.randint(low, high, size)). */
  randint(low: number, high: number, size: number): number[];
}

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded RandomSource (deterministic for a seed; not NumPy's stream — to replay Quantus use
 * recordedRandom with the draws NumPy made).
 */
export function seededRandom(seed = 0): RandomSource {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`seededRandom: seed must be an integer, got ${String(seed)}`);
  const next = mulberry32((seed ^ Math.floor(seed / 4294967296)) >>> 0);
  return {
    choice(n, k) {
      // Partial Fisher–Yates: the first k of a random permutation. The permutation is kept sparse
      // (only the positions swapped so far), so a draw costs O(k), not O(n): FaithfulnessCorrelation
      // draws 224 of ~20,000 features per example and run, thousands of times, on the JavaScript
      // thread. Same swaps as the dense array, so the same draws.
      const moved = new Map<number, number>();
      const at = (i: number) => moved.get(i) ?? i;
      const out = new Array<number>(k);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(next() * (n - i));
        const vi = at(i);
        out[i] = at(j);
        moved.set(j, vi);
      }
      return out;
    },
    uniform(low, high, size) {
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = low + (high - low) * next();
      return out;
    },
    randint(low, high, size) {
      return Array.from({ length: size }, () => low + Math.floor(next() * (high - low)));
    },
  };
}

/** Draws recorded from NumPy, in call order, one flat list per kind. */
export interface RecordedDraws {
  /** Concatenated np.random.choice results (each call takes the next k). */
  choice?: ArrayLike<number>;
  /** Concatenated np.random.uniform results. */
  uniform?: ArrayLike<number>;
  /** Concatenated np.random.randint results. */
  randint?: ArrayLike<number>;
}

/**
 * A RandomSource that serves recorded draws in call order (e.g. the `recorded_*` arrays of a
 * Quantus run), so a metric repeats that run's computation exactly. `low`/`high` of uniform and
 * randint are not applied (the recorded values already are); running past the end of a stream
 * throws a ValueError naming the stream.
 */
export function recordedRandom(draws: RecordedDraws): RandomSource {
  const pos = { choice: 0, uniform: 0, randint: 0 };
  const take = (kind: keyof typeof pos, size: number): number[] => {
    const src = draws[kind];
    if (!src || pos[kind] + size > src.length) {
      throw new ValueError(
        `recordedRandom: the recorded ${kind} draws are used up (${src ? src.length : 0} recorded, ${pos[kind] + size} needed): record more or use seededRandom`,
      );
    }
    const out = Array.from({ length: size }, (_, i) => Number(src[pos[kind] + i]));
    pos[kind] += size;
    return out;
  };
  return {
    choice(n, k) {
      const out = take('choice', k);
      for (const v of out)
        if (!Number.isInteger(v) || v < 0 || v >= n) throw new ValueError(`recordedRandom: recorded choice ${v} is outside 0..${n - 1}`);
      return out;
    },
    uniform: (_low, _high, size) => Float64Array.from(take('uniform', size)),
    randint: (_low, _high, size) => take('randint', size),
  };
}

/** True when v looks like a RandomSource. */
export function isRandomSource(v: unknown): v is RandomSource {
  const r = v as Partial<RandomSource> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.choice === 'function' &&
    typeof r.uniform === 'function' &&
    typeof r.randint === 'function'
  );
}
