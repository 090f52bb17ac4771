/**
 * Strict option objects, the one implementation for every floor: the engine's own calls use it
 * directly (through checkEngineOptions in suggest.ts), the floors above through src/util/options.ts,
 * which re-exports it from the engine's face and adds the validators. Unknown keys throw a
 * ValueError naming the nearest known key; aliases (PyTorch, torchaudio, Captum spellings) map to
 * the canonical key.
 */
import { ValueError } from './errors.js';
import { editDistance } from './suggest.js';

/** Canonical key → accepted aliases (a key with no aliases maps to []). */
export type OptionSpec<K extends string = string> = {
  readonly [P in K]: readonly string[];
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
    // Short arrays of plain values read best as written ([1, 2]); anything longer is counted.
    const json = v.length <= 8 && v.every((e) => e === null || typeof e !== 'object') ? JSON.stringify(v) : undefined;
    return json !== undefined && json.length <= MAX_SHOWN ? json : `an array of ${v.length}`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.byteLength} bytes`;
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v;
}

/** Spelling-insensitive form: case and underscores ignored ('n_steps' ~ 'nSteps'). */
const fold = (s: string) => s.toLowerCase().replace(/_/g, '');

/**
 * The candidate nearest to `key` (the engine's edit distance on case- and underscore-folded
 * names), or undefined when none is close (more than half the key's length away).
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
 * checking that `options` is a plain object (undefined gives {}) and every key is known; the
 * caller's object is never mutated. An unknown key throws "fname: unknown option 'n_step' — did
 * you mean 'steps'?"; a key given twice (canonical and alias) throws too. Values are not
 * validated here: each function validates its own with the validators below.
 */
export function parseOptions<T = Record<string, unknown>, K extends string = string>(
  options: unknown,
  spec: OptionSpec<K>,
  fname: string,
): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new ValueError(`${fname}: options must be an object, got ${describeValue(options)}`);
  }
  const canonicalOf = new Map<string, K>();
  for (const k of Object.keys(spec) as K[]) {
    canonicalOf.set(k, k);
    for (const a of spec[k]) canonicalOf.set(a, k);
  }
  const out: Record<string, unknown> = {};
  const givenAs = new Map<K, string>();
  for (const [key, value] of Object.entries(options)) {
    const k = canonicalOf.get(key);
    if (k === undefined) {
      const near = nearestName(key, [...canonicalOf.keys()]);
      const known = Object.keys(spec);
      const list = known.length <= 16 ? known.join(', ') : `${known.slice(0, 16).join(', ')}, … (${known.length} in all)`;
      const hint = near === undefined ? `known options: ${list}` : `did you mean '${canonicalOf.get(near)}'?`;
      throw new ValueError(`${fname}: unknown option '${key.length > MAX_SHOWN ? `${key.slice(0, MAX_SHOWN)}…` : key}' — ${hint}`);
    }
    if (value === undefined) continue;
    const before = givenAs.get(k);
    if (before !== undefined) throw new ValueError(`${fname}: options '${before}' and '${key}' are the same option '${k}'; give it once`);
    givenAs.set(k, key);
    out[k] = value;
  }
  return out as Partial<T>;
}

/**
 * Strict keys for the engine's own option objects (parseOptions without aliases): undefined gives
 * {}, anything but a plain object or a key not in `known` is a ValueError naming the nearest known
 * key. Returns a new object with the given keys; the caller's is never mutated.
 */
export function checkEngineOptions<T extends object>(options: T | undefined, known: readonly string[], fname: string): Partial<T> {
  return parseOptions<T>(options, Object.fromEntries(known.map((k) => [k, []])), fname);
}
