/**
 * Pooling and upsampling on the GPU (shaders/pool.wgsl, shaders/pool_upsample.wgsl), PyTorch
 * semantics as the CPU reference src/engine/cpu/pool.ts documents them: max pooling (argmax int32,
 * the flat index h * W + w in the input plane), average pooling, adaptive average pooling, and
 * F.interpolate 'nearest' / 'bilinear' on NCHW tensors.
 *
 * Forwards run one invocation per output element (max pooling: per MAXPOOL_OPT outputs of a
 * row, or, for windows that tile the input, one per output of a row whose position the whole
 * workgroup shares: maxPoolTiled). Backwards run one invocation per input element
 * that gathers the few output elements reading it (the windows that can contain it, or the
 * upsampled rows/cols that can tap it), so no float atomics are needed and results are
 * deterministic. Sums are Kahan-compensated (adaptive pooling over a whole plane adds many terms).
 * Shapes and geometry travel as uniforms (one pipeline per entry point).
 *
 * Bilinear source positions are computed exactly as integer rationals (64-bit products emulated
 * where 32 bits overflow); 'nearest' reproduces PyTorch's float32 position rounding bit for bit.
 */
import type { Pool2dParams, UpsampleMode } from '../../backend.js';
import { pool2dOutHW } from '../../nnShapes.js';
import type { Shape } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';

/** What the pool kernels need of a tensor. */

/** The pooling geometry uniforms of shaders/pool.wgsl. */
function poolUniforms(n: number, xShape: Shape, OH: number, OW: number, p?: Pool2dParams) {
  return {
    n,
    H: xShape[2],
    W: xShape[3],
    OH,
    OW,
    kH: p?.kernel[0] ?? 1,
    kW: p?.kernel[1] ?? 1,
    sH: p?.stride[0] ?? 1,
    sW: p?.stride[1] ?? 1,
    pH: p?.padding[0] ?? 0,
    pW: p?.padding[1] ?? 0,
    dH: p?.dilation[0] ?? 1,
    dW: p?.dilation[1] ?? 1,
    includePad: p?.countIncludePad ? 1 : 0,
    negInf: -Infinity,
  };
}

const planes = (s: Shape) => s[0] * s[1];

/** Consecutive outputs of a row per maxPool invocation (the OPT override of shaders/pool.wgsl). */
export const MAXPOOL_OPT = 8;

/**
 * Which max-pooling forward runs: 'tiled' (maxPoolTiled: windows that tile the input inside it,
 * see windowsTileInside) or 'general' (maxPool: any geometry); 'auto' picks 'tiled' where it
 * applies. Internal: bench/diag/maxpool.mjs times the two against each other.
 */
export interface MaxPoolChoice {
  kernel?: 'auto' | 'general' | 'tiled';
  /** maxPoolTiled's lanes per workgroup (TW) and output rows per workgroup (ROWS). */
  TW?: number;
  ROWS?: number;
}

/**
 * maxPoolTiled's and maxPoolBackwardTiledRows's lanes per workgroup (one 8-wide SIMD vector of
 * lavapipe) and most output rows per workgroup. On the genre CNN's pools (bench/diag/maxpool.mjs,
 * round-robin) 8 lanes x 16 to 32 rows ran fastest; 8 x 8 took about 1.15x as long, 32 or 64
 * lanes (idle lanes past a row's end) 1.2 to 2x.
 */
export const MAXPOOL_TILED = { TW: 8, ROWS: 32 };

/**
 * Rows per workgroup: MAXPOOL_TILED.ROWS, or the largest power of two that leaves at least 64
 * workgroups (a power of two: ROWS is a pipeline constant, so at most six pipelines per kernel
 * size whatever the batch).
 */
function rowsPerGroup(rows: number, choice: { ROWS?: number }): number {
  if (choice.ROWS !== undefined) return choice.ROWS;
  let r = MAXPOOL_TILED.ROWS;
  while (r > 1 && rows < 64 * r) r /= 2;
  return r;
}

/**
 * Windows that tile the input and lie inside it (tilesInput, and the last window ends inside
 * the input: no ceilMode window hangs over the edge), so no tap needs a bounds check.
 */
export function windowsTileInside(xShape: Shape, p: Pool2dParams): boolean {
  const [OH, OW] = pool2dOutHW(xShape[2], xShape[3], p);
  return tilesInput(p) && OH * p.kernel[0] <= xShape[2] && OW * p.kernel[1] <= xShape[3];
}

/**
 * x [N, C, H, W] → [values, argmax int32], both [N, C, Ho, Wo]. The argmax is written even by a
 * forward that records no gradient (the op then drops it): a values-only maxPoolTiled measured
 * only 0.88 to 0.95 of the time with the argmax on the genre CNN's pools (bench/diag/maxpool.mjs),
 * under 1 % of the whole-model forward, not worth a second Backend entry point.
 */
export function maxPool2d(ctx: GpuContext, x: GBuf, p: Pool2dParams, choice: MaxPoolChoice = {}): [GpuStorage, GpuStorage] {
  const [OH, OW] = pool2dOutHW(x.shape[2], x.shape[3], p);
  const n = planes(x.shape) * OH * OW;
  const out = output(ctx, n);
  const outIdx = output(ctx, n);
  if (n === 0) return [out, outIdx];
  const kernel = choice.kernel ?? 'auto';
  if (kernel === 'tiled' || (kernel === 'auto' && windowsTileInside(x.shape, p))) {
    if (!windowsTileInside(x.shape, p)) throw new Error('maxPoolTiled: the windows do not tile the input');
    // One workgroup per ROWS output rows; its TW lanes walk each row.
    const TW = choice.TW ?? MAXPOOL_TILED.TW;
    const rows = planes(x.shape) * OH;
    const ROWS = rowsPerGroup(rows, choice);
    ctx.dispatch('pool', {
      entry: 'maxPoolTiled',
      constants: { KH: p.kernel[0], KW: p.kernel[1], TW, ROWS },
      uniforms: poolUniforms(rows, x.shape, OH, OW, p),
      buffers: { x: x.storage, out, outIdx },
      workgroups: groups(rows, ROWS),
    });
    return [out, outIdx];
  }
  // One invocation per row segment of MAXPOOL_OPT outputs.
  const segs = planes(x.shape) * OH * Math.ceil(OW / MAXPOOL_OPT);
  ctx.dispatch('pool', {
    entry: 'maxPool',
    constants: { OPT: MAXPOOL_OPT },
    uniforms: poolUniforms(segs, x.shape, OH, OW, p),
    buffers: { x: x.storage, out, outIdx },
    workgroups: groups(segs),
  });
  return [out, outIdx];
}

/**
 * Windows that tile the input without overlap or padding (stride = kernel, dilation 1, padding 0):
 * each input lies in at most one window, and the backward runs as a per-row scatter-free pass
 * (about 5x the general per-input search on the genre CNN's 2x2 pools on lavapipe).
 */
export function tilesInput(p: Pool2dParams): boolean {
  return (
    p.stride[0] === p.kernel[0] &&
    p.stride[1] === p.kernel[1] &&
    p.dilation[0] === 1 &&
    p.dilation[1] === 1 &&
    p.padding[0] === 0 &&
    p.padding[1] === 0
  );
}

/**
 * Which max-pooling backward runs: 'rows' (maxPoolBackwardTiledRows: windows that tile the input
 * inside it), 'tiled' (maxPoolBackwardTiled: windows that tile the input, ceilMode windows over
 * the edge included) or 'general' (maxPoolBackward: any geometry); 'auto' picks the first that
 * applies. Internal: bench/diag/maxpool.mjs times them against each other.
 */
export interface MaxPoolBackwardChoice {
  kernel?: 'auto' | 'rows' | 'tiled' | 'general';
  TW?: number;
  ROWS?: number;
}

/** gy [N, C, Ho, Wo] routed to the argmax positions (summed where windows overlap) → xShape. */
export function maxPool2dBackward(
  ctx: GpuContext,
  gy: GBuf,
  argmax: GBuf,
  xShape: Shape,
  p: Pool2dParams,
  choice: MaxPoolBackwardChoice = {},
): GpuStorage {
  const n = planes(xShape) * xShape[2] * xShape[3];
  const out = output(ctx, n);
  if (n === 0) return out;
  const kernel = choice.kernel ?? 'auto';
  const inside = windowsTileInside(xShape, p);
  if (kernel === 'rows' || (kernel === 'auto' && inside)) {
    if (!inside) throw new Error('maxPoolBackwardTiledRows: the windows do not tile the input');
    // One workgroup per ROWS output rows, as maxPoolTiled.
    const rows = planes(xShape) * gy.shape[2];
    const ROWS = rowsPerGroup(rows, choice);
    ctx.dispatch('pool', {
      entry: 'maxPoolBackwardTiledRows',
      constants: { KH: p.kernel[0], KW: p.kernel[1], TW: choice.TW ?? MAXPOOL_TILED.TW, ROWS },
      uniforms: poolUniforms(rows, xShape, gy.shape[2], gy.shape[3], p),
      buffers: { gy: gy.storage, idx: argmax.storage, out },
      workgroups: groups(rows, ROWS),
    });
  } else if (kernel === 'tiled' || (kernel === 'auto' && tilesInput(p))) {
    if (!tilesInput(p)) throw new Error('maxPoolBackwardTiled: the windows do not tile the input');
    // One invocation per row segment of MAXPOOL_OPT windows (see maxPoolBackwardTiled).
    const segs = planes(xShape) * xShape[2] * Math.ceil(xShape[3] / (MAXPOOL_OPT * p.kernel[1]));
    ctx.dispatch('pool', {
      entry: 'maxPoolBackwardTiled',
      constants: { OPT: MAXPOOL_OPT },
      uniforms: poolUniforms(segs, xShape, gy.shape[2], gy.shape[3], p),
      buffers: { gy: gy.storage, idx: argmax.storage, out },
      workgroups: groups(segs),
    });
  } else {
    ctx.dispatch('pool', {
      entry: 'maxPoolBackward',
      uniforms: poolUniforms(n, xShape, gy.shape[2], gy.shape[3], p),
      buffers: { gy: gy.storage, idx: argmax.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

export function avgPool2d(ctx: GpuContext, x: GBuf, p: Pool2dParams): GpuStorage {
  const [OH, OW] = pool2dOutHW(x.shape[2], x.shape[3], p);
  const n = planes(x.shape) * OH * OW;
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool', {
      entry: 'avgPool',
      uniforms: poolUniforms(n, x.shape, OH, OW, p),
      buffers: { x: x.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

export function avgPool2dBackward(ctx: GpuContext, gy: GBuf, xShape: Shape, p: Pool2dParams): GpuStorage {
  const n = planes(xShape) * xShape[2] * xShape[3];
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool', {
      entry: 'avgPoolBackward',
      uniforms: poolUniforms(n, xShape, gy.shape[2], gy.shape[3], p),
      buffers: { gy: gy.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

export function adaptiveAvgPool2d(ctx: GpuContext, x: GBuf, outH: number, outW: number): GpuStorage {
  const n = planes(x.shape) * outH * outW;
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool', {
      entry: 'adaptiveAvg',
      uniforms: poolUniforms(n, x.shape, outH, outW),
      buffers: { x: x.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

export function adaptiveAvgPool2dBackward(ctx: GpuContext, gy: GBuf, xShape: Shape): GpuStorage {
  const n = planes(xShape) * xShape[2] * xShape[3];
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool', {
      entry: 'adaptiveAvgBackward',
      uniforms: poolUniforms(n, xShape, gy.shape[2], gy.shape[3]),
      buffers: { gy: gy.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

/** The uniforms of shaders/pool_upsample.wgsl. */
function upsampleUniforms(n: number, xShape: Shape, OH: number, OW: number, mode: UpsampleMode, alignCorners: boolean) {
  const H = xShape[2];
  const W = xShape[3];
  return {
    n,
    H,
    W,
    OH,
    OW,
    bilinear: mode === 'bilinear' ? 1 : 0,
    alignCorners: alignCorners ? 1 : 0,
    // PyTorch's float32 scale for legacy 'nearest' (packed as float32: the same rounding).
    scaleH: OH > 0 ? H / OH : 0,
    scaleW: OW > 0 ? W / OW : 0,
  };
}

/** F.interpolate(x, size=[outH, outW], mode, align_corners) on x [N, C, H, W]. */
export function upsample2d(ctx: GpuContext, x: GBuf, outH: number, outW: number, mode: UpsampleMode, alignCorners: boolean): GpuStorage {
  const n = planes(x.shape) * outH * outW;
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool_upsample', {
      entry: 'upsample',
      uniforms: upsampleUniforms(n, x.shape, outH, outW, mode, alignCorners),
      buffers: { x: x.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}

/** The adjoint of upsample2d: gy [N, C, outH, outW] → xShape. */
export function upsample2dBackward(ctx: GpuContext, gy: GBuf, xShape: Shape, mode: UpsampleMode, alignCorners: boolean): GpuStorage {
  const n = planes(xShape) * xShape[2] * xShape[3];
  const out = output(ctx, n);
  if (n > 0) {
    ctx.dispatch('pool_upsample', {
      entry: 'upsampleBackward',
      uniforms: upsampleUniforms(n, xShape, gy.shape[2], gy.shape[3], mode, alignCorners),
      buffers: { gy: gy.storage, out },
      workgroups: groups(n),
    });
  }
  return out;
}
