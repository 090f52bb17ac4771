/**
 * The ranking heatmap of an evaluation as PNG bytes — Node only (resvg renders the SVG), so this
 * file is not re-exported from the metrics index (the browser bundle never loads it). Import it
 * from 'auralens/metrics-png' (dist/metrics/png.js).
 */
import { svgToPng, type SvgToPngOptions } from '../plot/svgToPng.js';
import type { EvaluationResult } from './evaluate.js';

/** The evaluation's ranking heatmap (methods × metrics, 1 = best) as PNG bytes. */
export function rankingHeatmapPng(
  result: Pick<EvaluationResult, 'heatmapSvg'>,
  options: SvgToPngOptions & { title?: string } = {},
): Uint8Array {
  const { title, ...png } = options;
  return svgToPng(result.heatmapSvg(title), png);
}
