/**
 * Loads a classifier for explanation: weights (safetensors with PyTorch key names) plus what the
 * numbers mean — the architecture, class names and the log-mel front end. The description comes
 * from a spec JSON: `--arch genre-cnn|digit-cnn` looks for `spec.json` beside the weights (as
 * scripts/train-demo-model.mjs writes it) and falls back to the architecture's defaults;
 * `--arch <file.json>` reads { spec | archOptions, classes, frontEnd } from that file.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Engine, readSafetensors, ValueError } from '../engine/index.js';
import { LOG_MEL_DEFAULTS } from '../audio/index.js';
import { synth } from '../data/index.js';
import { digitCNNSpec, fromSpec, genreCNNSpec, type ModelSpec } from '../models/index.js';
import type { Sequential } from '../nn/index.js';

/** What a model's numbers mean. */
export interface ModelMeta {
  arch: string;
  spec: ModelSpec;
  classes: string[];
  /** logMel options (sampleRate in Hz, nFft, hop, nMels, normalize …). */
  frontEnd: { sampleRate: number; nMels: number; [k: string]: unknown };
  heldOutAccuracy?: number;
  /** Name of the layer Grad-CAM reads (the last conv layer). */
  camLayer: string;
  /** File name of the weights. */
  weights: string;
}

export interface LoadedModel {
  module: Sequential;
  meta: ModelMeta;
}

const ARCHS = ['genre-cnn', 'digit-cnn'];

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ValueError(`${what}: cannot read ${path}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ValueError(`${what}: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/** Resolves the description of a model from --arch and the weights' folder. */
export async function resolveMeta(weightsPath: string, arch: string): Promise<ModelMeta> {
  let desc: Record<string, unknown> = {};
  let archName = arch;
  if (arch.endsWith('.json')) {
    desc = await readJson(arch, '--arch');
    archName = typeof desc.arch === 'string' ? desc.arch : 'spec';
  } else if (ARCHS.includes(arch)) {
    const beside = join(dirname(weightsPath), 'spec.json');
    if (await exists(beside)) desc = await readJson(beside, '--arch');
    if (desc.arch !== undefined && desc.arch !== arch) desc = {};
  } else {
    throw new ValueError(`--arch must be one of ${ARCHS.join(', ')} or a spec .json file, got '${arch}'`);
  }
  const opts = (desc.archOptions ?? {}) as Record<string, unknown>;
  let spec = desc.spec as ModelSpec | undefined;
  if (!spec) {
    if (archName === 'genre-cnn') spec = genreCNNSpec(opts);
    else if (archName === 'digit-cnn') spec = digitCNNSpec(opts);
    else throw new ValueError(`--arch: ${arch} has neither 'spec' nor a known 'arch'`);
  }
  const defaultClasses = archName === 'genre-cnn' ? [...synth.GENRES] : Array.from({ length: 10 }, (_, i) => String(i));
  const classes = (desc.classes as string[] | undefined) ?? defaultClasses;
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string'))
    throw new ValueError('--arch: classes must be an array of strings');
  const fe = {
    ...LOG_MEL_DEFAULTS,
    ...(archName === 'digit-cnn' ? { nMels: 32 } : {}),
    ...((desc.frontEnd ?? {}) as object),
  } as ModelMeta['frontEnd'];
  const convs = spec.layers.filter((l) => l.type === 'conv2d');
  if (convs.length === 0) throw new ValueError('--arch: the model has no conv2d layer for Grad-CAM');
  const acc = (desc.accuracy as { heldOut?: number } | undefined)?.heldOut;
  return {
    arch: archName,
    spec,
    classes,
    frontEnd: fe,
    heldOutAccuracy: acc,
    camLayer: String(convs[convs.length - 1]!.name),
    weights: basename(weightsPath),
  };
}

/** Builds the model from its description and loads the weights (strict: every key must match). */
export async function loadModel(engine: Engine, weightsPath: string, arch: string): Promise<LoadedModel> {
  const meta = await resolveMeta(weightsPath, arch);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(weightsPath));
  } catch {
    throw new ValueError(`--model: cannot read ${weightsPath}`);
  }
  const module = fromSpec(engine, meta.spec, { seed: 0 });
  try {
    module.loadStateDict(readSafetensors(bytes).tensors, { strict: true });
  } catch (e) {
    throw new ValueError(`--model: ${weightsPath} does not fit --arch ${arch}: ${(e as Error).message}`);
  }
  module.eval();
  return { module, meta };
}
