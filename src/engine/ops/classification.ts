/**
 * Classification ops: softmax, log-softmax and cross-entropy, composed from differentiable ops
 * (named for what they compute, not after src/nn, whose layers they are not). The max subtracted
 * for stability is taken off the tape: softmax is shift-invariant, so the gradient is unchanged
 * and the backward pass skips the max reduction.
 */
import { noGrad } from '../autograd.js';
import { ShapeError, ValueError } from '../errors.js';
import { tidy } from '../scope.js';
import { fmt, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat, checkTensor, engineOf } from './core.js';
import { div, exp, log, mul, neg, sub } from './elementwise.js';
import { max, mean, sum } from './reduce.js';
import { oneHot } from './shape_ops.js';
import { checkEngineOptions } from '../options.js';

function shifted(x: Tensor, axis: number): Tensor {
  return sub(
    x,
    noGrad(() => max(x, axis, true)),
  );
}

/** exp(x) / sum(exp(x)) along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkFloat(x, 'x', 'softmax');
  if (x.rank === 0) throw new ShapeError(`softmax: x must have at least one axis, got a scalar`);
  const ax = normAxis(axis, x.rank, 'softmax: axis');
  return tidy(() => {
    const e = exp(shifted(x, ax));
    return div(e, sum(e, ax, true));
  });
}

/** x - log(sum(exp(x))) along `axis` (default last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkFloat(x, 'x', 'logSoftmax');
  if (x.rank === 0) throw new ShapeError(`logSoftmax: x must have at least one axis, got a scalar`);
  const ax = normAxis(axis, x.rank, 'logSoftmax: axis');
  return tidy(() => {
    const z = shifted(x, ax);
    return sub(z, log(sum(exp(z), ax, true)));
  });
}

export interface CrossEntropyOptions {
  /** 'mean' (default) over examples, 'sum', or 'none' (one loss per example). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of logits [N, C] against int32 class indices [N] (as torch.nn.functional.cross_entropy)
 * or against float32 class probabilities [N, C].
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkFloat(logits, 'logits', 'crossEntropy');
  checkTensor(targets, 'targets', 'crossEntropy');
  engineOf('crossEntropy', logits, targets);
  checkEngineOptions(options, ['reduction'], 'crossEntropy');
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction))
    throw new ValueError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be [N, C], got ${fmt(logits.shape)}`);
  const [n, c] = logits.shape;
  return tidy(() => {
    let probs: Tensor;
    if (targets.dtype === 'int32') {
      if (targets.rank !== 1 || targets.shape[0] !== n)
        throw new ShapeError(`crossEntropy: int32 targets must be [${n}] (one class per row of logits), got ${fmt(targets.shape)}`);
      const r = targets.intRange;
      if (r && n > 0 && (r[0] < 0 || r[1] >= c))
        throw new ValueError(`crossEntropy: targets must be class indices in [0, ${c - 1}], got values in [${r[0]}, ${r[1]}]`);
      probs = oneHot(targets, c);
    } else {
      if (targets.rank !== 2 || targets.shape[0] !== n || targets.shape[1] !== c)
        throw new ShapeError(`crossEntropy: float targets must be probabilities [${n}, ${c}], got ${fmt(targets.shape)}`);
      probs = targets;
    }
    const perExample = neg(sum(mul(probs, logSoftmax(logits, 1)), 1));
    if (reduction === 'none') return perExample;
    return reduction === 'sum' ? sum(perExample) : mean(perExample);
  });
}
