/**
 * The gradient table: one backward rule per differentiable op (DIFFERENTIABLE_OPS in
 * ../primitives.ts), gathered from one file per op family, as tfjs's `gradients/*_grad.ts`.
 * The rule files import the forward ops they are written with; the op files never import each
 * other for their backward passes (no import cycle), and the tape imports no ops: the engine
 * installs this table when it is created.
 */
import { ELEMENTWISE_GRADS } from './elementwise_grad.js';
import { CHANNEL_GRADS } from './channel_grad.js';
import { LAYERS_GRADS } from './layers_grad.js';
import { MATMUL_GRADS } from './matmul_grad.js';
import { REDUCE_GRADS } from './reduce_grad.js';
import { SHAPE_GRADS } from './shape_grad.js';
import { SIGNAL_GRADS } from './signal_grad.js';
import type { GradTable } from './types.js';

/** Every differentiable op's backward rule, by op name. */
export const GRADS: GradTable = {
  ...ELEMENTWISE_GRADS,
  ...SHAPE_GRADS,
  ...REDUCE_GRADS,
  ...MATMUL_GRADS,
  ...CHANNEL_GRADS,
  ...LAYERS_GRADS,
  ...SIGNAL_GRADS,
};
