/**
 * The TCAV bar chart: one group per concept, one bar per layer (its mean TCAV score over the
 * random runs, ± the std as an error bar), '*' over significant bars, and the random-vs-random
 * baseline mean as the dashed reference line. Built on plot.barChartSvg; PNG via plot's svgToPng.
 */
import { ValueError } from '../engine/index.js';
import { parseOptions, withSnakeCase } from '../util/options.js';
import { barChartSvg } from '../plot/index.js';
import type { TcavResult } from './tcav.js';

export interface TcavChartOptions {
  /** The target class to draw (default: the result's first target). */
  target?: number;
  /** Class names for the title (index → name). */
  classNames?: readonly string[];
  title?: string;
  /** Picture size in pixels (default 720 × 360). */
  width?: number;
  height?: number;
}

/**
 * The chart of a tcav/relativeTcav result for one target, as an SVG string (scores are unitless,
 * in [0, 1]; the y axis spans [0, 1]).
 */
export function tcavChartSvg(result: TcavResult, options: TcavChartOptions = {}): string {
  const fname = 'tcavChartSvg';
  options = parseOptions<TcavChartOptions>(options, withSnakeCase(['target', 'classNames', 'title', 'width', 'height']), fname);
  if (result === null || typeof result !== 'object' || !Array.isArray(result.entries) || !Array.isArray(result.targets)) {
    throw new ValueError(`${fname}: result must be what tcav() or relativeTcav() returned`);
  }
  const target = options.target ?? result.targets[0];
  if (!result.targets.includes(target))
    throw new ValueError(`${fname}: options.target ${target} is not one of the result's targets (${result.targets.join(', ')})`);
  const entries = result.entries.filter((e) => e.target === target);
  const groups = result.concepts.map((c) => ({
    label: c,
    bars: entries
      .filter((e) => e.concept === c)
      .map((e) => ({
        label: e.layer,
        value: e.score.mean,
        error: e.score.std,
        significant: e.significant,
      })),
  }));
  const base = result.baselines.filter((b) => b.target === target);
  const baseMean = base.reduce((s, b) => s + b.score.mean, 0) / Math.max(1, base.length);
  const name = options.classNames?.[target] ?? `class ${target}`;
  return barChartSvg({
    groups,
    title:
      options.title ??
      `TCAV scores for ${name} (${result.randomRuns} random runs; * significant at α = ${result.alpha}, Bonferroni over ${result.testsRun})`,
    yLabel: 'TCAV score',
    yMin: 0,
    yMax: 1,
    reference: { value: baseMean, label: 'random' },
    width: options.width,
    height: options.height,
  });
}
