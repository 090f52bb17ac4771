/**
 * Fused layer ops: a convolution with its per-channel epilogue (bias, an eval-mode BatchNorm
 * folded into an affine map, ReLU) computed by one kernel (Backend.fusedConv2d: the conv kernel
 * applies the epilogue before its store), so a Conv2d → BatchNorm2d → ReLU block reads and writes
 * its output once instead of three times. nn.Sequential picks these automatically (src/nn/fusion.ts).
 */
import { backendOf } from '../backendOf.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { checkFloat, checkNumber, engineOf, record, wrap } from './core.js';
import { affine, mul, neg, reciprocal, sqrt, sub } from './elementwise.js';
import { conv2dGeometry, type Conv2dOptions } from './layers.js';

export interface FusedConv2dOptions extends Conv2dOptions {
  /** Per-output-channel factor [O] applied to conv + bias (default: 1). */
  scale?: Tensor | null;
  /** Per-output-channel offset [O] added after the scale (default: 0). */
  shift?: Tensor | null;
  /** Clamp the result at 0 (default false). */
  relu?: boolean;
}

const FUSED_KEYS = new Set(['stride', 'padding', 'dilation', 'groups', 'scale', 'shift', 'relu']);

/**
 * conv2d followed by a per-output-channel affine map and an optional ReLU, in one kernel:
 *   y[n, o, i, j] = relu?(scale[o] * (conv2d(x, weight)[n, o, i, j] + bias[o]) + shift[o])
 * x [N, C, H, W], weight [O, C/groups, kh, kw], bias / scale / shift [O] or null → [N, O, Ho, Wo]
 * (conv2d's geometry options). Differentiable in x, weight, bias, scale and shift.
 *
 * Backward (src/engine/grads/layers_grad.ts), from g = dL/dy: the ReLU mask comes from the output (g' = g where y > 0; an active
 * `withBackwardOverride({ relu })` rule is applied instead, on the recomputed pre-activation), then
 * gz = scale * g' feeds conv2d's two backward kernels; d shift = Σ g', d bias = scale · Σ g', and
 * d scale = Σ g' · z with z = conv + bias, which the rule recomputes with one conv forward, only
 * when scale's gradient is requested (saving z would cost an extra write in every forward, and
 * deriving it from y as (y - shift) / scale breaks where scale is 0).
 */
export function fusedConv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: FusedConv2dOptions = {}): Tensor {
  const fname = 'fusedConv2d';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!FUSED_KEYS.has(k)) throw new ValueError(`${fname}: unknown option '${k}' (known: ${[...FUSED_KEYS].join(', ')})`);
  }
  const { p, outShape } = conv2dGeometry(fname, x, weight, bias, options);
  const o = outShape[1];
  const scale = options.scale ?? null;
  const shift = options.shift ?? null;
  for (const [t, name] of [
    [scale, 'scale'],
    [shift, 'shift'],
  ] as const) {
    if (!t) continue;
    checkFloat(t, name, fname);
    if (t.rank !== 1 || t.shape[0] !== o) throw new ShapeError(`${fname}: ${name} must be [${o}], got ${fmt(t.shape)}`);
  }
  const relu = options.relu ?? false;
  if (typeof relu !== 'boolean') throw new ValueError(`${fname}: relu must be a boolean, got ${String(relu)}`);
  const e = engineOf(fname, x, weight, bias, scale, shift);
  const be = backendOf(e);
  const y = wrap(e, be.fusedConv2d(x, weight, bias, { scale, shift, relu }, p), outShape);

  // Inputs in order x, weight, then those present of bias, scale, shift (rule: grads/layers_grad.ts).
  const inputs: Tensor[] = [x, weight];
  const at = (t: Tensor | null) => (t ? inputs.push(t) - 1 : -1);
  const biasIndex = at(bias);
  const scaleIndex = at(scale);
  const shiftIndex = at(shift);
  return record(fname, inputs, y, { params: p, relu, biasIndex, scaleIndex, shiftIndex });
}

/** An eval-mode batch norm's parameters and statistics (each [O]; weight / bias may be null). */
export interface FoldedBatchNorm {
  runningMean: Tensor;
  runningVar: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  /** Default 1e-5 (PyTorch's). */
  eps?: number;
}

/**
 * conv2d → eval-mode batchNorm → optional ReLU as one fused kernel: the batch norm is folded into
 * fusedConv2d's epilogue, scale = weight / sqrt(runningVar + eps), shift = bias - runningMean ·
 * scale (computed on [O] vectors, so gradients reach the batch norm's weight and bias through
 * them). Equals `relu?(batchNorm(conv2d(x, weight, bias, options), …, { training: false }).y)`
 * up to float32 rounding. x [N, C, H, W] → [N, O, Ho, Wo].
 */
export function conv2dBatchNorm(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  bn: FoldedBatchNorm,
  options: Conv2dOptions & { relu?: boolean } = {},
): Tensor {
  const fname = 'conv2dBatchNorm';
  if (bn === null || typeof bn !== 'object') throw new ValueError(`${fname}: bn must be { runningMean, runningVar, weight, bias, eps? }`);
  const eps = checkNumber(bn.eps ?? 1e-5, 'bn.eps', fname);
  checkFloat(weight, 'weight', fname);
  const o = weight.shape[0];
  for (const [t, name] of [
    [bn.runningMean, 'runningMean'],
    [bn.runningVar, 'runningVar'],
    [bn.weight, 'weight'],
    [bn.bias, 'bias'],
  ] as const) {
    if (!t && (name === 'runningMean' || name === 'runningVar')) throw new ValueError(`${fname}: bn.${name} is required`);
    if (!t) continue;
    checkFloat(t, `bn.${name}`, fname);
    if (t.rank !== 1 || t.shape[0] !== o) throw new ShapeError(`${fname}: bn.${name} must be [${o}], got ${fmt(t.shape)}`);
  }
  const { relu, ...conv } = options;
  return tidy(() => {
    const invStd = reciprocal(sqrt(affine(bn.runningVar, 1, eps)));
    const scale = bn.weight ? mul(bn.weight, invStd) : invStd;
    const shift = bn.bias ? sub(bn.bias, mul(bn.runningMean, scale)) : neg(mul(bn.runningMean, scale));
    return fusedConv2d(x, weight, bias, { ...conv, scale, shift, relu: relu ?? false });
  });
}
