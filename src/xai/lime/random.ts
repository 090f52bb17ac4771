/**
 * The seeded host random stream of LIME and KernelSHAP sampling: uniform draws from the engine's
 * counter-based PCG hash (element i of a stream depends only on (seed, stream, i)), so a seeded
 * explanation draws the same perturbation rows on every backend and every run.
 */
import { hashPair, seedKey, ValueError } from '../../engine/index.js';

/** A seeded stream of uniform numbers in [0, 1) (53 random bits each). */
export class SeededStream {
  private i = 0;
  private readonly key: number;
  constructor(seed: number, stream = 0) {
    this.key = seedKey(seed) ^ seedKey(stream + 0x51ed);
  }
  /** The next uniform number in [0, 1). */
  next(): number {
    const [a, b] = hashPair(this.key, this.i++);
    return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
  }
  /** The next integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Checks a seed: a safe integer. */
export function checkSeed(seed: unknown, fname: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new ValueError(`${fname}: options.seed must be an integer, got ${JSON.stringify(seed)}`);
  return seed;
}
