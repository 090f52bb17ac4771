/**
 * Guided Backpropagation and Deconvolution, as Captum's `GuidedBackprop` and `Deconvolution`:
 * the input gradient of the target logit with the backward rule of every ReLU replaced.
 *
 * - Guided Backprop: a ReLU passes back relu(its usual input gradient) = relu(g) · (x > 0), where
 *   g is the gradient arriving at its output and x its input (Captum's hook returns
 *   relu(grad_input)).
 * - Deconvolution: a ReLU passes back relu(g), ignoring its input (Captum's hook returns
 *   relu(grad_output)).
 *
 * The replacement is keyed by the op name 'relu' (withBackwardOverride), so it applies to every
 * relu op the forward pass records: nn.ReLU modules (all the ReLUs of the ready-made models, which
 * call the op) and also functional `relu(...)` calls in a function model or a front end. Captum
 * only hooks nn.ReLU modules, so a model that calls torch.relu functionally is explained with the
 * plain ReLU gradient there; write such a model with relu ops only where the override is wanted.
 * Other non-linearities (max-pool, sigmoid, clamp, maximum) keep their usual gradients, as in
 * Captum.
 */
import { type BackwardRule, greater, mul, relu, type Tensor, tidy, withBackwardOverride } from '../engine/index.js';
import { checkInputs, checkOptions, targetGradient, type Model, type Target } from './common.js';

export interface GuidedOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
}

/** Guided Backprop's ReLU rule: relu(g) where the ReLU's input was positive, 0 elsewhere. */
export const guidedReluRule: BackwardRule = ([g], [x], _outputs, needs) => [needs[0] ? mul(relu(g), greater(x, 0)) : null];

/** Deconvolution's ReLU rule: relu(g), whatever the ReLU's input was. */
export const deconvReluRule: BackwardRule = ([g], _inputs, _outputs, needs) => [needs[0] ? relu(g) : null];

/** The input gradient of the target logits with the ReLUs' backward rule replaced by `rule`. */
export function modifiedReluGradient(model: Model, x: Tensor, target: Target | undefined, rule: BackwardRule, fname: string): Tensor {
  return tidy(() => withBackwardOverride({ relu: rule }, () => targetGradient(model, x, target, fname).grad));
}

/** Guided Backprop attributions (Captum's GuidedBackprop), shaped like the input. */
export function guidedBackprop(model: Model, inputs: Tensor, options: GuidedOptions): Tensor {
  const fname = 'guidedBackprop';
  const x = checkInputs(inputs, fname);
  return modifiedReluGradient(model, x, checkOptions(options, fname).target, guidedReluRule, fname);
}

/** Deconvolution attributions (Captum's Deconvolution), shaped like the input. */
export function deconvolution(model: Model, inputs: Tensor, options: GuidedOptions): Tensor {
  const fname = 'deconvolution';
  const x = checkInputs(inputs, fname);
  return modifiedReluGradient(model, x, checkOptions(options, fname).target, deconvReluRule, fname);
}
