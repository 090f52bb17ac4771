/**
 * layerActivations: the named layers' outputs for a batch of inputs, one [N, D] tensor per layer
 * (flattened per example), from forward passes in chunks sized to the device's limits.
 */
import { noGrad, reshape, type Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInputs, checkModule, checkSignal, parseOptions, type Progress, resolveLayer, warnIfTraining } from '../xai/shared/index.js';
import { chunkRows, collectPerLayer, rowSlice, type ChunkPassOptions } from './layerChunks.js';
import type { Module } from '../nn/index.js';

export interface LayerActivationsOptions {
  /** Examples per forward pass (default: sized from engine.info().limits). */
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** Checks a list of layer names against the model: a non-empty array of distinct module names. */
export function checkLayers(model: Module, layers: unknown, fname: string): string[] {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new ValueError(`${fname}: layers must be a non-empty array of module names, got ${Array.isArray(layers) ? '[]' : typeof layers}`);
  layers.forEach((n, i) => resolveLayer(model, n, fname, `layers[${i}]`));
  if (new Set(layers).size !== layers.length) throw new ValueError(`${fname}: layers lists a layer twice`);
  return layers as string[];
}

/**
 * The outputs of `layers` (module names of an nn Module model) for inputs [N, ...]: a record
 * name → activations [N, D_layer], D_layer = the layer's output size per example. Forward passes
 * run without gradients, in chunks of rows (options.maxBatch, or sized from the device limits),
 * yielding to the event loop between chunks; progress stage 'activations'. The caller disposes
 * the returned tensors; inputs are not modified.
 */
export async function layerActivations(
  model: Module,
  inputs: Tensor,
  layers: readonly string[],
  options: LayerActivationsOptions = {},
): Promise<Record<string, Tensor>> {
  const fname = 'layerActivations';
  const o = parseOptions(options, { maxBatch: ['batchSize'], onProgress: [], signal: [] }, fname);
  const m = checkModule(model, fname);
  const names = checkLayers(m, layers, fname);
  const x = checkInputs(inputs, fname);
  warnIfTraining(m, fname);
  const signal = checkSignal(o.signal, fname);
  const chunk = chunkRows(o.maxBatch, x, fname);
  return collectActivations(m, x, names, chunk, {
    onProgress: o.onProgress as LayerActivationsOptions['onProgress'],
    signal,
    fname,
  });
}

/** layerActivations without the argument checks, for callers that checked them (tcav). */
export async function collectActivations(
  m: Module,
  x: Tensor,
  names: readonly string[],
  chunk: number,
  opts: ChunkPassOptions,
): Promise<Record<string, Tensor>> {
  return collectPerLayer(
    names,
    x.shape[0],
    chunk,
    (start, end) =>
      noGrad(() =>
        tidy(() => {
          const { activations } = m.forwardWithActivations(rowSlice(x, start, end), names);
          return names.map((n) => reshape(activations[n], [end - start, activations[n].size / (end - start)]));
        }),
      ),
    { ...opts, stage: opts.stage ?? 'activations' },
  );
}
