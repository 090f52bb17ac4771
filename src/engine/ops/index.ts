/** The differentiable ops, as free functions. */
export * from './elementwise.js';
export * from './reduce.js';
// Shape ops, less the internal helper (stridedCopyRaw) the other ops build on.
export {
  reshape,
  expandDims,
  squeeze,
  flatten,
  permute,
  transpose,
  broadcastTo,
  slice,
  flip,
  concat,
  stack,
  pad,
  gather,
  oneHot,
  cast,
  detach,
  clone,
  type PadOptions,
} from './shape_ops.js';
export * from './matmul.js';
export * from './classification.js';
export * from './layers.js';
export * from './channel.js';
export type { TensorLike } from './core.js';
