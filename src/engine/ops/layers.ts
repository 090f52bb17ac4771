/**
 * Layer ops with PyTorch's functional semantics (torch.nn.functional): conv2d, conv1d, pooling,
 * batch norm, dropout, linear, upsampling. Convolution and pooling run as backend kernels with
 * their own backward kernels; batch norm is one per-channel affine kernel (channelAffine, see
 * ./channel.ts) over statistics computed on [C] vectors; dropout is composed from differentiable ops.
 */
import { backendOf } from '../backendOf.js';
import type { Conv2dParams, Pool2dParams, UpsampleMode } from '../backend.js';
import { ShapeError, ValueError } from '../errors.js';
import { conv2dOutHW, pool2dOutHW } from '../nnShapes.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isRecording, noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import { checkFloat, engineOf, record, wrap } from './core.js';
import { add, affine, mul, neg, reciprocal, sub, sqrt, square, greaterEqual } from './elementwise.js';
import { channelAffine } from './channel.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, slice } from './shape_ops.js';
import { checkEngineOptions } from '../options.js';

/** conv2d / conv1d option keys (unknown ones are refused, naming the nearest). */
const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

type Pair = number | readonly [number, number];

function pair(v: Pair | undefined, dflt: number, arg: string, fname: string, min = 1): [number, number] {
  const p: readonly number[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) && typeof v !== 'number' && v !== undefined) throw new ValueError(`${fname}: ${arg} must be a number or [h, w]`);
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ValueError(`${fname}: ${arg} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * Checks conv2d's arguments (naming them for `fname`) and returns the kernel geometry and the
 * output shape [N, O, Ho, Wo]. Shared by conv2d and fusedConv2d (./fused.ts).
 */
export function conv2dGeometry(
  fname: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
): { p: Conv2dParams; outShape: [number, number, number, number] } {
  checkFloat(x, 'x', fname);
  checkFloat(weight, 'weight', fname);
  if (bias) checkFloat(bias, 'bias', fname);
  engineOf(fname, x, weight, bias);
  if (x.rank !== 4) throw new ShapeError(`${fname}: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`${fname}: weight must be [O, C/groups, kh, kw], got ${fmt(weight.shape)}`);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${fname}: groups must be a positive integer, got ${groups}`);
  const p: Conv2dParams = {
    stride: pair(options.stride, 1, 'stride', fname),
    padding: pair(options.padding, 0, 'padding', fname, 0),
    dilation: pair(options.dilation, 1, 'dilation', fname),
    groups,
  };
  const [n, c, h, w] = x.shape;
  const [o, cg, kh, kw] = weight.shape;
  if (c % groups !== 0 || o % groups !== 0)
    throw new ShapeError(`${fname}: channels ${c} (x) and ${o} (weight) must both divide by groups = ${groups}`);
  if (cg !== c / groups)
    throw new ShapeError(`${fname}: weight ${fmt(weight.shape)} expects ${cg * groups} input channels, x ${fmt(x.shape)} has ${c}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) throw new ShapeError(`${fname}: bias must be [${o}], got ${fmt(bias.shape)}`);
  const [ho, wo] = conv2dOutHW(h, w, kh, kw, p);
  if (ho < 1 || wo < 1)
    throw new ShapeError(`${fname}: input ${h}x${w} is too small for kernel ${kh}x${kw} with the given padding/dilation`);
  return { p, outShape: [n, o, ho, wo] };
}

/**
 * 2-D convolution (cross-correlation, as PyTorch): x [N, C, H, W], weight [O, C/groups, kh, kw],
 * bias [O] (optional) → [N, O, Ho, Wo] with Ho = floor((H + 2p - d(kh-1) - 1)/s) + 1.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const fname = 'conv2d';
  checkEngineOptions(options, CONV_KEYS, fname);
  const { p, outShape } = conv2dGeometry(fname, x, weight, bias, options);
  const e = x.engine;
  const y = wrap(e, backendOf(e).conv2d(x, weight, bias, p), outShape);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(fname, inputs, y, { params: p });
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** 1-D convolution: x [N, C, L], weight [O, C/groups, k], bias [O] → [N, O, Lo]. Runs as a conv2d of height 1. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  checkFloat(x, 'x', 'conv1d');
  checkFloat(weight, 'weight', 'conv1d');
  checkEngineOptions(options, CONV_KEYS, 'conv1d');
  if (x.rank !== 3) throw new ShapeError(`conv1d: x must be [N, C, L], got ${fmt(x.shape)}`);
  if (weight.rank !== 3) throw new ShapeError(`conv1d: weight must be [O, C/groups, k], got ${fmt(weight.shape)}`);
  return tidy(() => {
    const y = conv2d(
      reshape(x, [x.shape[0], x.shape[1], 1, x.shape[2]]),
      reshape(weight, [weight.shape[0], weight.shape[1], 1, weight.shape[2]]),
      bias,
      {
        stride: [1, options.stride ?? 1],
        padding: [0, options.padding ?? 0],
        dilation: [1, options.dilation ?? 1],
        groups: options.groups,
      },
    );
    return reshape(y, [y.shape[0], y.shape[1], y.shape[3]]);
  });
}

export interface Pool2dOptions {
  /** Defaults to the kernel size (as PyTorch). */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  /** avgPool2d only (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function poolParams(fname: string, x: Tensor, kernel: Pair, o: Pool2dOptions): Pool2dParams {
  checkFloat(x, 'x', fname);
  checkEngineOptions(o, ['stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad'], fname);
  if (x.rank !== 4) throw new ShapeError(`${fname}: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  const k = pair(kernel, 1, 'kernel', fname);
  const p: Pool2dParams = {
    kernel: k,
    stride: o.stride === undefined ? k : pair(o.stride, 1, 'stride', fname),
    padding: pair(o.padding, 0, 'padding', fname, 0),
    dilation: pair(o.dilation, 1, 'dilation', fname),
    ceilMode: !!o.ceilMode,
    countIncludePad: o.countIncludePad ?? true,
  };
  if (p.padding[0] * 2 > k[0] || p.padding[1] * 2 > k[1])
    throw new ValueError(`${fname}: padding ${fmt(p.padding)} must be at most half the kernel ${fmt(k)}`);
  const [ho, wo] = pool2dOutHW(x.shape[2], x.shape[3], p);
  if (ho < 1 || wo < 1) throw new ShapeError(`${fname}: input ${x.shape[2]}x${x.shape[3]} is smaller than the pooling window ${fmt(k)}`);
  return p;
}

/** Max pooling over [N, C, H, W]; the gradient goes to the first maximum of each window (as PyTorch). */
export function maxPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  const p = poolParams('maxPool2d', x, kernel, options);
  const e = x.engine;
  const [ho, wo] = pool2dOutHW(x.shape[2], x.shape[3], p);
  const outShape = [x.shape[0], x.shape[1], ho, wo];
  const [vs, is] = backendOf(e).maxPool2d(x, p);
  const y = wrap(e, vs, outShape);
  const argmax = wrap(e, is, outShape, 'int32');
  if (!isRecording()) {
    // The argmax only serves the backward pass.
    argmax.dispose();
    return y;
  }
  // Owned by the tape's scope, which disposes it with the other intermediates.
  return record('maxPool2d', [x, argmax], y, { params: p });
}

/** Average pooling over [N, C, H, W] (zero padding; countIncludePad as PyTorch). */
export function avgPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  const p = poolParams('avgPool2d', x, kernel, options);
  const e = x.engine;
  const [ho, wo] = pool2dOutHW(x.shape[2], x.shape[3], p);
  const y = wrap(e, backendOf(e).avgPool2d(x, p), [x.shape[0], x.shape[1], ho, wo]);
  return record('avgPool2d', [x], y, { params: p });
}

/** Adaptive average pooling of [N, C, H, W] to [N, C, outH, outW] (PyTorch's window rule). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  checkFloat(x, 'x', 'adaptiveAvgPool2d');
  if (x.rank !== 4) throw new ShapeError(`adaptiveAvgPool2d: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  const [oh, ow] = pair(outputSize, 1, 'outputSize', 'adaptiveAvgPool2d');
  const e = x.engine;
  const y = wrap(e, backendOf(e).adaptiveAvgPool2d(x, oh, ow), [x.shape[0], x.shape[1], oh, ow]);
  return record('adaptiveAvgPool2d', [x], y);
}

export interface UpsampleOptions {
  /** Output [H, W]; or give scaleFactor. */
  size?: readonly [number, number];
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default) or 'bilinear'. */
  mode?: UpsampleMode;
  /** bilinear only (default false, as PyTorch). */
  alignCorners?: boolean;
}

/** Resizes [N, C, H, W] maps like F.interpolate (nearest, or bilinear with alignCorners). Grad-CAM maps a layer onto the input with it. */
export function upsample2d(x: Tensor, options: UpsampleOptions): Tensor {
  const fname = 'upsample2d';
  checkFloat(x, 'x', fname);
  options = checkEngineOptions(options, ['size', 'scaleFactor', 'mode', 'alignCorners'], fname) as UpsampleOptions;
  if (x.rank !== 4) throw new ShapeError(`${fname}: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new ValueError(`${fname}: mode must be 'nearest' or 'bilinear', got ${String(mode)}`);
  let oh: number;
  let ow: number;
  if (options.size) {
    [oh, ow] = pair(options.size, 1, 'size', fname);
  } else if (options.scaleFactor !== undefined) {
    const sf = typeof options.scaleFactor === 'number' ? [options.scaleFactor, options.scaleFactor] : options.scaleFactor;
    if (!sf.every((v) => Number.isFinite(v) && v > 0))
      throw new ValueError(`${fname}: scaleFactor must be positive, got ${JSON.stringify(options.scaleFactor)}`);
    oh = Math.floor(x.shape[2] * sf[0]);
    ow = Math.floor(x.shape[3] * sf[1]);
  } else {
    throw new ValueError(`${fname}: give options.size or options.scaleFactor`);
  }
  const align = mode === 'bilinear' && !!options.alignCorners;
  const e = x.engine;
  const y = wrap(e, backendOf(e).upsample2d(x, oh, ow, mode, align), [x.shape[0], x.shape[1], oh, ow]);
  return record(fname, [x], y, { mode, alignCorners: align });
}

/** x @ weight^T + bias, with weight [out, in] as PyTorch's Linear; x [..., in]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkFloat(x, 'x', 'linear');
  checkFloat(weight, 'weight', 'linear');
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
  if (x.shape[x.rank - 1] !== weight.shape[1])
    throw new ShapeError(
      `linear: x ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features, weight ${fmt(weight.shape)} expects ${weight.shape[1]}`,
    );
  if (bias) {
    checkFloat(bias, 'bias', 'linear');
    if (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])
      throw new ShapeError(`linear: bias must be [${weight.shape[0]}], got ${fmt(bias.shape)}`);
  }
  if (!bias) return matmul(x, weight, { transB: true });
  return tidy(() => add(matmul(x, weight, { transB: true }), bias));
}

export interface BatchNormOptions {
  /** Use batch statistics (training) or the running ones (eval). */
  training: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation of [N, C, H, W] (or [N, C]) over all axes but C. In training it normalises
 * with the batch mean and biased variance and returns the updated running statistics
 * (running = (1 - momentum) * running + momentum * batch, with the unbiased batch variance, as
 * PyTorch); the caller stores them. In eval it uses runningMean / runningVar.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions,
): { y: Tensor; runningMean?: Tensor; runningVar?: Tensor } {
  const fname = 'batchNorm';
  checkFloat(x, 'x', fname);
  if (x.rank < 2) throw new ShapeError(`${fname}: x must be [N, C, ...], got ${fmt(x.shape)}`);
  const c = x.shape[1];
  for (const [t, name] of [
    [runningMean, 'runningMean'],
    [runningVar, 'runningVar'],
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (!t) continue;
    checkFloat(t, name, fname);
    if (t.rank !== 1 || t.shape[0] !== c) throw new ShapeError(`${fname}: ${name} must be [${c}], got ${fmt(t.shape)}`);
  }
  return tidy(() => batchNormBody(x, runningMean, runningVar, weight, bias, options));
}

function batchNormBody(
  x: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions,
): { y: Tensor; runningMean?: Tensor; runningVar?: Tensor } {
  const fname = 'batchNorm';
  const c = x.shape[1];
  const eps = options.eps ?? 1e-5;
  const momentum = options.momentum ?? 0.1;
  // Both modes end in one per-channel affine map y = x * scale + shift, with (on [C] vectors)
  // scale = weight / sqrt(var + eps) and shift = bias - mean * scale; in training mean and var
  // are the batch statistics, differentiable functions of x.
  if (options.training) {
    const count = x.size / c;
    if (count < 2) throw new ShapeError(`${fname}: training needs more than one value per channel, got x ${fmt(x.shape)}`);
    return batchNormTrain(x, runningMean, runningVar, weight, bias, eps, momentum);
  }
  const invStd = reciprocal(sqrt(affine(runningVar, 1, eps)));
  const scale = weight ? mul(weight, invStd) : invStd;
  const shift = bias ? sub(bias, mul(runningMean, scale)) : neg(mul(runningMean, scale));
  return { y: channelAffine(x, scale, shift, 1) };
}

/** @internal [m0, m1] of Backend.channelMoments as two [C] tensors (no tape); batch norm's forward and backward. */
export function channelMoments(a: Tensor, b: Tensor | null, shiftA: Tensor, shiftB: Tensor, c: number): [Tensor, Tensor] {
  const e = a.engine;
  const inner = a.size / (a.shape[0] * c);
  const m = wrap(e, backendOf(e).channelMoments(a, b, shiftA, shiftB, c, inner), [2 * c]);
  const r: [Tensor, Tensor] = [slice(m, [0], [c]), slice(m, [c], [c])];
  m.dispose();
  return r;
}

/**
 * Batch norm with batch statistics as one recorded op with an analytic backward, so that a
 * training step costs a few full-size passes instead of the dozen a composition of elementwise
 * ops, broadcasts and reductions takes (measured on lavapipe: the composed form made the genre
 * CNN's training step ~8x its forward). The rule is in src/engine/grads/layers_grad.ts. Forward: mean from one moments pass, the centred (two-pass)
 * biased variance from a second, then one channelAffine. Backward, with xhat = (x - mean) * invStd,
 * from one moments pass over (g, x) giving sum g and sum g * (x - mean):
 *   d bias = sum g,  d weight = invStd * sum g (x - mean),
 *   dx = A g + B x + C per channel, A = weight * invStd, B = -A * invStd * dweight / n,
 *   C = -A * dbias / n - B * mean (one channelAffine2 pass).
 */
function batchNormTrain(
  x: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  momentum: number,
): { y: Tensor; runningMean: Tensor; runningVar: Tensor } {
  const e = x.engine;
  const c = x.shape[1];
  const inner = x.size / (x.shape[0] * c);
  const count = x.size / c;
  const stats = noGrad(() => {
    const zeros = e.zeros([c]);
    const [s] = channelMoments(x, null, zeros, zeros, c);
    const mu = affine(s, 1 / count, 0);
    const [, ss] = channelMoments(x, null, mu, mu, c);
    const varB = affine(ss, 1 / count, 0);
    const invStd = reciprocal(sqrt(affine(varB, 1, eps)));
    const scale = weight ? mul(weight, invStd) : invStd;
    const shift = bias ? sub(bias, mul(mu, scale)) : neg(mul(mu, scale));
    // Running statistics are state, not part of the differentiated function (unbiased variance, as PyTorch).
    const runningMeanNew = add(affine(runningMean, 1 - momentum, 0), affine(mu, momentum, 0));
    const runningVarNew = add(affine(runningVar, 1 - momentum, 0), affine(varB, (momentum * count) / (count - 1), 0));
    return { mu, invStd, scale, shift, runningMeanNew, runningVarNew };
  });
  const y = wrap(e, backendOf(e).channelAffine(x, stats.scale, stats.shift, c, inner), x.shape);
  // mu and invStd ride along as inputs (no gradient) so that the tape keeps them alive.
  const inputs = [x, stats.mu, stats.invStd, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const weightIndex = weight ? 3 : -1;
  const biasIndex = bias ? (weight ? 4 : 3) : -1;
  record('batchNorm', inputs, y, { weightIndex, biasIndex });
  return { y, runningMean: stats.runningMeanNew, runningVar: stats.runningVarNew };
}

export interface DropoutOptions {
  /** Probability of zeroing an element. */
  p?: number;
  training: boolean;
  seed: number;
}

/** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p); identity in eval. */
export function dropout(x: Tensor, options: DropoutOptions): Tensor {
  checkFloat(x, 'x', 'dropout');
  const p = options.p ?? 0.5;
  if (!(p >= 0 && p < 1)) throw new ValueError(`dropout: p must be in [0, 1), got ${p}`);
  if (!options.training || p === 0) return affine(x, 1, 0);
  return tidy(() => {
    const u = x.engine.rand(x.shape, { seed: options.seed });
    return mul(x, affine(greaterEqual(u, p), 1 / (1 - p), 0));
  });
}
