/**
 * A small round of scripts/fuzz.mjs in CI (issue 11 point 7): 300 seeded mutants each of a valid
 * safetensors file and a valid WAV; every one must decode or throw an AuralensError with a short
 * message, quickly. `npm run fuzz` runs 1,000 each (more on demand).
 */
import { describe, expect, it } from 'vitest';
import { AuralensError, readSafetensors } from '../src/engine/index.js';
import { decodeWav, encodeWav } from '../src/audio/wav.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { fuzz, mutate, prng } from '../scripts/fuzz.mjs';

const lib = { readSafetensors, decodeWav, encodeWav, AuralensError };

describe('fuzz round (decoders)', () => {
  it('mutants are seeded: the same seed gives the same bytes', () => {
    const base = new Uint8Array(64).map((_, i) => i);
    const a = mutate(base, prng(5));
    const b = mutate(base, prng(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(base)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('300 mutants of each format: decoded or a typed, short error', () => {
    const s = fuzz(lib, { count: 300, seed: 7 });
    expect(s.cases).toBe(600);
    expect(s.failures, JSON.stringify(s.failures.slice(0, 5))).toEqual([]);
    // The round exercised both paths: some mutants still decode, most are rejected.
    expect(s.rejected).toBeGreaterThan(100);
    expect(s.decoded).toBeGreaterThan(0);
  }, 60_000);
});
