// npm run fuzz [-- COUNT [SEED]]   (default 1,000 mutants of each format, seed 1; after `npm run build`)
//
// Seeded mutation fuzzing of the two binary decoders users feed untrusted files: readSafetensors
// and audio.decodeWav. Each mutant of a valid file (bit flips, interesting bytes, truncation,
// insertions, duplicated slices, rewritten size fields) must either decode or throw an
// AuralensError subclass with a message of at most MAX_MESSAGE characters, within
// MAX_MS_PER_CASE; anything else (a TypeError, RangeError, a hang, a megabyte message) is a
// failure, printed with the seed and index that reproduce it. test/fuzz.test.ts runs a small
// round of the same code in CI.

/** Longest error message accepted. */
export const MAX_MESSAGE = 2000;
/** Slowest single decode accepted, in ms (generous: CI machines are slow and shared). */
export const MAX_MS_PER_CASE = 2000;

/** mulberry32: small, seeded, the same on every platform. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x39, 0x2d];
const U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7ffff000, 16, 40, 3];

/** One mutant of `base` (a fresh Uint8Array; base is not modified). */
export function mutate(base, rand, { sizeFields = [] } = {}) {
  let b = base.slice();
  const int = (n) => Math.floor(rand() * n);
  const steps = 1 + int(4);
  for (let s = 0; s < steps; s++) {
    const op = int(8);
    if (b.length === 0) b = new Uint8Array([int(256)]);
    if (op === 0) {
      const i = int(b.length);
      b[i] ^= 1 << int(8);
    } else if (op === 1) {
      b[int(b.length)] = INTERESTING[int(INTERESTING.length)];
    } else if (op === 2) {
      b = b.slice(0, int(b.length + 1));
    } else if (op === 3) {
      const at = int(b.length + 1);
      const ins = Uint8Array.from({ length: 1 + int(16) }, () => (rand() < 0.5 ? INTERESTING[int(INTERESTING.length)] : int(256)));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at), 0);
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      b = out;
    } else if (op === 4) {
      const from = int(b.length);
      const len = Math.min(b.length - from, 1 + int(64));
      const at = int(b.length + 1);
      const piece = b.slice(from, from + len);
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, at), 0);
      out.set(piece, at);
      out.set(b.subarray(at), at + len);
      b = out;
    } else if (op === 5 && sizeFields.length) {
      const off = sizeFields[int(sizeFields.length)];
      if (off + 4 <= b.length)
        new DataView(b.buffer, b.byteOffset).setUint32(off, rand() < 0.5 ? U32[int(U32.length)] : int(2 ** 32), true);
    } else if (op === 6) {
      const i = int(b.length);
      const len = Math.min(b.length - i, 1 + int(8));
      for (let k = 0; k < len; k++) b[i + k] = int(256);
    } else {
      // Delete a slice.
      const i = int(b.length);
      const len = Math.min(b.length - i, 1 + int(32));
      const out = new Uint8Array(b.length - len);
      out.set(b.subarray(0, i), 0);
      out.set(b.subarray(i + len), i);
      b = out;
    }
  }
  return b;
}

/** A valid little safetensors file (F32, I32, F16 and an empty tensor, with metadata). */
export function baseSafetensors(lib) {
  const header = {
    __metadata__: { format: 'pt' },
    'conv.weight': { dtype: 'F32', shape: [2, 1, 2, 2], data_offsets: [0, 32] },
    'conv.bias': { dtype: 'F32', shape: [2], data_offsets: [32, 40] },
    steps: { dtype: 'I32', shape: [], data_offsets: [40, 44] },
    half: { dtype: 'F16', shape: [3], data_offsets: [44, 50] },
    empty: { dtype: 'F32', shape: [0, 3], data_offsets: [50, 50] },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 50);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  const data = new DataView(out.buffer, 8 + json.length);
  for (let i = 0; i < 10; i++) data.setFloat32(4 * i, i / 7 - 0.5, true);
  data.setInt32(40, 12, true);
  for (let i = 0; i < 3; i++) data.setUint16(44 + 2 * i, 0x3c00 + i, true);
  lib.readSafetensors(out); // it must be valid
  return out;
}

/** A valid little WAV: 16-bit stereo PCM at 8 kHz with a LIST chunk before the data. */
export function baseWav(lib) {
  const n = 64;
  const left = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 3) * 0.5);
  const right = Float32Array.from({ length: n }, (_, i) => Math.cos(i / 5) * 0.25);
  const pcm = lib.encodeWav([left, right], 8000);
  // Insert a LIST chunk after 'fmt ' (offset 36) so the chunk walker has more to chew on.
  const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 6, 0, 0, 0, 0x49, 0x4e, 0x46, 0x4f, 0x61, 0x62]);
  const out = new Uint8Array(pcm.length + list.length);
  out.set(pcm.subarray(0, 36), 0);
  out.set(list, 36);
  out.set(pcm.subarray(36), 36 + list.length);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  lib.decodeWav(out);
  return out;
}

/**
 * Runs `count` mutants of each format from `seed`; returns { cases, decoded, rejected, failures }
 * where failures lists { format, index, problem } (empty when every case behaved).
 */
export function fuzz(lib, { count = 1000, seed = 1 } = {}) {
  const { AuralensError } = lib;
  const targets = [
    { format: 'safetensors', base: baseSafetensors(lib), decode: (b) => lib.readSafetensors(b), sizeFields: [0, 4] },
    { format: 'wav', base: baseWav(lib), decode: (b) => lib.decodeWav(b), sizeFields: [4, 16, 22, 24, 28, 32, 34, 40, 54] },
  ];
  const stats = { cases: 0, decoded: 0, rejected: 0, failures: [] };
  for (const t of targets) {
    const rand = prng(seed ^ (t.format === 'wav' ? 0x5bd1e995 : 0));
    for (let i = 0; i < count; i++) {
      const m = mutate(t.base, rand, { sizeFields: t.sizeFields });
      stats.cases++;
      const t0 = performance.now();
      try {
        t.decode(m);
        stats.decoded++;
      } catch (e) {
        if (!(e instanceof AuralensError)) {
          stats.failures.push({
            format: t.format,
            index: i,
            problem: `${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 300)}`,
          });
        } else if (e.message.length > MAX_MESSAGE) {
          stats.failures.push({
            format: t.format,
            index: i,
            problem: `message of ${e.message.length} characters: ${e.message.slice(0, 200)}…`,
          });
        } else {
          stats.rejected++;
        }
      }
      const ms = performance.now() - t0;
      if (ms > MAX_MS_PER_CASE) stats.failures.push({ format: t.format, index: i, problem: `took ${ms.toFixed(0)} ms` });
    }
  }
  return stats;
}

async function main() {
  const count = Number(process.argv[2] ?? 1000);
  const seed = Number(process.argv[3] ?? 1);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
    console.error('usage: node scripts/fuzz.mjs [COUNT (default 1000)] [SEED (default 1)]');
    process.exit(2);
  }
  const { readSafetensors, audio, AuralensError } = await import('auralens');
  const lib = { readSafetensors, decodeWav: audio.decodeWav, encodeWav: audio.encodeWav, AuralensError };
  const t0 = performance.now();
  const s = fuzz(lib, { count, seed });
  console.log(
    `fuzz: ${s.cases} mutants (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${s.decoded} decoded, ${s.rejected} rejected with a typed error, ${s.failures.length} failures`,
  );
  for (const f of s.failures.slice(0, 20)) console.log(`  ${f.format} #${f.index}: ${f.problem}`);
  process.exit(s.failures.length ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
