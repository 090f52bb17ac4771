/** Linear layer (torch.nn.Linear). */
import { parseOptions } from '../util/options.js';
import { type Engine, fmt, linear, ShapeError, type Tensor } from '../engine/index.js';
import { checkInt, defaultInit, seedOption } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** Learnable bias (default true). */
  bias?: boolean;
  /** Seed of the default init (kaiming_uniform, a = √5); default: a process-wide counter. */
  seed?: number;
}

/** y = x W^T + b over the last axis: weight [outFeatures, inFeatures], bias [outFeatures]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(engine: Engine, inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super(engine);
    options = parseOptions<LinearOptions>(options, { bias: [], seed: [] }, 'Linear');
    this.inFeatures = checkInt(inFeatures, 'inFeatures', 'Linear');
    this.outFeatures = checkInt(outFeatures, 'outFeatures', 'Linear');
    const { weight, bias } = defaultInit(
      engine,
      [outFeatures, inFeatures],
      inFeatures,
      options.bias ?? true,
      seedOption(options.seed, 'Linear'),
    );
    this.registerParameter('weight', weight);
    this.registerParameter('bias', bias);
  }

  get weight(): Tensor {
    return this.getParameter('weight');
  }

  get bias(): Tensor | null {
    return this.param('bias');
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected input [..., ${this.inFeatures}], got ${fmt(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}
