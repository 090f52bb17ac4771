/**
 * The attribution contract every xai method (and LIME, TCAV, the metrics above) is written
 * against: what a model and a target are, the shape of a long call (progress and cancellation),
 * and the batched "gradient of the target logits" that most methods start from. Written against
 * the engine's face only.
 */
import { checkFloat, fmt, gradientTape, mul, oneHot, ShapeError, sum, Tensor, ValueError, DTypeError } from '../../engine/index.js';
import { BatchNorm2d, Dropout, Module } from '../../nn/index.js';
import { describeValue } from './options.js';

/**
 * A classifier: an nn Module (called through `call`, so named activations work) or a plain
 * function from inputs [B, ...] to logits [B, nClasses]. A pipeline such as
 * waveform → logMel → CNN is a function too.
 */
export type Model = Module | ((x: Tensor) => Tensor);

/**
 * Target class: one index for every example, one per example (an array of B integers), or an
 * int32 tensor [B] of them. A tensor is read on the host once per call (B int32s: one small
 * device → host transfer), since the indices also size host-side bookkeeping and are validated
 * against the number of classes.
 */
export type Target = number | readonly number[] | Tensor;

/** A progress report of a long call: `done` of `total` units of `stage` (e.g. 'forward'). */
export interface Progress {
  done: number;
  total: number;
  stage: string;
}

/** Options every long call takes. */
export interface LongRunOptions {
  /** Called after each chunk of work (and once at the end of a one-pass method). */
  onProgress?: (p: Progress) => void;
  /** Aborting it makes the call reject with CancelledError at the next chunk boundary. */
  signal?: AbortSignal;
}

/**
 * An attribution method: (model, inputs [B, ...], options with target) → a promise of
 * attributions (shaped like the inputs for every input-attribution method). `R` lets methods with
 * a richer result (Grad-CAM's { layerMap, map }) satisfy the contract too.
 */
export type AttributionFunction<O, R = Tensor> = (model: Model, inputs: Tensor, options: O) => Promise<R>;

/**
 * Checks the model: an nn Module or a function. null, {} or other values get a ValueError that
 * names what was passed (never serialising it).
 */
export function checkModel(model: unknown, fname: string): Model {
  if (model instanceof Module || typeof model === 'function') return model as Model;
  throw new ValueError(
    `${fname}: model must be an nn Module or a function (x: Tensor) => Tensor of logits [B, nClasses], got ${describeValue(model)}`,
  );
}

/** Runs the model on x and checks that it returns logits [B, C]. */
export function forwardLogits(model: Model, x: Tensor, fname: string): Tensor {
  const m = checkModel(model, fname);
  const y: unknown = typeof m === 'function' ? m(x) : m.call(x);
  if (!(y instanceof Tensor))
    throw new ValueError(`${fname}: the model must return a Tensor of logits [B, nClasses], got ${describeValue(y)}`);
  if (y.rank !== 2 || y.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${fname}: the model must return logits [B, nClasses] for inputs of batch ${x.shape[0]}, got ${fmt(y.shape)}`);
  }
  return y;
}

/**
 * Checks inputs: a live float32 tensor [B, ...features] with B >= 1. Rank 1 is refused with a
 * ShapeError (a bare waveform [T] would otherwise be read as T examples of one sample each).
 */
export function checkInputs(inputs: unknown, fname: string): Tensor {
  const x = checkFloat(inputs, 'inputs', fname);
  if (x.rank < 2) {
    throw new ShapeError(
      `${fname}: inputs must be [B, ...features] with a batch axis, got ${fmt(x.shape)}${x.rank === 1 ? ` — for one example use reshape(x, [1, ${x.shape[0]}])` : ''}`,
    );
  }
  if (x.shape[0] < 1) throw new ShapeError(`${fname}: inputs must hold at least one example, got ${fmt(x.shape)}`);
  return x;
}

/** Host copies of target tensors read by readTargets (tensors are immutable, so a copy stays valid). */
const hostTargets = new WeakMap<Tensor, number[]>();

/**
 * A target as host values: a number or an array stays as it is (shape-checked later by
 * resolveTargets); an int32 tensor [B] is read once (async) and its values cached for
 * resolveTargets. Every method calls this first, so the synchronous helpers below see host values.
 */
export async function readTargets(target: unknown, batch: number, fname: string): Promise<number | number[]> {
  if (target instanceof Tensor) {
    target.assertLive(`${fname}: options.target`);
    if (target.dtype !== 'int32')
      throw new DTypeError(`${fname}: options.target as a tensor must be int32 class indices [B], got ${target.dtype}`);
    if (target.rank !== 1 || target.shape[0] !== batch) {
      throw new ShapeError(`${fname}: options.target as a tensor must be [B] = [${batch}] class indices, got ${fmt(target.shape)}`);
    }
    let list = hostTargets.get(target);
    if (!list) {
      list = Array.from(await target.read());
      hostTargets.set(target, list);
    }
    return list;
  }
  checkTargetCount(target, batch, fname);
  return typeof target === 'number' ? target : Array.from(target as readonly number[]);
}

/**
 * Target indices, one per example, validated against the number of classes. A tensor target must
 * have been read by readTargets in this call (or earlier): it is not read here (this is sync).
 */
export function resolveTargets(target: unknown, batch: number, nClasses: number, fname: string): number[] {
  let list: number[];
  if (target instanceof Tensor) {
    const host = hostTargets.get(target);
    if (!host) throw new ValueError(`${fname}: a tensor target must be read first (await readTargets(target, batch, '${fname}'))`);
    list = host;
  } else {
    checkTargetCount(target, batch, fname);
    list = typeof target === 'number' ? new Array<number>(batch).fill(target) : Array.from(target as readonly number[]);
  }
  list.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= nClasses) {
      throw new ValueError(
        `${fname}: options.target${typeof target === 'number' ? '' : `[${i}]`} = ${describeValue(t)} is out of range: the model has ${nClasses} classes (0..${nClasses - 1})`,
      );
    }
  });
  return list;
}

/**
 * Checks the kind and length of a target before the model has run (the class range is checked by
 * resolveTargets once the logits are known). Accepts a number, an array of B numbers or a tensor.
 */
export function checkTargetCount(target: unknown, batch: number, fname: string): void {
  if (target === undefined)
    throw new ValueError(`${fname}: options.target is required (a class index, one per example, or an int32 tensor [B])`);
  if (target instanceof Tensor) {
    if (target.rank !== 1 || target.shape[0] !== batch) {
      throw new ShapeError(`${fname}: options.target as a tensor must be [B] = [${batch}] class indices, got ${fmt(target.shape)}`);
    }
    return;
  }
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 0)
      throw new ValueError(`${fname}: options.target must be a class index (an integer >= 0), got ${describeValue(target)}`);
    return;
  }
  const isList = Array.isArray(target) || ArrayBuffer.isView(target);
  if (!isList) {
    throw new ValueError(
      `${fname}: options.target must be a class index, an array of them or an int32 tensor [B], got ${describeValue(target)}`,
    );
  }
  const list = target as ArrayLike<unknown>;
  if (list.length !== batch) throw new ShapeError(`${fname}: options.target lists ${list.length} classes for a batch of ${batch}`);
}

/** One-hot rows [B, C] selecting each example's target logit (the cotangent of a batched VJP). */
export function targetRows(logits: Tensor, targets: readonly number[]): Tensor {
  const idx = logits.engine.tensor(targets, [targets.length], 'int32');
  const rows = oneHot(idx, logits.shape[1]);
  idx.dispose();
  return rows;
}

/**
 * The gradient of each example's target logit with respect to its input, for the whole batch in
 * one forward and one backward pass (examples do not interact in an eval-mode model, so the
 * gradient of the sum of target logits separates per example). Returns { grad, logits, targets }.
 */
export function targetGradient(
  model: Model,
  x: Tensor,
  target: Target | undefined,
  fname: string,
): { grad: Tensor; logits: Tensor; targets: number[] } {
  return gradientTape((tape) => {
    const logits = forwardLogits(model, x, fname);
    const targets = resolveTargets(target, x.shape[0], logits.shape[1], fname);
    const selected = sum(mul(logits, targetRows(logits, targets)));
    const [grad] = tape.gradient(selected, [x]);
    return { grad, logits, targets };
  });
}

/**
 * Like targetGradient, for rows that are copies of examples (Integrated Gradients' path points,
 * SmoothGrad's noisy samples): row r of `rows` belongs to example `rowExample[r]` of a batch of
 * `batch`, and `target` is given per example (resolved against the batch, so errors name the
 * example). One forward and one backward pass over all rows. Returns the gradient [R, ...] and
 * the per-example targets.
 */
export function targetGradientOfRows(
  model: Model,
  rows: Tensor,
  target: Target | undefined,
  batch: number,
  rowExample: readonly number[],
  fname: string,
): { grad: Tensor; targets: number[] } {
  if (rowExample.length !== rows.shape[0]) throw new ShapeError(`${fname}: ${rowExample.length} row owners for ${rows.shape[0]} rows`);
  return gradientTape((tape) => {
    const logits = forwardLogits(model, rows, fname);
    const targets = resolveTargets(target, batch, logits.shape[1], fname);
    const selected = sum(
      mul(
        logits,
        targetRows(
          logits,
          rowExample.map((b) => targets[b]),
        ),
      ),
    );
    const [grad] = tape.gradient(selected, [rows]);
    return { grad, targets };
  });
}

/** Models already warned about, per method name (warn once, not on every call). */
const warnedTraining = new WeakMap<Module, Set<string>>();

/**
 * Warns once per model and method when an nn Module is in training mode with dropout (p > 0) or
 * BatchNorm active: attributions then change on every call (dropout) or mix the examples of a
 * batch (batch statistics), which is rarely wanted. A warning, not an error, because explaining a
 * model in training mode can be deliberate (e.g. MC-dropout); call model.eval() to explain the
 * deterministic model, or pass `warn: false` to silence it. Function models cannot be inspected.
 * Returns whether the model is in such a training mode.
 */
export function warnIfTraining(model: Model, fname: string, warn: (message: string) => void = (m) => console.warn(m)): boolean {
  if (!(model instanceof Module)) return false;
  const active = model
    .namedModules()
    .filter(([, m]) => m.training && ((m instanceof Dropout && m.p > 0) || m instanceof BatchNorm2d))
    .map(([n, m]) => `${n || '(root)'} (${m.constructor.name})`);
  if (!active.length) return false;
  const seen = warnedTraining.get(model) ?? new Set<string>();
  if (!seen.has(fname)) {
    seen.add(fname);
    warnedTraining.set(model, seen);
    const shown = active.length > 3 ? `${active.slice(0, 3).join(', ')} and ${active.length - 3} more` : active.join(', ');
    warn(
      `${fname}: the model is in training mode with ${shown} active, so attributions vary between calls or mix the batch; call model.eval() first (pass warn: false to silence this)`,
    );
  }
  return true;
}
