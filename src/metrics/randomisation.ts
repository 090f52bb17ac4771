/**
 * Randomisation metrics with Quantus 0.6's semantics and defaults: does the explanation depend on
 * the class explained (randomLogit) and on the model's learned parameters
 * (modelParameterRandomisation, Adebayo et al. 2018)? Re-explanations of all examples run as one
 * batched explain call per chunk.
 */
import { clone, keep, ValueError, type Tensor } from '../engine/index.js';
import { BatchNorm2d, Module } from '../nn/index.js';
import { describeValue, forEachChunk, predictInChunks, type Model, type Target } from '../xai/shared/index.js';
import {
  attributionsOf,
  explainWithTargets,
  intOption,
  metricContext,
  parseMetricOptions,
  type MetricBaseOptions,
  type MetricContext,
} from './common.js';
import { similarityOf, type SimilarityFunction, type SimilarityName } from './similarity.js';
import { mean } from './stats.js';

export interface RandomLogitOptions extends MetricBaseOptions {
  /** Number of classes to draw the off-class from (default: the model's, from its logits; Quantus's default 1000 is ImageNet's). */
  numClasses?: number;
  /** Seed of the default random source (default 42, Quantus's). */
  seed?: number;
  /** Similarity of the two maps (default 'ssim'). */
  similarityFunc?: SimilarityName | SimilarityFunction;
}

/** The number of classes of the model (one forward pass of the first example). */
async function classCount(ctx: MetricContext): Promise<number> {
  const y = await predictInChunks(ctx.model!, 1, () => ctx.x.engine.zeros([1, ...ctx.rest]), {
    engine: ctx.engine,
    elementsPerRow: ctx.features,
    fname: ctx.fname,
  });
  const c = y.shape[1];
  y.dispose();
  return c;
}

function pairSimilarity(sim: SimilarityFunction, a: Float32Array, b: Float32Array, batch: number, per: number): number[] {
  return Array.from({ length: batch }, (_, i) =>
    sim(Float64Array.from(a.subarray(i * per, (i + 1) * per)), Float64Array.from(b.subarray(i * per, (i + 1) * per))),
  );
}

/**
 * RandomLogit (Sixt et al. 2020; Quantus): the similarity between the explanation of each
 * example's target and that of a random other class (drawn uniformly among the numClasses − 1
 * others). One score per example (SSIM in [−1, 1] by default; lower = more class-sensitive).
 * Needs `explain`. Defaults (Quantus): seed 42, abs false, normalise true, similarityFunc 'ssim'
 * (over the flattened maps). Draws: `random.randint(0, numClasses − 1, B)`.
 */
export async function randomLogit(model: Model, inputs: Tensor, targets: Target, options: RandomLogitOptions = {}): Promise<number[]> {
  const fname = 'randomLogit';
  const o = parseMetricOptions(options, { numClasses: ['num_classes'], similarityFunc: ['similarity_func'] }, fname);
  const ctx = await metricContext(model, inputs, targets, { ...o, seed: o.seed ?? 42 }, { normalise: true, abs: false }, fname);
  if (!ctx.explain) throw new ValueError(`${fname}: options.explain is required (the metric explains a random other class)`);
  const modelClasses = await classCount(ctx);
  const numClasses = intOption(o.numClasses, 'numClasses', fname, modelClasses, modelClasses);
  if (numClasses < 2) throw new ValueError(`${fname}: options.numClasses must be >= 2 (an other class must exist), got ${numClasses}`);
  for (const [i, t] of ctx.targets.entries()) {
    if (t >= numClasses) throw new ValueError(`${fname}: targets[${i}] = ${t} is not below numClasses = ${numClasses}`);
  }
  const sim = similarityOf(o.similarityFunc, fname, 'ssim');
  const a = await attributionsOf(ctx, o.attributions);
  const draws = ctx.rng.randint(0, numClasses - 1, ctx.batch);
  // The draw indexes the classes without the target (Quantus's y_filtered_classes).
  const off = draws.map((d, b) => (d >= ctx.targets[b] ? d + 1 : d));
  const b = await explainWithTargets(ctx, off, fname);
  if (b.perExample !== a.perExample)
    throw new ValueError(`${fname}: the explain function gave ${b.perExample} values per example, the attributions have ${a.perExample}`);
  return pairSimilarity(sim, a.data, b.data, ctx.batch, a.perExample);
}

/** Layer orders of modelParameterRandomisation. */
export type LayerOrder = 'top_down' | 'bottom_up' | 'independent';

export interface ModelParameterRandomisationOptions extends MetricBaseOptions {
  /** 'top_down' (cascading from the output, default), 'bottom_up' (cascading from the input) or 'independent' (one layer at a time). */
  layerOrder?: LayerOrder;
  /** Seed of the random weights (default 42). */
  seed?: number;
  /** Similarity of original and randomised explanations (default 'spearman'; 'ssim' as in Adebayo et al.). */
  similarityFunc?: SimilarityName | SimilarityFunction;
  /** Return per example the mean over all entries (Quantus's return_average_correlation). */
  returnAverageCorrelation?: boolean;
  /** Return per example the similarity after the last layer (Quantus's return_last_correlation). */
  returnLastCorrelation?: boolean;
  /** Only explain the fully randomised model (Quantus's skip_layers). */
  skipLayers?: boolean;
}

/** Per layer (in randomisation order, after 'original') the similarity per example. */
export type ParameterRandomisationResult = Record<string, number[]>;

/** The entries a module owns itself (names without a child prefix). */
function own(entries: [string, Tensor][]): [string, Tensor][] {
  return entries.filter(([k]) => !k.includes('.'));
}

/** The modules that own parameters themselves (Conv, Linear, BatchNorm: PyTorch's reset_parameters layers). */
function randomisableLayers(model: Module): [string, Module][] {
  return model.namedModules().filter(([, m]) => own(m.namedParameters()).length > 0);
}

/**
 * New values for a layer's parameters, as PyTorch's reset_parameters: BatchNorm gets weight 1,
 * bias 0, running mean 0 and variance 1; other layers U(−1/√fanIn, 1/√fanIn) for every parameter
 * (fanIn = the weight's elements per output). Keys are full state-dict names.
 */
function resetValues(name: string, m: Module, seed: number): Record<string, Tensor> {
  const e = m.engine;
  const key = (k: string) => (name ? `${name}.${k}` : k);
  const out: Record<string, Tensor> = {};
  if (m instanceof BatchNorm2d) {
    for (const [k, p] of own(m.namedParameters())) out[key(k)] = k === 'weight' ? e.ones(p.shape) : e.zeros(p.shape);
    for (const [k, t] of own(m.namedBuffers()))
      if (t.dtype === 'float32') out[key(k)] = k === 'running_var' ? e.ones(t.shape) : e.zeros(t.shape);
    return out;
  }
  const params = own(m.namedParameters());
  const w = params.find(([k]) => k === 'weight')?.[1];
  const fanIn = w ? w.size / w.shape[0] : 1;
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  let j = 0;
  for (const [k, p] of params)
    out[key(k)] = e.rand(p.shape, {
      seed: (seed * 1000003 + 7919 * j++) >>> 0,
      low: -bound,
      high: bound,
    });
  return out;
}

/**
 * ModelParameterRandomisation (MPRT; Adebayo et al. 2018; Quantus): randomises the model's layers
 * one after another — cascading from the top ('top_down', default) or the bottom ('bottom_up'), or
 * each alone ('independent') — and compares each example's explanation of the randomised model with
 * the original one. Returns { original, <layer>: scores[B], ... } in randomisation order
 * ('original' compares the given attributions with a fresh explanation of the unchanged model), or
 * per example the mean over all entries (returnAverageCorrelation; like Quantus 0.6 this mean
 * includes 'original') or the last layer's (returnLastCorrelation). Randomising all layers should
 * lower the similarity. Needs an nn Module and `explain`. The model's parameters are replaced
 * during the call and restored before it returns (also on error or abort). Defaults (Quantus):
 * layerOrder 'top_down', seed 42, similarityFunc 'spearman', abs true, normalise true.
 */
export async function modelParameterRandomisation(
  model: Module,
  inputs: Tensor,
  targets: Target,
  options: ModelParameterRandomisationOptions = {},
): Promise<ParameterRandomisationResult | number[]> {
  const fname = 'modelParameterRandomisation';
  const o = parseMetricOptions(
    options,
    {
      layerOrder: ['layer_order'],
      similarityFunc: ['similarity_func'],
      returnAverageCorrelation: ['return_average_correlation'],
      returnLastCorrelation: ['return_last_correlation'],
      skipLayers: ['skip_layers'],
    },
    fname,
  );
  if (!(model instanceof Module))
    throw new ValueError(`${fname}: model must be an nn Module (its layers are randomised), got ${describeValue(model)}`);
  const seed = (o.seed as number | undefined) ?? 42;
  const ctx = await metricContext(model, inputs, targets, { ...o, seed }, { normalise: true, abs: true }, fname);
  if (!ctx.explain) throw new ValueError(`${fname}: options.explain is required (the randomised models are re-explained)`);
  const order = o.layerOrder ?? 'top_down';
  if (order !== 'top_down' && order !== 'bottom_up' && order !== 'independent') {
    throw new ValueError(`${fname}: options.layerOrder must be 'top_down', 'bottom_up' or 'independent', got ${describeValue(order)}`);
  }
  const flag = (v: unknown, name: string) => {
    if (v !== undefined && typeof v !== 'boolean')
      throw new ValueError(`${fname}: options.${name} must be true or false, got ${describeValue(v)}`);
    return v === true;
  };
  const avg = flag(o.returnAverageCorrelation, 'returnAverageCorrelation');
  const last = flag(o.returnLastCorrelation, 'returnLastCorrelation');
  const skip = flag(o.skipLayers, 'skipLayers');
  if (avg && last) throw new ValueError(`${fname}: returnAverageCorrelation and returnLastCorrelation cannot both be true`);
  if (avg && skip) throw new ValueError(`${fname}: returnAverageCorrelation needs every layer, so skipLayers cannot be true`);
  const sim = similarityOf(o.similarityFunc, fname, 'spearman');
  let layers = randomisableLayers(model);
  if (!layers.length) throw new ValueError(`${fname}: the model has no layers with parameters to randomise`);
  if (order === 'top_down') layers = [...layers].reverse();
  const a = await attributionsOf(ctx, o.attributions);
  const per = a.perExample;
  const compare = async (stage: string) => {
    const b = await explainWithTargets(ctx, ctx.targets, stage);
    if (b.perExample !== per)
      throw new ValueError(`${fname}: the explain function gave ${b.perExample} values per example, the attributions have ${per}`);
    return pairSimilarity(sim, a.data, b.data, ctx.batch, per);
  };
  const result: ParameterRandomisationResult = {
    original: await compare('original'),
  };
  // Snapshot of every parameter and buffer, restored at the end (and before each layer when independent).
  const saved: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) saved[k] = keep(clone(t));
  const userProgress = ctx.onProgress;
  try {
    await forEachChunk(
      layers.length,
      1,
      async (i) => {
        const [name, layer] = layers[i];
        if (order === 'independent') model.loadStateDict(saved, { strict: false });
        const fresh = resetValues(name, layer, seed + 1);
        try {
          model.loadStateDict(fresh, { strict: false });
        } finally {
          for (const t of Object.values(fresh)) t.dispose();
        }
        if (skip && i + 1 < layers.length) return;
        ctx.onProgress = undefined;
        result[name || '(root)'] = await compare(name);
        ctx.onProgress = userProgress;
      },
      { onProgress: userProgress, signal: ctx.signal, stage: 'layers', fname },
    );
  } finally {
    model.loadStateDict(saved, { strict: false });
    for (const t of Object.values(saved)) t.dispose();
  }
  if (avg) return Array.from({ length: ctx.batch }, (_, b) => mean(Object.values(result).map((s) => s[b])));
  if (last) return Object.values(result).at(-1)!;
  return result;
}
