/**
 * Tile and workgroup sizes of the register-tiled GEMM kernels (shaders/matmul.wgsl,
 * conv_forward.wgsl, conv_backward.wgsl), chosen per problem from its shape and the adapter's
 * limits instead of one fixed configuration.
 *
 * Every one of those kernels computes, per independent GEMM, an M x N output reduced over K: each
 * invocation owns a TM x TN block, a workgroup of WGX x WGY invocations a (WGY*TM) x (WGX*TN)
 * block (rows x columns). The four sizes are pipeline-overridable constants (one pipeline per
 * distinct choice, cached). Whatever the choice, every output of matmul, the conv forward and the
 * input gradient is the same sequential sum over K, so the choice changes the speed, never the
 * numbers; the weight gradient's chunks of the reduction do not depend on it either, but within
 * a chunk each row's bounds-checked edges are added after the unchecked middle, whose extent
 * depends on which columns share an invocation (rounding-level differences).
 *
 * The choice is one entry of a small table (TILE_TABLE, so that every configuration the engine
 * can run is known and tested), the one with the least estimated time under a cost model fitted
 * to measurements on lavapipe (Mesa's CPU Vulkan driver: a workgroup runs on one core, its
 * invocations as 8-wide SIMD lanes; bench/diag/tiles.mjs times candidates round-robin):
 * - per-invocation tile: an output costs 1 + LOAD_COST * (TM + TN) / (TM * TN) units, the loads
 *   per multiply-add (8 x 8 is the fastest: 4 x 8 / 8 x 4 ran 1.15-1.5x slower, 4 x 4 1.6-2x on
 *   the genre CNN's convolutions and the 1024^3 matmul);
 * - waste: a block past the edge of M or N computes clamped duplicates at full price (the mel
 *   matmul's 64 columns under a 128-column block ran 1.8-1.9x slower; conv1's input gradient, one
 *   input channel, 1.8x slower with 8 rows per invocation than with 1; conv1's weight gradient, 9
 *   columns, 1.9x slower with 4 x 4 per invocation over 16 columns than with 8 x 8 over 16);
 * - lanes: a workgroup costs whole SIMD vectors of SIMD_LANES invocations;
 * - occupancy: workgroups run PARALLEL_WORKGROUPS at a time, so a problem of few workgroups is
 *   better split into more, smaller ones.
 * Ties (large problems, where the workgroup shape measured within the run-to-run swing) go to the
 * kernel's base configuration, then to table order. Entries past the adapter's limits
 * (maxComputeWorkgroupSizeX/Y, maxComputeInvocationsPerWorkgroup) are skipped; if none fit, the
 * kernel's base is shrunk (halving the larger workgroup side) until it does. A dispatch whose
 * workgroups exceed maxComputeWorkgroupsPerDimension^2 (what the context can fold into two
 * dimensions) is avoided when any entry fits.
 */

/** Workgroup shape (WGX columns x WGY rows of invocations) and per-invocation tile (TM x TN). */
export interface Tiles {
  WGX: number;
  WGY: number;
  TM: number;
  TN: number;
}

/** The kernels whose tiles are chosen here (shader/entry). */
export type TiledKernel = 'matmul' | 'conv_forward' | 'conv_backInput' | 'conv_backWeight';

/** One problem: `count` independent GEMMs of M rows x N columns reduced over K. */
export interface GemmProblem {
  m: number;
  n: number;
  k: number;
  /** Independent GEMMs dispatched together (matmul batch, conv groups (x stride phases), splits). */
  count: number;
}

/** The adapter limits the choice must respect (a GPUSupportedLimits has them all). */
export interface TileLimits {
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

/** The shaders' per-invocation register arrays hold at most MAXT = 8 rows and columns. */
export const MAX_TILE = 8;

const t = (WGX: number, WGY: number, TM: number, TN: number): Readonly<Tiles> => Object.freeze({ WGX, WGY, TM, TN });

/**
 * Base configurations, the fastest measured on lavapipe for the genre CNN's shapes (conv blocks
 * 3x3 at 32/64/128 channels) and the 1024^3 matmul; they win every tie.
 */
export const BASE_TILES: Readonly<Record<TiledKernel, Readonly<Tiles>>> = {
  matmul: t(8, 2, 8, 8),
  conv_forward: t(8, 2, 8, 8),
  conv_backInput: t(16, 1, 8, 8),
  conv_backWeight: t(4, 2, 8, 8),
};

/**
 * Every configuration the chooser picks from (plus, on an adapter too small for all of them, a
 * base shrunk to fit): the bases, taller and narrower blocks for few columns (fc2's classes, a
 * matrix-vector product), shorter ones for few rows (conv1's single input channel, depthwise
 * convolutions) and small blocks for small problems.
 */
export const TILE_TABLE: readonly Readonly<Tiles>[] = [
  BASE_TILES.conv_forward, // 16 x 64 outputs per workgroup
  BASE_TILES.conv_backInput, // 8 x 128
  BASE_TILES.conv_backWeight, // 16 x 32
  t(4, 4, 8, 8), // 32 x 32
  t(2, 4, 8, 8), // 32 x 16: few columns (conv1's weight gradient: 9)
  t(1, 8, 8, 8), // 64 x 8: few columns
  t(1, 16, 8, 1), // 128 x 1: one column
  t(16, 1, 4, 8), // 4 x 128: few rows
  t(16, 1, 1, 8), // 1 x 128: one row
  t(4, 2, 4, 4), // 8 x 16: small problems
];

/** Loads per multiply-add weigh this much against the multiply-add itself (fitted: 4x4 ~1.6x, 4x8 ~1.3x 8x8's time). */
export const LOAD_COST = 6;
/** Invocations per SIMD vector (lavapipe on AVX2; a warp would be 32, where the table's 8/16-wide workgroups still fill one). */
export const SIMD_LANES = 8;
/** Workgroups assumed to run at once (cores of a CPU adapter; fewer idle the rest). */
export const PARALLEL_WORKGROUPS = 16;

/** "WGXxWGY/TMxTN", e.g. 8x2/8x8: how the profiler and the bench print a configuration. */
export function tilesLabel(c: Tiles): string {
  return `${c.WGX}x${c.WGY}/${c.TM}x${c.TN}`;
}

/** Workgroups a dispatch of `c` over `p` needs. */
export function workgroupCount(c: Tiles, p: GemmProblem): number {
  return p.count * Math.ceil(p.m / (c.WGY * c.TM)) * Math.ceil(p.n / (c.WGX * c.TN));
}

/** Whether `c` is a valid configuration under `limits` (sizes, invocations, shader arrays). */
export function tilesFit(c: Tiles, limits: TileLimits): boolean {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  return (
    ok(c.TM, MAX_TILE) &&
    ok(c.TN, MAX_TILE) &&
    ok(c.WGX, limits.maxComputeWorkgroupSizeX) &&
    ok(c.WGY, limits.maxComputeWorkgroupSizeY) &&
    c.WGX * c.WGY <= limits.maxComputeInvocationsPerWorkgroup
  );
}

/**
 * The cost model's estimate of a dispatch of `c` over `p` (arbitrary units, comparable between
 * configurations of one problem): waves of PARALLEL_WORKGROUPS workgroups, each workgroup its
 * SIMD vectors times the invocation's TM x TN outputs (computed or clamped) at their load cost.
 */
export function estimateCost(c: Tiles, p: GemmProblem): number {
  // Fewer workgroups than run at once still take one wave; past that, time grows with the count.
  const waves = Math.max(1, workgroupCount(c, p) / PARALLEL_WORKGROUPS);
  const vectors = Math.ceil((c.WGX * c.WGY) / SIMD_LANES);
  const perOutput = 1 + (LOAD_COST * (c.TM + c.TN)) / (c.TM * c.TN);
  return waves * vectors * c.TM * c.TN * perOutput * Math.max(1, p.k);
}

/**
 * The tiles for one problem of `kernel` under the adapter's `limits` (see the module note):
 * deterministic, always an entry of TILE_TABLE when one fits the limits.
 */
export function chooseTiles(kernel: TiledKernel, p: GemmProblem, limits: TileLimits): Tiles {
  const base = BASE_TILES[kernel];
  const fits = TILE_TABLE.filter((c) => tilesFit(c, limits));
  if (fits.length === 0) return { ...shrinkToFit(base, limits) };
  const maxCount = limits.maxComputeWorkgroupsPerDimension ** 2;
  const dispatchable = fits.filter((c) => workgroupCount(c, p) <= maxCount);
  const pool = dispatchable.length ? dispatchable : fits;
  // The base first, so that it wins ties; then table order.
  const order = [base, ...pool.filter((c) => c !== base)].filter((c) => pool.includes(c));
  let best = order[0];
  let bestCost = estimateCost(best, p);
  for (const c of order.slice(1)) {
    const cost = estimateCost(c, p);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return { ...best };
}

/** `c` with its workgroup sides halved (the larger first) until it fits `limits`. */
export function shrinkToFit(c: Tiles, limits: TileLimits): Tiles {
  let { WGX, WGY } = c;
  const pow2 = (v: number) => (v >= 1 ? 2 ** Math.floor(Math.log2(v)) : 1);
  WGX = Math.min(WGX, pow2(limits.maxComputeWorkgroupSizeX));
  WGY = Math.min(WGY, pow2(limits.maxComputeWorkgroupSizeY));
  while (WGX * WGY > Math.max(1, limits.maxComputeInvocationsPerWorkgroup) && WGX * WGY > 1) {
    if (WGX >= WGY) WGX /= 2;
    else WGY /= 2;
  }
  return { WGX, WGY, TM: Math.min(c.TM, MAX_TILE), TN: Math.min(c.TN, MAX_TILE) };
}
