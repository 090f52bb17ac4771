/**
 * 2-D convolution on the GPU (shaders/conv_forward.wgsl, shaders/conv_backward.wgsl), PyTorch
 * Conv2d semantics: NCHW, weights [O, C/groups, kh, kw], zero padding, stride, dilation, groups.
 *
 * All three passes are implicit GEMMs per group, register-tiled without workgroup memory (each
 * invocation computes a TM x TN block of outputs, a workgroup of WGX x WGY invocations a
 * (WGY*TM) x (WGX*TN) block), gathering the input on the fly instead of materialising im2col:
 * - forward: M = O/groups output channels, N = batch*Ho*Wo output pixels, K = C/groups*kh*kw;
 *   the bias is added by the same kernel;
 * - backward input: M = C/groups input channels, N = input pixels, K = O/groups*kh*kw; pixels are
 *   grouped by stride phase so that a workgroup skips the taps that cannot reach it;
 * - backward weight: M = O/groups, N = C/groups*kh*kw, reduced over batch*Ho*Wo; when the tiles
 *   alone give few workgroups the reduction is split into chunks whose partial sums a second
 *   dispatch adds.
 * Shapes travel as uniforms; tile sizes are pipeline-overridable constants chosen per problem from
 * its shape and the adapter's limits (../tuning.ts; `tiles` forces a configuration).
 */
import type { Conv2dParams } from '../../backend.js';
import { conv2dOutHW } from '../../nnShapes.js';
import type { Shape } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups as wgCount, output, WG, type GBuf } from './common.js';
import { BASE_TILES, chooseTiles } from '../tuning.js';
import { fill } from './elementwise.js';

/** What the conv kernels need of a tensor. */

/** Workgroup shape and per-invocation tile (TM, TN <= 8; WGX * WGY <= 256). */
export interface ConvTiles {
  WGX: number;
  WGY: number;
  TM: number;
  TN: number;
}

// The base configurations the chooser fits to each problem (../tuning.ts), measured on lavapipe
// (2 cores) for the genre CNN's conv2 (x [64, 32, 32, 150], w [64, 32, 3, 3], padding 1): 8 x 8
// outputs per invocation run about twice as fast as 4 x 4 (forward ~11 GFLOP/s against ~4); the
// workgroup shape matters less (within ~15 %).
/** Forward: rows are output channels, columns output pixels. */
export const FORWARD_TILES: ConvTiles = { ...BASE_TILES.conv_forward };
/** Backward input: rows are input channels, columns input pixels. */
export const BACKWARD_INPUT_TILES: ConvTiles = { ...BASE_TILES.conv_backInput };
/** Backward weight: rows are output channels, columns (input channel, tap) pairs. */
export const BACKWARD_WEIGHT_TILES: ConvTiles = { ...BASE_TILES.conv_backWeight };

/** Backward weight splits its reduction until about this many workgroups run... */
export const WEIGHT_TARGET_WORKGROUPS = 64;
/** ...as long as every chunk keeps at least this many output pixels. */
export const WEIGHT_MIN_CHUNK = 2048;
/**
 * The split count is sized from this block (the base tiles' 16 channels x 32 columns), not from
 * the chosen tiles: the chunks fix the order of the reduction's partial sums, so the result does
 * not depend on the tile choice.
 */
const WEIGHT_SPLIT_BLOCK = { rows: 16, cols: 32 };

/** Uniform values shared by the three kernels. */
function geometry(xShape: Shape, wShape: Shape, p: Conv2dParams) {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const [ho, wo] = conv2dOutHW(h, w, kh, kw, p).map((v) => Math.max(0, v));
  return {
    n,
    c,
    h,
    w,
    o,
    ho,
    wo,
    kh,
    kw,
    sh: p.stride[0],
    sw: p.stride[1],
    ph: p.padding[0],
    pw: p.padding[1],
    dh: p.dilation[0],
    dw: p.dilation[1],
    groups: p.groups,
    cg,
    og: o / p.groups,
  };
}

const tileConstants = (t: ConvTiles) => ({ WGX: t.WGX, WGY: t.WGY, TM: t.TM, TN: t.TN });

/** The epilogue of fusedConv2d on the GPU (see ConvEpilogue in backend.ts). */
export interface GpuConvEpilogue {
  scale: GBuf | null;
  shift: GBuf | null;
  relu: boolean;
}

/**
 * x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null → [N, O, Ho, Wo] (a new buffer).
 * With `epilogue` (fusedConv2d) the same kernel applies relu?(scale[o] * y + shift[o]) before the
 * store, selected by override constants (no extra pass).
 */
export function conv2d(
  ctx: GpuContext,
  x: GBuf,
  w: GBuf,
  bias: GBuf | null,
  p: Conv2dParams,
  tiles?: ConvTiles,
  epilogue: GpuConvEpilogue | null = null,
): GpuStorage {
  const G = geometry(x.shape, w.shape, p);
  const npix = G.n * G.ho * G.wo;
  const out = output(ctx, npix * G.o);
  if (npix === 0 || G.o === 0) return out;
  const t = tiles ?? chooseTiles('conv_forward', { m: G.og, n: npix, k: G.cg * G.kh * G.kw, count: G.groups }, ctx.device.limits);
  const tilesM = Math.ceil(G.og / (t.WGY * t.TM));
  const tilesN = Math.ceil(npix / (t.WGX * t.TN));
  // The kernel binds `bias` either way: without one it gets a dummy buffer it never reads.
  const b = bias ? bias.storage : output(ctx, 1);
  const epi = epilogueArgs(ctx, epilogue, b);
  ctx.dispatch('conv_forward', {
    constants: { ...tileConstants(t), ...epi.constants },
    uniforms: { ...G, npix, tilesM, tilesN, hasBias: bias ? 1 : 0 },
    buffers: { x: x.storage, w: w.storage, bias: b, out, scale: epi.scale, shift: epi.shift },
    workgroups: G.groups * tilesM * tilesN,
  });
  epi.free();
  if (!bias) ctx.free(b);
  return out;
}

/**
 * Buffers and override constants of the forward kernel's epilogue. The plain conv passes no
 * constants (the pipeline it always had) and binds `b` for scale and shift, which that kernel
 * never reads; an absent scale (shift) is a buffer of ones (zeros).
 */
function epilogueArgs(ctx: GpuContext, e: GpuConvEpilogue | null, b: GpuStorage) {
  const none: Record<string, number> = {};
  if (!e) return { constants: none, scale: b, shift: b, free: () => {} };
  const affine = !!(e.scale || e.shift);
  const o = e.scale?.shape[0] ?? e.shift?.shape[0] ?? 1;
  const made: GpuStorage[] = [];
  const vec = (v: GBuf | null, value: number): GpuStorage => {
    if (v) return v.storage;
    if (!affine) return b;
    made.push(fill(ctx, o, value, 'float32'));
    return made[made.length - 1];
  };
  const scale = vec(e.scale, 1);
  const shift = vec(e.shift, 0);
  return {
    constants: { EPILOGUE_AFFINE: affine ? 1 : 0, EPILOGUE_RELU: e.relu ? 1 : 0 } as Record<string, number>,
    scale,
    shift,
    free: () => made.forEach((s) => ctx.free(s)),
  };
}

/** d loss / d x of conv2d from gy [N, O, Ho, Wo]; result has xShape (a new buffer). */
export function conv2dBackwardInput(ctx: GpuContext, gy: GBuf, w: GBuf, xShape: Shape, p: Conv2dParams, tiles?: ConvTiles): GpuStorage {
  const G = geometry(xShape, w.shape, p);
  const out = output(ctx, G.n * G.c * G.h * G.w);
  if (G.n * G.c * G.h * G.w === 0) return out;
  const hq = Math.ceil(G.h / G.sh);
  const wq = Math.ceil(G.w / G.sw);
  const npq = G.n * hq * wq;
  const problem = { m: G.cg, n: npq, k: G.og * G.kh * G.kw, count: G.groups * G.sh * G.sw };
  const t = tiles ?? chooseTiles('conv_backInput', problem, ctx.device.limits);
  const tilesM = Math.ceil(G.cg / (t.WGY * t.TM));
  const tilesN = Math.ceil(npq / (t.WGX * t.TN));
  ctx.dispatch('conv_backward', {
    entry: 'backInput',
    constants: tileConstants(t),
    uniforms: { ...G, tilesM, tilesN, hq, wq, npq },
    buffers: { w: w.storage, gy: gy.storage, out },
    workgroups: G.groups * G.sh * G.sw * tilesM * tilesN,
  });
  return out;
}

/** d loss / d w of conv2d from x and gy [N, O, Ho, Wo]; result has wShape (a new buffer). */
export function conv2dBackwardWeight(ctx: GpuContext, x: GBuf, gy: GBuf, wShape: Shape, p: Conv2dParams, tiles?: ConvTiles): GpuStorage {
  const G = geometry(x.shape, wShape, p);
  const ncols = G.cg * G.kh * G.kw;
  const total = G.o * ncols;
  const out = output(ctx, total);
  if (total === 0) return out;
  const nrows = G.n * G.ho;
  const base = G.groups * Math.ceil(G.og / WEIGHT_SPLIT_BLOCK.rows) * Math.ceil(ncols / WEIGHT_SPLIT_BLOCK.cols);
  const maxSplits = Math.floor((nrows * G.wo) / WEIGHT_MIN_CHUNK);
  let splits = Math.max(1, Math.min(Math.ceil(WEIGHT_TARGET_WORKGROUPS / base), maxSplits, nrows));
  const rowsPerSplit = Math.ceil(nrows / splits);
  if (rowsPerSplit > 0) splits = Math.ceil(nrows / rowsPerSplit);
  const problem = { m: G.og, n: ncols, k: nrows * G.wo, count: G.groups * splits };
  const t = tiles ?? chooseTiles('conv_backWeight', problem, ctx.device.limits);
  const tilesM = Math.ceil(G.og / (t.WGY * t.TM));
  const tilesN = Math.ceil(ncols / (t.WGX * t.TN));
  const target = splits > 1 ? output(ctx, splits * total) : out;
  ctx.dispatch('conv_backward', {
    entry: 'backWeight',
    constants: tileConstants(t),
    uniforms: { ...G, tilesM, tilesN, splits, rowsPerSplit },
    buffers: { x: x.storage, gy: gy.storage, out: target },
    workgroups: G.groups * tilesM * tilesN * splits,
  });
  if (splits > 1) {
    ctx.dispatch('conv_backward', {
      entry: 'sumPartials',
      constants: { WG },
      uniforms: { splits, total },
      buffers: { partial: target, out },
      workgroups: wgCount(total),
    });
    ctx.free(target);
  }
  return out;
}
