/**
 * auralens: a WebGPU compute engine with reverse-mode autograd, for explaining audio classifiers.
 *
 * import { createEngine, matmul, grad } from 'auralens';
 */
export {
  createEngine,
  Engine,
  type EngineOptions,
  type EngineMemory,
  type EngineInfo,
  type TensorData,
  Tensor,
  type DType,
  tidy,
  keep,
  grad,
  valueAndGrad,
  vjp,
  gradientTape,
  noGrad,
  withBackwardOverride,
  Tape,
  type BackwardRule,
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
  readSafetensors,
  writeSafetensors,
  tensorsToSafetensors,
  hostToTensor,
  toFloat32,
  toInt32,
  type HostTensor,
  type SafetensorsDType,
} from './engine/index.js';
export * from './engine/ops/index.js';
export * as nn from './nn/index.js';
export * as models from './models/index.js';
export { Adam, SGD, type AdamOptions, type SGDOptions } from './optim/index.js';
export {
  fit,
  saveCheckpoint,
  loadCheckpoint,
  type FitOptions,
  type FitProgress,
  type FitBatchProgress,
  type FitData,
  type FitModel,
} from './train/fit.js';
export * as audio from './audio/index.js';
export { AudioDecodeError } from './audio/errors.js';
export * as xai from './xai/index.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as plot from './plot/index.js';
export * as concepts from './concepts/index.js';
