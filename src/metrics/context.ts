/**
 * What a metric call works with: the options every metric takes (Quantus's parameter names in
 * camelCase, snake_case aliases), the validated context (model, inputs and targets read once,
 * random source, progress and abort), and the option validators the metrics share.
 */
import { sizeOf, Tensor, ValueError, type Engine } from '../engine/index.js';
import {
  checkBoolean,
  checkInputs,
  checkModel,
  checkProgress,
  checkSignal,
  checkWarn,
  describeValue,
  parseOptions,
  readTargets,
  rowsPerChunk,
  throwIfAborted,
  warnIfTraining,
  type Model,
  type OptionSpec,
  type Progress,
  type Target,
} from '../xai/shared/index.js';
import { isRandomSource, seededRandom, type RandomSource } from './random.js';

/**
 * An explanation method following the xai contract: (model, inputs [R, ...], { target, ... }) →
 * attributions shaped like the inputs (or without their channel axis). May return the tensor
 * directly or a promise of it. The metrics own (and dispose) what it returns.
 */
export type ExplainFunction = (
  model: Model,
  inputs: Tensor,
  options: { target: Target } & Record<string, unknown>,
) => Promise<Tensor> | Tensor;

/** Options every metric takes. */
export interface MetricBaseOptions {
  /** Attributions of the inputs: shaped like them, or without the channel axis ([B, H, W] for [B, 1, H, W]). */
  attributions?: Tensor;
  /** Explanation method used when `attributions` is not given, and for metrics that re-explain. */
  explain?: ExplainFunction;
  /** Extra options passed to `explain` with each call (besides `target`). */
  explainOptions?: Record<string, unknown>;
  /** Apply normalisation (divide by max |a| over all examples, Quantus's normalise_by_max). */
  normalise?: boolean;
  /** Take |a| after normalising. */
  abs?: boolean;
  /** Random source (see random.ts): recordedRandom(...) replays Quantus's draws. */
  random?: RandomSource;
  /** Seed of the default random source (seededRandom); ignored when `random` is given. */
  seed?: number;
  /**
   * Score the softmax probability of the target instead of its logit (Quantus's `softmax` argument
   * of the metric call; its default differs per metric and is stated there).
   */
  softmax?: boolean;
  /** Most rows (perturbed copies × examples) in one forward pass or explain call; default from the device limits. */
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Where the training-mode warning goes (a model with dropout or BatchNorm in training mode
   * scores differently on every call): a function of one message, or false; default console.warn.
   */
  warn?: ((message: string) => void) | false;
}

export const BASE_SPEC = {
  attributions: ['a_batch', 'aBatch'],
  explain: ['explainFunc', 'explain_func'],
  explainOptions: ['explainFuncKwargs', 'explain_func_kwargs'],
  normalise: [],
  abs: [],
  random: [],
  seed: [],
  maxBatch: [],
  softmax: [],
  onProgress: [],
  signal: [],
  warn: [],
} as const satisfies OptionSpec;

/** A perturbation baseline: Quantus's names, or a constant value. */
export type PerturbBaseline = 'black' | 'white' | 'mean' | 'uniform' | number;

/** Everything a metric call works with, validated and on the host where the math is host-side. */
export interface MetricContext {
  fname: string;
  model: Model | null;
  x: Tensor;
  engine: Engine;
  /** The inputs on the host, [B·N] (read once). */
  xHost: Float32Array;
  batch: number;
  /** Input elements per example. */
  features: number;
  /** Shape of one example. */
  rest: number[];
  targets: number[];
  rng: RandomSource;
  explain?: ExplainFunction;
  explainOptions: Record<string, unknown>;
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  normalise: boolean;
  abs: boolean;
  /** Score class probabilities (softmax of the logits) instead of logits (Quantus's `softmax`). */
  softmax: boolean;
}

/** Parses a metric's options against BASE_SPEC + its own spec. */
export function parseMetricOptions<K extends string>(
  options: unknown,
  spec: OptionSpec<K>,
  fname: string,
): Partial<Record<K | keyof typeof BASE_SPEC, unknown>> {
  return parseOptions(options, { ...BASE_SPEC, ...spec } as OptionSpec<K | keyof typeof BASE_SPEC>, fname);
}

/**
 * Validates model, inputs, targets and the base options and reads inputs and targets to the host.
 * `needsModel` is false for the complexity metrics given attributions.
 */
export async function metricContext(
  model: unknown,
  inputs: unknown,
  targets: unknown,
  o: Partial<Record<keyof typeof BASE_SPEC, unknown>>,
  defaults: { normalise: boolean; abs: boolean; softmax?: boolean },
  fname: string,
  needsModel = true,
): Promise<MetricContext> {
  const x = checkInputs(inputs, fname);
  const batch = x.shape[0];
  const m = needsModel || model != null ? checkModel(model, fname) : null;
  const explain = o.explain;
  if (explain !== undefined && typeof explain !== 'function') {
    throw new ValueError(
      `${fname}: options.explain must be a function (model, inputs, { target }) => Promise<Tensor>, got ${describeValue(explain)}`,
    );
  }
  const explainOptions = o.explainOptions ?? {};
  if (explainOptions === null || typeof explainOptions !== 'object' || Array.isArray(explainOptions)) {
    throw new ValueError(`${fname}: options.explainOptions must be an object, got ${describeValue(explainOptions)}`);
  }
  if ('target' in (explainOptions as object))
    throw new ValueError(`${fname}: options.explainOptions must not hold 'target' (the metric passes each row's target)`);
  if (o.random !== undefined && !isRandomSource(o.random)) {
    throw new ValueError(
      `${fname}: options.random must be a RandomSource ({ choice, uniform, randint }; see seededRandom / recordedRandom), got ${describeValue(o.random)}`,
    );
  }
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed))) {
    throw new ValueError(`${fname}: options.seed must be an integer, got ${describeValue(o.seed)}`);
  }
  if (o.maxBatch !== undefined) rowsPerChunk(x.engine, 1, { maxBatch: o.maxBatch, fname });
  let list: number[] = [];
  if (targets !== undefined && targets !== null) {
    const t = await readTargets(targets, batch, fname);
    list = typeof t === 'number' ? new Array<number>(batch).fill(t) : t;
  } else if (needsModel) {
    throw new ValueError(`${fname}: targets are required (a class index, one per example, or an int32 tensor [B])`);
  }
  const signal = checkSignal(o.signal, fname);
  throwIfAborted(signal, fname);
  const warn = checkWarn(o.warn, fname);
  if (m) warnIfTraining(m, fname, warn);
  const xHost = (await x.read()) as Float32Array;
  for (let i = 0; i < xHost.length; i++)
    if (!Number.isFinite(xHost[i])) throw new ValueError(`${fname}: inputs hold a non-finite value at flat index ${i}`);
  return {
    fname,
    model: m,
    x,
    engine: x.engine,
    xHost,
    batch,
    features: sizeOf(x.shape.slice(1)),
    rest: x.shape.slice(1),
    targets: list,
    rng: (o.random as RandomSource | undefined) ?? seededRandom((o.seed as number | undefined) ?? 0),
    explain: explain as ExplainFunction | undefined,
    explainOptions: explainOptions as Record<string, unknown>,
    maxBatch: o.maxBatch as number | undefined,
    onProgress: checkProgress(o.onProgress, fname),
    signal,
    normalise: checkBoolean(o.normalise, 'options.normalise', fname, defaults.normalise),
    abs: checkBoolean(o.abs, 'options.abs', fname, defaults.abs),
    softmax: checkBoolean(o.softmax, 'options.softmax', fname, defaults.softmax ?? false),
  };
}

/** Validates perturbBaseline. */
export function checkBaseline(v: unknown, fname: string, dflt: PerturbBaseline): PerturbBaseline {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'black' || v === 'white' || v === 'mean' || v === 'uniform') return v;
  throw new ValueError(
    `${fname}: options.perturbBaseline must be 'black', 'white', 'mean', 'uniform' or a finite number, got ${describeValue(v)}`,
  );
}

/** Checks featuresInStep divides the features of one input (Quantus's assert_features_in_step). */
export function checkFeaturesInStep(v: unknown, ctx: MetricContext, dflt: number): number {
  const { fname, features } = ctx;
  if (v === undefined) v = dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${fname}: options.featuresInStep must be a positive integer, got ${describeValue(v)}`);
  if (v > features) throw new ValueError(`${fname}: options.featuresInStep = ${v} is larger than the ${features} features of one input`);
  if (features % v !== 0)
    throw new ValueError(
      `${fname}: options.featuresInStep = ${v} must divide the ${features} features of one input (${features} % ${v} = ${features % v})`,
    );
  return v;
}

/** A positive integer option with a default. */
export function intOption(v: unknown, name: string, fname: string, dflt: number, max?: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${fname}: options.${name} must be a positive integer, got ${describeValue(v)}`);
  if (max !== undefined && v > max) throw new ValueError(`${fname}: options.${name} = ${v} is larger than ${max}`);
  return v;
}

/** A finite number option with a default. */
export function numberOption(v: unknown, name: string, fname: string, dflt: number, min = -Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new ValueError(
      `${fname}: options.${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${describeValue(v)}`,
    );
  return v;
}
