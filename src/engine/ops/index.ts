/** The differentiable ops, as free functions. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape_ops.js';
export * from './matmul.js';
export * from './nn.js';
export * from './layers.js';
export * from './channel.js';
export type { TensorLike } from './core.js';
