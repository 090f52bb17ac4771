/**
 * tidy scopes: every tensor created inside `tidy(fn)` is disposed when fn returns, except the
 * tensors fn returns (found anywhere inside arrays and plain objects), which move to the
 * enclosing scope. Scopes are global (not per engine), like PyTorch's grad mode.
 */
import { ValueError } from './errors.js';
import { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** @internal Called for every new tensor. */
export function trackTensor(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].add(t);
}

/** @internal Called when a tensor is disposed. */
export function untrackTensor(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].delete(t);
}

/** Collects the tensors inside a value (tensor, array, Map values or plain object). */
export function collectTensors(value: unknown, out = new Set<Tensor>(), seen = new Set<unknown>()): Set<Tensor> {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof Tensor) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, seen);
  }
  return out;
}

const ASYNC_MSG = 'tidy(fn): fn must be synchronous; await reads outside tidy';

/** True for `async function` / `async () =>` (refused before they run, so no promise exists). */
function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

/**
 * Runs fn and disposes every tensor it created but those it returns. fn must be synchronous
 * (GPU work is recorded synchronously; only reads are async): an async function is refused
 * before it runs, and a plain function that returns a promise anyway gets a ValueError with
 * that promise's rejection marked handled, so it can never surface later as an unhandled
 * rejection that ends the process.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError(`tidy(fn): fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  if (isAsyncFunction(fn)) throw new ValueError(ASYNC_MSG);
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (isThenable(result)) {
    // Mark the dropped promise's rejection handled before refusing it.
    Promise.resolve(result).catch(() => undefined);
    for (const t of scope) t.dispose();
    throw new ValueError(ASYNC_MSG);
  }
  const keep = collectTensors(result);
  for (const t of scope) {
    if (keep.has(t)) {
      if (scopes.length) scopes[scopes.length - 1].add(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v instanceof Promise ||
    (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function')
  );
}

/** Marks a tensor to survive every enclosing tidy scope (it must then be disposed by hand). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}
