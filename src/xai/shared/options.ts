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

/** Longest message part that shows a user's value (errors stay short, whatever was passed). */
const MAX_SHOWN = 60;

/** A short description of any value for an error message (never serialises big objects). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${String(v)}${typeof v === 'bigint' ? 'n' : ''}`;
  if (Array.isArray(v)) {
    const json = v.length <= 8 && v.every((e) => e === null || typeof e !== 'object') ? JSON.stringify(v) : undefined;
    return json !== undefined && json.length <= MAX_SHOWN ? json : `an array of ${v.length}`;
  }
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v;
}

/** Levenshtein distance (keys are short: O(|a|·|b|) is nothing). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Spelling-insensitive form: case and underscores ignored ('n_steps' ~ 'nSteps'). */
const fold = (s: string) => s.toLowerCase().replace(/_/g, '');

/**
 * The candidate nearest to `key` (by edit distance on case- and underscore-folded names), or
 * undefined when none is close (more than half the key's length away).
 */
export function nearestName(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(fold(key), fold(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.ceil(key.length / 2)) ? best : undefined;
}

/**
 * Strict options: returns a new object with the canonical keys of `spec` (aliases renamed), after
 * checking that `options` is a plain object (undefined gives {}) and every key is known. Values are
 * not validated here: each method validates its own with the validators below.
 */
export function parseOptions<K extends string>(options: unknown, spec: OptionSpec<K>, fname: string): Partial<Record<K, unknown>> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${fname}: options must be an object, got ${describeValue(options)}`);
  }
  const canonicalOf = new Map<string, K>();
  for (const k of Object.keys(spec) as K[]) {
    canonicalOf.set(k, k);
    for (const a of spec[k]) canonicalOf.set(a, k);
  }
  const out: Partial<Record<K, unknown>> = {};
  const givenAs = new Map<K, string>();
  for (const [key, value] of Object.entries(options)) {
    const k = canonicalOf.get(key);
    if (k === undefined) {
      const near = nearestName(key, [...canonicalOf.keys()]);
      const hint = near === undefined ? `known options: ${Object.keys(spec).join(', ')}` : `did you mean '${canonicalOf.get(near)}'?`;
      throw new ValueError(`${fname}: unknown option '${key.length > MAX_SHOWN ? `${key.slice(0, MAX_SHOWN)}…` : key}' — ${hint}`);
    }
    if (value === undefined) continue;
    const before = givenAs.get(k);
    if (before !== undefined) throw new ValueError(`${fname}: options '${before}' and '${key}' are the same option '${k}'; give it once`);
    givenAs.set(k, key);
    out[k] = value;
  }
  return out;
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
