/**
 * The batched perturbation core shared by Occlusion, Feature Ablation, LIME/KernelSHAP and the
 * perturbation metrics: perturbed inputs are built on the device a chunk at a time, run through
 * the model under noGrad in chunks sized to the device limits (see batching.ts), with progress,
 * cancellation and a yield to the event loop between chunks. The host only loops over chunks.
 */
import {
  add,
  affine,
  concat,
  div,
  type Engine,
  fmt,
  keep,
  maximum,
  mul,
  noGrad,
  reshape,
  ShapeError,
  sizeOf,
  sub,
  sum,
  type Tensor,
  tidy,
  ValueError,
} from '../../engine/index.js';
import { chunksToTrace, forEachChunk, rowsPerChunk } from './batching.js';
import { precompileChunk } from './precompile.js';
import { positiveInt } from './options.js';
import { forwardLogits, resolveTargets, targetRows, type Model, type Progress, type Target } from './contract.js';

export interface PredictInChunksOptions {
  /** The engine the perturbed inputs live on (sizes the chunks from its limits). */
  engine: Engine;
  /** Input elements of one perturbed row (the product of its non-batch dims). */
  elementsPerRow: number;
  /** Rows per forward pass; default from the device limits (rowsPerChunk). */
  maxBatch?: number;
  /**
   * When given, only this logit of each row is returned ([count] instead of [count, C]): one class
   * for every row, or one per row (count entries).
   */
  target?: number | readonly number[];
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Stage name in progress reports (default 'predict'). */
  stage?: string;
  /** Function name for errors. */
  fname: string;
}

/**
 * Runs `count` perturbed rows through the model: build(k0, k1) returns rows k0 .. k1−1 as one
 * tensor [k1 − k0, ...] (built on the device; it is disposed after its forward pass). Returns the
 * logits [count, C], or with `target` the target logit of each row [count]. Runs under noGrad.
 */
export async function predictInChunks(
  model: Model,
  count: number,
  build: (k0: number, k1: number) => Tensor,
  opts: PredictInChunksOptions,
): Promise<Tensor> {
  const { fname } = opts;
  const chunk = rowsPerChunk(opts.engine, opts.elementsPerRow, {
    maxBatch: opts.maxBatch,
    fname,
  });
  if (Array.isArray(opts.target) && opts.target.length !== count)
    throw new ShapeError(`${fname}: ${opts.target.length} targets for ${count} perturbed rows`);
  const predict = (k0: number, k1: number): Tensor =>
    noGrad(() =>
      tidy(() => {
        const z = build(k0, k1);
        if (z.rank < 1 || z.shape[0] !== k1 - k0)
          throw new ShapeError(`${fname}: perturbation rows ${k0}..${k1 - 1} built as ${fmt(z.shape)}, expected [${k1 - k0}, ...]`);
        const y = forwardLogits(model, z, fname);
        if (opts.target === undefined) return y;
        const t = typeof opts.target === 'number' ? new Array<number>(k1 - k0).fill(opts.target) : opts.target.slice(k0, k1);
        resolveTargets(t, k1 - k0, y.shape[1], fname);
        return sum(mul(y, targetRows(y, t)), 1);
      }),
    );
  await precompileChunk(opts.engine, model, () => chunksToTrace(count, chunk).forEach(([k0, k1]) => predict(k0, k1)));
  const parts: Tensor[] = [];
  try {
    await forEachChunk(
      count,
      chunk,
      (k0, k1) => {
        const part = predict(k0, k1);
        parts.push(keep(part));
      },
      {
        onProgress: opts.onProgress,
        signal: opts.signal,
        stage: opts.stage ?? 'predict',
        fname,
      },
    );
    if (parts.length === 1) return parts.pop()!;
    return noGrad(() => concat(parts, 0));
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** A set of perturbations, each a 0/1 mask over the input. */
export interface PerturbationPlan {
  /** Number of perturbations. */
  count: number;
  /**
   * Masks of perturbations k0 .. k1-1 as float32 [k1 − k0, ...m], where [1, ...m] broadcasts to
   * the input's shape [B, ...] (m[0] is 1 for masks shared by the batch, or B).
   */
  masks(k0: number, k1: number): Tensor;
}

export interface MaskAttributionOptions {
  /** Most examples in one forward pass (perturbed copies × batch); default from the device limits. */
  maxBatch?: number;
  /** Divide by the number of perturbations covering each element (Occlusion) or not (Feature Ablation). */
  weighted: boolean;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  stage?: string;
  fname: string;
}

/**
 * Mask-based attribution (Occlusion, Feature Ablation). Each perturbation k has a 0/1 mask M_k
 * (1 = replaced by the baseline); the perturbed inputs x·(1 − M_k) + baseline·M_k of a chunk of
 * perturbations and every example are built on the device as one batch [chunk·B, ...] and run in
 * one forward pass. With d_k = f(x)[t] − f(perturbed_k)[t] for each example's target t, the
 * attribution is Σ_k d_k·M_k, divided elementwise by max(1, Σ_k M_k) when `weighted` (overlapping
 * windows are averaged; never-covered elements get 0). `baseline` is a resolved baseline
 * (resolveBaseline). Returns a tensor shaped like x.
 */
export async function maskAttribution(
  model: Model,
  x: Tensor,
  target: Target,
  baseline: number | Tensor,
  plan: PerturbationPlan,
  opts: MaskAttributionOptions,
): Promise<Tensor> {
  const { fname } = opts;
  const b = x.shape[0];
  const rest = x.shape.slice(1);
  const rows = rowsPerChunk(x.engine, sizeOf(rest), {
    maxBatch: opts.maxBatch,
    fname,
  });
  const chunk = Math.max(1, Math.floor(rows / b));
  const owned: {
    acc: Tensor | null;
    weights: Tensor | null;
    f0: Tensor | null;
    sel: Tensor | null;
  } = { acc: null, weights: null, f0: null, sel: null };
  // f(x)[t] of each example ([B]) and the one-hot rows selecting each example's target ([B, C]).
  const reference = (): readonly [Tensor, Tensor] =>
    noGrad(() =>
      tidy(() => {
        const logits = forwardLogits(model, x, fname);
        const r = targetRows(logits, resolveTargets(target, b, logits.shape[1], fname)); // [B, C]
        return [r, sum(mul(logits, r), 1)] as const; // f(x)[t]: [B]
      }),
    );
  // Σ over perturbations k0 .. k1-1 of d_k·M_k ([B, ...]) and of M_k (when weighted).
  const chunkSums = (sel: Tensor, f0: Tensor, k0: number, k1: number): readonly [Tensor, Tensor | null] =>
    noGrad(() =>
      tidy(() => {
        const c = k1 - k0;
        const xb = reshape(x, [1, ...x.shape]);
        const bb =
          typeof baseline === 'number'
            ? baseline
            : reshape(baseline, [1, ...(baseline.rank === x.rank ? baseline.shape : [1, ...baseline.shape])]);
        const m = plan.masks(k0, k1); // [c, Bm, ...]
        const keepPart = mul(xb, affine(m, -1, 1));
        const perturbed = bb === 0 ? keepPart : add(keepPart, typeof bb === 'number' ? affine(m, bb, 0) : mul(m, bb)); // [c, B, ...]
        const out = forwardLogits(model, reshape(perturbed, [c * b, ...rest]), fname);
        const fk = sum(mul(reshape(out, [c, b, out.shape[1]]), sel), 2); // [c, B]
        const d = sub(f0, fk); // [c, B]
        return [sum(mul(reshape(d, [c, b, ...rest.map(() => 1)]), m), 0), opts.weighted ? sum(m, 0) : null] as const;
      }),
    );
  // Compile every kernel of the call first: the reference pass, one chunk, the sums and the average.
  await precompileChunk(x.engine, model, () => {
    const [sel, f0] = reference();
    for (const [k0, k1] of chunksToTrace(plan.count, chunk)) {
      const [a, w] = chunkSums(sel, f0, k0, k1);
      const acc = add(x.engine.zeros(x.shape), a);
      if (w) div(acc, maximum(add(w, w), 1));
    }
  });
  try {
    const [sel, f0] = reference();
    owned.sel = keep(sel);
    owned.f0 = keep(f0);
    owned.acc = keep(x.engine.zeros(x.shape));
    await forEachChunk(
      plan.count,
      chunk,
      (k0, k1) => {
        const [nextAcc, nextWeights] = noGrad(() =>
          tidy(() => {
            const [contribution, w] = chunkSums(owned.sel!, owned.f0!, k0, k1);
            const a = add(owned.acc!, contribution);
            return [a, w && owned.weights ? add(owned.weights, w) : w] as const;
          }),
        );
        owned.acc!.dispose();
        owned.acc = keep(nextAcc);
        owned.weights?.dispose();
        owned.weights = nextWeights ? keep(nextWeights) : null;
      },
      {
        onProgress: opts.onProgress,
        signal: opts.signal,
        stage: opts.stage ?? fname,
        fname,
      },
    );
    if (!owned.weights) {
      const out = owned.acc;
      owned.acc = null;
      return out;
    }
    return noGrad(() => tidy(() => div(owned.acc!, maximum(owned.weights!, 1))));
  } finally {
    for (const t of Object.values(owned)) t?.dispose();
  }
}

/** Most perturbations one call may run (windows, or features of featureAblation): 2^20. */
export const MAX_PERTURBATIONS = 1 << 20;

/**
 * Examples per forward pass from perturbationsPerEval (× batch) or maxBatch (at most one of them);
 * undefined leaves it to the device limits.
 */
export function perturbationBatch(
  o: { perturbationsPerEval?: unknown; maxBatch?: unknown },
  batch: number,
  fname: string,
): number | undefined {
  if (o.perturbationsPerEval !== undefined && o.maxBatch !== undefined)
    throw new ValueError(`${fname}: give options.perturbationsPerEval or options.maxBatch, not both`);
  if (o.perturbationsPerEval !== undefined) return batch * positiveInt(o.perturbationsPerEval, 'options.perturbationsPerEval', fname);
  if (o.maxBatch !== undefined) return positiveInt(o.maxBatch, 'options.maxBatch', fname);
  return undefined;
}
