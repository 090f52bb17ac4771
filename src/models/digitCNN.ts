/**
 * The spoken-digit CNN of the golden references (digit_cnn.json, on [N, 1, 32, 48] spectrograms):
 * conv1 Conv2d (5, 3) kernel, stride (1, 2), padding (2, 1) → relu1 → pool1 AvgPool2d 2 →
 * conv2 Conv2d 3×3 unpadded → relu2 → pool2 MaxPool2d (2, 3) → flatten → fc1 → relu3 → fc2.
 * With the defaults: [1,32,48] → conv1 [16,32,24] → pool1 [16,16,12] → conv2 [24,14,10] →
 * pool2 [24,7,3] → 504 features → fc1 32 → fc2 10.
 */
import { parseOptions, withSnakeCase } from '../util/options.js';
import { type Engine, ValueError } from '../engine/index.js';
import type { Sequential } from '../nn/container.js';
import { fromSpec, validateSpec, type LayerSpec, type ModelSpec } from './spec.js';

export interface DigitCNNOptions {
  /** Input [height, width] (default [32, 48]); fc1's input size follows from it. */
  inputSize?: [number, number];
  /** Output classes (default 10). */
  nClasses?: number;
  /** Output channels of conv1 and conv2 (default [16, 24]). */
  channels?: [number, number];
  /** Width of fc1 (default 32). */
  hidden?: number;
  /** Dropout probability before fc2; 0 (default, as the reference model) adds no dropout layer. */
  dropout?: number;
  /** Init seed (default 0). */
  seed?: number;
}

/** digitCNN's options; PyTorch-style spellings accepted (`input_size`, `num_classes`, ...). */
const DIGIT_CNN_SPEC = withSnakeCase(['inputSize', 'nClasses', 'channels', 'hidden', 'dropout', 'seed'], {
  nClasses: ['numClasses', 'num_classes'],
});

function posInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`digitCNN: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** The spec digitCNN builds (see spec.ts). */
export function digitCNNSpec(options: DigitCNNOptions = {}): ModelSpec {
  options = parseOptions<DigitCNNOptions>(options, DIGIT_CNN_SPEC, 'digitCNN');
  const [h, w] = options.inputSize ?? [32, 48];
  posInt(h, 'inputSize[0]');
  posInt(w, 'inputSize[1]');
  const [c1, c2] = options.channels ?? [16, 24];
  posInt(c1, 'channels[0]');
  posInt(c2, 'channels[1]');
  const hidden = posInt(options.hidden ?? 32, 'hidden');
  const nClasses = posInt(options.nClasses ?? 10, 'nClasses');
  const p = options.dropout ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`digitCNN: dropout must be in [0, 1), got ${JSON.stringify(p)}`);
  const features: LayerSpec[] = [
    { type: 'conv2d', name: 'conv1', in: 1, out: c1, kernel: [5, 3], stride: [1, 2], padding: [2, 1] },
    { type: 'relu', name: 'relu1' },
    { type: 'avgpool2d', name: 'pool1', kernel: 2 },
    { type: 'conv2d', name: 'conv2', in: c1, out: c2, kernel: 3 },
    { type: 'relu', name: 'relu2' },
    { type: 'maxpool2d', name: 'pool2', kernel: [2, 3] },
    { type: 'flatten', name: 'flatten' },
  ];
  const input = [1, h, w];
  const dims = validateSpec({ input, layers: features });
  const nFeatures = dims![0]!;
  const layers: LayerSpec[] = [
    ...features,
    { type: 'linear', name: 'fc1', in: nFeatures, out: hidden },
    { type: 'relu', name: 'relu3' },
    ...(p > 0 ? [{ type: 'dropout', name: 'dropout', p } as LayerSpec] : []),
    { type: 'linear', name: 'fc2', in: hidden, out: nClasses },
  ];
  return { input, layers };
}

/** Builds the digit CNN (default init from `seed`); load trained weights with loadStateDict. */
export function digitCNN(engine: Engine, options: DigitCNNOptions = {}): Sequential {
  const o = parseOptions<DigitCNNOptions>(options, DIGIT_CNN_SPEC, 'digitCNN');
  return fromSpec(engine, digitCNNSpec(o), { seed: o.seed });
}
