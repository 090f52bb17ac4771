/**
 * evaluate(): every explanation method against every metric on one set of inputs — the seeds'
 * Objective 1 table (methods × metrics) and its ranking heatmap. Each method explains the inputs
 * once (its attributions feed every metric) and is passed as the explain function to the metrics
 * that re-explain. Every metric draws from its own seeded random source, the same for every
 * method, so all methods are judged on the same random subsets and noise.
 */
import { ValueError, type Tensor } from '../engine/index.js';
import { heatmapSvg } from '../plot/index.js';
import {
  checkInputs,
  checkModel,
  checkProgress,
  checkSignal,
  describeValue,
  readTargets,
  throwIfAborted,
  type Model,
  type Progress,
  type Target,
} from '../xai/shared/index.js';
import type { ExplainFunction } from './common.js';
import { complexity, effectiveComplexity, sparseness } from './complexity.js';
import { faithfulnessCorrelation, faithfulnessEstimate, monotonicityCorrelation, pixelFlipping } from './faithfulness.js';
import { seededRandom } from './random.js';
import { modelParameterRandomisation, randomLogit } from './randomisation.js';
import { avgSensitivity, maxSensitivity } from './robustness.js';
import { nanMean } from './stats.js';
import { rankMethods, toCsv, toJson, toMarkdown, type TableData } from './table.js';
import { Module } from '../nn/index.js';

/** A metric's options inside evaluate (attributions, explain and the random source are set by evaluate). */
type MetricOptions = Record<string, unknown>;

/** The metric and its per-example scalar score (and whether higher is better). */
interface MetricDef {
  higherIsBetter: boolean;
  run: (model: Model, x: Tensor, t: Target, o: MetricOptions) => Promise<number[]>;
}

const METRICS = {
  faithfulnessCorrelation: {
    higherIsBetter: true,
    run: (m, x, t, o) => faithfulnessCorrelation(m, x, t, o),
  },
  faithfulnessEstimate: {
    higherIsBetter: true,
    run: (m, x, t, o) => faithfulnessEstimate(m, x, t, o),
  },
  // Area under the curve of the target's probability as the most relevant features are removed.
  pixelFlipping: {
    higherIsBetter: false,
    run: async (m, x, t, o) => (await pixelFlipping(m, x, t, o)).auc,
  },
  monotonicityCorrelation: {
    higherIsBetter: true,
    run: (m, x, t, o) => monotonicityCorrelation(m, x, t, o),
  },
  avgSensitivity: {
    higherIsBetter: false,
    run: (m, x, t, o) => avgSensitivity(m, x, t, o),
  },
  maxSensitivity: {
    higherIsBetter: false,
    run: (m, x, t, o) => maxSensitivity(m, x, t, o),
  },
  sparseness: {
    higherIsBetter: true,
    run: (m, x, t, o) => sparseness(m, x, t, o),
  },
  complexity: {
    higherIsBetter: false,
    run: (m, x, t, o) => complexity(m, x, t, o),
  },
  effectiveComplexity: {
    higherIsBetter: false,
    run: (m, x, t, o) => effectiveComplexity(m, x, t, o),
  },
  randomLogit: {
    higherIsBetter: false,
    run: (m, x, t, o) => randomLogit(m, x, t, o),
  },
  // The similarity to the explanation of the fully randomised model (lower = parameter-sensitive).
  modelParameterRandomisation: {
    higherIsBetter: false,
    run: async (m, x, t, o) => {
      if (!(m instanceof Module)) throw new ValueError('evaluate: modelParameterRandomisation needs an nn Module model');
      return (await modelParameterRandomisation(m, x, t, {
        ...o,
        returnLastCorrelation: true,
      })) as number[];
    },
  },
} satisfies Record<string, MetricDef>;

/** Names of the metrics evaluate() runs. */
export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** One column of the table: a metric, its options, and its label (default: the metric's name). */
export interface MetricSpec {
  metric: MetricName;
  options?: MetricOptions;
  label?: string;
}

export interface EvaluateOptions {
  /** The classifier (an nn Module for modelParameterRandomisation). */
  model: Model;
  /** Inputs [B, ...]. */
  inputs: Tensor;
  /** One class per example (or one for all, or an int32 tensor [B]). */
  targets: Target;
  /** Explanation methods by name (the xai contract). */
  methods: Record<string, ExplainFunction>;
  /** Metrics: names (Quantus defaults) or specs with options and labels. */
  metrics: readonly (MetricName | MetricSpec)[];
  /** Seed of every metric's random source (default 0). */
  seed?: number;
  /** Progress: stage 'method/metric', done/total in metric evaluations. */
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** The evaluation: the table's data plus its formats and the ranking heatmap. */
export interface EvaluationResult extends TableData {
  /** CSV, one row per method × metric (see table.ts). */
  toCsv(): string;
  /** JSON with per-example scores. */
  toJson(): string;
  /** Markdown table, "mean (rank)" per cell. */
  toMarkdown(): string;
  /**
   * Ranking heatmap (methods × metrics, 1 = best) as SVG. For PNG bytes in Node use
   * rankingHeatmapPng (src/metrics/png.ts, kept out of the browser bundle: it loads resvg).
   */
  heatmapSvg(title?: string): string;
}

const EVAL_KEYS = ['model', 'inputs', 'targets', 'methods', 'metrics', 'seed', 'onProgress', 'signal'];

function checkSpecs(metrics: unknown): MetricSpec[] {
  if (!Array.isArray(metrics) || metrics.length === 0)
    throw new ValueError(
      `evaluate: metrics must be a non-empty array of metric names or { metric, options, label }, got ${describeValue(metrics)}`,
    );
  return metrics.map((m: unknown, i) => {
    const spec: MetricSpec = typeof m === 'string' ? { metric: m as MetricName } : (m as MetricSpec);
    if (spec === null || typeof spec !== 'object' || !(spec.metric in METRICS)) {
      throw new ValueError(
        `evaluate: metrics[${i}] must name one of ${METRIC_NAMES.join(', ')}, got ${describeValue(typeof m === 'string' ? m : (m as MetricSpec | null)?.metric)}`,
      );
    }
    return spec;
  });
}

/**
 * Evaluates every method with every metric. Returns the methods × metrics means (NaN-skipping
 * over examples), per-example scores, per-metric ranks (1 = best, by each metric's direction) and
 * the CSV / JSON / Markdown tables and the ranking heatmap (SVG; PNG with rankingHeatmapPng). Progress counts metric
 * evaluations ('method/metric'); the metrics' own progress is not forwarded.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const fname = 'evaluate';
  if (options === null || typeof options !== 'object')
    throw new ValueError(`${fname}: options must be an object, got ${describeValue(options)}`);
  for (const k of Object.keys(options))
    if (!EVAL_KEYS.includes(k)) throw new ValueError(`${fname}: unknown option '${k}' — known: ${EVAL_KEYS.join(', ')}`);
  const model = checkModel(options.model, fname);
  const x = checkInputs(options.inputs, fname);
  const targets = await readTargets(options.targets, x.shape[0], fname);
  const methods = options.methods;
  if (methods === null || typeof methods !== 'object' || Object.keys(methods).length === 0)
    throw new ValueError(`${fname}: methods must be an object of named explain functions, got ${describeValue(methods)}`);
  for (const [k, f] of Object.entries(methods))
    if (typeof f !== 'function') throw new ValueError(`${fname}: methods.${k} must be an explain function, got ${describeValue(f)}`);
  const specs = checkSpecs(options.metrics);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${fname}: seed must be an integer, got ${describeValue(seed)}`);
  const onProgress = checkProgress(options.onProgress, fname);
  const signal = checkSignal(options.signal, fname);
  const methodNames = Object.keys(methods);
  const labels = specs.map((s) => s.label ?? s.metric);
  const total = methodNames.length * specs.length;
  const perExample: number[][][] = [];
  let done = 0;
  for (const name of methodNames) {
    throwIfAborted(signal, fname);
    const explain = methods[name];
    const a = await explain(model, x, { target: targets });
    const row: number[][] = [];
    try {
      for (const [j, spec] of specs.entries()) {
        const o = {
          ...(spec.options ?? {}),
          attributions: a,
          explain,
          random: seededRandom(seed + 7919 * j),
          signal,
        };
        row.push(await METRICS[spec.metric].run(model, x, targets, o));
        onProgress?.({ done: ++done, total, stage: `${name}/${labels[j]}` });
      }
    } finally {
      a.dispose();
    }
    perExample.push(row);
  }
  const higherIsBetter = specs.map((s) => METRICS[s.metric].higherIsBetter);
  const scores = perExample.map((row) => row.map((v) => nanMean(v)));
  const ranks = rankMethods(scores, higherIsBetter);
  const data: TableData = {
    methods: methodNames,
    metrics: labels,
    higherIsBetter,
    scores,
    ranks,
    perExample,
  };
  // Cells wide enough for the longest metric label (about 7 px a character at the charts' 12 px font).
  const cellWidth = Math.max(72, 16 + 7 * Math.max(...labels.map((l) => l.length)));
  const svg = (title?: string) =>
    heatmapSvg(ranks, methodNames, labels, {
      title: title ?? 'Ranking of methods per metric (1 = best)',
      colormap: 'viridis',
      digits: 0,
      min: 1,
      max: Math.max(2, methodNames.length),
      cellWidth,
    });
  return {
    ...data,
    toCsv: () => toCsv(data),
    toJson: () => toJson(data),
    toMarkdown: () => toMarkdown(data),
    heatmapSvg: svg,
  };
}
