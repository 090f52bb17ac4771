/**
 * Strict option parsing shared by every floor (audio, nn, models, train, and through a re-export
 * xai/shared/options.ts): unknown keys throw a ValueError naming the nearest known key, and the
 * spellings users bring from PyTorch, torchaudio and Captum (`n_fft`, `hopLength`, `n_steps`, ...)
 * are accepted as aliases of the canonical camelCase key. This module sits on the bottom floor:
 * it imports only the engine's face, so audio and nn (below xai) can use it; xai/shared/options.ts
 * re-exports it (same functions, same messages) and adds the xai-only validators.
 */
import { CancelledError, editDistance, ValueError } from '../engine/index.js';

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

/** A spec from canonical keys, each accepting its snake_case spelling (hopLength → hop_length). */
export function withSnakeCase(keys: readonly string[], extra: Readonly<Record<string, readonly string[]>> = {}): OptionSpec {
  const spec: Record<string, string[]> = {};
  for (const k of keys) {
    const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    spec[k] = [...(snake !== k ? [snake] : []), ...(extra[k] ?? [])];
  }
  return spec;
}

/**
 * A positive integer; `undefined` gives `opts.default` (or a ValueError when there is none);
 * `opts.max` is a documented upper bound.
 */
export function positiveInt(v: unknown, name: string, fname: string, opts: { max?: number; default?: number } = {}): number {
  if (v === undefined && opts.default !== undefined) return opts.default;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new ValueError(`${fname}: ${name} must be a positive integer, got ${describeValue(v)}`);
  if (opts.max !== undefined && v > opts.max) throw new ValueError(`${fname}: ${name} = ${v} exceeds the limit of ${opts.max}`);
  return v;
}

/** A finite number within [min, max] (inclusive, when given); `undefined` gives `opts.default`. */
export function finiteNumber(v: unknown, name: string, fname: string, opts: { min?: number; max?: number; default?: number } = {}): number {
  if (v === undefined && opts.default !== undefined) return opts.default;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${fname}: ${name} must be a finite number, got ${describeValue(v)}`);
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
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new ValueError(`${fname}: ${name} must be an integer seed, got ${describeValue(v)}`);
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

/** undefined or a function, else a ValueError. */
export function checkCallback<F>(v: unknown, name: string, fname: string): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new ValueError(`${fname}: ${name} must be a function, got ${describeValue(v)}`);
  return v as F;
}

/** Throws CancelledError when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, fname: string): void {
  if (signal?.aborted) throw new CancelledError(`${fname}: cancelled`);
}

const g = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: typeof MessageChannel };

/**
 * One event-loop turn (a macrotask), so timers, I/O, the device's callbacks and a browser's
 * rendering run between chunks of work: setImmediate in Node, a MessageChannel message in
 * browsers (setTimeout(0) is clamped to 4 ms there), setTimeout otherwise.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => void g.setImmediate!(resolve));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A list shortened for an error message: "3 keys: a, b, c" or "518,504 keys, e.g. 0, 1, 2".
 * `noun` is plural ("unexpected keys").
 */
export function capList(items: readonly string[], noun: string, show = 5, sep = ', '): string {
  const n = items.length.toLocaleString('en-US');
  const cut = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s);
  if (items.length <= show) return `${n} ${noun}: ${items.map(cut).join(sep)}`;
  return `${n} ${noun}, e.g. ${items.slice(0, Math.min(3, show)).map(cut).join(sep)}`;
}
