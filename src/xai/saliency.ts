/**
 * Saliency and Input × Gradient, as Captum's `Saliency` and `InputXGradient`: the gradient of
 * each example's target logit with respect to its input (absolute by default), and that gradient
 * times the input. The whole batch costs one forward and one backward pass.
 */
import { abs, mul, type Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInputs, checkOptions, targetGradient, type Model, type Target } from './common.js';

export interface SaliencyOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /** Return |gradient| (default true, as Captum); false gives the signed gradient. */
  abs?: boolean;
}

export interface InputXGradientOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
}

/**
 * Gradient of each example's target logit with respect to its input, shaped like the input.
 * `abs` (default true) takes its absolute value, as Captum's Saliency.
 */
export function saliency(model: Model, inputs: Tensor, options: SaliencyOptions): Tensor {
  const fname = 'saliency';
  const x = checkInputs(inputs, fname);
  const o = checkOptions(options, fname);
  const useAbs = o.abs ?? true;
  if (typeof useAbs !== 'boolean') throw new ValueError(`${fname}: options.abs must be a boolean, got ${String(o.abs)}`);
  return tidy(() => {
    const { grad } = targetGradient(model, x, o.target, fname);
    return useAbs ? abs(grad) : grad;
  });
}

/** Gradient × input (Captum's InputXGradient), shaped like the input. */
export function inputXGradient(model: Model, inputs: Tensor, options: InputXGradientOptions): Tensor {
  const fname = 'inputXGradient';
  const x = checkInputs(inputs, fname);
  const o = checkOptions(options, fname);
  return tidy(() => mul(targetGradient(model, x, o.target, fname).grad, x));
}
