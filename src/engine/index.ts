/**
 * The engine's only face. Everything above the engine (nn, optim, train, models, audio, data,
 * xai, concepts, metrics, report, cli) imports from this file and nothing else under
 * `src/engine/`; a lint rule in CI holds that line. Internal modules never import this file
 * (that would be a cycle): it re-exports them.
 */
export { createEngine, Engine, type EngineOptions, type EngineMemory, type EngineInfo, type TensorData } from './engine.js';
export { Tensor } from './tensor.js';
export type { ProfileResult, KernelStats } from './profile.js';
export type { DType } from './backend.js';
export { tidy, keep } from './scope.js';
export {
  grad,
  valueAndGrad,
  vjp,
  gradientTape,
  noGrad,
  withBackwardOverride,
  backwardOverride,
  isRecording,
  recordOp,
  Tape,
  type BackwardRule,
  type BackwardOverrides,
} from './autograd.js';
// The typed lists: op names (each differentiable, a withBackwardOverride key, or declared not),
// backend primitives, elementwise ops.
export {
  OP_NAMES,
  DIFFERENTIABLE_OPS,
  NON_DIFFERENTIABLE_OPS,
  PRIMITIVES,
  type OpName,
  type DifferentiableOp,
  type NonDifferentiableOp,
  type Primitive,
  type UnaryOp,
  type BinaryOp,
  type ReduceOp,
} from './primitives.js';
// The types of the gradient table: a rule per differentiable op and the attrs it receives.
export type { GradRule, OpAttrs } from './grads/types.js';
// "Did you mean" for misspelt names (options, layers, op names).
export { nearest, editDistance } from './suggest.js';
export { describeValue, nearestName, parseOptions, type OptionSpec } from './options.js';
export * from './ops/index.js';
// Signal ops (framing, overlap-add, FFT). Not in ops/index.ts, so the root's flat op exports stay
// as they were: users reach them as audio.frame / audio.rfft (with its DFT-matmul method).
export { frame, frameCentered, frameCount, overlapAdd, rfft, rfftAdjoint, rfftPower, type FftOptions } from './ops/signal.js';
export { stftMel, type StftMelOptions, type StftMelDb } from './ops/stftMel.js';
export {
  AuralensError,
  ShapeError,
  DTypeError,
  ValueError,
  DisposedError,
  DeviceLostError,
  OutOfMemoryError,
  NoAdapterError,
  SafetensorsError,
  CancelledError,
} from './errors.js';
export {
  readSafetensors,
  writeSafetensors,
  tensorsToSafetensors,
  hostToTensor,
  toFloat32,
  toInt32,
  type HostTensor,
  type SafetensorsDType,
} from './safetensors.js';
export { checkHostTensor } from './safetensorsConvert.js';
// Argument validation and shape helpers shared by every floor above the engine.
export { checkFloat, checkNumber, engineOf, wrap } from './ops/core.js';
export { broadcastShapes, fmt, shapesEqual, sizeOf } from './shape.js';
export { convOutSize, poolOutSize } from './nnShapes.js';
// Counter-based hashing that gives the same random numbers on both backends.
export { hashPair, pcgHash, seedKey } from './random.js';
// The one seeded host-side RNG (data generators, layer init and dropout seeds).
export { Rng, createRng, deriveSeed, checkSeed } from './rng.js';
