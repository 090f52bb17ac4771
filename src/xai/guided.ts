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
import {
  beginCall,
  COMMON_SPEC,
  targetGradient,
  type AttributionFunction,
  type CommonOptions,
  type Model,
  type Target,
} from './shared/index.js';

export type GuidedOptions = CommonOptions;

/** Guided Backprop's ReLU rule: relu(g) where the ReLU's input was positive, 0 elsewhere. */
export const guidedReluRule: BackwardRule = ([g], [x], _outputs, needs) => [needs[0] ? mul(relu(g), greater(x, 0)) : null];

/** Deconvolution's ReLU rule: relu(g), whatever the ReLU's input was. */
export const deconvReluRule: BackwardRule = ([g], _inputs, _outputs, needs) => [needs[0] ? relu(g) : null];

/** The input gradient of the target logits (host targets) with the ReLUs' backward rule replaced by `rule`. */
export function modifiedReluGradient(model: Model, x: Tensor, target: Target, rule: BackwardRule, fname: string): Tensor {
  return tidy(() => withBackwardOverride({ relu: rule }, () => targetGradient(model, x, target, fname).grad));
}

async function modified(model: Model, inputs: Tensor, options: GuidedOptions, rule: BackwardRule, fname: string): Promise<Tensor> {
  const c = await beginCall(model, inputs, options, COMMON_SPEC, fname);
  const out = modifiedReluGradient(c.model, c.x, c.target, rule, fname);
  c.onProgress?.({ done: 1, total: 1, stage: fname });
  return out;
}

/** Guided Backprop attributions (Captum's GuidedBackprop), shaped like the input [B, ...]. */
export async function guidedBackprop(model: Model, inputs: Tensor, options: GuidedOptions): Promise<Tensor> {
  return modified(model, inputs, options, guidedReluRule, 'guidedBackprop');
}
guidedBackprop satisfies AttributionFunction<GuidedOptions>;

/** Deconvolution attributions (Captum's Deconvolution), shaped like the input [B, ...]. */
export async function deconvolution(model: Model, inputs: Tensor, options: GuidedOptions): Promise<Tensor> {
  return modified(model, inputs, options, deconvReluRule, 'deconvolution');
}
deconvolution satisfies AttributionFunction<GuidedOptions>;
