/**
 * Strict option parsing shared by every floor (audio, nn, models, train, and through a re-export
 * xai/shared/options.ts): unknown keys throw a ValueError naming the nearest known key, and the
 * spellings users bring from PyTorch, torchaudio and Captum (`n_fft`, `hopLength`, `n_steps`, ...)
 * are accepted as aliases of the canonical camelCase key. This module sits on the bottom floor:
 * it imports only the engine's face, so audio and nn (below xai) can use it.
 */
import { CancelledError, ValueError } from '../engine/index.js';

/** Canonical key → the other spellings accepted for it (a key with no aliases maps to []). */
export type OptionSpec = Readonly<Record<string, readonly string[]>>;

/** Levenshtein distance between a and b, case-insensitive and ignoring '_' (so n_fft ~ nFft). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase().replace(/_/g, '');
  const t = b.toLowerCase().replace(/_/g, '');
  if (s === t) return 0;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/** The candidate nearest to `key` (ties: the first), or undefined when nothing is within half its length (+2). */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(key, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.ceil(key.length / 2)) ? best : undefined;
}

/** A value shortened for an error message (never a dump of an object's internals). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    // Short arrays of plain values read best as written ([1, 2]); anything longer is counted.
    const json = v.length <= 8 && v.every((e) => e === null || typeof e !== 'object') ? JSON.stringify(v) : undefined;
    return json !== undefined && json.length <= 60 ? json : `an array of ${v.length}`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Checks `options` against `spec` and returns a new object with canonical keys (the input is not
 * mutated). `undefined` or `{}` give `{}`. Unknown keys throw "fname: unknown option 'n_step' —
 * did you mean 'steps'?"; a key given twice under two spellings throws too.
 */
export function parseOptions<T = Record<string, unknown>>(options: unknown, spec: OptionSpec, fname: string): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new ValueError(`${fname}: options must be a plain object, got ${describeValue(options)}`);
  }
  const aliasOf = new Map<string, string>();
  for (const [canon, aliases] of Object.entries(spec)) {
    aliasOf.set(canon, canon);
    for (const a of aliases) aliasOf.set(a, canon);
  }
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const key of Object.keys(options)) {
    const canon = aliasOf.get(key);
    if (canon === undefined) {
      const near = nearestKey(key, [...aliasOf.keys()]);
      const hint = near ? ` — did you mean '${aliasOf.get(near) === near ? near : `${aliasOf.get(near)}' (alias '${near}')`}${aliasOf.get(near) === near ? "'" : ''}?` : '';
      const known = Object.keys(spec);
      const list = known.length <= 12 ? known.join(', ') : `${known.slice(0, 12).join(', ')}, … (${known.length} in all)`;
      throw new ValueError(`${fname}: unknown option '${key.length > 40 ? `${key.slice(0, 40)}…` : key}'${hint || ` — known options: ${list}`}`);
    }
    const v = (options as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (canon in out) throw new ValueError(`${fname}: option '${canon}' given twice (as '${from[canon]}' and '${key}')`);
    out[canon] = v;
    from[canon] = key;
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

/** A positive integer ≤ max (default Number.MAX_SAFE_INTEGER), else a ValueError naming `name`. */
export function positiveInt(v: unknown, name: string, fname: string, opts: { max?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ValueError(`${fname}: ${name} must be a positive integer, got ${describeValue(v)}`);
  if (opts.max !== undefined && v > opts.max) throw new ValueError(`${fname}: ${name} must be at most ${opts.max.toLocaleString('en-US')}, got ${v.toLocaleString('en-US')}`);
  return v;
}

/** A finite number (optionally within [min, max]), else a ValueError naming `name`. */
export function finiteNumber(v: unknown, name: string, fname: string, opts: { min?: number; max?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${fname}: ${name} must be a finite number, got ${describeValue(v)}`);
  if (opts.min !== undefined && v < opts.min) throw new ValueError(`${fname}: ${name} must be ≥ ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new ValueError(`${fname}: ${name} must be ≤ ${opts.max}, got ${v}`);
  return v;
}

/** A finite number ≥ 0, else a ValueError naming `name`. */
export function nonNegativeNumber(v: unknown, name: string, fname: string): number {
  return finiteNumber(v, name, fname, { min: 0 });
}

/** A boolean, else a ValueError naming `name`. */
export function checkBoolean(v: unknown, name: string, fname: string): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${fname}: ${name} must be true or false, got ${describeValue(v)}`);
  return v;
}

/** One of `allowed`, else a ValueError listing them. */
export function oneOf<T>(v: unknown, allowed: readonly T[], name: string, fname: string): T {
  if (!allowed.includes(v as T)) throw new ValueError(`${fname}: ${name} must be one of ${allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')}, got ${describeValue(v)}`);
  return v as T;
}

/** An integer seed (a safe integer), else a ValueError. */
export function checkSeed(v: unknown, fname: string, name = 'seed'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ValueError(`${fname}: ${name} must be an integer, got ${describeValue(v)}`);
  return v;
}

/** undefined or an AbortSignal (anything with `aborted` and `addEventListener`), else a ValueError. */
export function checkSignal(v: unknown, fname: string): AbortSignal | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || typeof (v as AbortSignal).aborted !== 'boolean') throw new ValueError(`${fname}: signal must be an AbortSignal, got ${describeValue(v)}`);
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
