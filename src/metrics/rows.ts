/**
 * The two batched device loops of the metrics: perturbed forward passes (through the shared
 * perturbation core) and re-explanations of perturbed inputs, each running all perturbations of
 * all examples of a chunk in one pass; plus Quantus's perturbation baselines.
 */
import { add, affine, argmax, gather, mul, noGrad, reshape, sizeOf, slice, softmax, Tensor, tidy } from '../engine/index.js';
import { DEFAULT_ACTIVATION_FACTOR, forEachChunk, forwardLogits, predictInChunks, rowsPerChunk } from '../xai/shared/index.js';
import { attributionShape, callExplain, preprocess, type HostAttributions } from './attributions.js';
import type { MetricContext, PerturbBaseline } from './context.js';

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
