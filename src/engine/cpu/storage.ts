/** Storage of the CPU reference backend: float32 tensors held in float64, int32 in Int32Array. */
import type { DType } from '../backend.js';

/** The typed array behind a CPU storage. */
export type CpuArray = Float64Array | Int32Array;

export class CpuStorage {
  /** Set by `free`/`dispose`; any later use throws. */
  freed = false;

  constructor(
    readonly data: CpuArray,
    /** The backend instance that created this storage. */
    readonly owner: object,
  ) {}

  get dtype(): DType {
    return this.data instanceof Int32Array ? 'int32' : 'float32';
  }

  /** Bytes the same storage would occupy on the GPU (4 per element). */
  get bytes(): number {
    return this.data.length * 4;
  }
}

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

/**
 * Float to int32 as the backend stores it: truncation toward zero, saturated to the int32 range
 * (like WGSL's i32(f32)); NaN gives 0.
 */
export function toInt32(v: number): number {
  if (v !== v) return 0;
  if (v >= I32_MAX) return I32_MAX;
  if (v <= I32_MIN) return I32_MIN;
  return Math.trunc(v);
}

/** Converts a float64 array of values to int32 with `toInt32`. */
export function floatsToInt32(src: ArrayLike<number>): Int32Array {
  const n = src.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = toInt32(src[i]);
  return out;
}

/** A new array of `size` zeros of the given dtype. */
export function zerosOf(size: number, dtype: DType): CpuArray {
  return dtype === 'int32' ? new Int32Array(size) : new Float64Array(size);
}

/** A zeroed array of `size` elements of the same kind (float64 or int32) as `x`. */
export function sameKind(x: CpuArray, size: number): CpuArray {
  return x instanceof Int32Array ? new Int32Array(size) : new Float64Array(size);
}
