/** Activation-hook machinery of nn modules: forwardWithActivations (capture or replace named modules' outputs) and the hook state that call() and containers consult. */
import { nearest, type Tensor, tidy, ValueError } from '../engine/index.js';
import type { Module } from './module.js';
import { describe, isTensor } from './moduleUtils.js';

export interface ForwardWithActivationsOptions {
  /**
   * Substitutes named modules' outputs during the pass: the module's output is passed to the
   * function and what it returns is used downstream (and returned as that activation).
   */
  replace?: Record<string, (act: Tensor) => Tensor>;
}

export interface ActivationsResult {
  output: Tensor;
  /** Output of each requested module (after replacement, if any): the very tensor the pass used. */
  activations: Record<string, Tensor>;
}

interface HookContext {
  nameOf: Map<Module, string>;
  capture: Set<string>;
  replace: Map<string, (act: Tensor) => Tensor>;
  activations: Record<string, Tensor>;
  called: Set<string>;
}

const hookStack: HookContext[] = [];

/** True while a forwardWithActivations pass runs: containers then keep their intermediates. */
export function hooksActive(): boolean {
  return hookStack.length > 0;
}

/**
 * True when the running forwardWithActivations pass captures or replaces module m's output. A
 * container then calls m on its own: a fused block must never hide a layer someone asked for.
 */
export function hookTouches(m: Module): boolean {
  const ctx = hookStack[hookStack.length - 1];
  const name = ctx?.nameOf.get(m);
  return name !== undefined && (ctx.capture.has(name) || ctx.replace.has(name));
}

/**
 * Runs a container's body in a tidy scope (intermediates freed as the pass goes), except during
 * forwardWithActivations, whose own scope keeps captured activations alive until it returns.
 */
export function containerTidy(fn: () => Tensor): Tensor {
  return hooksActive() ? fn() : tidy(fn);
}

/** The hooks of Module.call: inside forwardWithActivations, replaces and records module m's output y. */
export function applyHooks(m: Module, y: Tensor): Tensor {
  const ctx = hookStack[hookStack.length - 1];
  if (!ctx) return y;
  const name = ctx.nameOf.get(m);
  if (name === undefined) return y;
  ctx.called.add(name);
  let out = y;
  const fn = ctx.replace.get(name);
  if (fn) {
    out = fn(y);
    if (!isTensor(out)) throw new ValueError(`forwardWithActivations: replace['${name}'] must return a Tensor, got ${describe(out)}`);
    out.assertLive(`forwardWithActivations: replace['${name}'] result`);
    if (out.engine !== m.engine) throw new ValueError(`forwardWithActivations: replace['${name}'] returned a tensor of another engine`);
  }
  if (ctx.capture.has(name)) ctx.activations[name] = out;
  return out;
}

/**
 * Module.forwardWithActivations, with m the model (see there).
 *
 * Runs the model on x and returns its output together with the outputs of the named modules
 * (names as namedModules() gives them, e.g. 'conv3' or 'features.conv1'). `replace` substitutes
 * modules' outputs during the pass. The activations are the tensors the pass used, so inside a
 * gradientTape `tape.gradient(y, [activations.conv3])` is d y / d conv3. Intermediates not
 * returned are disposed at the end. A module called several times reports its last output.
 */
export function forwardWithActivations(
  m: Module,
  x: Tensor,
  names: readonly string[],
  options: ForwardWithActivationsOptions = {},
): ActivationsResult {
  if (!Array.isArray(names)) throw new ValueError(`forwardWithActivations: names must be an array of module names, got ${describe(names)}`);
  const all = m.namedModules();
  const nameOf = new Map<Module, string>();
  for (const [n, mod] of all) nameOf.set(mod, n);
  const valid = new Set(all.map(([n]) => n));
  const replace = options.replace ?? {};
  if (replace === null || typeof replace !== 'object')
    throw new ValueError(`forwardWithActivations: options.replace must be a record of name → function`);
  // Errors name what was passed without serialising it (a module holds the engine and its tensors).
  names.forEach((n, i) => {
    if (typeof n === 'string') return;
    const own = typeof n === 'object' && n !== null ? nameOf.get(n as unknown as Module) : undefined;
    const what = own !== undefined ? `a ${describe(n)} module; its name in this model is '${own}'` : `${describe(n)}`;
    throw new ValueError(`forwardWithActivations: names[${i}] must be a module name (a string), got ${what}`);
  });
  const unknown = [...new Set([...names.filter((n) => !valid.has(n)), ...Object.keys(replace).filter((n) => !valid.has(n))])];
  if (unknown.length) {
    const named = all.map(([n]) => n).filter((n) => n !== '');
    const shown = unknown.slice(0, 3).map((n) => {
      const near = nearest(n, named);
      return `${JSON.stringify(n.length > 60 ? `${n.slice(0, 60)}…` : n)}${near ? ` (did you mean '${near}'?)` : ''}`;
    });
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
    const list = named.length > 24 ? `${named.slice(0, 24).join(', ')}, … (${named.length} in all)` : named.join(', ');
    throw new ValueError(
      `forwardWithActivations: unknown module name(s) ${shown.join(', ')}${more}; valid names: '' (the whole model), ${list}`,
    );
  }
  for (const [n, f] of Object.entries(replace)) {
    if (typeof f !== 'function')
      throw new ValueError(`forwardWithActivations: replace['${n}'] must be a function (act) => Tensor, got ${describe(f)}`);
  }
  const ctx: HookContext = {
    nameOf,
    capture: new Set(names),
    replace: new Map(Object.entries(replace)),
    activations: {},
    called: new Set(),
  };
  return tidy(() => {
    hookStack.push(ctx);
    let output: Tensor;
    try {
      output = m.call(x);
    } finally {
      hookStack.splice(hookStack.lastIndexOf(ctx), 1);
    }
    const notCalled = [...names, ...Object.keys(replace)].filter((n) => !ctx.called.has(n));
    if (notCalled.length) {
      throw new ValueError(
        `forwardWithActivations: module(s) ${[...new Set(notCalled)].join(', ')} were not called by the forward pass (modules must be called through call())`,
      );
    }
    return { output, activations: { ...ctx.activations } };
  });
}
