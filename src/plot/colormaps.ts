/**
 * Colormaps for attribution and spectrogram pictures: perceptually uniform viridis and magma,
 * grey, and a diverging blue–white–red (RdBu reversed) for signed attributions, where white
 * means 0. Each map is a short table of anchor colours (matplotlib's values at 0, 1/8, …, 1),
 * interpolated linearly in sRGB — close enough to matplotlib for a figure, tiny in a bundle.
 */
import { ValueError } from '../engine/index.js';

/** Names of the built-in colormaps. */
export const COLORMAPS = ['viridis', 'magma', 'grey', 'redblue'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

/** An RGB colour, each channel an integer in [0, 255]. */
export type Rgb = readonly [number, number, number];

const hex = (h: string): Rgb => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

const ANCHORS: Record<ColormapName, readonly Rgb[]> = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#fde725'].map(hex),
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf'].map(hex),
  grey: ['#000000', '#ffffff'].map(hex),
  redblue: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#f7f7f7', '#f4a582', '#d6604d', '#b2182b', '#67001f'].map(hex),
};

/** Checks a colormap name; the error lists the known ones. */
export function checkColormap(name: unknown, where: string): ColormapName {
  if (typeof name !== 'string' || !(COLORMAPS as readonly string[]).includes(name)) {
    throw new ValueError(`${where}: colormap must be one of ${COLORMAPS.join(', ')}, got ${JSON.stringify(name)}`);
  }
  return name as ColormapName;
}

/**
 * The colour of t ∈ [0, 1] (clamped; NaN maps to 0) in a colormap.
 * For 'redblue', t = 0.5 is white (pass (v − min) / (max − min) with min = −max to centre 0).
 */
export function colorAt(name: ColormapName, t: number): Rgb {
  const a = ANCHORS[name];
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const pos = u * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(pos));
  const f = pos - i;
  const c0 = a[i]!;
  const c1 = a[i + 1]!;
  return [Math.round(c0[0] + f * (c1[0] - c0[0])), Math.round(c0[1] + f * (c1[1] - c0[1])), Math.round(c0[2] + f * (c1[2] - c0[2]))];
}

/** A 256-entry lookup table [256 × 3] (RGB bytes) of a colormap, for fast per-pixel mapping. */
export function colormapLut(name: ColormapName): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) lut.set(colorAt(name, k / 255), k * 3);
  return lut;
}

/** A colour as '#rrggbb' (for SVG). */
export function rgbHex(c: Rgb): string {
  return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}
