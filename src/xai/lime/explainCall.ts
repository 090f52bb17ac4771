/**
 * The call scaffolding lime and kernelShap share: both check the model and the input [1, ...],
 * parse their options, resolve the factorization (freeing one they built if the call fails),
 * read the same run options (seed, output, maxBatch, onProgress, signal) and pick the target
 * from the predicted rows. Kept in one place so the two methods validate and clean up alike.
 */
import type { Tensor } from '../../engine/index.js';
import { ValueError } from '../../engine/index.js';
import {
  checkModel,
  checkProgress,
  checkSeed,
  checkSignal,
  checkWarn,
  describeValue,
  oneOf,
  parseOptions,
  positiveInt,
  readTargets,
  warnIfTraining,
  type Model,
} from '../shared/index.js';
import { precompileChunk } from '../shared/precompile.js';
import { checkInput } from './factorizations/common.js';
import { resolveFactorization } from './factorizations/resolve.js';
import type { Factorization } from './factorizations/types.js';
import { argmaxRow, predictRows, type BinaryRows, type PredictRowsOptions } from './perturb.js';

/** Option keys and aliases lime and kernelShap both take (each spreads it and adds its own). */
export const SAMPLING_SPEC = {
  factorization: [],
  target: ['label'],
  // num_samples is LIME's name, n_samples Captum's (Lime and KernelShap).
  numSamples: ['num_samples', 'nSamples', 'n_samples', 'nPerturbSamples', 'n_perturb_samples'],
  seed: ['randomState', 'random_state'],
  output: [],
  maxBatch: ['batchSize', 'perturbationsPerEval', 'perturbations_per_eval'],
  onProgress: [],
  signal: [],
  warn: [],
} as const;

/** The sampled data both explanations carry, and the disposal of the factorization. */
export interface SampledData {
  /** The binary rows [numSamples, M] and the model's outputs on them [numSamples, nClasses]. */
  data: Uint8Array;
  predictions: Float64Array;
  nClasses: number;
  numSamples: number;
  factorization: Factorization;
  /** Frees the factorization when the call built it from a shortcut (a no-op otherwise). */
  dispose(): void;
}

/**
 * Checks `model` and `input` [1, ...], parses `options` by `spec` and resolves its factorization,
 * then runs `body`; a factorization the call built is disposed if `body` throws (on success the
 * explanation owns it and frees it in its dispose()).
 */
export async function withFactorization<K extends string, R>(
  model: Model,
  input: Tensor,
  options: object,
  spec: { readonly [P in K]: readonly string[] },
  fname: string,
  body: (f: Factorization, owned: boolean, o: Partial<Record<K, unknown>>) => Promise<R>,
): Promise<R> {
  checkModel(model, fname);
  const x = checkInput(input, fname);
  const o = parseOptions<Partial<Record<K, unknown>>, K>(options, spec, fname);
  // Dropout or batch statistics in training mode change every perturbed row's prediction.
  warnIfTraining(model, fname, checkWarn((o as Record<string, unknown>).warn, fname));
  const given = (o as Record<string, unknown>).factorization;
  // A shortcut's factorization is built on the device: compile its kernels off the thread first.
  if (typeof given === 'string' || given === undefined)
    await precompileChunk(x.engine, model, () => {
      const r = resolveFactorization(given, x, fname);
      if (r.owned) r.factorization.dispose();
    });
  const { factorization: f, owned } = resolveFactorization(given, x, fname);
  try {
    return await body(f, owned, o);
  } catch (err) {
    if (owned) f.dispose();
    throw err;
  }
}

/** The run options both methods take: the row seed and what predictRows needs. */
export interface RunOptions {
  seed: number;
  predict: PredictRowsOptions;
}

/**
 * Validates seed, output (default `defaultOutput`: LIME fits probabilities, KernelSHAP logits as
 * Captum does), maxBatch, onProgress and signal, in that order.
 */
export function parseRunOptions(
  o: { seed?: unknown; output?: unknown; maxBatch?: unknown; onProgress?: unknown; signal?: unknown },
  fname: string,
  defaultOutput: 'probabilities' | 'logits',
): RunOptions {
  const seed = checkSeed(o.seed, 'options.seed', fname);
  const output = oneOf(o.output, ['probabilities', 'logits'] as const, 'options.output', fname, defaultOutput);
  const maxBatch = o.maxBatch === undefined ? undefined : positiveInt(o.maxBatch, 'options.maxBatch', fname);
  const onProgress = checkProgress(o.onProgress, fname);
  const signal = checkSignal(o.signal, fname);
  return { seed, predict: { output, maxBatch, onProgress, signal, fname } };
}

/**
 * Checks a target class against the number of outputs (or picks the prediction of row 0). The
 * target is one class for the one example: a number, or (as the attribution methods take it) an
 * array of one or an int32 tensor [1], already read to host values by readTargets.
 */
export function resolveTarget(target: unknown, values: Float64Array, c: number, fname: string): number {
  if (target === undefined) return argmaxRow(values, c, 0);
  if (Array.isArray(target) && target.length === 1) target = target[0];
  if (typeof target !== 'number' || !Number.isInteger(target) || target < 0 || target >= c) {
    throw new ValueError(`${fname}: options.target = ${describeValue(target)} is out of range: the model has ${c} classes (0..${c - 1})`);
  }
  return target;
}

/** Runs the rows through the model (predictRows) and resolves the target class on its outputs. */
export async function predictWithTarget(
  model: Model,
  f: Factorization,
  rows: BinaryRows,
  predict: PredictRowsOptions,
  target: unknown,
): Promise<{ values: Float64Array; nClasses: number; target: number }> {
  // An array or int32 tensor target must hold one class (the input is one example): checked, and
  // a tensor read, before any row runs.
  const host = target === undefined || typeof target === 'number' ? target : await readTargets(target, 1, predict.fname);
  const { values, nClasses } = await predictRows(model, f, rows, predict);
  return { values, nClasses, target: resolveTarget(host, values, nClasses, predict.fname) };
}
