/** BatchNorm2d (torch.nn.BatchNorm2d). */
import { parseOptions, withSnakeCase } from '../util/options.js';
import { affine, batchNorm, cast, type Engine, fmt, noGrad, ShapeError, type Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInt } from './init.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average (default 0.1); null = cumulative average. */
  momentum?: number | null;
  /** Learnable weight (ones) and bias (zeros); default true. */
  affine?: boolean;
  /** Keep running_mean / running_var / num_batches_tracked buffers (default true). */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation of [N, C, H, W] over N, H, W per channel. Train mode normalises with the
 * batch statistics and updates the running ones (running = (1 - m) running + m batch, unbiased
 * batch variance; num_batches_tracked += 1), replacing the buffers (old tensors are disposed);
 * eval mode uses the running statistics. Parameters weight/bias, buffers running_mean,
 * running_var, num_batches_tracked (int32), as PyTorch.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(engine: Engine, numFeatures: number, options: BatchNormOptions = {}) {
    super(engine);
    const cls = 'BatchNorm2d';
    options = parseOptions<BatchNormOptions>(options, withSnakeCase(['eps', 'momentum', 'affine', 'trackRunningStats']), cls);
    this.numFeatures = checkInt(numFeatures, 'numFeatures', cls);
    this.eps = options.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0) || !Number.isFinite(this.eps))
      throw new ValueError(`${cls}: eps must be a finite number >= 0, got ${String(options.eps)}`);
    const m = options.momentum === undefined ? 0.1 : options.momentum;
    if (m !== null && (typeof m !== 'number' || !(m >= 0 && m <= 1)))
      throw new ValueError(`${cls}: momentum must be in [0, 1] or null, got ${String(m)}`);
    this.momentum = m;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const c = this.numFeatures;
    this.registerParameter('weight', this.affine ? engine.ones([c]) : null);
    this.registerParameter('bias', this.affine ? engine.zeros([c]) : null);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', engine.zeros([c]));
      this.registerBuffer('running_var', engine.ones([c]));
      this.registerBuffer('num_batches_tracked', engine.tensor([0], [], 'int32'));
    }
  }

  get weight(): Tensor | null {
    return this.param('weight');
  }

  get bias(): Tensor | null {
    return this.param('bias');
  }

  /** num_batches_tracked when known on the host (always, unless loaded from a device tensor of unknown value). */
  get numBatchesTracked(): number | undefined {
    const t = this.getBuffer('num_batches_tracked');
    const r = t.intRange;
    return r && r[0] === r[1] ? r[0] : undefined;
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`BatchNorm2d: expected 4D input [N, C, H, W], got ${fmt(x.shape)}`);
    if (x.shape[1] !== this.numFeatures)
      throw new ShapeError(`BatchNorm2d: expected ${this.numFeatures} channels, got input ${fmt(x.shape)}`);
    const opts = { eps: this.eps };
    if (!this.trackRunningStats) {
      // Always batch statistics; the running ones computed by the op are discarded.
      const e = this.engine;
      const c = this.numFeatures;
      const zeros = e.zeros([c]);
      const ones = e.ones([c]);
      const r = batchNorm(x, zeros, ones, this.weight, this.bias, { ...opts, training: true, momentum: 0 });
      for (const t of [zeros, ones, r.runningMean, r.runningVar]) t?.dispose();
      return r.y;
    }
    const rm = this.getBuffer('running_mean');
    const rv = this.getBuffer('running_var');
    if (!this.training) return batchNorm(x, rm, rv, this.weight, this.bias, { ...opts, training: false }).y;
    const n = this.numBatchesTracked;
    let factor: number;
    if (this.momentum === null) {
      if (n === undefined)
        throw new ValueError(
          'BatchNorm2d: momentum null (cumulative average) needs num_batches_tracked known on the host; load it from host data (e.g. safetensors) or an engine.tensor',
        );
      factor = 1 / (n + 1);
    } else {
      factor = this.momentum;
    }
    const r = batchNorm(x, rm, rv, this.weight, this.bias, { ...opts, training: true, momentum: factor });
    const nbt = noGrad(() =>
      n !== undefined
        ? this.engine.tensor([n + 1], [], 'int32')
        : tidy(() => cast(affine(cast(this.getBuffer('num_batches_tracked'), 'float32'), 1, 1), 'int32')),
    );
    this.setBuffer('running_mean', r.runningMean!);
    this.setBuffer('running_var', r.runningVar!);
    this.setBuffer('num_batches_tracked', nbt);
    return r.y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum === null ? 'None' : this.momentum}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}
