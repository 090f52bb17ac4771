/**
 * Saliency and Input × Gradient, as Captum's `Saliency` and `InputXGradient`: the gradient of
 * each example's target logit with respect to its input (absolute by default), and that gradient
 * times the input. The whole batch costs one forward and one backward pass.
 */
import { abs, mul, type Tensor, tidy } from '../engine/index.js';
import {
  beginCall,
  checkBoolean,
  COMMON_SPEC,
  targetGradient,
  type AttributionFunction,
  type CommonOptions,
  type Model,
} from './shared/index.js';
import { precompileChunk } from './shared/precompile.js';

export interface SaliencyOptions extends CommonOptions {
  /** Return |gradient| (default true, as Captum). false gives the signed gradient. */
  abs?: boolean;
}

export type InputXGradientOptions = CommonOptions;

const SALIENCY_SPEC = { ...COMMON_SPEC, abs: [] } as const;

/**
 * Gradient of each example's target logit with respect to its input, shaped like the input
 * [B, ...] (units: logit per input unit). `abs` (default true) takes its absolute value, as
 * Captum's Saliency. One pass: `onProgress` is called once at the end.
 */
export async function saliency(model: Model, inputs: Tensor, options: SaliencyOptions): Promise<Tensor> {
  const fname = 'saliency';
  const c = await beginCall(model, inputs, options, SALIENCY_SPEC, fname);
  const useAbs = checkBoolean(c.o.abs, 'options.abs', fname, true);
  const run = () => {
    const { grad } = targetGradient(c.model, c.x, c.target, fname);
    return useAbs ? abs(grad) : grad;
  };
  await precompileChunk(c.x.engine, c.model, run);
  const out = tidy(run);
  c.onProgress?.({ done: 1, total: 1, stage: fname });
  return out;
}
saliency satisfies AttributionFunction<SaliencyOptions>;

/** Gradient × input (Captum's InputXGradient), shaped like the input [B, ...] (units: logit). */
export async function inputXGradient(model: Model, inputs: Tensor, options: InputXGradientOptions): Promise<Tensor> {
  const fname = 'inputXGradient';
  const c = await beginCall(model, inputs, options, COMMON_SPEC, fname);
  const out = tidy(() => mul(targetGradient(c.model, c.x, c.target, fname).grad, c.x));
  c.onProgress?.({ done: 1, total: 1, stage: fname });
  return out;
}
inputXGradient satisfies AttributionFunction<InputXGradientOptions>;
