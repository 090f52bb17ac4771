/**
 * Neural-network layers with PyTorch's names and semantics (torch.nn): modules hold parameters
 * and buffers under PyTorch state_dict names, so weights saved from PyTorch load directly.
 *
 * const model = new nn.Sequential(engine, [['conv1', new nn.Conv2d(engine, 1, 8, 3, { padding: 1 })], ['relu1', new nn.ReLU(engine)]]);
 */
export { Module, type ParameterRef } from './module.js';
export { StateDictError, type StateDictValue, type LoadStateDictOptions, type LoadStateDictResult } from './stateDict.js';
export { type ForwardWithActivationsOptions, type ActivationsResult } from './hooks.js';
export type { Pair } from './init.js';
export { Conv2d, Conv1d, type Conv2dOptions, type Conv1dOptions } from './conv.js';
export { BatchNorm2d, type BatchNormOptions } from './norm.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pool.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU, Sigmoid, Tanh, Identity, Dropout, Flatten, type DropoutOptions } from './activation.js';
export { Sequential } from './container.js';
export { setFusion } from './fusion.js';
