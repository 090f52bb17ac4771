/**
 * LIME for audio (audioLIME): switch the components of a factorization on and off at random,
 * run the perturbed inputs through the model in batched device passes, and fit LimeBase's
 * weighted ridge surrogate on the binary rows (limeBase.ts). The first row is the unperturbed
 * input; rows are seeded, so a seeded run reproduces exactly.
 */
import { type Tensor, ValueError } from '../../engine/index.js';
import type { FactorizationShortcut } from './factorizations/resolve.js';
import { describeValue, finiteNumber, oneOf, positiveInt, type LongRunOptions, type Model } from '../shared/index.js';
import { parseRunOptions, predictWithTarget, SAMPLING_SPEC, withFactorization, type SampledData } from './explainCall.js';
import { FEATURE_SELECTIONS, type FeatureSelection } from './featureSelection.js';
import type { ComponentSpan, Factorization } from './factorizations/types.js';
import { DISTANCE_METRICS, distancesToFirst, limeBase, limeTabularWidth, type DistanceMetric } from './limeBase.js';
import { limeRows, matrixRows, rowsAsArrays } from './perturb.js';

/** Most perturbation rows of one call (a documented bound: rows are held on the host as bytes). */
export const MAX_SAMPLES = 1_000_000;

export interface LimeOptions extends LongRunOptions {
  /**
   * The components to switch: a factorization of the input (xai.temporalSegments, melBands,
   * patches, onsetSegments, hpss, nmf, stems, combine; the caller disposes it) or a shortcut
   * 'segments' (10, the default) | 'bands' (8) | 'patches' (4 × 4), which the explanation owns.
   */
  factorization?: Factorization | FactorizationShortcut;
  /** Class to explain (default: the model's prediction on the unperturbed input; one class: a number, an array of one or an int32 tensor [1]). */
  target?: number | readonly number[] | Tensor;
  /** Where the training-mode warning goes: a function of one message, or false; default console.warn. */
  warn?: ((message: string) => void) | false;
  /** Perturbation rows, the unperturbed one included (default 1000). */
  numSamples?: number;
  /** Most components in the explanation (default min(M, 10)). */
  numFeatures?: number;
  /** LIME's feature selection (default 'auto'). */
  featureSelection?: FeatureSelection;
  /** Kernel width (default 25, as MusicLIME; LIME's tabular default is 0.75·√M). */
  /** 'lime' is LIME's tabular default 0.75·√M. */
  kernelWidth?: number | 'lime';
  /** Weight of a row from its distance (default sqrt(exp(−d²/kernelWidth²))). */
  kernelFn?: (distance: number) => number;
  /** Distance of each binary row to the all-ones row (default 'cosine'). */
  distance?: DistanceMetric;
  /** Seed of the rows (default 0). */
  seed?: number;
  /** What the surrogate fits: 'probabilities' (softmax of the logits, LIME's classifier_fn; default) or 'logits'. */
  output?: 'probabilities' | 'logits';
  /** Perturbed inputs per forward pass (default from the device limits). */
  maxBatch?: number;
}

/** One component in an explanation. */
export interface ExplainedComponent {
  index: number;
  name: string;
  weight: number;
  span: ComponentSpan;
}

export interface LimeExplanation extends SampledData {
  method: 'lime';
  target: number;
  /** Surrogate intercept, weighted R² and its prediction at the unperturbed input. */
  intercept: number;
  score: number;
  localPred: number;
  /** The model's output (probability or logit) of the target on the unperturbed input. */
  prediction: number;
  /** Selected components, sorted by |weight| descending. */
  components: ExplainedComponent[];
  /** Weight of every component [M] (0 for components not selected). */
  weights: Float64Array;
  /** Distance of each binary row (row 0 all ones) to row 0 [numSamples]. */
  distances: Float64Array;
}

const LIME_SPEC = {
  ...SAMPLING_SPEC,
  numFeatures: ['num_features'],
  featureSelection: ['feature_selection'],
  kernelWidth: ['kernel_width'],
  kernelFn: ['kernel_fn'],
  distance: ['distanceMetric', 'distance_metric'],
} as const;

/**
 * LIME on one input [1, ...] (see the module comment). `model` is an nn Module or a function from a
 * batch of such inputs [B, ...] to logits [B, C] (e.g. wave → logMel → CNN for a waveform input). Returns the surrogate and the sampled data; async, with progress and
 * an AbortSignal.
 */
export async function lime(model: Model, input: Tensor, options: LimeOptions = {}): Promise<LimeExplanation> {
  const fname = 'lime';
  return withFactorization(model, input, options, LIME_SPEC, fname, (f, owned, o) => limeWith(model, f, owned, o, fname));
}

async function limeWith(
  model: Model,
  f: Factorization,
  owned: boolean,
  o: Partial<Record<keyof typeof LIME_SPEC, unknown>>,
  fname: string,
): Promise<LimeExplanation> {
  const m = f.sources.shape[0];
  const numSamples = positiveInt(o.numSamples, 'options.numSamples', fname, { default: 1000, max: MAX_SAMPLES });
  const numFeatures = positiveInt(o.numFeatures, 'options.numFeatures', fname, { default: Math.min(m, 10) });
  const featureSelection = oneOf(o.featureSelection, FEATURE_SELECTIONS, 'options.featureSelection', fname, 'auto');
  const kernelWidth =
    o.kernelWidth === 'lime' ? limeTabularWidth(m) : finiteNumber(o.kernelWidth, 'options.kernelWidth', fname, { default: 25 });
  if (!(kernelWidth > 0)) throw new ValueError(`${fname}: options.kernelWidth must be positive, got ${kernelWidth}`);
  if (o.kernelFn !== undefined && typeof o.kernelFn !== 'function')
    throw new ValueError(`${fname}: options.kernelFn must be a function (distance) => weight, got ${describeValue(o.kernelFn)}`);
  const distance = oneOf(o.distance, DISTANCE_METRICS, 'options.distance', fname, 'cosine');
  const { seed, predict } = parseRunOptions(o, fname, 'probabilities');

  const rows = limeRows(numSamples, m, seed);
  const { values, nClasses, target } = await predictWithTarget(model, f, rows, predict, o.target);
  const data = rowsAsArrays(rows);
  const distances = distancesToFirst(data, distance);
  const fit = limeBase(data, matrixRows(values, nClasses), distances, {
    label: target,
    numFeatures,
    featureSelection,
    kernelWidth,
    ...(o.kernelFn ? { kernelFn: o.kernelFn as (d: number) => number } : {}),
  });
  const weights = new Float64Array(m);
  for (const [j, w] of fit.localExp) weights[j] = w;
  return {
    method: 'lime',
    target,
    intercept: fit.intercept,
    score: fit.score,
    localPred: fit.localPred,
    prediction: values[target],
    components: fit.localExp.map(([j, w]) => ({ index: j, name: f.names[j], weight: w, span: f.spans[j] })),
    weights,
    data: rows.rows,
    predictions: values,
    nClasses,
    distances,
    numSamples,
    factorization: f,
    dispose: () => {
      if (owned) f.dispose();
    },
  };
}
