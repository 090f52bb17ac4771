/**
 * Hand-written SVG charts for reports (no charting library: a few hundred bytes of template):
 * a grouped bar chart with error bars and significance marks (TCAV scores), and an annotated
 * heatmap of a labelled matrix (the methods × metrics ranking). Text uses the generic
 * 'DejaVu Sans, sans-serif' family, which renders the same in browsers and in resvg.
 */
import { ShapeError, ValueError } from '../engine/index.js';
import { checkColormap, colorAt, rgbHex, type ColormapName } from './colormaps.js';
import { checkKeys } from './raster.js';

/** One bar: its height, an optional ± error (e.g. a standard deviation) and significance. */
export interface Bar {
  label: string;
  value: number;
  /** Half-length of the error bar, ≥ 0 (omitted: none). */
  error?: number;
  /** Marked with '*' above the bar; non-significant bars are drawn faded. Omitted: no mark, not faded. */
  significant?: boolean;
}

/** Bars that stand together under one label (e.g. one TCAV concept, a bar per layer). */
export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChartOptions {
  /** Grouped bars; give either groups or bars. */
  groups?: BarGroup[];
  /** Ungrouped bars. */
  bars?: Bar[];
  title?: string;
  yLabel?: string;
  /** Axis range (default: [min(0, lowest), max(highest incl. errors)], rounded outwards). */
  yMin?: number;
  yMax?: number;
  /** A dashed horizontal reference line (e.g. 0.5 for TCAV scores), with an optional label. */
  reference?: { value: number; label?: string };
  /** Picture size in pixels (default 720 × 360). */
  width?: number;
  height?: number;
}

const FONT = "font-family='DejaVu Sans, sans-serif'";
const PALETTE = ['#4c72b0', '#dd8452', '#55a868', '#c44e52', '#8172b3', '#937860', '#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd'];

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const fmtNum = (x: number): string =>
  Math.abs(x) >= 100 || Number.isInteger(x) ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2);

function checkBar(b: Bar, where: string): void {
  if (b === null || typeof b !== 'object' || typeof b.label !== 'string')
    throw new ValueError(`${where}: each bar must be { label: string, value: number, error?, significant? }`);
  if (!Number.isFinite(b.value)) throw new ValueError(`${where}: bar '${b.label}' value must be a finite number, got ${b.value}`);
  if (b.error !== undefined && !(Number.isFinite(b.error) && b.error >= 0))
    throw new ValueError(`${where}: bar '${b.label}' error must be a finite number ≥ 0, got ${b.error}`);
}

function niceStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * A bar chart as an SVG string: bars in groups (one colour per bar label, with a legend), error
 * bars (value ± error), '*' over significant bars and faded non-significant ones.
 */
export function barChartSvg(options: BarChartOptions): string {
  const where = 'barChartSvg';
  if (options === null || typeof options !== 'object')
    throw new ValueError(`${where}: options { groups or bars, title?, yLabel? } are required`);
  options = checkKeys(options, ['groups', 'bars', 'title', 'yLabel', 'yMin', 'yMax', 'reference', 'width', 'height'], where);
  const groups: BarGroup[] = options.groups ?? (options.bars ? [{ label: '', bars: options.bars }] : []);
  if (options.groups && options.bars) throw new ValueError(`${where}: give either groups or bars, not both`);
  if (!Array.isArray(groups) || groups.length === 0 || groups.every((g) => !Array.isArray(g.bars) || g.bars.length === 0)) {
    throw new ValueError(`${where}: no bars to draw (groups or bars must hold at least one bar)`);
  }
  groups.forEach((g) => {
    if (!Array.isArray(g.bars)) throw new ValueError(`${where}: group '${g.label}' must have a bars array`);
    g.bars.forEach((b) => checkBar(b, where));
  });
  const W = options.width ?? 720;
  const H = options.height ?? 360;
  const all = groups.flatMap((g) => g.bars);
  let lo = Math.min(0, ...all.map((b) => b.value - (b.error ?? 0)));
  let hi = Math.max(...all.map((b) => b.value + (b.error ?? 0)), lo + 1e-9);
  if (options.reference) hi = Math.max(hi, options.reference.value);
  const step = niceStep(hi - lo);
  lo = options.yMin ?? Math.floor(lo / step) * step;
  hi = options.yMax ?? Math.ceil(hi / step) * step;
  if (!(hi > lo)) throw new ValueError(`${where}: yMax (${hi}) must be above yMin (${lo})`);
  const seriesNames = [...new Set(all.map((b) => b.label))];
  const left = 64;
  const right = seriesNames.length > 1 ? 130 : 16;
  const top = options.title ? 40 : 16;
  const bottom = 48;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const y = (v: number): number => top + ph * (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo));
  const parts: string[] = [];
  parts.push(`<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${H}' viewBox='0 0 ${W} ${H}'>`);
  parts.push(`<rect width='${W}' height='${H}' fill='white'/>`);
  if (options.title) parts.push(`<text x='${W / 2}' y='24' text-anchor='middle' font-size='16' ${FONT}>${escapeXml(options.title)}</text>`);
  const ticks = Math.round((hi - lo) / niceStep(hi - lo));
  for (let i = 0; i <= ticks; i++) {
    const v = lo + ((hi - lo) * i) / ticks;
    parts.push(`<line x1='${left}' x2='${left + pw}' y1='${y(v).toFixed(1)}' y2='${y(v).toFixed(1)}' stroke='#e5e5e5'/>`);
    parts.push(`<text x='${left - 6}' y='${(y(v) + 4).toFixed(1)}' text-anchor='end' font-size='11' ${FONT}>${fmtNum(v)}</text>`);
  }
  if (options.yLabel)
    parts.push(
      `<text transform='translate(16 ${top + ph / 2}) rotate(-90)' text-anchor='middle' font-size='12' ${FONT}>${escapeXml(options.yLabel)}</text>`,
    );
  const gw = pw / groups.length;
  groups.forEach((g, gi) => {
    const n = Math.max(1, g.bars.length);
    const bw = (gw * 0.8) / n;
    const x0 = left + gi * gw + gw * 0.1;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * bw;
      const colour = PALETTE[seriesNames.indexOf(b.label) % PALETTE.length];
      const faded = b.significant === false ? " fill-opacity='0.35'" : '';
      const yv = y(b.value);
      const y0 = y(0);
      parts.push(
        `<rect x='${(x + 1).toFixed(1)}' y='${Math.min(yv, y0).toFixed(1)}' width='${(bw - 2).toFixed(1)}' height='${Math.abs(y0 - yv).toFixed(1)}' fill='${colour}'${faded}><title>${escapeXml(`${g.label} ${b.label}: ${b.value}${b.error !== undefined ? ` ± ${b.error}` : ''}`)}</title></rect>`,
      );
      const cx = x + bw / 2;
      let markY = Math.min(yv, y0);
      if (b.error !== undefined && b.error > 0) {
        const ya = y(b.value + b.error);
        const yb = y(b.value - b.error);
        parts.push(
          `<path d='M${cx.toFixed(1)} ${ya.toFixed(1)}V${yb.toFixed(1)}M${(cx - bw / 6).toFixed(1)} ${ya.toFixed(1)}H${(cx + bw / 6).toFixed(1)}M${(cx - bw / 6).toFixed(1)} ${yb.toFixed(1)}H${(cx + bw / 6).toFixed(1)}' stroke='#222' stroke-width='1.2'/>`,
        );
        markY = Math.min(markY, ya);
      }
      if (b.significant === true)
        parts.push(
          `<text class='significant' x='${cx.toFixed(1)}' y='${(markY - 4).toFixed(1)}' text-anchor='middle' font-size='14' ${FONT}>*</text>`,
        );
    });
    if (g.label)
      parts.push(
        `<text x='${(left + gi * gw + gw / 2).toFixed(1)}' y='${top + ph + 18}' text-anchor='middle' font-size='12' ${FONT}>${escapeXml(g.label)}</text>`,
      );
  });
  if (!groups.some((g) => g.label)) {
    // Ungrouped: the bar labels go under the bars.
    const g = groups[0]!;
    const bw = (gw * 0.8) / g.bars.length;
    g.bars.forEach((b, bi) =>
      parts.push(
        `<text x='${(left + gw * 0.1 + bi * bw + bw / 2).toFixed(1)}' y='${top + ph + 18}' text-anchor='middle' font-size='12' ${FONT}>${escapeXml(b.label)}</text>`,
      ),
    );
  }
  if (options.reference) {
    const ry = y(options.reference.value).toFixed(1);
    parts.push(`<line x1='${left}' x2='${left + pw}' y1='${ry}' y2='${ry}' stroke='#555' stroke-dasharray='5 4'/>`);
    if (options.reference.label)
      parts.push(
        `<text x='${left + pw - 4}' y='${Number(ry) - 4}' text-anchor='end' font-size='11' fill='#555' ${FONT}>${escapeXml(options.reference.label)}</text>`,
      );
  }
  parts.push(
    `<line x1='${left}' x2='${left}' y1='${top}' y2='${top + ph}' stroke='#222'/><line x1='${left}' x2='${left + pw}' y1='${y(Math.max(lo, 0)).toFixed(1)}' y2='${y(Math.max(lo, 0)).toFixed(1)}' stroke='#222'/>`,
  );
  if (seriesNames.length > 1 && groups.some((g) => g.label)) {
    seriesNames.forEach((s, i) => {
      const ly = top + 8 + i * 18;
      parts.push(
        `<rect x='${W - right + 12}' y='${ly}' width='12' height='12' fill='${PALETTE[i % PALETTE.length]}'/><text x='${W - right + 30}' y='${ly + 10}' font-size='12' ${FONT}>${escapeXml(s)}</text>`,
      );
    });
  }
  if (all.some((b) => b.significant !== undefined)) {
    parts.push(`<text x='${left}' y='${H - 8}' font-size='11' fill='#555' ${FONT}>* significant; faded bars are not</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export interface HeatmapSvgOptions {
  title?: string;
  /** Colormap (default 'viridis'). */
  colormap?: ColormapName;
  /** matplotlib's name for `colormap`. */
  cmap?: ColormapName;
  /** Write each cell's value in it (default true). */
  annotate?: boolean;
  /** Decimals of the annotations (default 2). */
  digits?: number;
  /** Colour range (default: the finite values' minimum and maximum). */
  min?: number;
  /** matplotlib's name for `min`. */
  vmin?: number;
  max?: number;
  /** matplotlib's name for `max`. */
  vmax?: number;
  /** Cell size in pixels (default 72 × 36). */
  cellWidth?: number;
  cellHeight?: number;
}

/**
 * A labelled matrix as an SVG heatmap (e.g. methods × metrics ranks or scores): matrix[r][c] is
 * drawn in row r (rowLabels[r]) and column c (colLabels[c]); NaN cells are grey and say 'n/a'.
 */
export function heatmapSvg(
  matrix: readonly (readonly number[])[],
  rowLabels: readonly string[],
  colLabels: readonly string[],
  options: HeatmapSvgOptions = {},
): string {
  const where = 'heatmapSvg';
  options = checkKeys(options, ['title', 'colormap', 'annotate', 'digits', 'min', 'max', 'cellWidth', 'cellHeight'], where);
  if (!Array.isArray(matrix) || matrix.length === 0) throw new ValueError(`${where}: matrix must be a non-empty array of rows`);
  if (!Array.isArray(rowLabels) || rowLabels.length !== matrix.length)
    throw new ShapeError(`${where}: rowLabels has ${rowLabels?.length} labels, expected one per matrix row (${matrix.length})`);
  const nc = colLabels?.length ?? 0;
  if (!Array.isArray(colLabels) || nc === 0) throw new ValueError(`${where}: colLabels must be a non-empty array`);
  matrix.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== nc)
      throw new ShapeError(`${where}: matrix row ${r} has ${row?.length} values, expected ${nc} (one per column label)`);
    row.forEach((v, c) => {
      if (typeof v !== 'number' || v === Infinity || v === -Infinity)
        throw new ValueError(`${where}: matrix[${r}][${c}] must be a finite number or NaN, got ${v}`);
    });
  });
  const cmap = checkColormap(options.colormap ?? 'viridis', where);
  const finite = matrix.flat().filter((v) => !Number.isNaN(v));
  const lo = options.min ?? (finite.length ? Math.min(...finite) : 0);
  const hi = options.max ?? (finite.length ? Math.max(...finite) : 1);
  const cw = options.cellWidth ?? 72;
  const ch = options.cellHeight ?? 36;
  const digits = options.digits ?? 2;
  const annotate = options.annotate ?? true;
  const longest = Math.max(...rowLabels.map((s) => String(s).length));
  const left = Math.max(60, 8 + longest * 7.5);
  const top = (options.title ? 40 : 12) + 28;
  const W = Math.ceil(left + nc * cw + 12);
  const H = Math.ceil(top + matrix.length * ch + 12);
  const parts = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${H}' viewBox='0 0 ${W} ${H}'>`,
    `<rect width='${W}' height='${H}' fill='white'/>`,
  ];
  if (options.title) parts.push(`<text x='${W / 2}' y='24' text-anchor='middle' font-size='16' ${FONT}>${escapeXml(options.title)}</text>`);
  colLabels.forEach((c, j) =>
    parts.push(
      `<text x='${(left + j * cw + cw / 2).toFixed(1)}' y='${top - 8}' text-anchor='middle' font-size='12' ${FONT}>${escapeXml(c)}</text>`,
    ),
  );
  matrix.forEach((row, i) => {
    parts.push(
      `<text x='${left - 8}' y='${(top + i * ch + ch / 2 + 4).toFixed(1)}' text-anchor='end' font-size='12' ${FONT}>${escapeXml(rowLabels[i]!)}</text>`,
    );
    (row as readonly number[]).forEach((v: number, j: number) => {
      const nan = Number.isNaN(v);
      const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
      const rgb = colorAt(cmap, t);
      const fill = nan ? '#cccccc' : rgbHex(rgb);
      const x = left + j * cw;
      const yy = top + i * ch;
      parts.push(
        `<rect x='${x}' y='${yy}' width='${cw}' height='${ch}' fill='${fill}' stroke='white'><title>${escapeXml(`${rowLabels[i]} × ${colLabels[j]}: ${nan ? 'n/a' : v}`)}</title></rect>`,
      );
      if (annotate) {
        const dark = nan || 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140;
        parts.push(
          `<text x='${x + cw / 2}' y='${yy + ch / 2 + 4}' text-anchor='middle' font-size='12' fill='${dark ? '#000' : '#fff'}' ${FONT}>${nan ? 'n/a' : v.toFixed(digits)}</text>`,
        );
      }
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
