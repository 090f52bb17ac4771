/**
 * Ready-made models (the seeds' genre CNN and the golden digit CNN) and `fromSpec`, which builds
 * any Sequential-style CNN of this family from a JSON spec so PyTorch weights load by name.
 */
export {
  fromSpec,
  validateSpec,
  LAYER_TYPES,
  type ModelSpec,
  type LayerSpec,
  type FromSpecOptions,
  type IntPair,
  type Conv2dLayerSpec,
  type Conv1dLayerSpec,
  type BatchNorm2dLayerSpec,
  type ActivationLayerSpec,
  type MaxPool2dLayerSpec,
  type AvgPool2dLayerSpec,
  type AdaptiveAvgPool2dLayerSpec,
  type FlattenLayerSpec,
  type LinearLayerSpec,
  type DropoutLayerSpec,
  type SequentialLayerSpec,
} from './spec.js';
export { genreCNN, genreCNNSpec, type GenreCNNOptions } from './genreCNN.js';
export { digitCNN, digitCNNSpec, type DigitCNNOptions } from './digitCNN.js';
