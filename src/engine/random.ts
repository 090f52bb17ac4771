/**
 * Counter-based random numbers shared by both backends: element i of a draw depends only on
 * (seed, i), so the CPU reference and the WGSL kernel (shaders/random.wgsl mirrors this file
 * line by line) produce the same numbers and a seeded draw needs no state or host round trip.
 *
 * Hash: PCG-RXS-M-XS 32 (O'Neill), as in "Hash Functions for GPU Rendering" (Jarzynski & Olano).
 */

/** One round of the PCG hash on a uint32. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The seed mixed into a uint32 key (seeds may be any safe integer; both halves count). */
export function seedKey(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return pcgHash(lo ^ pcgHash(hi));
}

/** Two uint32 draws for element i. */
export function hashPair(key: number, i: number): [number, number] {
  const h1 = pcgHash((i ^ key) >>> 0);
  const h2 = pcgHash((h1 ^ 0x9e3779b9) >>> 0);
  return [h1, h2];
}

const INV24 = 1 / 16777216;

/** Uniform in [0, 1) with 24 random bits (exact in float32). */
export function uniformAt(key: number, i: number): number {
  return (hashPair(key, i)[0] >>> 8) * INV24;
}

/** Standard normal by Box–Muller from the two uint32 draws of element i. */
export function normalAt(key: number, i: number): number {
  const [h1, h2] = hashPair(key, i);
  const u1 = ((h1 >>> 8) + 1) * INV24; // (0, 1]: log is finite
  const u2 = (h2 >>> 8) * INV24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
