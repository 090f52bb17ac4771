/**
 * Pictures for explanations: colormaps, PNG heatmaps and overlays (fast-png, Node and browser),
 * SVG bar charts and labelled heatmaps. Pure data in, bytes or strings out; it depends on the
 * engine face only for its error types. svgToPng (resvg, Node only) lives in ./svgToPng.ts.
 */
export { COLORMAPS, colorAt, colormapLut, checkColormap, rgbHex, type ColormapName, type Rgb } from './colormaps.js';
export {
  heatmapPng,
  overlayPng,
  outlinePng,
  MAX_PIXELS,
  type HeatmapOptions,
  type OverlayOptions,
  type RegionOutline,
  type RasterLayout,
} from './raster.js';
export { barChartSvg, heatmapSvg, escapeXml, type Bar, type BarGroup, type BarChartOptions, type HeatmapSvgOptions } from './svg.js';
