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
import { describeValue, parseOptions as parseOptionsCore } from '../../util/options.js';

/** Canonical key → accepted aliases. */
export type OptionSpec<K extends string = string> = {
  readonly [P in K]: readonly string[];
};

/**
 * The option object type a user may pass: the canonical options O plus every alias of `S` typed
 * like its canonical key (so TypeScript callers may write Captum's `n_steps` too).
 */
export type WithAliases<O, S extends { readonly [P in keyof O]?: readonly string[] }> = O & {
  [P in keyof S as S[P] extends readonly (infer A extends string)[] ? A : never]?: P extends keyof O ? O[P] : never;
};

/**
 * The parser, the nearest-key suggestion and the value descriptions are the bottom floor's
 * (`src/util/options.ts`, which audio, nn, models and fit use too): one implementation, so every
 * floor words an unknown option the same way.
 */
export { describeValue, nearestKey as nearestName } from '../../util/options.js';

/**
 * Strict options: returns a new object with the canonical keys of `spec` (aliases renamed), after
 * checking that `options` is a plain object (undefined gives {}; null is an error here, since an
 * attribution always needs at least a target) and every key is known. Values are not validated
 * here: each method validates its own with the validators below.
 */
export function parseOptions<K extends string>(options: unknown, spec: OptionSpec<K>, fname: string): Partial<Record<K, unknown>> {
  if (options === null) throw new ValueError(`${fname}: options must be an object, got null`);
  return parseOptionsCore<Record<K, unknown>>(options, spec, fname);
}

/** The options every long-running call accepts: progress callback and abort signal. */
export const LONG_RUN_SPEC = {
  onProgress: [],
  signal: [],
} as const satisfies OptionSpec;

/**
 * A positive integer; `undefined` gives `opts.default` (or a ValueError when there is none);
 * `opts.max` is a documented upper bound.
 */
export function positiveInt(v: unknown, name: string, fname: string, opts: { max?: number; default?: number } = {}): number {
  if (v === undefined && opts.default !== undefined) return opts.default;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${fname}: ${name} must be a positive integer, got ${describeValue(v)}`);
  if (opts.max !== undefined && v > opts.max) throw new ValueError(`${fname}: ${name} = ${v} exceeds the limit of ${opts.max}`);
  return v;
}

/** A finite number within [min, max] (inclusive, when given); `undefined` gives `opts.default`. */
export function finiteNumber(v: unknown, name: string, fname: string, opts: { min?: number; max?: number; default?: number } = {}): number {
  if (v === undefined && opts.default !== undefined) return opts.default;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${fname}: ${name} must be a finite number, got ${describeValue(v)}`);
  if (opts.min !== undefined && v < opts.min) throw new ValueError(`${fname}: ${name} must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new ValueError(`${fname}: ${name} must be <= ${opts.max}, got ${v}`);
  return v;
}

/** A finite number >= 0; `undefined` gives `opts.default`. */
export function nonNegativeNumber(v: unknown, name: string, fname: string, opts: { default?: number } = {}): number {
  return finiteNumber(v, name, fname, { min: 0, default: opts.default });
}

/** One of `allowed` (compared with ===); `undefined` gives `dflt` when given. */
export function oneOf<T extends string | number | boolean>(v: unknown, allowed: readonly T[], name: string, fname: string, dflt?: T): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!(allowed as readonly unknown[]).includes(v)) {
    throw new ValueError(
      `${fname}: ${name} must be one of ${allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')}, got ${describeValue(v)}`,
    );
  }
  return v as T;
}

/** A boolean; `undefined` gives `dflt`. */
export function checkBoolean(v: unknown, name: string, fname: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ValueError(`${fname}: ${name} must be a boolean (true or false), got ${describeValue(v)}`);
  return v;
}

/** A seed: a safe integer (negative allowed, as counter-based hashing takes any); default 0. */
export function checkSeed(v: unknown, name: string, fname: string, dflt = 0): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ValueError(`${fname}: ${name} must be an integer seed, got ${describeValue(v)}`);
  return v;
}

/** An AbortSignal or undefined (anything with `aborted` and `addEventListener`, as browsers' and Node's). */
export function checkSignal(v: unknown, fname: string): AbortSignal | undefined {
  if (v === undefined) return undefined;
  const s = v as { aborted?: unknown; addEventListener?: unknown } | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new ValueError(`${fname}: options.signal must be an AbortSignal (e.g. new AbortController().signal), got ${describeValue(v)}`);
  }
  return v as AbortSignal;
}

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
  if (typeof v !== 'function') throw new ValueError(`${fname}: options.warn must be a function (message: string) => void, or false, got ${describeValue(v)}`);
  return v as (message: string) => void;
}
