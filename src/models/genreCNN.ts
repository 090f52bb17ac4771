/**
 * The genre classifier of the TCAV seed notebook (SimpleGenreClassifier): per block
 * Conv2d 3×3 pad 1 → BatchNorm2d → ReLU → MaxPool2d 2 (channels 32/64/128), global average
 * pooling, flatten, fc1 (→ 256 bottleneck, the TCAV layer), ReLU, dropout, fc2 → classes.
 * Module names (conv1, bn1, relu1, pool1, …, gap, flatten, fc1, relu4, dropout, fc2) match the
 * PyTorch state_dict keys and the activation names of the golden references.
 */
import { type Engine, ValueError } from '../engine/index.js';
import type { Sequential } from '../nn/container.js';
import { parseOptions, withSnakeCase } from '../util/options.js';
import { fromSpec, type LayerSpec, type ModelSpec } from './spec.js';

export interface GenreCNNOptions {
  /** Mel bands of the input log-mel [N, 1, nMels, frames] (default 64). */
  nMels?: number;
  /** Output classes (default 10). */
  nClasses?: number;
  /** Output channels of the conv blocks (default [32, 64, 128]). */
  channels?: number[];
  /** Width of fc1, the bottleneck (default 256). */
  bottleneck?: number;
  /** Dropout probability before fc2 (default 0.5). */
  dropout?: number;
  /** Init seed (default 0). */
  seed?: number;
}

/** genreCNN's options; PyTorch-style spellings accepted (`n_mels`, `num_classes`, ...). */
const GENRE_CNN_SPEC = withSnakeCase(['nMels', 'nClasses', 'channels', 'bottleneck', 'dropout', 'seed'], {
  nClasses: ['numClasses', 'num_classes'],
});

function posInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`genreCNN: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** The spec genreCNN builds (see spec.ts). */
export function genreCNNSpec(options: GenreCNNOptions = {}): ModelSpec {
  options = parseOptions<GenreCNNOptions>(options, GENRE_CNN_SPEC, 'genreCNN');
  const nMels = posInt(options.nMels ?? 64, 'nMels');
  const nClasses = posInt(options.nClasses ?? 10, 'nClasses');
  const channels = options.channels ?? [32, 64, 128];
  if (!Array.isArray(channels) || channels.length === 0)
    throw new ValueError(`genreCNN: channels must be a non-empty array, got ${JSON.stringify(channels)}`);
  channels.forEach((c, i) => posInt(c, `channels[${i}]`));
  const bottleneck = posInt(options.bottleneck ?? 256, 'bottleneck');
  const p = options.dropout ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`genreCNN: dropout must be in [0, 1), got ${JSON.stringify(p)}`);
  const layers: LayerSpec[] = [];
  let prev = 1;
  channels.forEach((c, i) => {
    const k = i + 1;
    layers.push(
      { type: 'conv2d', name: `conv${k}`, in: prev, out: c, kernel: 3, padding: 1 },
      { type: 'batchnorm2d', name: `bn${k}`, features: c },
      { type: 'relu', name: `relu${k}` },
      { type: 'maxpool2d', name: `pool${k}`, kernel: 2 },
    );
    prev = c;
  });
  layers.push(
    { type: 'adaptiveavgpool2d', name: 'gap', output: 1 },
    { type: 'flatten', name: 'flatten' },
    { type: 'linear', name: 'fc1', in: prev, out: bottleneck },
    { type: 'relu', name: `relu${channels.length + 1}` },
    { type: 'dropout', name: 'dropout', p },
    { type: 'linear', name: 'fc2', in: bottleneck, out: nClasses },
  );
  return { input: [1, nMels, null], layers };
}

/** Builds the genre CNN (default init from `seed`); load trained weights with loadStateDict. */
export function genreCNN(engine: Engine, options: GenreCNNOptions = {}): Sequential {
  const o = parseOptions<GenreCNNOptions>(options, GENRE_CNN_SPEC, 'genreCNN');
  return fromSpec(engine, genreCNNSpec(o), { seed: o.seed });
}
