/**
 * Real DFTs on the GPU (shaders/fft.wgsl): a mixed-radix Stockham FFT with radix 2, 3, 4 and 5
 * butterflies (other prime factors by a direct sum). Even lengths are transformed as n/2 complex
 * values (the standard real-FFT split), so n = 400 costs 200 = 4·2·5·5. Rows whose two work
 * arrays fit the workgroup storage (n <= 2048 by default) run in ONE dispatch, one workgroup per
 * row with every pass in workgroup memory and the length and radices as pipeline constants (one
 * pipeline per length); longer rows take one dispatch per pass through global memory. The
 * window is fused into the load (forward) or the store (adjoint), and `rfftPower` writes
 * |X|^2 instead of re and im.
 *
 * Twiddles e^(2 pi i m / n) are computed once per length in float64 on the host and kept per
 * device in a small table cache (outside the buffer pool: they live as long as the context, and
 * at most MAX_TABLES lengths are kept).
 */
import { sizeOf } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';

/** Radices with butterfly kernels; other factors use the generic pass. */
const FAST = [4, 2, 3, 5];

/**
 * The radix sequence of a length: the radices of `order` in turn, each as often as it divides
 * (default: 4s first, then 2, 3, 5), then any remaining primes in increasing order.
 */
export function fftRadices(len: number, order: readonly number[] = FAST): number[] {
  const out: number[] = [];
  let m = len;
  for (const r of order) {
    while (m % r === 0) {
      out.push(r);
      m /= r;
    }
  }
  for (let q = 7; m > 1; q += 2) {
    while (m % q === 0) {
      out.push(q);
      m /= q;
    }
    if (q * q > m && m > 1) {
      out.push(m);
      m = 1;
    }
  }
  return out;
}

const MAX_TABLES = 16;
const tables = new WeakMap<GpuContext, Map<number, GpuStorage>>();

/** tw[m] = (cos(2 pi m / n), sin(2 pi m / n)) for m < n, float32 from float64. */
export function twiddles(ctx: GpuContext, n: number): GpuStorage {
  let cache = tables.get(ctx);
  if (!cache) tables.set(ctx, (cache = new Map()));
  const hit = cache.get(n);
  if (hit) {
    // Most recently used last.
    cache.delete(n);
    cache.set(n, hit);
    return hit;
  }
  if (cache.size >= MAX_TABLES) {
    const [oldN, old] = cache.entries().next().value as [number, GpuStorage];
    cache.delete(oldN);
    // The table may be read by recorded work: submit it first (destroy waits for submitted work).
    ctx.flush();
    old.buffer.destroy();
  }
  const data = new Float32Array(2 * Math.max(n, 1));
  for (let m = 0; m < n; m++) {
    const a = (2 * Math.PI * m) / n;
    data[2 * m] = Math.cos(a);
    data[2 * m + 1] = Math.sin(a);
  }
  ctx.check();
  const buffer = ctx.device.createBuffer({
    size: data.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    label: `fft twiddles ${n}`,
  });
  ctx.device.queue.writeBuffer(buffer, 0, data);
  const s: GpuStorage = { buffer, bytes: data.byteLength, used: data.byteLength, freed: false };
  cache.set(n, s);
  return s;
}

/** Runs the Stockham passes of length `cl` on rows of `a`; returns the buffer holding the result. */
function passes(
  ctx: GpuContext,
  tw: GpuStorage,
  a: GpuStorage,
  b: GpuStorage,
  rows: number,
  n: number,
  cl: number,
  sign: number,
): GpuStorage {
  let src = a;
  let dst = b;
  let ns = 1;
  const twStep = n / cl;
  for (const r of fftRadices(cl)) {
    const m = cl / r;
    const total = rows * m;
    ctx.dispatch('fft', {
      entry: 'radixPass',
      constants: { R: FAST.includes(r) ? r : 0 },
      uniforms: { rows, n, cl, ns, m, radix: r, twStep, sign, total },
      buffers: { tw, src, dst },
      workgroups: groups(total),
    });
    [src, dst] = [dst, src];
    ns *= r;
  }
  return src;
}

/**
 * Workgroup storage of the one-workgroup-per-row kernels at most (bytes): WebGPU's default limit,
 * the one they were measured and tested with; the device may offer more (gpu.ts asks for the
 * adapter's whole limit, which the stftMel lane kernel uses), longer rows take the passes.
 */
const ROW_STORAGE = 16384;

/** Passes of the one-workgroup-per-row kernels. */
const MAX_SHARED_PASSES = 7;

/**
 * Pipeline constants of rowsForward / rowsAdjoint for real length n, or null when the row does
 * not fit the device's workgroup storage (two arrays of L complex float32 values).
 */
export function sharedConstants(ctx: GpuContext, n: number): Record<string, number> | null {
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  const radices = fftRadices(cl);
  if (radices.length > MAX_SHARED_PASSES || 2 * cl * 8 > Math.min(ROW_STORAGE, ctx.device.limits.maxComputeWorkgroupStorageSize))
    return null;
  const c: Record<string, number> = {
    LEN: cl,
    NREAL: n,
    TWSTEP: n / cl,
    HALF: half ? 1 : 0,
    FINAL_A: radices.length % 2 === 0 ? 1 : 0,
    WGS: SHARED_WG,
  };
  let ns = 1;
  radices.forEach((r, i) => {
    c[`R${i}`] = r;
    if (i > 0) c[`NS${i}`] = ns;
    ns *= r;
  });
  return c;
}

/**
 * Threads per workgroup of the row kernels: one SIMD vector of a CPU Vulkan driver (lavapipe runs
 * a workgroup of 8 as one AVX2 vector, so its barriers cost nothing; with 64 threads the same
 * kernel ran 2.3x slower there). Each thread loops over a pass's butterflies.
 */
const SHARED_WG = 8;

/**
 * x [rows, n] (real) → [re, im] [rows, bins]: X[k] = sum_j w[j] x[j] e^(-2 pi i j k / n), w the
 * window (all ones when null).
 */
export function rfft(ctx: GpuContext, x: GBuf, n: number, bins: number, window: GBuf | null = null): [GpuStorage, GpuStorage] {
  const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
  const re = output(ctx, rows * bins);
  const im = output(ctx, rows * bins);
  forward(ctx, x, n, bins, window, re, im);
  return [re, im];
}

/** |rfft(x)|^2 [rows, bins] in the same kernels (the power written instead of re and im). */
export function rfftPower(ctx: GpuContext, x: GBuf, n: number, bins: number, window: GBuf | null = null): GpuStorage {
  const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
  const power = output(ctx, rows * bins);
  forward(ctx, x, n, bins, window, power, null);
  return power;
}

/** The forward transform into re and im, or (im null) its power into re. */
function forward(ctx: GpuContext, x: GBuf, n: number, bins: number, window: GBuf | null, re: GpuStorage, im: GpuStorage | null): void {
  const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
  if (rows === 0 || bins === 0) return;
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  const tw = twiddles(ctx, n);
  const win = window ? window.storage : x.storage;
  const power = im === null;
  // outIm is bound (to a one-element scratch buffer: writable bindings may not alias) but not
  // written when only the power is wanted.
  const scratch = power ? output(ctx, 1) : null;
  const outs = { outRe: re, outIm: im ?? scratch! };
  const flags = (window ? 1 : 0) | (power ? 2 : 0);
  const shared = sharedConstants(ctx, n);
  if (shared) {
    ctx.dispatch('fft', {
      entry: 'rowsForward',
      constants: shared,
      uniforms: { rows, n, cl, bins, flags },
      buffers: { tw, x: x.storage, win, ...outs },
      workgroups: rows,
    });
    if (scratch) ctx.free(scratch);
    return;
  }
  const a = output(ctx, rows * cl * 2);
  const b = output(ctx, rows * cl * 2);
  ctx.dispatch('fft', {
    entry: 'packReal',
    constants: { HALF: half ? 1 : 0 },
    uniforms: { rows, n, cl, bins, total: rows * cl, flags },
    buffers: { x: x.storage, win, dst: a },
    workgroups: groups(rows * cl),
  });
  const z = passes(ctx, tw, a, b, rows, n, cl, -1);
  ctx.dispatch('fft', {
    entry: 'unpackSpectrum',
    constants: { HALF: half ? 1 : 0 },
    uniforms: { rows, n, cl, bins, total: rows * bins, flags },
    buffers: { tw, src: z, ...outs },
    workgroups: groups(rows * bins),
  });
  ctx.free(a);
  ctx.free(b);
  if (scratch) ctx.free(scratch);
}

/**
 * re, im [rows, bins] → y [rows, n], y[j] = w[j] sum_{k < bins} re[k] cos(2 pi j k / n) - im[k] sin(2 pi j k / n):
 * the inverse FFT (unnormalised) of the Hermitian part of the zero-padded spectrum, times the
 * window w (all ones when null).
 */
export function rfftAdjoint(ctx: GpuContext, re: GBuf, im: GBuf, n: number, window: GBuf | null = null): GpuStorage {
  const bins = re.shape[re.shape.length - 1];
  const rows = bins === 0 ? 0 : sizeOf(re.shape) / bins;
  const y = output(ctx, rows * n);
  if (rows === 0 || n === 0) return y;
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  const tw = twiddles(ctx, n);
  const win = window ? window.storage : re.storage;
  const flags = window ? 1 : 0;
  const shared = sharedConstants(ctx, n);
  if (shared) {
    ctx.dispatch('fft', {
      entry: 'rowsAdjoint',
      constants: shared,
      uniforms: { rows, n, cl, bins, flags },
      buffers: { tw, gre: re.storage, gim: im.storage, win, outRe: y },
      workgroups: rows,
    });
    return y;
  }
  const a = output(ctx, rows * cl * 2);
  const b = output(ctx, rows * cl * 2);
  const constants = { HALF: half ? 1 : 0 };
  ctx.dispatch('fft', {
    entry: 'packSpectrum',
    constants,
    uniforms: { rows, n, cl, bins, total: rows * cl },
    buffers: { tw, gre: re.storage, gim: im.storage, dst: a },
    workgroups: groups(rows * cl),
  });
  const z = passes(ctx, tw, a, b, rows, n, cl, 1);
  ctx.dispatch('fft', {
    entry: 'unpackReal',
    constants: { HALF: half ? 1 : 0 },
    uniforms: { rows, n, cl, bins, total: rows * n, flags },
    buffers: { src: z, win, outRe: y },
    workgroups: groups(rows * n),
  });
  ctx.free(a);
  ctx.free(b);
  return y;
}
