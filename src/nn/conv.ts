/** Conv2d and Conv1d layers (torch.nn.Conv2d / Conv1d). */
import { parseOptions, withSnakeCase } from '../util/options.js';
import {
  conv1d,
  conv2d,
  conv2dBatchNorm,
  type Engine,
  fmt,
  fusedConv2d,
  pad,
  ShapeError,
  type Tensor,
  ValueError,
} from '../engine/index.js';
import type { BatchNorm2d } from './norm.js';
import { checkInt, defaultInit, fmtPair, seedOption, toPair, type Pair } from './init.js';
import { containerTidy } from './hooks.js';
import { Module } from './module.js';

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  /** Learnable bias (default true). */
  bias?: boolean;
  /** Seed of the default init (kaiming_uniform, a = √5); default: a process-wide counter. */
  seed?: number;
}

/** 'same' padding of one axis: [before, after] (PyTorch puts the odd element after). */
function samePad(k: number, d: number): [number, number] {
  const total = d * (k - 1);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * 2-D convolution over [N, C, H, W]: weight [outC, inC/groups, kh, kw], bias [outC].
 * `new Conv2d(engine, 1, 32, 3, { padding: 1 })`.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(engine: Engine, inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super(engine);
    const cls = 'Conv2d';
    options = parseOptions<Conv2dOptions>(options, withSnakeCase(['stride', 'padding', 'dilation', 'groups', 'bias', 'seed']), cls);
    this.inChannels = checkInt(inChannels, 'inChannels', cls);
    this.outChannels = checkInt(outChannels, 'outChannels', cls);
    this.kernelSize = toPair(kernelSize, 1, 'kernelSize', cls);
    this.stride = toPair(options.stride, 1, 'stride', cls);
    this.dilation = toPair(options.dilation, 1, 'dilation', cls);
    this.groups = checkInt(options.groups ?? 1, 'groups', cls);
    if (inChannels % this.groups || outChannels % this.groups)
      throw new ValueError(`${cls}: inChannels ${inChannels} and outChannels ${outChannels} must both divide by groups = ${this.groups}`);
    const p = options.padding;
    if (p === 'same') {
      if (this.stride[0] !== 1 || this.stride[1] !== 1)
        throw new ValueError(`${cls}: padding 'same' needs stride 1, got stride ${fmtPair(this.stride)}`);
      this.padding = 'same';
    } else {
      this.padding = p === 'valid' ? [0, 0] : toPair(p, 0, 'padding', cls, 0);
    }
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / this.groups) * kh * kw;
    const { weight, bias } = defaultInit(
      engine,
      [outChannels, inChannels / this.groups, kh, kw],
      fanIn,
      options.bias ?? true,
      seedOption(options.seed, cls),
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
    const common = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    return this.#padded(x, (input, padding) => conv2d(input, this.weight, this.bias, { ...common, padding }));
  }

  /**
   * This layer, then `bn` (an eval-mode BatchNorm2d, or null) and optionally a ReLU, as one fused
   * kernel (conv2dBatchNorm / fusedConv2d): what nn.Sequential runs for such a block. Equals
   * relu?(bn(forward(x))) up to float32 rounding; x [N, C, H, W] → [N, outChannels, Ho, Wo].
   */
  forwardFused(x: Tensor, bn: BatchNorm2d | null, relu: boolean): Tensor {
    const common = { stride: this.stride, dilation: this.dilation, groups: this.groups, relu };
    return this.#padded(x, (input, padding) => {
      const o = { ...common, padding };
      if (!bn) return fusedConv2d(input, this.weight, this.bias, o);
      const stats = { runningMean: bn.getBuffer('running_mean'), runningVar: bn.getBuffer('running_var') };
      return conv2dBatchNorm(input, this.weight, this.bias, { ...stats, weight: bn.weight, bias: bn.bias, eps: bn.eps }, o);
    });
  }

  /**
   * Checks x [N, C, H, W] and runs `conv(input, padding)` with this layer's padding: explicit, or
   * 'same' as symmetric padding where it can be, else an explicit pad of x and padding 0.
   */
  #padded(x: Tensor, conv: (input: Tensor, padding: [number, number]) => Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`Conv2d: expected input [N, C, H, W], got ${fmt(x.shape)}`);
    if (x.shape[1] !== this.inChannels)
      throw new ShapeError(`Conv2d: expected ${this.inChannels} input channels, got input ${fmt(x.shape)}`);
    if (this.padding !== 'same') return conv(x, this.padding);
    const ph = samePad(this.kernelSize[0], this.dilation[0]);
    const pw = samePad(this.kernelSize[1], this.dilation[1]);
    if (ph[0] === ph[1] && pw[0] === pw[1]) return conv(x, [ph[0], pw[0]]);
    return containerTidy(() => conv(pad(x, [[0, 0], [0, 0], ph, pw]), [0, 0]));
  }

  override extraRepr(): string {
    const pad = this.padding === 'same' ? "'same'" : fmtPair(this.padding);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${fmtPair(this.kernelSize)}, stride=${fmtPair(this.stride)}, padding=${pad}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${fmtPair(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

export interface Conv1dOptions {
  stride?: number;
  /** Zero padding per side, or 'valid' / 'same' (stride 1). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  seed?: number;
}

/** 1-D convolution over [N, C, L]: weight [outC, inC/groups, k], bias [outC]. */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same';
  readonly dilation: number;
  readonly groups: number;

  constructor(engine: Engine, inChannels: number, outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    super(engine);
    const cls = 'Conv1d';
    options = parseOptions<Conv1dOptions>(options, withSnakeCase(['stride', 'padding', 'dilation', 'groups', 'bias', 'seed']), cls);
    this.inChannels = checkInt(inChannels, 'inChannels', cls);
    this.outChannels = checkInt(outChannels, 'outChannels', cls);
    this.kernelSize = checkInt(kernelSize, 'kernelSize', cls);
    this.stride = checkInt(options.stride ?? 1, 'stride', cls);
    this.dilation = checkInt(options.dilation ?? 1, 'dilation', cls);
    this.groups = checkInt(options.groups ?? 1, 'groups', cls);
    if (inChannels % this.groups || outChannels % this.groups)
      throw new ValueError(`${cls}: inChannels ${inChannels} and outChannels ${outChannels} must both divide by groups = ${this.groups}`);
    const p = options.padding;
    if (p === 'same') {
      if (this.stride !== 1) throw new ValueError(`${cls}: padding 'same' needs stride 1, got stride ${this.stride}`);
      this.padding = 'same';
    } else {
      this.padding = p === 'valid' || p === undefined ? 0 : checkInt(p, 'padding', cls, 0);
    }
    const fanIn = (inChannels / this.groups) * this.kernelSize;
    const { weight, bias } = defaultInit(
      engine,
      [outChannels, inChannels / this.groups, this.kernelSize],
      fanIn,
      options.bias ?? true,
      seedOption(options.seed, cls),
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
    if (x.rank !== 3) throw new ShapeError(`Conv1d: expected input [N, C, L], got ${fmt(x.shape)}`);
    if (x.shape[1] !== this.inChannels)
      throw new ShapeError(`Conv1d: expected ${this.inChannels} input channels, got input ${fmt(x.shape)}`);
    const common = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.padding !== 'same') return conv1d(x, this.weight, this.bias, { ...common, padding: this.padding });
    const [a, b] = samePad(this.kernelSize, this.dilation);
    if (a === b) return conv1d(x, this.weight, this.bias, { ...common, padding: a });
    return containerTidy(() =>
      conv1d(
        pad(x, [
          [0, 0],
          [0, 0],
          [a, b],
        ]),
        this.weight,
        this.bias,
        common,
      ),
    );
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},), stride=(${this.stride},), padding=${this.padding === 'same' ? "'same'" : `(${this.padding},)`}`;
    if (this.dilation !== 1) s += `, dilation=(${this.dilation},)`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}
