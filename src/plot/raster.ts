/**
 * Raster pictures of 2-D maps as PNG bytes (fast-png; Node and browser alike): a heatmap of one
 * map, a log-mel background with an attribution overlay, and labelled regions (LIME components)
 * outlined in a colour that says their weight. Maps are row-major [rows, cols] = [mel bands,
 * frames]; by default row 0 (the lowest band) is drawn at the bottom, as spectrograms are read.
 */
import { parseOptions } from '../util/options.js';
import { encode } from 'fast-png';
import { ShapeError, ValueError } from '../engine/index.js';
import { checkColormap, colormapLut, type ColormapName } from './colormaps.js';

/** Largest picture the raster functions write (pixels), to keep a typo from allocating gigabytes. */
export const MAX_PIXELS = 1 << 25;

/** Layout options shared by the raster functions. */
export interface RasterLayout {
  /** Integer pixel size of one cell, 1–64 (default 1); or [vertical, horizontal]. */
  scale?: number | readonly [number, number];
  /** Draw row 0 at the bottom (default true: low frequencies at the bottom). */
  flipY?: boolean;
}

export interface HeatmapOptions extends RasterLayout {
  /** Colormap (default 'viridis'; 'redblue' for signed maps, white at 0). */
  colormap?: ColormapName;
  /** matplotlib's name for `colormap`. */
  cmap?: ColormapName;
  /** Value drawn as the colormap's first colour (default: the data's minimum; −max|v| for 'redblue'). */
  min?: number;
  /** matplotlib's name for `min`. */
  vmin?: number;
  /** Value drawn as the colormap's last colour (default: the data's maximum; +max|v| for 'redblue'). */
  max?: number;
  /** matplotlib's name for `max`. */
  vmax?: number;
}

export interface OverlayOptions extends RasterLayout {
  /** Colormap of the background (default 'grey'). */
  backgroundColormap?: ColormapName;
  /** Colormap of the overlay (default 'redblue', centred on 0). */
  colormap?: ColormapName;
  /** matplotlib's name for `colormap`. */
  cmap?: ColormapName;
  /** Largest opacity of the overlay, in [0, 1] (default 0.6). */
  alpha?: number;
  /** Scale each overlay pixel's opacity by its magnitude, so zero attribution leaves the background clear (default true). */
  alphaByMagnitude?: boolean;
  /** Overlay value range (defaults as in heatmapPng). */
  min?: number;
  /** matplotlib's name for `min`. */
  vmin?: number;
  max?: number;
  /** matplotlib's name for `max`. */
  vmax?: number;
  /** Background value range (default: its minimum and maximum). */
  backgroundMin?: number;
  backgroundMax?: number;
  /** Labelled regions to outline: a label per cell (−1 = none) and a weight per label; outlines are coloured by weight (redblue, centred on 0). */
  regions?: RegionOutline;
}

/** Regions (e.g. LIME components) to outline on a picture. */
export interface RegionOutline {
  /** Label of each cell, row-major [rows × cols]; −1 (or any label without a weight) is not outlined. */
  labels: Int32Array | readonly number[];
  /** Weight of each label (index = label); its sign and size pick the outline colour. null skips that label. */
  weights: readonly (number | null)[];
  /** Outline thickness in pixels (default 1). */
  thickness?: number;
}

type Values = Float32Array | Float64Array | readonly number[];

function checkDims(rows: unknown, cols: unknown, where: string): [number, number] {
  for (const [v, n] of [
    [rows, 'rows'],
    [cols, 'cols'],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new ValueError(`${where}: ${n} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return [rows as number, cols as number];
}

function checkValues(values: unknown, rows: number, cols: number, name: string, where: string): Values {
  if (!(values instanceof Float32Array || values instanceof Float64Array || Array.isArray(values))) {
    throw new ValueError(`${where}: ${name} must be a Float32Array, Float64Array or number array of rows × cols values`);
  }
  const v = values as Values;
  if (v.length !== rows * cols)
    throw new ShapeError(`${where}: ${name} has ${v.length} values, expected rows × cols = ${rows} × ${cols} = ${rows * cols}`);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new ValueError(`${where}: ${name}[${i}] is ${v[i]}, expected a finite number`);
  }
  return v;
}

function checkScale(scale: unknown, where: string): [number, number] {
  const s = scale ?? 1;
  const pair = typeof s === 'number' ? [s, s] : s;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((k) => typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= 64)) {
    throw new ValueError(`${where}: scale must be an integer in [1, 64] or a pair of them, got ${JSON.stringify(scale)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** Strict keys through the shared options helper (same messages as every other floor). */
export function checkKeys<T extends object>(options: T, allowed: readonly string[], where: string): T {
  return parseOptions(options, Object.fromEntries(allowed.map((k) => [k, MATPLOTLIB_ALIASES[k] ?? []])), where) as T;
}

/** matplotlib's spellings (imshow's `cmap`, `vmin`, `vmax`), accepted where they mean the same. */
const MATPLOTLIB_ALIASES: Readonly<Record<string, readonly string[]>> = { colormap: ['cmap'], min: ['vmin'], max: ['vmax'] };

/** The [lo, hi] a colormap spans for these values: explicit bounds win; 'redblue' centres on 0. */
function valueRange(v: Values, cmap: ColormapName, min: unknown, max: unknown, where: string, prefix = ''): [number, number] {
  for (const [x, n] of [
    [min, 'min'],
    [max, 'max'],
  ] as const) {
    if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x)))
      throw new ValueError(`${where}: ${prefix}${n} must be a finite number, got ${JSON.stringify(x)}`);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    lo = Math.min(lo, v[i]!);
    hi = Math.max(hi, v[i]!);
  }
  if (cmap === 'redblue' && min === undefined && max === undefined) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    [lo, hi] = [-m, m];
  }
  const a = (min as number | undefined) ?? lo;
  const b = (max as number | undefined) ?? hi;
  if (!(b >= a)) throw new ValueError(`${where}: ${prefix}max (${b}) must not be below ${prefix}min (${a})`);
  return [a, b];
}

/** Index 0–255 of a value in [lo, hi] (a constant map gives the middle of the colormap). */
function level(x: number, lo: number, hi: number): number {
  if (hi === lo) return 128;
  return Math.max(0, Math.min(255, Math.round(((x - lo) / (hi - lo)) * 255)));
}

interface Geometry {
  rows: number;
  cols: number;
  sy: number;
  sx: number;
  flipY: boolean;
  width: number;
  height: number;
}

function geometry(rows: number, cols: number, layout: RasterLayout, where: string): Geometry {
  const [sy, sx] = checkScale(layout.scale, where);
  const flipY = layout.flipY ?? true;
  if (typeof flipY !== 'boolean') throw new ValueError(`${where}: flipY must be a boolean, got ${JSON.stringify(flipY)}`);
  const width = cols * sx;
  const height = rows * sy;
  if (width * height > MAX_PIXELS)
    throw new ValueError(`${where}: the picture would be ${width} × ${height} pixels, more than ${MAX_PIXELS}; lower scale`);
  return { rows, cols, sy, sx, flipY, width, height };
}

/** Cell index (row-major in the data) of output pixel (py, px). */
function cellOf(g: Geometry, py: number, px: number): number {
  const r0 = Math.floor(py / g.sy);
  const r = g.flipY ? g.rows - 1 - r0 : r0;
  return r * g.cols + Math.floor(px / g.sx);
}

function encodeRgb(g: Geometry, rgb: Uint8Array): Uint8Array {
  return encode({ width: g.width, height: g.height, data: rgb, channels: 3, depth: 8 });
}

/**
 * A heatmap of one map as PNG bytes (8-bit RGB).
 * values: row-major [rows × cols] finite numbers (e.g. a log-mel [nMels, frames] or an attribution).
 * The picture is cols·scale pixels wide and rows·scale high; row 0 is at the bottom unless flipY is false.
 */
export function heatmapPng(values: Values, rows: number, cols: number, options: HeatmapOptions = {}): Uint8Array {
  const where = 'heatmapPng';
  options = checkKeys(options, ['colormap', 'min', 'max', 'scale', 'flipY'], where);
  [rows, cols] = checkDims(rows, cols, where);
  const v = checkValues(values, rows, cols, 'values', where);
  const cmap = checkColormap(options.colormap ?? 'viridis', where);
  const [lo, hi] = valueRange(v, cmap, options.min, options.max, where);
  const g = geometry(rows, cols, options, where);
  const lut = colormapLut(cmap);
  const out = new Uint8Array(g.width * g.height * 3);
  for (let py = 0; py < g.height; py++) {
    for (let px = 0; px < g.width; px++) {
      const k = level(v[cellOf(g, py, px)]!, lo, hi) * 3;
      const o = (py * g.width + px) * 3;
      out[o] = lut[k]!;
      out[o + 1] = lut[k + 1]!;
      out[o + 2] = lut[k + 2]!;
    }
  }
  return encodeRgb(g, out);
}

/**
 * A background map (e.g. a log-mel [nMels, frames], in grey or magma) with an attribution map of
 * the same [rows × cols] blended over it, and optionally labelled regions outlined by weight.
 * overlay may be null to draw only the background (and the outlines). Returns PNG bytes (RGB).
 */
export function overlayPng(
  background: Values,
  overlay: Values | null,
  rows: number,
  cols: number,
  options: OverlayOptions = {},
): Uint8Array {
  const where = 'overlayPng';
  options = checkKeys(
    options,
    [
      'backgroundColormap',
      'colormap',
      'alpha',
      'alphaByMagnitude',
      'min',
      'max',
      'backgroundMin',
      'backgroundMax',
      'regions',
      'scale',
      'flipY',
    ],
    where,
  );
  [rows, cols] = checkDims(rows, cols, where);
  const bg = checkValues(background, rows, cols, 'background', where);
  const ov = overlay === null ? null : checkValues(overlay, rows, cols, 'overlay', where);
  const bgMap = checkColormap(options.backgroundColormap ?? 'grey', where);
  const ovMap = checkColormap(options.colormap ?? 'redblue', where);
  const alpha = options.alpha ?? 0.6;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw new ValueError(`${where}: alpha must be a number in [0, 1], got ${JSON.stringify(alpha)}`);
  const byMag = options.alphaByMagnitude ?? true;
  const g = geometry(rows, cols, options, where);
  const [blo, bhi] = valueRange(bg, bgMap, options.backgroundMin, options.backgroundMax, where, 'background');
  const [olo, ohi] = ov ? valueRange(ov, ovMap, options.min, options.max, where) : [0, 0];
  const bgLut = colormapLut(bgMap);
  const ovLut = colormapLut(ovMap);
  const out = new Uint8Array(g.width * g.height * 3);
  // Opacity of a cell: for a diverging map its distance from the centre, else its level.
  const centre = ovMap === 'redblue' ? 128 : 0;
  const span = ovMap === 'redblue' ? 127 : 255;
  for (let py = 0; py < g.height; py++) {
    for (let px = 0; px < g.width; px++) {
      const c = cellOf(g, py, px);
      const kb = level(bg[c]!, blo, bhi) * 3;
      const o = (py * g.width + px) * 3;
      let a = 0;
      let ko = 0;
      if (ov) {
        const lv = level(ov[c]!, olo, ohi);
        ko = lv * 3;
        a = byMag ? alpha * Math.min(1, Math.abs(lv - centre) / span) : alpha;
      }
      for (let ch = 0; ch < 3; ch++) out[o + ch] = Math.round((1 - a) * bgLut[kb + ch]! + a * ovLut[ko + ch]!);
    }
  }
  if (options.regions !== undefined) drawOutlines(out, g, options.regions, where);
  return encodeRgb(g, out);
}

/**
 * Outlines labelled regions (LIME components) on a background map, each in a colour that says
 * its weight (red positive, blue negative, centred on 0). Shorthand for overlayPng with regions.
 */
export function outlinePng(
  background: Values,
  regions: RegionOutline,
  rows: number,
  cols: number,
  options: Omit<OverlayOptions, 'regions'> = {},
): Uint8Array {
  return overlayPng(background, null, rows, cols, { ...options, regions });
}

function drawOutlines(out: Uint8Array, g: Geometry, regions: RegionOutline, where: string): void {
  if (regions === null || typeof regions !== 'object') throw new ValueError(`${where}: regions must be { labels, weights }`);
  const labels = regions.labels;
  if (!(labels instanceof Int32Array || Array.isArray(labels)) || labels.length !== g.rows * g.cols) {
    throw new ShapeError(`${where}: regions.labels must hold rows × cols = ${g.rows * g.cols} integer labels`);
  }
  if (!Array.isArray(regions.weights)) throw new ValueError(`${where}: regions.weights must be an array (one weight or null per label)`);
  const w = regions.weights;
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== null && !Number.isFinite(w[i]))
      throw new ValueError(`${where}: regions.weights[${i}] must be a finite number or null, got ${w[i]}`);
  }
  const thickness = regions.thickness ?? 1;
  if (!Number.isInteger(thickness) || thickness < 1 || thickness > 8)
    throw new ValueError(`${where}: regions.thickness must be an integer in [1, 8], got ${JSON.stringify(thickness)}`);
  let m = 0;
  for (const x of w) if (x !== null) m = Math.max(m, Math.abs(x));
  const lut = colormapLut('redblue');
  const weightOf = (lab: number): number | null => (lab >= 0 && lab < w.length ? (w[lab] ?? null) : null);
  for (let py = 0; py < g.height; py++) {
    for (let px = 0; px < g.width; px++) {
      const lab = labels[cellOf(g, py, px)]!;
      const wt = weightOf(lab);
      if (wt === null) continue;
      // A pixel is on the outline when a pixel within `thickness` has another label (or is off the picture).
      let edge = false;
      for (let d = 1; d <= thickness && !edge; d++) {
        for (const [dy, dx] of [
          [-d, 0],
          [d, 0],
          [0, -d],
          [0, d],
        ] as const) {
          const y = py + dy;
          const x = px + dx;
          if (y < 0 || x < 0 || y >= g.height || x >= g.width || labels[cellOf(g, y, x)] !== lab) {
            edge = true;
            break;
          }
        }
      }
      if (!edge) continue;
      // Saturated ends of the diverging map, so even a small weight is visibly red or blue.
      const t = m === 0 ? 0.5 : 0.5 + 0.5 * (0.4 + (0.6 * Math.abs(wt)) / m) * Math.sign(wt);
      const k = Math.round(t * 255) * 3;
      const o = (py * g.width + px) * 3;
      out[o] = lut[k]!;
      out[o + 1] = lut[k + 1]!;
      out[o + 2] = lut[k + 2]!;
    }
  }
}
