/**
 * Adam (Kingma & Ba), with exactly torch.optim.Adam's update (single-tensor path, maximize off):
 *
 *   g = grad + weightDecay * param                      (L2 penalty added to the gradient)
 *   m = lerp(m, g, 1 - beta1)                           (m + (1 - beta1) * (g - m))
 *   v = beta2 * v + ((1 - beta2) * g) * g
 *   vmax = max(vmax, v)                                 (amsgrad only; then v := vmax below)
 *   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 *   param = param + ((-lr / (1 - beta1^t)) * m) / denom
 *
 * with t the parameter's step count (from 1), m, v (and vmax) starting at zero. The scalars
 * (bias corrections, step size) are computed on the host in float64, as PyTorch does; the tensor
 * arithmetic runs on the parameters' engine.
 */
import { add, affine, div, maximum, mul, sqrt, sub, type Tensor, ValueError } from '../engine/index.js';
import { checkHyper, checkOptionKeys, Optimizer, type ParamSource } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the bias-corrected denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0; this is Adam's, not AdamW's, weight decay). */
  weightDecay?: number;
  /** Use the maximum of past second moments (default false). */
  amsgrad?: boolean;
}

const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

/** m + w * (g - m), evaluated as torch.lerp does for a scalar weight. */
export function lerp(m: Tensor, g: Tensor, w: number): Tensor {
  return w < 0.5 ? add(m, affine(sub(g, m), w, 0)) : sub(g, affine(sub(g, m), 1 - w, 0));
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;

  constructor(params: ParamSource, options: AdamOptions = {}) {
    checkOptionKeys(options, KEYS, 'Adam');
    super(params, options.lr ?? 1e-3, 'Adam');
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2)
      throw new ValueError(`Adam: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
    this.beta1 = checkHyper(betas[0], 'betas[0]', 'Adam', 0, 1);
    this.beta2 = checkHyper(betas[1], 'betas[1]', 'Adam', 0, 1);
    this.eps = checkHyper(options.eps ?? 1e-8, 'eps', 'Adam');
    this.weightDecay = checkHyper(options.weightDecay ?? 0, 'weightDecay', 'Adam');
    const ams = options.amsgrad ?? false;
    if (typeof ams !== 'boolean') throw new ValueError(`Adam: amsgrad must be a boolean, got ${String(ams)}`);
    this.amsgrad = ams;
  }

  protected update(
    param: Tensor,
    grad: Tensor,
    state: ReadonlyMap<string, Tensor>,
    step: number,
  ): { param: Tensor; state: Record<string, Tensor> } {
    const e = param.engine;
    const g = this.weightDecay !== 0 ? add(grad, affine(param, this.weightDecay, 0)) : grad;
    const m0 = state.get('expAvg') ?? e.zeros(param.shape);
    const v0 = state.get('expAvgSq') ?? e.zeros(param.shape);
    const m = lerp(m0, g, 1 - this.beta1);
    const v = add(affine(v0, this.beta2, 0), mul(affine(g, 1 - this.beta2, 0), g));
    const out: Record<string, Tensor> = { expAvg: m, expAvgSq: v };
    let vUsed = v;
    if (this.amsgrad) {
      const vmax = maximum(state.get('maxExpAvgSq') ?? e.zeros(param.shape), v);
      out.maxExpAvgSq = vmax;
      vUsed = vmax;
    }
    const biasCorrection1 = 1 - this.beta1 ** step;
    const biasCorrection2 = 1 - this.beta2 ** step;
    const stepSize = this.lr / biasCorrection1;
    // (sqrt(v) / sqrt(bias_correction2)) + eps, in one affine kernel.
    const denom = affine(sqrt(vUsed), 1 / Math.sqrt(biasCorrection2), this.eps);
    return { param: add(param, div(affine(m, -stepSize, 0), denom)), state: out };
  }
}
