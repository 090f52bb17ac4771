/**
 * The opening every attribution method shares: strict options (its own keys plus target,
 * onProgress, signal and warn), the model and input checks, the training-mode warning, an early
 * abort check and the target read on the host (a tensor target is read once here).
 */
import type { Tensor } from '../../engine/index.js';
import { throwIfAborted } from './batching.js';
import {
  checkInputs,
  checkModel,
  readTargets,
  warnIfTraining,
  type LongRunOptions,
  type Model,
  type Progress,
  type Target,
} from './contract.js';
import { checkProgress, checkSignal, checkWarn, parseOptions, type OptionSpec } from './options.js';

/** Options every attribution method takes. */
export interface CommonOptions extends LongRunOptions {
  /** Target class: one index for every example, one per example, or an int32 tensor [B]. */
  target: Target;
  /**
   * Where warnings go (a model in training mode, IG's convergence): a function of one message,
   * or false to silence them; default console.warn. Warnings are advice, never errors.
   */
  warn?: ((message: string) => void) | false;
}

/** The option keys of CommonOptions (no aliases). */
export const COMMON_SPEC = { target: [], onProgress: [], signal: [], warn: [] } as const satisfies OptionSpec;

/** What beginCall hands a method: checked arguments and host targets. */
export interface CallContext<K extends string> {
  model: Model;
  x: Tensor;
  /** The method's options with canonical keys, values not yet validated (besides the common ones). */
  o: Partial<Record<K, unknown>>;
  /** The target as host values (a tensor target read once). */
  target: number | number[];
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  warn: (message: string) => void;
}

/**
 * Parses options with `spec` (which must include COMMON_SPEC), checks model and inputs, warns
 * once if the model is in training mode, checks the signal and reads the target.
 */
export async function beginCall<K extends string>(
  model: unknown,
  inputs: unknown,
  options: unknown,
  spec: OptionSpec<K>,
  fname: string,
): Promise<CallContext<K>> {
  const o = parseOptions(options, spec, fname);
  const m = checkModel(model, fname);
  const x = checkInputs(inputs, fname);
  const all = o as Record<string, unknown>;
  const signal = checkSignal(all.signal, fname);
  const onProgress = checkProgress(all.onProgress, fname);
  const warn = checkWarn(all.warn, fname);
  throwIfAborted(signal, fname);
  const target = await readTargets(all.target, x.shape[0], fname);
  warnIfTraining(m, fname, warn);
  return { model: m, x, o, target, onProgress, signal, warn };
}
