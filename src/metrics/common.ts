/**
 * What every metric shares: its options (Quantus's parameter names in camelCase), reading the
 * inputs, targets and attributions (given, or computed by an explain function of the xai contract),
 * Quantus's attribution preprocessing (normalise by the max |a| over the whole set, then abs),
 * the perturbation baselines, and the two batched device loops — perturbed forward passes
 * (through the shared perturbation core) and re-explanations of perturbed inputs — each running
 * all perturbations of all examples of a chunk in one pass.
 */
import {
  add,
  affine,
  argmax,
  noGrad,
  fmt,
  gather,
  mul,
  reshape,
  ShapeError,
  sizeOf,
  slice,
  softmax,
  Tensor,
  tidy,
  ValueError,
  type Engine,
} from '../engine/index.js';
import {
  checkBoolean,
  checkInputs,
  checkModel,
  checkProgress,
  checkSignal,
  forwardLogits,
  DEFAULT_ACTIVATION_FACTOR,
  describeValue,
  forEachChunk,
  parseOptions,
  predictInChunks,
  readTargets,
  resolveTargets,
  rowsPerChunk,
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
export type ExplainFunction = (model: Model, inputs: Tensor, options: { target: Target } & Record<string, unknown>) => Promise<Tensor> | Tensor;

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
    throw new ValueError(`${fname}: options.explain must be a function (model, inputs, { target }) => Promise<Tensor>, got ${describeValue(explain)}`);
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
  const xHost = (await x.read()) as Float32Array;
  for (let i = 0; i < xHost.length; i++) if (!Number.isFinite(xHost[i])) throw new ValueError(`${fname}: inputs hold a non-finite value at flat index ${i}`);
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
    signal: checkSignal(o.signal, fname),
    normalise: checkBoolean(o.normalise, 'options.normalise', fname, defaults.normalise),
    abs: checkBoolean(o.abs, 'options.abs', fname, defaults.abs),
    softmax: checkBoolean(o.softmax, 'options.softmax', fname, defaults.softmax ?? false),
  };
}

/** Attributions on the host after preprocessing: `data` is [B · perExample], shaped `shape` per example. */
export interface HostAttributions {
  data: Float32Array;
  /** Per-example shape, of the inputs' rank − 1 (size-1 axes where the inputs' channel was dropped). */
  shape: number[];
  perExample: number;
}

/**
 * The per-example attribution shape for inputs of per-example shape `rest`: the same, or with a
 * size-1 axis where `aRest` lacks the inputs' channel (axis 0), or with size 1 in place of the
 * inputs' size (broadcast along that axis). Throws a ShapeError otherwise.
 */
function attributionShape(aShape: readonly number[], x: Tensor, what: string, fname: string): number[] {
  const rest = x.shape.slice(1);
  const aRest = aShape.slice(1);
  const bad = () =>
    new ShapeError(
      `${fname}: ${what} must be shaped like the inputs ${fmt(x.shape)} (or without their channel axis, ${fmt([x.shape[0], ...rest.slice(1)])}), got ${fmt(aShape)}`,
    );
  if (aShape[0] !== x.shape[0]) throw bad();
  let shape = aRest;
  if (aRest.length === rest.length - 1) shape = [1, ...aRest];
  if (shape.length !== rest.length || shape.some((s, i) => s !== rest[i] && s !== 1)) throw bad();
  return shape;
}

/** Divides by the max |a| over everything (Quantus's normalise_by_max over all axes; all-zero stays). */
export function normaliseByMax(a: Float32Array): void {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  if (m === 0) return;
  const mf = Math.fround(m);
  for (let i = 0; i < a.length; i++) a[i] = a[i] / mf;
}

/** Quantus's preprocessing: normalise (optional), then abs (optional), in place. */
export function preprocess(a: Float32Array, normalise: boolean, useAbs: boolean): void {
  if (normalise) normaliseByMax(a);
  if (useAbs) for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]);
}

/**
 * Checks an attribution tensor for the inputs: shape, finite values and — as Quantus's
 * assert_attributions — not all 0, not all one value. Returns the per-example shape.
 */
async function readAttributions(a: unknown, ctx: MetricContext, what: string, strict: boolean): Promise<{ data: Float32Array; shape: number[] }> {
  const { fname } = ctx;
  if (!(a instanceof Tensor)) throw new ValueError(`${fname}: ${what} must be a Tensor shaped like the inputs, got ${describeValue(a)}`);
  a.assertLive(`${fname}: ${what}`);
  if (a.dtype !== 'float32') throw new ValueError(`${fname}: ${what} must be float32, got ${a.dtype}`);
  const shape = attributionShape(a.shape, ctx.x, what, fname);
  const data = Float32Array.from((await a.read()) as Float32Array);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new ValueError(`${fname}: ${what} hold a non-finite value at flat index ${i}`);
  if (strict) {
    let allSame = true;
    for (let i = 1; i < data.length && allSame; i++) allSame = data[i] === data[0];
    if (data.length && data[0] === 0 && allSame) {
      throw new ValueError(`${fname}: ${what} are all 0; the metrics rank and sum attributions, so recompute them (Quantus refuses them too)`);
    }
    if (allSame && data.length > 1) throw new ValueError(`${fname}: ${what} are all ${data[0]}; recompute them (Quantus refuses uniform attributions)`);
  }
  return { data, shape };
}

/**
 * The attributions of the inputs, preprocessed (normalise, abs) on the host: `options.attributions`
 * when given, else `explain` on the inputs with their targets.
 */
export async function attributionsOf(ctx: MetricContext, given: unknown): Promise<HostAttributions> {
  let a: { data: Float32Array; shape: number[] };
  if (given !== undefined) {
    a = await readAttributions(given, ctx, 'options.attributions', true);
  } else {
    if (!ctx.explain) throw new ValueError(`${ctx.fname}: give options.attributions or options.explain`);
    const t = await callExplain(ctx, ctx.x, ctx.targets);
    try {
      a = await readAttributions(t, ctx, "the explain function's attributions", true);
    } finally {
      t.dispose();
    }
  }
  preprocess(a.data, ctx.normalise, ctx.abs);
  return { data: a.data, shape: a.shape, perExample: sizeOf(a.shape) };
}

/** Runs the explain function on rows x (targets one per row) and checks it returned a Tensor. */
async function callExplain(ctx: MetricContext, x: Tensor, targets: number[]): Promise<Tensor> {
  if (!ctx.explain) throw new ValueError(`${ctx.fname}: options.explain is required (this metric re-explains perturbed inputs or other classes)`);
  const a: unknown = await ctx.explain(ctx.model!, x, {
    ...ctx.explainOptions,
    target: targets,
  });
  if (!(a instanceof Tensor)) throw new ValueError(`${ctx.fname}: the explain function must return a Tensor, got ${describeValue(a)}`);
  return a;
}

/** Attributions broadcast to the inputs' shape, [B · N] (the channel repeated where it was dropped). */
export function broadcastToInputs(a: HostAttributions, ctx: MetricContext): Float32Array {
  if (a.perExample === ctx.features) return a.data;
  const { rest, batch, features } = ctx;
  const out = new Float32Array(batch * features);
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((p, q) => p * q, 1));
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < features; f++) {
      let rem = f;
      let src = 0;
      for (let ax = 0; ax < rest.length; ax++) {
        const inner = rest.slice(ax + 1).reduce((p, q) => p * q, 1);
        const coord = Math.floor(rem / inner);
        rem -= coord * inner;
        if (a.shape[ax] !== 1) src += coord * strides[ax];
      }
      out[b * features + f] = a.data[b * a.perExample + src];
    }
  }
  return out;
}

/** Per-example baseline values of one perturbation call (Quantus's get_baseline_value, batched). */
export function baselineValues(ctx: MetricContext, baseline: PerturbBaseline): Float64Array {
  const { batch, features, xHost } = ctx;
  if (typeof baseline === 'number') return new Float64Array(batch).fill(baseline);
  if (baseline === 'uniform') return ctx.rng.uniform(0, 1, batch);
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let lo = Infinity;
    let hi = -Infinity;
    let s = 0;
    for (let f = 0; f < features; f++) {
      const v = xHost[b * features + f];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      s += v;
    }
    out[b] = baseline === 'black' ? lo : baseline === 'white' ? hi : s / features;
  }
  return out;
}

/** Validates perturbBaseline. */
export function checkBaseline(v: unknown, fname: string, dflt: PerturbBaseline): PerturbBaseline {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'black' || v === 'white' || v === 'mean' || v === 'uniform') return v;
  throw new ValueError(`${fname}: options.perturbBaseline must be 'black', 'white', 'mean', 'uniform' or a finite number, got ${describeValue(v)}`);
}

/**
 * One perturbed row: the example it copies, and either a replacement (mask over its N features
 * and the value put there) or additive noise over all features.
 */
export type RowSpec =
  | {
      example: number;
      mask: Uint8Array | Int32Array;
      value: number | Float32Array;
    }
  | { example: number; noise: Float32Array };

/**
 * Builds perturbed rows k0 .. k1−1 on the device: the examples' inputs are gathered from the
 * device copy, and a 0/1 mask (a Uint8Array over the N features, or the list of replaced
 * indices) with the value put there — one per row, or one per feature ([N]) — or a noise block
 * are uploaded once per chunk; the replaced elements are x·(1 − m) + v·m (exact for m = 0 and 1).
 */
export function rowBuilder(ctx: MetricContext, spec: (k: number) => RowSpec): (k0: number, k1: number) => Tensor {
  const { features, rest, engine } = ctx;
  return (k0, k1) =>
    tidy(() => {
      const c = k1 - k0;
      const idx = new Int32Array(c);
      let masks: Float32Array | null = null;
      let values: Float32Array | null = null;
      let noise: Float32Array | null = null;
      const specs = Array.from({ length: c }, (_, i) => spec(k0 + i));
      const perFeature = specs.some((r) => 'value' in r && typeof r.value !== 'number');
      for (let k = k0; k < k1; k++) {
        const r = specs[k - k0];
        idx[k - k0] = r.example;
        if ('noise' in r) {
          noise ??= new Float32Array(c * features);
          noise.set(r.noise, (k - k0) * features);
        } else {
          masks ??= new Float32Array(c * features);
          values ??= new Float32Array(perFeature ? c * features : c);
          if (typeof r.value === 'number') {
            if (perFeature) values.fill(r.value, (k - k0) * features, (k - k0 + 1) * features);
            else values[k - k0] = r.value;
          } else {
            values.set(r.value, (k - k0) * features);
          }
          const off = (k - k0) * features;
          if (r.mask instanceof Uint8Array) {
            for (let f = 0; f < features; f++) masks[off + f] = r.mask[f];
          } else {
            for (const f of r.mask) masks[off + f] = 1;
          }
        }
      }
      const xFlat = reshape(ctx.x, [ctx.batch, features]);
      let rows = gather(xFlat, engine.tensor(idx, [c], 'int32'), 0);
      if (masks && values) {
        const m = engine.tensor(masks, [c, features]);
        rows = add(mul(rows, affine(m, -1, 1)), mul(m, engine.tensor(values, [c, perFeature ? features : 1])));
      }
      if (noise) rows = add(rows, engine.tensor(noise, [c, features]));
      return reshape(rows, [c, ...rest]);
    });
}

/** The target logit of each example of the unperturbed inputs, [B] on the host. */
export async function targetLogitsOfInputs(ctx: MetricContext, stage = 'predict'): Promise<Float32Array> {
  return perturbedTargetLogits(
    ctx,
    ctx.batch,
    (k0, k1) => slice(ctx.x, [k0, ...ctx.rest.map(() => 0)], [k1 - k0, ...ctx.rest]),
    (k) => k,
    stage,
  );
}

/**
 * The target logit (or its softmax probability, with ctx.softmax) of `count` perturbed rows, through the shared perturbation core: the rows of a
 * chunk (all perturbations of all examples) run in one forward pass. `rowExample(k)` names the
 * example of row k (its target). Returns [count] on the host.
 */
export async function perturbedTargetLogits(
  ctx: MetricContext,
  count: number,
  build: (k0: number, k1: number) => Tensor,
  rowExample: (k: number) => number,
  stage: string,
): Promise<Float32Array> {
  const rowTargets = Array.from({ length: count }, (_, k) => ctx.targets[rowExample(k)]);
  const model = ctx.model!;
  // With softmax the scored outputs are probabilities: wrap the model so the device computes them.
  const scored = ctx.softmax ? (z: Tensor) => softmax(forwardLogits(model, z, ctx.fname), -1) : model;
  const y = await predictInChunks(scored, count, build, {
    engine: ctx.engine,
    elementsPerRow: ctx.features,
    maxBatch: ctx.maxBatch,
    target: rowTargets,
    onProgress: ctx.onProgress,
    signal: ctx.signal,
    stage,
    fname: ctx.fname,
  });
  try {
    return (await y.read()) as Float32Array;
  } finally {
    y.dispose();
  }
}

/** Checks the number of classes against the targets (a forward pass of the first example). */
export function checkTargetsFor(ctx: MetricContext, nClasses: number): void {
  resolveTargets(ctx.targets, ctx.batch, nClasses, ctx.fname);
}

/**
 * Re-explains `count` rows built on the device in chunks (all rows of a chunk in one explain call;
 * gradient methods need more memory than a forward pass, hence half the forward chunk), with each
 * row's target, and hands each chunk's attributions to `consume(k0, k1, host [c · perRow], shape)`.
 * With `predict`, the predicted class of each row (argmax of the logits, one extra forward pass
 * of the same chunk) is passed too.
 */
export async function explainRows(
  ctx: MetricContext,
  count: number,
  build: (k0: number, k1: number) => Tensor,
  rowTarget: (k: number) => number,
  consume: (k0: number, k1: number, a: Float32Array, shape: number[], labels?: Int32Array) => void,
  stage: string,
  predict = false,
): Promise<void> {
  const chunk = rowsPerChunk(ctx.engine, ctx.features, {
    maxBatch: ctx.maxBatch,
    factor: 2 * DEFAULT_ACTIVATION_FACTOR,
    fname: ctx.fname,
  });
  await forEachChunk(
    count,
    chunk,
    async (k0, k1) => {
      const rows = build(k0, k1);
      let a: Tensor | null = null;
      let lab: Tensor | null = null;
      try {
        a = await callExplain(
          ctx,
          rows,
          Array.from({ length: k1 - k0 }, (_, i) => rowTarget(k0 + i)),
        );
        const shape = attributionShape(a.shape, rows, "the explain function's attributions", ctx.fname);
        if (predict) lab = noGrad(() => tidy(() => argmax(forwardLogits(ctx.model!, rows, ctx.fname), 1)));
        consume(k0, k1, (await a.read()) as Float32Array, shape, lab ? ((await lab.read()) as Int32Array) : undefined);
      } finally {
        a?.dispose();
        lab?.dispose();
        rows.dispose();
      }
    },
    { onProgress: ctx.onProgress, signal: ctx.signal, stage, fname: ctx.fname },
  );
}

/** The predicted class (argmax of the logits) of every input, [B] on the host. */
export async function predictedClasses(ctx: MetricContext): Promise<Int32Array> {
  const y = await predictInChunks(ctx.model!, ctx.batch, (k0, k1) => slice(ctx.x, [k0, ...ctx.rest.map(() => 0)], [k1 - k0, ...ctx.rest]), {
    engine: ctx.engine,
    elementsPerRow: ctx.features,
    maxBatch: ctx.maxBatch,
    signal: ctx.signal,
    stage: 'predict',
    fname: ctx.fname,
  });
  try {
    const l = noGrad(() => argmax(y, 1));
    try {
      return (await l.read()) as Int32Array;
    } finally {
      l.dispose();
    }
  } finally {
    y.dispose();
  }
}

/** Re-explains the inputs with other targets (one per example), preprocessed like the attributions. */
export async function explainWithTargets(ctx: MetricContext, targets: number[], stage: string): Promise<HostAttributions> {
  const out: { data: Float32Array; shape: number[] } = {
    data: new Float32Array(0),
    shape: [],
  };
  await explainRows(
    ctx,
    ctx.batch,
    (k0, k1) => slice(ctx.x, [k0, ...ctx.rest.map(() => 0)], [k1 - k0, ...ctx.rest]),
    (k) => targets[k],
    (k0, _k1, a, shape) => {
      const per = sizeOf(shape);
      if (out.data.length === 0) out.data = new Float32Array(ctx.batch * per);
      out.data.set(a, k0 * per);
      out.shape = shape;
    },
    stage,
  );
  preprocess(out.data, ctx.normalise, ctx.abs);
  return { data: out.data, shape: out.shape, perExample: sizeOf(out.shape) };
}

/** Checks featuresInStep divides the features of one input (Quantus's assert_features_in_step). */
export function checkFeaturesInStep(v: unknown, ctx: MetricContext, dflt: number): number {
  const { fname, features } = ctx;
  if (v === undefined) v = dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${fname}: options.featuresInStep must be a positive integer, got ${describeValue(v)}`);
  if (v > features) throw new ValueError(`${fname}: options.featuresInStep = ${v} is larger than the ${features} features of one input`);
  if (features % v !== 0)
    throw new ValueError(`${fname}: options.featuresInStep = ${v} must divide the ${features} features of one input (${features} % ${v} = ${features % v})`);
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
    throw new ValueError(`${fname}: options.${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${describeValue(v)}`);
  return v;
}
