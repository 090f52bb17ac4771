/**
 * The engine's typed lists, written once (as jax-js's `Primitive` enum): every table that must
 * cover one of them is typed over it, so adding a name without its kernel, op id or rule is a
 * compile error rather than a silent gap.
 *
 * - `PRIMITIVES`: the kernels of the Backend contract (src/engine/backend.ts). `Kernels` there
 *   is checked against this list in both directions, and both backends implement `Backend`.
 * - `UNARY_OPS` / `BINARY_OPS`: the op ids of the elementwise kernels. The id of an op is its
 *   index here; scripts/bundle-shaders.mjs reads these two arrays from this file and generates
 *   the WGSL constants (`//!include unary_ops`, `//!include binary_ops`), the WebGPU wrapper
 *   takes ids from `opId`, and the CPU kernel switches over the same names. Append, never
 *   reorder, and keep each array a plain list of string literals (the bundler parses it).
 * - `OP_NAMES`: every primitive op, each declared either differentiable (`DIFFERENTIABLE_OPS`:
 *   recorded on the autograd tape under its name, with its backward rule in the gradient table
 *   of src/engine/grads/, typed so that a missing rule is a compile error) or not
 *   (`NON_DIFFERENTIABLE_OPS`: never recorded, no gradient flows through). `record()` takes only
 *   differentiable names, and `withBackwardOverride` keys are checked against them at run time.
 *   Ops composed of these (mean, softmax, linear, conv1d, stack, dropout, ...) are not listed:
 *   their gradient is that of the ops they run.
 */

/** Elementwise unary float ops (parameters a, b: see `Kernels.unary`). */
export const UNARY_OPS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'relu',
  'sigmoid',
  'tanh',
  'sign',
  'step',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'clamp',
  'powScalar',
  'affine',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Elementwise binary float ops with numpy broadcasting; comparisons give 1 or 0. */
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'gt',
  'ge',
  'lt',
  'le',
  'eq',
  'ne',
  // a where b > 0, else 0 (NaN b gives 0): ReLU's backward in one pass (PyTorch's threshold_backward).
  'reluGrad',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Reductions of the middle axis of an [outer, reduce, inner] view. argmax/argmin give int32. */
export const REDUCE_OPS = ['sum', 'max', 'min', 'argmax', 'argmin'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** The kernel id of an elementwise op: its index in UNARY_OPS / BINARY_OPS. */
export function opId(op: UnaryOp | BinaryOp, table: readonly string[]): number {
  const id = table.indexOf(op);
  if (id < 0) throw new Error(`internal: op '${op}' is not in its op table`);
  return id;
}

/** The compute kernels every backend implements (the Backend contract's `Kernels`). */
export const PRIMITIVES = [
  'fill',
  'unary',
  'binary',
  'where',
  'channelAffine',
  'channelMoments',
  'channelAffine2',
  'cast',
  'reduce',
  'matmul',
  'stridedCopy',
  'concat',
  'pad',
  'gather',
  'scatterAdd',
  'oneHot',
  'random',
  'conv2d',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  // conv2d with a per-output-channel affine + ReLU epilogue (eval BatchNorm folded in): one pass.
  'fusedConv2d',
  'maxPool2d',
  'maxPool2dBackward',
  'avgPool2d',
  'avgPool2dBackward',
  'adaptiveAvgPool2d',
  'adaptiveAvgPool2dBackward',
  'upsample2d',
  'upsample2dBackward',
  'frame',
  'overlapAdd',
  'rfft',
  'rfftPower',
  'rfftAdjoint',
  'stftMel',
] as const;
export type Primitive = (typeof PRIMITIVES)[number];

/**
 * The differentiable ops as recorded on the tape: the keys of the gradient table
 * (src/engine/grads/index.ts, one backward rule each) and of `withBackwardOverride` (e.g.
 * `{ relu: guidedRule }` for Guided Backprop). An op that records under another name does not
 * compile, and neither does a table that lacks one of these.
 */
export const DIFFERENTIABLE_OPS = [
  // elementwise (src/engine/ops/elementwise.ts)
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'where',
  'affine',
  'neg',
  'exp',
  'log',
  'sqrt',
  'square',
  'reciprocal',
  'abs',
  'sin',
  'cos',
  'relu',
  'sigmoid',
  'tanh',
  'clamp',
  // shape and indexing (ops/shape_ops.ts)
  'reshape',
  'permute',
  'broadcastTo',
  'slice',
  'flip',
  'concat',
  'pad',
  'gather',
  // reductions (ops/reduce.ts), matmul, layers (ops/layers.ts, ops/channel.ts)
  'sum',
  'max',
  'min',
  'matmul',
  'conv2d',
  'fusedConv2d',
  'maxPool2d',
  'avgPool2d',
  'adaptiveAvgPool2d',
  'upsample2d',
  'channelAffine',
  'batchNorm',
  // signal (ops/signal.ts)
  'frame',
  'frameCentered',
  'overlapAdd',
  'rfft',
  'rfftPower',
  'rfftAdjoint',
  'stftMel',
] as const;
export type DifferentiableOp = (typeof DIFFERENTIABLE_OPS)[number];

/**
 * Ops with no gradient, declared as such: comparisons and sign (piecewise constant), integer
 * results (argmax, argmin, cast to int32) and index encodings (oneHot), and detach (cut off from
 * the tape on purpose). They are never recorded; gradients do not flow through them.
 */
export const NON_DIFFERENTIABLE_OPS = [
  'sign',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
  'equal',
  'notEqual',
  'argmax',
  'argmin',
  'oneHot',
  'cast',
  'detach',
] as const;
export type NonDifferentiableOp = (typeof NON_DIFFERENTIABLE_OPS)[number];

/** Every primitive op: differentiable (with a rule in the gradient table) or declared not. */
export const OP_NAMES = [...DIFFERENTIABLE_OPS, ...NON_DIFFERENTIABLE_OPS] as const;
export type OpName = (typeof OP_NAMES)[number];
