/**
 * Batch-norm statistics on the GPU (shaders/channel_stats.wgsl): per-channel moments in one read
 * of the tensor (partial sums per (part, channel) workgroup, then an ordered sum of the parts),
 * and the two-input per-channel affine map of batch norm's backward. x is viewed as
 * [outer, channels, inner]; the CPU twins are in the CPU backend (channelMomentsKernel, ...).
 */
import { sizeOf } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output } from './common.js';

interface Input {
  readonly storage: GpuStorage;
  readonly shape: readonly number[];
}

/** Threads per moments workgroup (a power of two <= 256, the shader's MAXWG). */
const MOMENTS_WG = 64;
/** The moments pass splits each channel until about this many workgroups run... */
const MOMENTS_TARGET_WORKGROUPS = 128;
/** ...as long as each part keeps at least this many values. */
const MOMENTS_MIN_CHUNK = 4096;
/** Row kernels: rows at least this long use the 2-D row grid; threads and elements per thread. */
const ROW_MIN = 32;
const ROW_WG = 64;
const ROW_EPT = 4;

/** [m0, m1] per channel (2 * channels values): see shaders/channel_stats.wgsl. */
export function channelMoments(
  ctx: GpuContext,
  a: Input,
  b: Input | null,
  sa: Input,
  sb: Input,
  channels: number,
  inner: number,
): GpuStorage {
  const n = sizeOf(a.shape);
  const out = output(ctx, 2 * channels);
  if (channels === 0) return out;
  // Rows of whole vec4 words: the vec4 entry (about 1.5x as fast on lavapipe); counts in words.
  const w = inner > 0 && inner % 4 === 0 ? 4 : 1;
  const count = n / channels / w;
  const parts = Math.max(1, Math.min(Math.ceil(MOMENTS_TARGET_WORKGROUPS / channels), Math.ceil(count / (MOMENTS_MIN_CHUNK / w))));
  const chunk = Math.max(1, Math.ceil(count / parts));
  const uniforms = { n, rows: n / Math.max(1, inner), channels, inner: Math.max(1, inner / w), count, parts, chunk };
  const partial = output(ctx, 2 * parts * channels);
  const bb = (b ?? a).storage;
  ctx.dispatch('channel_stats', {
    entry: w === 4 ? 'momentsVec4' : 'moments',
    constants: { WG: MOMENTS_WG, HAS_B: b ? 1 : 0 },
    uniforms,
    buffers:
      w === 4
        ? { a4: a.storage, b4: bb, sa: sa.storage, sb: sb.storage, out: partial }
        : { a: a.storage, b: bb, sa: sa.storage, sb: sb.storage, out: partial },
    workgroups: parts * channels,
  });
  ctx.dispatch('channel_stats', {
    entry: 'combine',
    uniforms,
    buffers: { partial, out },
    workgroups: groups(channels),
  });
  ctx.free(partial);
  return out;
}

/** out = a * sa[c] + b * sb[c] + shift[c]. */
export function channelAffine2(
  ctx: GpuContext,
  a: Input,
  b: Input,
  sa: Input,
  sb: Input,
  shift: Input,
  channels: number,
  inner: number,
): GpuStorage {
  const n = sizeOf(a.shape);
  const out = output(ctx, n);
  if (n === 0) return out;
  const rows = n / inner;
  const uniforms = { n, rows, channels, inner, count: 0, parts: 0, chunk: 0 };
  const buffers = { a: a.storage, b: b.storage, sa: sa.storage, sb: sb.storage, shift: shift.storage, out };
  if (inner >= ROW_MIN) {
    const maxDim = ctx.device.limits.maxComputeWorkgroupsPerDimension;
    const gy = Math.min(rows, maxDim);
    const vec4 = inner % 4 === 0;
    // Rows of whole vec4 words: a quarter of the loads and stores (about 1.6x as fast on lavapipe).
    const grid: [number, number, number] = [Math.ceil(inner / (vec4 ? 4 : 1) / (ROW_WG * ROW_EPT)), gy, Math.ceil(rows / gy)];
    if (vec4) {
      const b4 = { a4: a.storage, b4: b.storage, sa: sa.storage, sb: sb.storage, shift: shift.storage, out4: out };
      ctx.dispatch('channel_stats', {
        entry: 'affine2Vec4',
        constants: { WG: ROW_WG, EPT: ROW_EPT },
        uniforms,
        buffers: b4,
        workgroups: grid,
      });
      return out;
    }
    ctx.dispatch('channel_stats', { entry: 'affine2Rows', constants: { WG: ROW_WG, EPT: ROW_EPT }, uniforms, buffers, workgroups: grid });
  } else {
    ctx.dispatch('channel_stats', { entry: 'affine2Flat', uniforms, buffers, workgroups: groups(n) });
  }
  return out;
}
