/**
 * The one seeded host-side random number generator: the synthetic data generators (src/data),
 * layer initialisation and dropout seeds (src/nn: deriveSeed) all draw from it. Pure TypeScript,
 * no dependencies, identical in Node and the browser. (Device-side draws are counter-based:
 * ./random.ts.)
 *
 * Core: sfc32 (Chris Doty-Humphrey's "small fast counter", 128-bit state, period ≥ 2^32), seeded
 * from splitmix32 so that nearby seeds give unrelated streams. `deriveSeed(seed, ...keys)` hashes a
 * seed with integers or strings into a new 32-bit seed, so every clip / glyph / voice has its own
 * independent stream: changing how many numbers one clip draws never shifts another clip.
 */
import { ValueError } from './errors.js';

/** splitmix32 finaliser: a good 32-bit integer hash. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

/** FNV-1a of a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Checks that a seed is a safe integer (any sign, any size up to 2^53). */
export function checkSeed(seed: unknown, where = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ValueError(`${where}: expected an integer seed, got ${typeof seed === 'number' ? seed : typeof seed}`);
  }
  return seed;
}

/** Folds a safe-integer seed (both 32-bit halves) into a uint32. */
function seed32(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi ^ 0x5bd1e995));
}

/**
 * A new 32-bit seed from `seed` and any number of integer or string keys, e.g.
 * deriveSeed(seed, 'genre', 3, 17). Same inputs → same output; any change → an unrelated seed.
 */
export function deriveSeed(seed: number, ...keys: Array<number | string>): number {
  let h = seed32(checkSeed(seed));
  for (const k of keys) {
    const v = typeof k === 'string' ? hashString(k) : seed32(Math.trunc(k));
    h = mix32(h ^ mix32(v + 0x632be5ab));
  }
  return h;
}

/** A seeded stream of random numbers. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed32(checkSeed(seed));
    const next = (): number => (s = mix32(s)) >>> 0;
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform uint32. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) (32 random bits). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (both ends included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new ValueError('pick: expected a non-empty array');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Marsaglia's polar method), times std, plus mean. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** exp(uniform(log lo, log hi)): uniform on a log scale (frequencies, gains). */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  /** A Fisher–Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }

  /** An independent child stream keyed by `keys` (does not advance this stream). */
  fork(...keys: Array<number | string>): Rng {
    return new Rng(deriveSeed(this.a ^ this.c, ...keys));
  }
}

/** A seeded stream: createRng(seed) or createRng(seed, 'key', 3) (= new Rng(deriveSeed(seed, 'key', 3))). */
export function createRng(seed: number, ...keys: Array<number | string>): Rng {
  return new Rng(keys.length === 0 ? seed : deriveSeed(seed, ...keys));
}
