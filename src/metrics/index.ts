/**
 * Quantus-parity evaluation metrics for attributions, batched on the device: faithfulness
 * (faithfulnessCorrelation, faithfulnessEstimate, pixelFlipping, monotonicityCorrelation),
 * robustness (avgSensitivity, maxSensitivity), complexity (sparseness, complexity,
 * effectiveComplexity), randomisation (randomLogit, modelParameterRandomisation), ssim, and the
 * evaluate() runner with its tables and ranking heatmap. Parameter names are Quantus's in
 * camelCase, with Quantus 0.6's defaults; random draws come from an injectable RandomSource.
 */
export { seededRandom, recordedRandom, type RandomSource, type RecordedDraws } from './random.js';
export { ssim, type SsimOptions } from './ssim.js';
export { type SimilarityFunction, type SimilarityName } from './similarity.js';
export { type ExplainFunction, type MetricBaseOptions, type PerturbBaseline } from './common.js';
export {
  faithfulnessCorrelation,
  faithfulnessEstimate,
  pixelFlipping,
  monotonicityCorrelation,
  type FaithfulnessCorrelationOptions,
  type FaithfulnessEstimateOptions,
  type StepMetricOptions,
  type MonotonicityCorrelationOptions,
  type PixelFlippingResult,
} from './faithfulness.js';
export { avgSensitivity, maxSensitivity, type SensitivityOptions, type NormName } from './robustness.js';
export { sparseness, complexity, effectiveComplexity, type EffectiveComplexityOptions } from './complexity.js';
export {
  randomLogit,
  modelParameterRandomisation,
  type RandomLogitOptions,
  type ModelParameterRandomisationOptions,
  type ParameterRandomisationResult,
  type LayerOrder,
} from './randomisation.js';
export { evaluate, METRIC_NAMES, type MetricName, type MetricSpec, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export { toCsv, toJson, toMarkdown, rankMethods, type TableData } from './table.js';
