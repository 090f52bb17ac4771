/**
 * The report's metrics section: how far to trust each attribution method on these clips —
 * Quantus-style metrics (metrics.evaluate, batched on the device) over a batch of log-mels,
 * written as CSV / JSON / Markdown tables and the methods × metrics ranking heatmap (SVG, PNG).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '../engine/index.js';
import { evaluate, type ExplainFunction, type MetricName, type MetricSpec } from '../metrics/index.js';
import { rankingHeatmapPng } from '../metrics/png.js';
import { gradCam, integratedGradients, occlusion, saliency } from '../xai/index.js';
import type { LoadedModel } from './loadModel.js';
import type { ReportSection } from './model.js';

/** Methods the metrics section can score (LIME is not a per-cell map of the input, so it is left out). */
export const METRIC_METHODS = ['ig', 'gradcam', 'saliency', 'occlusion'] as const;
export type MetricMethod = (typeof METRIC_METHODS)[number];

/** The demo's metrics: the seeds' four (Objective 1), with small run counts. */
export const DEFAULT_METRICS: MetricSpec[] = [
  { metric: 'faithfulnessCorrelation', options: { nrRuns: 10, subsetSize: 128 } },
  { metric: 'avgSensitivity', options: { nrSamples: 3, lowerBound: 0.05 } },
  { metric: 'sparseness' },
  { metric: 'randomLogit' },
];

export interface MetricsSectionOptions {
  model: LoadedModel;
  /** Log-mel inputs [B, 1, nMels, frames]. */
  inputs: Tensor;
  /** The class explained per example. */
  targets: number[];
  methods: readonly MetricMethod[];
  metrics?: readonly (MetricName | MetricSpec)[];
  /** IG steps inside the metrics (re-explanations; default 16). */
  igSteps?: number;
  outDir: string;
  seed?: number;
  onProgress?: (p: { done: number; total: number; stage: string }) => void;
}

/** Runs the evaluation and writes sections/metrics/*; returns the report section. */
export async function metricsSection(o: MetricsSectionOptions): Promise<ReportSection> {
  const layer = o.model.meta.camLayer;
  const steps = o.igSteps ?? 16;
  // IG's convergence warnings inside the metrics (re-explanations of perturbed copies) go into the
  // section, not to the console: the demo's user reads them next to the scores they qualify.
  let igWarnings = 0;
  // Targets arrive as class indices (evaluate resolves them); the pre-contract methods type them as numbers.
  const all: Record<MetricMethod, ExplainFunction> = {
    ig: async (m, x, opt) =>
      integratedGradients(m, x, {
        target: opt.target as number | number[],
        steps,
        warn: () => {
          igWarnings++;
        },
      }),
    gradcam: async (m, x, opt) => {
      const r = await gradCam(m, x, { target: opt.target as number | number[], layer });
      r.layerMap.dispose();
      return r.map;
    },
    saliency: async (m, x, opt) => saliency(m, x, { target: opt.target as number | number[] }),
    occlusion: async (m, x, opt) => occlusion(m, x, { target: opt.target as number | number[], window: [1, 16, 16], strides: [1, 8, 8] }),
  };
  const methods = Object.fromEntries(o.methods.map((k) => [k, all[k]]));
  const res = await evaluate({
    model: o.model.module,
    inputs: o.inputs,
    targets: o.targets,
    methods,
    metrics: o.metrics ?? DEFAULT_METRICS,
    seed: o.seed ?? 0,
    onProgress: o.onProgress,
  });
  const rel = 'sections/metrics';
  await mkdir(join(o.outDir, rel), { recursive: true });
  const title = 'Rank of each method per metric (1 = best)';
  await writeFile(join(o.outDir, rel, 'metrics.csv'), res.toCsv());
  await writeFile(join(o.outDir, rel, 'metrics.json'), res.toJson());
  await writeFile(join(o.outDir, rel, 'metrics.md'), res.toMarkdown());
  await writeFile(join(o.outDir, rel, 'ranking.svg'), res.heatmapSvg(title));
  await writeFile(join(o.outDir, rel, 'ranking.png'), rankingHeatmapPng(res, { title }));
  return {
    id: 'metrics',
    title: 'How far to trust the explanations: Quantus-style metrics',
    text: [
      `${o.targets.length} clips, each explained for the class the model predicts. Mean score per method and metric, with the method's rank among the methods (1 = best; ` +
        `higher is better for ${res.metrics.filter((_, j) => res.higherIsBetter[j]).join(', ') || 'none'}, lower for the rest). Tables: metrics.csv, metrics.json, metrics.md.`,
      ...(igWarnings > 0
        ? [
            `Integrated Gradients (${steps} steps) missed completeness (|convergence delta| > 10 % of F(x) − F(baseline)) in ${igWarnings} of its calls inside the metrics: its scores rest on approximate attributions; more steps (igSteps) tighten them.`,
          ]
        : []),
    ],
    figures: [{ file: `${rel}/ranking.png`, caption: title }],
    tables: [
      {
        columns: ['method', ...res.metrics.map((m) => `${m} (mean)`), ...res.metrics.map((m) => `${m} (rank)`)],
        rows: res.methods.map((m, i) => [m, ...res.scores[i]!, ...res.ranks[i]!]),
      },
    ],
    data: { methods: res.methods, metrics: res.metrics, higherIsBetter: res.higherIsBetter, scores: res.scores, ranks: res.ranks },
  };
}
