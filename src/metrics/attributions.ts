/**
 * The attributions a metric scores: given, or computed by the explain function, checked (shape,
 * finite, not all 0 — Quantus's assert_attributions) and preprocessed as Quantus does (normalise
 * by the max |a| over the whole set, then abs), on the host.
 */
import { fmt, ShapeError, sizeOf, Tensor, ValueError } from '../engine/index.js';
import { describeValue } from '../xai/shared/index.js';
import type { MetricContext } from './context.js';

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
export function attributionShape(aShape: readonly number[], x: Tensor, what: string, fname: string): number[] {
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
async function readAttributions(
  a: unknown,
  ctx: MetricContext,
  what: string,
  strict: boolean,
): Promise<{ data: Float32Array; shape: number[] }> {
  const { fname } = ctx;
  if (!(a instanceof Tensor)) throw new ValueError(`${fname}: ${what} must be a Tensor shaped like the inputs, got ${describeValue(a)}`);
  a.assertLive(`${fname}: ${what}`);
  if (a.dtype !== 'float32') throw new ValueError(`${fname}: ${what} must be float32, got ${a.dtype}`);
  const shape = attributionShape(a.shape, ctx.x, what, fname);
  const data = Float32Array.from((await a.read()) as Float32Array);
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new ValueError(`${fname}: ${what} hold a non-finite value at flat index ${i}`);
  if (strict) {
    let allSame = true;
    for (let i = 1; i < data.length && allSame; i++) allSame = data[i] === data[0];
    if (data.length && data[0] === 0 && allSame) {
      throw new ValueError(
        `${fname}: ${what} are all 0; the metrics rank and sum attributions, so recompute them (Quantus refuses them too)`,
      );
    }
    if (allSame && data.length > 1)
      throw new ValueError(`${fname}: ${what} are all ${data[0]}; recompute them (Quantus refuses uniform attributions)`);
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
export async function callExplain(ctx: MetricContext, x: Tensor, targets: number[]): Promise<Tensor> {
  if (!ctx.explain)
    throw new ValueError(`${ctx.fname}: options.explain is required (this metric re-explains perturbed inputs or other classes)`);
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
