/**
 * Strict option parsing for every xai method (and the floors above: concepts, metrics), and the
 * argument validators they share. One place decides what an unknown key, a Captum spelling or a
 * wrong type does:
 *
 * - `parseOptions(options, spec, fname)`: `spec` maps each canonical key to its accepted aliases
 *   (Captum's Python and camelCase spellings, e.g. `{ steps: ['nSteps', 'n_steps'] }`); the result
 *   is a new object with canonical keys only (the caller's object is never mutated). An unknown
 *   key throws `ValueError("fname: unknown option 'n_step' — did you mean 'steps'?")`; a key given
 *   twice (canonical and alias) throws too.
 * - validators (`positiveInt`, `finiteNumber`, `nonNegativeNumber`, `oneOf`, `checkBoolean`,
 *   `checkSeed`, `checkSignal`, `checkProgress`, `checkWarn`): each takes the argument's label as
 *   the user sees it (e.g. 'options.steps') and the function name, and throws a short ValueError.
 */
import { ValueError } from '../../engine/index.js';
import { describeValue, type OptionSpec } from '../../util/options.js';

// The generic helper lives on the bottom floor (src/util/options.ts) so audio, nn and train, below
// xai, share it: one parser, one nearest-key suggestion, one set of messages. xai adds only the
// validators of its long-running calls below.
export {
  type OptionSpec,
  describeValue,
  nearestName,
  parseOptions,
  positiveInt,
  finiteNumber,
  nonNegativeNumber,
  oneOf,
  checkBoolean,
  checkSeed,
  checkSignal,
} from '../../util/options.js';

/**
 * The option object type a user may pass: the canonical options O plus every alias of `S` typed
 * like its canonical key (so TypeScript callers may write Captum's `n_steps` too).
 */
export type WithAliases<O, S extends { readonly [P in keyof O]?: readonly string[] }> = O & {
  [P in keyof S as S[P] extends readonly (infer A extends string)[] ? A : never]?: P extends keyof O ? O[P] : never;
};

/** The options every long-running call accepts: progress callback and abort signal. */
export const LONG_RUN_SPEC = {
  onProgress: [],
  signal: [],
} as const satisfies OptionSpec;

/** A progress callback or undefined. */
export function checkProgress(v: unknown, fname: string): ((p: { done: number; total: number; stage: string }) => void) | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function')
    throw new ValueError(`${fname}: options.onProgress must be a function ({ done, total, stage }) => void, got ${describeValue(v)}`);
  return v as (p: { done: number; total: number; stage: string }) => void;
}

/** A warning sink: a function of one message, or false to silence; default console.warn. */
export function checkWarn(v: unknown, fname: string): (message: string) => void {
  if (v === undefined) return (m: string) => console.warn(m);
  if (v === false) return () => {};
  if (typeof v !== 'function')
    throw new ValueError(`${fname}: options.warn must be a function (message: string) => void, or false, got ${describeValue(v)}`);
  return v as (message: string) => void;
}
