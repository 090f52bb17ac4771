/**
 * Shared plumbing of the attribution methods: what a model is, how targets are given and
 * checked, and the batched "gradient of the target logits" that most methods start from.
 * Written against the engine's public ops only.
 */
import { checkFloat, fmt, gradientTape, mul, oneHot, ShapeError, sum, type Tensor, ValueError } from '../engine/index.js';
import type { Module } from '../nn/module.js';

/**
 * A classifier: an nn Module (called through `call`, so named activations work) or a plain
 * function from inputs [B, ...] to logits [B, nClasses]. A pipeline such as
 * waveform → logMel → CNN is a function too.
 */
export type Model = Module | ((x: Tensor) => Tensor);

/** Target class: one index for every example, or one per example. */
export type Target = number | readonly number[];

/** Runs the model on x and checks that it returns logits [B, C]. */
export function forwardLogits(model: Model, x: Tensor, fname: string): Tensor {
  const y = typeof model === 'function' ? model(x) : model.call(x);
  if (y.rank !== 2 || y.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${fname}: the model must return logits [B, nClasses] for inputs of batch ${x.shape[0]}, got ${fmt(y.shape)}`);
  }
  return y;
}

/** Checks inputs: a live float32 tensor with a batch axis and at least one example. */
export function checkInputs(inputs: unknown, fname: string): Tensor {
  const x = checkFloat(inputs, 'inputs', fname);
  if (x.rank < 1 || x.shape[0] < 1) throw new ShapeError(`${fname}: inputs must be [B, ...] with B >= 1, got ${fmt(x.shape)}`);
  return x;
}

/** Target indices, one per example, validated against the number of classes. */
export function resolveTargets(target: Target | undefined, batch: number, nClasses: number, fname: string): number[] {
  if (target === undefined) throw new ValueError(`${fname}: options.target is required (a class index, or one per example)`);
  const list = typeof target === 'number' ? new Array<number>(batch).fill(target) : Array.from(target);
  if (list.length !== batch) throw new ShapeError(`${fname}: options.target lists ${list.length} classes for a batch of ${batch}`);
  list.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= nClasses) {
      throw new ValueError(`${fname}: options.target${typeof target === 'number' ? '' : `[${i}]`} = ${t} is out of range: the model has ${nClasses} classes (0..${nClasses - 1})`);
    }
  });
  return list;
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
 * gradient of the sum of target logits separates per example). Returns [gradient, logits].
 */
export function targetGradient(model: Model, x: Tensor, target: Target | undefined, fname: string): { grad: Tensor; logits: Tensor; targets: number[] } {
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
    const selected = sum(mul(logits, targetRows(logits, rowExample.map((b) => targets[b]))));
    const [grad] = tape.gradient(selected, [rows]);
    return { grad, targets };
  });
}

/**
 * Checks the length of a per-example target list before the model has run (an integer target is
 * left to resolveTargets, which also checks the class range once the logits are known).
 */
export function checkTargetCount(target: Target | undefined, batch: number, fname: string): void {
  if (target === undefined) throw new ValueError(`${fname}: options.target is required (a class index, or one per example)`);
  if (typeof target !== 'number' && (target === null || typeof target !== 'object' || typeof (target as { length?: unknown }).length !== 'number')) {
    throw new ValueError(`${fname}: options.target must be a class index or an array of them, got ${String(target)}`);
  }
  if (typeof target !== 'number' && target.length !== batch) throw new ShapeError(`${fname}: options.target lists ${target.length} classes for a batch of ${batch}`);
}

/** Checks that options is an object (a forgotten options argument gets a clear error). */
export function checkOptions<T>(options: T, fname: string): T {
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options must be an object with at least { target }, got ${String(options)}`);
  return options;
}
