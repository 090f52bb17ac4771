/**
 * Element conversions for safetensors host tensors: IEEE half (F16) and bfloat16 (BF16) bits,
 * and the exact-or-rounded conversion of every stored dtype to float32 / int32.
 * Plain typed-array code: runs in Node and in a browser.
 */
import { DTypeError, ValueError } from './errors.js';
import { fmt } from './shape.js';
import type { HostTensor, SafetensorsDType } from './safetensors.js';

/** Bytes per element of each supported dtype. */
export const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

/** The typed array that holds each dtype's data (its Symbol.toStringTag). */
export const ARRAY_KIND: Readonly<Record<SafetensorsDType, string>> = {
  F64: 'Float64Array',
  F32: 'Float32Array',
  F16: 'Uint16Array',
  BF16: 'Uint16Array',
  I64: 'BigInt64Array',
  I32: 'Int32Array',
};

/** True for the dtypes safetensors I/O supports. */
export function isSafetensorsDType(d: unknown): d is SafetensorsDType {
  return typeof d === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, d);
}

/**
 * Checks that `h` is a well-formed HostTensor (known dtype, shape of non-negative integers,
 * data the typed array of that dtype with product(shape) elements) and returns its element count.
 * Throws DTypeError for a wrong dtype / array kind, ValueError otherwise; messages start with `where`.
 */
export function checkHostTensor(h: HostTensor, where: string): number {
  if (h === null || typeof h !== 'object') throw new ValueError(`${where}: expected a HostTensor {dtype, shape, data}, got ${String(h)}`);
  if (!isSafetensorsDType(h.dtype)) {
    throw new DTypeError(
      `${where}: dtype must be one of ${Object.keys(ITEM_SIZE).join(', ')}, got ${JSON.stringify(h.dtype) ?? String(h.dtype)}`,
    );
  }
  if (!Array.isArray(h.shape) || !h.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(h.shape) ?? String(h.shape)}`);
  }
  const kind = ArrayBuffer.isView(h.data) ? (h.data as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : typeof h.data;
  if (kind !== ARRAY_KIND[h.dtype]) throw new DTypeError(`${where}: ${h.dtype} data must be a ${ARRAY_KIND[h.dtype]}, got ${kind}`);
  const n = h.shape.reduce((a, d) => a * d, 1);
  if (h.data.length !== n) throw new ValueError(`${where}: ${h.data.length} elements do not fill shape ${fmt(h.shape)} (${n} elements)`);
  return n;
}

/** Round half to even of a finite non-negative double below 2^52. */
function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * IEEE 754 binary16 bits (0..65535) of the number `x`, rounded to nearest, ties to even, directly
 * from the double (no intermediate float32 rounding). |x| >= 65520 gives ±Infinity, tiny values
 * give subnormals or ±0 (the sign of -0 is kept), NaN gives the quiet NaN 0x7e00.
 */
export function floatToHalfBits(x: number): number {
  if (typeof x !== 'number') throw new ValueError(`floatToHalfBits: x must be a number, got ${typeof x}`);
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 is halfway between 65504 (max) and 2^16: ties to even -> inf
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 = smallest normal, encoded right)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven(a * 2 ** (10 - e)); // in [1024, 2048]
  if (m === 2048) {
    m = 1024;
    e++;
  }
  return sign | ((e + 15) << 10) | (m - 1024);
}

/**
 * The number encoded by IEEE 754 binary16 bits `b` (an integer 0..65535): exact, including
 * subnormals, ±0, ±Infinity and NaN. Throws ValueError for anything else.
 */
export function halfBitsToFloat(b: number): number {
  if (!Number.isInteger(b) || b < 0 || b > 0xffff) throw new ValueError(`halfBitsToFloat: b must be an integer in 0..65535, got ${b}`);
  const sign = b & 0x8000 ? -1 : 1;
  const exp = (b >> 10) & 0x1f;
  const frac = b & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

let halfTable: Float32Array | undefined;

/** float32 value of every half bit pattern (256 KiB, built on first use). */
function halfToF32Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) halfTable[b] = halfBitsToFloat(b);
  }
  return halfTable;
}

/** Nearest float32 (ties to even) of an int64, with one rounding even above 2^53. */
function int64ToF32(v: bigint): number {
  const neg = v < 0n;
  const a = neg ? -v : v;
  if (a <= 2n ** 53n) return Number(v); // exact double; the Float32Array store rounds once
  const shift = BigInt(a.toString(2).length - 24);
  let m = a >> shift;
  const rem = a - (m << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  const r = Number(m << shift); // at most 25 significant bits: exact, and a float32 value
  return neg ? -r : r;
}

/**
 * The values of `h` as a new Float32Array (row-major, product(shape) elements). F32 and F16/BF16
 * are exact (F16 subnormals, ±Infinity and NaN included; BF16 bits are the upper 16 bits of a
 * float32); F64, I32 and I64 are rounded to the nearest float32 (ties to even; F64 beyond the
 * float32 range becomes ±Infinity). Throws DTypeError/ValueError for a malformed HostTensor.
 */
export function toFloat32(h: HostTensor): Float32Array {
  const n = checkHostTensor(h, 'toFloat32');
  switch (h.dtype) {
    case 'F32':
      return (h.data as Float32Array).slice(); // bit-exact copy (NaN payloads kept)
    case 'F64':
    case 'I32':
      return Float32Array.from(h.data as Float32Array | Float64Array | Int32Array);
    case 'F16': {
      const t = halfToF32Table();
      const src = h.data as Uint16Array;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = t[src[i]];
      return out;
    }
    case 'BF16': {
      const src = h.data as Uint16Array;
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const src = h.data as BigInt64Array;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = int64ToF32(src[i]);
      return out;
    }
  }
}

/**
 * The values of an integer HostTensor (I32 or I64) as a new Int32Array. Throws DTypeError for a
 * float dtype and ValueError (naming the index and value) if an I64 value is outside int32.
 */
export function toInt32(h: HostTensor): Int32Array {
  const n = checkHostTensor(h, 'toInt32');
  if (h.dtype === 'I32') return Int32Array.from(h.data as Int32Array);
  if (h.dtype !== 'I64') throw new DTypeError(`toInt32: expected an I32 or I64 tensor, got ${h.dtype} ${fmt(h.shape)}`);
  const src = h.data as BigInt64Array;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (v < -2147483648n || v > 2147483647n) throw new ValueError(`toInt32: I64 value ${v} at index ${i} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}
