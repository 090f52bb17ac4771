/**
 * Tile and workgroup sizes of the register-tiled GEMM kernels (shaders/matmul.wgsl,
 * conv_forward.wgsl, conv_backward.wgsl), chosen per problem from its shape and the adapter's
 * limits instead of one fixed configuration.
 *
 * Every one of those kernels computes, per independent GEMM, an M x N output reduced over K: each
 * invocation owns a TM x TN block, a workgroup of WGX x WGY invocations a (WGY*TM) x (WGX*TN)
 * block (rows x columns). The four sizes are pipeline-overridable constants (one pipeline per
 * distinct choice, cached). Whatever the choice, every output is the same sequential sum over K,
 * so the choice changes the speed, never the numbers.
 *
 * The rules, measured on lavapipe (Mesa's CPU Vulkan driver, where a workgroup runs on one core as
 * SIMD lanes; bench/diag/tiles.mjs times the candidates round-robin in one process):
 * 1. Start from the kernel's base: TM = TN = 8 everywhere (64 FMAs per 16 loads: 4 x 8 or 8 x 4
 *    run 1.15-1.5x slower, 4 x 4 1.6-2x, on the genre CNN's convolutions and the 1024^3
 *    matmul); the workgroup shape mattered little on large problems (within the run-to-run swing).
 * 2. Fit small dimensions: a block that covers twice the rows (columns) there are wastes the lanes
 *    on clamped duplicates, e.g. the mel matmul's 64 columns with a 128-column block ran 1.9x
 *    slower and fc2's 10 classes with a 64-column block 1.4x slower than a 32-column one. The
 *    workgroup's invocations move to the other dimension while it needs them, then the
 *    per-invocation tile shrinks (depthwise convolutions: one row per group).
 * 3. Respect the adapter: WGX <= maxComputeWorkgroupSizeX, WGY <= maxComputeWorkgroupSizeY,
 *    WGX * WGY <= maxComputeInvocationsPerWorkgroup, and the workgroup count within what one
 *    dispatch can fold into two dimensions (maxComputeWorkgroupsPerDimension^2).
 * 4. Keep the cores busy: with fewer than MIN_WORKGROUPS workgroups (a small problem), workgroups
 *    are made smaller (down to MIN_INVOCATIONS invocations, then down to a 4 x 4 tile per
 *    invocation) until there are enough.
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

/**
 * Base configurations (rule 1), the fastest measured on lavapipe for the genre CNN's shapes (conv
 * blocks 3x3 at 32/64/128 channels) and the 1024^3 matmul. backInput favours a wide workgroup (its
 * columns are one stride phase of input pixels), backWeight a small one (its N = Cg*kh*kw columns
 * are few, its reduction long and split across workgroups).
 */
export const BASE_TILES: Readonly<Record<TiledKernel, Readonly<Tiles>>> = {
  matmul: { WGX: 8, WGY: 2, TM: 8, TN: 8 },
  conv_forward: { WGX: 8, WGY: 2, TM: 8, TN: 8 },
  conv_backInput: { WGX: 16, WGY: 1, TM: 8, TN: 8 },
  conv_backWeight: { WGX: 4, WGY: 2, TM: 8, TN: 8 },
};

/** Rule 4: below this many workgroups a dispatch leaves cores idle (lavapipe runs one per core). */
export const MIN_WORKGROUPS = 16;

/** Rule 4 keeps at least this many invocations per workgroup (lavapipe's AVX2 SIMD width). */
export const MIN_INVOCATIONS = 8;

/** "WGXxWGY/TMxTN", e.g. 8x2/8x8: how the profiler and the bench print a configuration. */
export function tilesLabel(t: Tiles): string {
  return `${t.WGX}x${t.WGY}/${t.TM}x${t.TN}`;
}

/** Workgroups a dispatch of `t` over `p` needs. */
export function workgroupCount(t: Tiles, p: GemmProblem): number {
  return p.count * Math.ceil(p.m / (t.WGY * t.TM)) * Math.ceil(p.n / (t.WGX * t.TN));
}

/** Whether `t` is a valid configuration under `limits` (sizes, invocations, shader arrays). */
export function tilesFit(t: Tiles, limits: TileLimits): boolean {
  const pow = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  return (
    pow(t.TM, MAX_TILE) &&
    pow(t.TN, MAX_TILE) &&
    pow(t.WGX, limits.maxComputeWorkgroupSizeX) &&
    pow(t.WGY, limits.maxComputeWorkgroupSizeY) &&
    t.WGX * t.WGY <= limits.maxComputeInvocationsPerWorkgroup
  );
}

/**
 * The tiles for one problem of `kernel` under the adapter's `limits` (see the module note for the
 * rules). `base` replaces the kernel's base configuration (it is clamped and fitted the same way).
 * Deterministic: the same problem and limits give the same tiles.
 */
export function chooseTiles(kernel: TiledKernel, p: GemmProblem, limits: TileLimits, base: Tiles = BASE_TILES[kernel]): Tiles {
  let { WGX, WGY, TM, TN } = base;
  const maxX = limits.maxComputeWorkgroupSizeX;
  const maxY = limits.maxComputeWorkgroupSizeY;
  const maxInv = limits.maxComputeInvocationsPerWorkgroup;
  // Rule 3: powers of two within the limits (the shaders' arrays hold 8 x 8).
  TM = floorPow2(Math.min(TM, MAX_TILE));
  TN = floorPow2(Math.min(TN, MAX_TILE));
  WGX = floorPow2(Math.min(WGX, maxX));
  WGY = floorPow2(Math.min(WGY, maxY));
  while (WGX * WGY > maxInv) {
    if (WGX >= WGY) WGX /= 2;
    else WGY /= 2;
  }
  const rows = Math.max(1, p.m);
  const cols = Math.max(1, p.n);
  const canGrowX = () => WGX * 2 <= maxX && WGX * 2 * WGY <= maxInv;
  const canGrowY = () => WGY * 2 <= maxY && WGX * WGY * 2 <= maxInv;
  // Rule 2: fit rows, then columns, moving invocations across while the other side needs them.
  while (WGY > 1 && WGY * TM >= 2 * rows) {
    WGY /= 2;
    if (WGX * TN < cols && canGrowX()) WGX *= 2;
  }
  while (TM > 1 && TM >= 2 * rows) TM /= 2;
  while (WGX > 1 && WGX * TN >= 2 * cols) {
    WGX /= 2;
    if (WGY * TM < rows && canGrowY()) WGY *= 2;
  }
  while (TN > 1 && TN >= 2 * cols) TN /= 2;
  // Rule 4: a small problem gets smaller workgroups (down to MIN_INVOCATIONS), then smaller
  // per-invocation tiles (down to 4 x 4). After rule 2 a block covers less than twice each
  // dimension, so every halving adds workgroups.
  const count = () => workgroupCount({ WGX, WGY, TM, TN }, p);
  while (count() < MIN_WORKGROUPS) {
    if (WGX * WGY > MIN_INVOCATIONS) {
      if (WGX >= WGY) WGX /= 2;
      else WGY /= 2;
    } else if (TM > 4 || TN > 4) {
      if (TN >= TM) TN /= 2;
      else TM /= 2;
    } else break;
  }
  // Rule 3: a dispatch folds into at most maxComputeWorkgroupsPerDimension^2 workgroups; grow the
  // block back (tile first, then workgroup) until it fits.
  const maxCount = limits.maxComputeWorkgroupsPerDimension ** 2;
  while (count() > maxCount) {
    if (TN < MAX_TILE) TN *= 2;
    else if (TM < MAX_TILE) TM *= 2;
    else if (canGrowX()) WGX *= 2;
    else if (canGrowY()) WGY *= 2;
    else break; // the context reports the dispatch as too large
  }
  return { WGX, WGY, TM, TN };
}

function floorPow2(v: number): number {
  return v >= 1 ? 2 ** Math.floor(Math.log2(v)) : 1;
}
