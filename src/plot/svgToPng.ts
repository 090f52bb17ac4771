/**
 * SVG → PNG for Node (resvg, a native module): kept out of src/plot/index.ts so that the browser
 * bundle never imports it. Import it as 'auralens/plot-node' or from this file inside the report.
 */
import { Resvg } from '@resvg/resvg-js';
import { ValueError } from '../engine/index.js';

export interface SvgToPngOptions {
  /** Output width in pixels (height follows the SVG's aspect ratio; default: the SVG's own width). */
  width?: number;
}

/** Renders an SVG string to PNG bytes (system fonts; DejaVu Sans is the charts' font). */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new ValueError('svgToPng: svg must be an SVG document string');
  const w = options.width;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 8192))
    throw new ValueError(`svgToPng: width must be an integer in [1, 8192] pixels, got ${JSON.stringify(w)}`);
  const r = new Resvg(svg, {
    fitTo: w === undefined ? { mode: 'original' } : { mode: 'width', value: w },
    font: { loadSystemFonts: true },
  });
  return new Uint8Array(r.render().asPng());
}
