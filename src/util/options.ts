/**
 * Strict option parsing shared by every floor (audio, nn, models, train, and through a re-export
 * xai/shared/options.ts): unknown keys throw a ValueError naming the nearest known key, and the
 * spellings users bring from PyTorch, torchaudio and Captum (`n_fft`, `hopLength`, `n_steps`, ...)
 * are accepted as aliases of the canonical camelCase key. This module sits on the bottom floor:
 * it imports only the engine's face, so audio and nn (below xai) can use it; xai/shared/options.ts
 * re-exports it (same functions, same messages) and adds the xai-only validators.
 */
import { CancelledError, describeValue, nearestName, type OptionSpec, parseOptions, ValueError } from '../engine/index.js';

// Defined in the engine (src/engine/options.ts, which the engine's own calls use too); every floor
// above takes them from here.
export { describeValue, nearestName, parseOptions, type OptionSpec };

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
