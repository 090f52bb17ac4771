/**
 * Stochastic gradient descent with exactly torch.optim.SGD's update (maximize off):
 *
 *   g = grad + weightDecay * param
 *   momentum != 0:  buf = g (first step, a copy)  else  buf = momentum * buf + (1 - dampening) * g
 *                   g = nesterov ? g + momentum * buf : buf
 *   param = param - lr * g
 */
import { add, affine, clone, type Tensor, ValueError } from '../engine/index.js';
import { checkHyper, checkOptionKeys, Optimizer, type ParamSource } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch 2). */
  lr?: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as PyTorch). */
  nesterov?: boolean;
}

const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const;

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: ParamSource, options: SGDOptions = {}) {
    checkOptionKeys(options, KEYS, 'SGD');
    super(params, options.lr ?? 1e-3, 'SGD');
    this.momentum = checkHyper(options.momentum ?? 0, 'momentum', 'SGD');
    this.dampening = checkHyper(options.dampening ?? 0, 'dampening', 'SGD', -Infinity);
    this.weightDecay = checkHyper(options.weightDecay ?? 0, 'weightDecay', 'SGD');
    const nesterov = options.nesterov ?? false;
    if (typeof nesterov !== 'boolean') throw new ValueError(`SGD: nesterov must be a boolean, got ${String(nesterov)}`);
    if (nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ValueError(
        `SGD: nesterov momentum needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`,
      );
    }
    this.nesterov = nesterov;
  }

  protected update(param: Tensor, grad: Tensor, state: ReadonlyMap<string, Tensor>): { param: Tensor; state: Record<string, Tensor> } {
    let g = this.weightDecay !== 0 ? add(grad, affine(param, this.weightDecay, 0)) : grad;
    const out: Record<string, Tensor> = {};
    if (this.momentum !== 0) {
      const prev = state.get('momentumBuffer');
      const buf = prev ? add(affine(prev, this.momentum, 0), affine(g, 1 - this.dampening, 0)) : clone(g);
      out.momentumBuffer = buf;
      g = this.nesterov ? add(g, affine(buf, this.momentum, 0)) : buf;
    }
    return { param: add(param, affine(g, -this.lr, 0)), state: out };
  }
}
