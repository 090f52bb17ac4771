/**
 * CPU reference twins of the batch-norm statistics kernels (shaders/channel_stats.wgsl), float64:
 * x viewed as [outer, channels, inner].
 */
import type { CpuArray } from './storage.js';

/**
 * [m0 (channels), m1 (channels)]: m0[c] = sum a, m1[c] = sum (a - sa[c]) * (b - sb[c]) over the
 * channel's outer * inner values, with b = a when null.
 */
export function channelMomentsKernel(
  a: CpuArray,
  b: CpuArray | null,
  sa: CpuArray,
  sb: CpuArray,
  channels: number,
  inner: number,
): Float64Array {
  const out = new Float64Array(2 * channels);
  const outer = channels * inner === 0 ? 0 : a.length / (channels * inner);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const ca = sa[c];
      const cb = sb[c];
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < inner; i++) {
        const va = a[base + i];
        const vb = b ? b[base + i] : va;
        s0 += va;
        s1 += (va - ca) * (vb - cb);
      }
      out[c] += s0;
      out[channels + c] += s1;
    }
  }
  return out;
}

/** out = a * sa[c] + b * sb[c] + shift[c] (a and b of one shape). */
export function channelAffine2Kernel(
  a: CpuArray,
  b: CpuArray,
  sa: CpuArray,
  sb: CpuArray,
  shift: CpuArray,
  channels: number,
  inner: number,
): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = a[i] * sa[c] + b[i] * sb[c] + shift[c];
  }
  return out;
}
