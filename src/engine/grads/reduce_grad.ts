/** Backward rules of the reductions (src/engine/ops/reduce.ts). */
import { div, equal, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { broadcastTo, reshape } from '../ops/shape_ops.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GradTable } from './types.js';

/** Gradient of max/min: split equally among the positions that attain the extreme (as torch.amax). */
function extremeGrad(g: Tensor, v: Tensor, y: Tensor, axes: readonly number[], kept: Shape): Tensor[] {
  const mask = equal(v, reshape(y, kept));
  const count = sum(mask, axes, true);
  return [mul(div(mask, count), reshape(g, kept))];
}

export const REDUCE_GRADS = {
  sum: ([g], [v], _o, _n, { kept }) => [broadcastTo(reshape(g, kept), v.shape)],
  max: ([g], [v], [y], _n, { axes, kept }) => extremeGrad(g, v, y, axes, kept),
  min: ([g], [v], [y], _n, { axes, kept }) => extremeGrad(g, v, y, axes, kept),
} satisfies Partial<GradTable>;
