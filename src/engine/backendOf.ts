/**
 * The engine's backend, for the engine's own modules only (ops, autograd, tensor). `Engine`
 * keeps its backend in a private field and hands this module the one accessor at class
 * definition; the engine's face (src/engine/index.ts) does not export it, so code above the
 * engine cannot reach the primitives. Tests reach it through test/helpers.
 */
import type { Backend } from './backend.js';
import type { Engine } from './engine.js';

let accessor: ((e: Engine) => Backend) | null = null;

/** @internal Called once, by the Engine class. */
export function setBackendAccessor(fn: (e: Engine) => Backend): void {
  accessor = fn;
}

/** The backend that runs `e`'s primitives. */
export function backendOf(e: Engine): Backend {
  return accessor!(e);
}
