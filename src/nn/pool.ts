/** Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (torch.nn semantics). */
import { parseOptions, withSnakeCase } from '../util/options.js';
import { adaptiveAvgPool2d, avgPool2d, type Engine, fmt, maxPool2d, ShapeError, type Tensor } from '../engine/index.js';
import { fmtPair, toPair, type Pair } from './init.js';
import { Module } from './module.js';

function check4d(cls: string, x: Tensor): void {
  if (x.rank !== 4) throw new ShapeError(`${cls}: expected input [N, C, H, W], got ${fmt(x.shape)}`);
}

export interface MaxPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

/** Max pooling; the gradient goes to the first maximum of each window (as PyTorch). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(engine: Engine, kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super(engine);
    const cls = 'MaxPool2d';
    options = parseOptions<MaxPool2dOptions>(options, withSnakeCase(['stride', 'padding', 'dilation', 'ceilMode']), cls);
    this.kernelSize = toPair(kernelSize, 1, 'kernelSize', cls);
    this.stride = options.stride === undefined ? this.kernelSize : toPair(options.stride, 1, 'stride', cls);
    this.padding = toPair(options.padding, 0, 'padding', cls, 0);
    this.dilation = toPair(options.dilation, 1, 'dilation', cls);
    this.ceilMode = !!options.ceilMode;
  }

  forward(x: Tensor): Tensor {
    check4d('MaxPool2d', x);
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernel_size=${fmtPair(this.kernelSize)}, stride=${fmtPair(this.stride)}, padding=${fmtPair(this.padding)}, dilation=${fmtPair(this.dilation)}, ceil_mode=${this.ceilMode ? 'True' : 'False'}`;
  }
}

export interface AvgPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Average pooling. */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(engine: Engine, kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super(engine);
    const cls = 'AvgPool2d';
    options = parseOptions<AvgPool2dOptions>(options, withSnakeCase(['stride', 'padding', 'ceilMode', 'countIncludePad']), cls);
    this.kernelSize = toPair(kernelSize, 1, 'kernelSize', cls);
    this.stride = options.stride === undefined ? this.kernelSize : toPair(options.stride, 1, 'stride', cls);
    this.padding = toPair(options.padding, 0, 'padding', cls, 0);
    this.ceilMode = !!options.ceilMode;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    check4d('AvgPool2d', x);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${fmtPair(this.kernelSize)}, stride=${fmtPair(this.stride)}, padding=${fmtPair(this.padding)}`;
  }
}

/** Adaptive average pooling to a fixed output size (1 = global average pooling). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(engine: Engine, outputSize: Pair) {
    super(engine);
    this.outputSize = toPair(outputSize, 1, 'outputSize', 'AdaptiveAvgPool2d');
  }

  forward(x: Tensor): Tensor {
    check4d('AdaptiveAvgPool2d', x);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${fmtPair(this.outputSize)}`;
  }
}
