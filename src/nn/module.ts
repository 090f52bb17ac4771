/**
 * Module: the base of the `nn` layers, with PyTorch's names and semantics.
 *
 * A module owns its parameters and buffers (tensors kept out of every tidy scope) and its child
 * modules, in registration order. Names follow PyTorch: `namedModules()` is a pre-order walk with
 * '' for the root, parameters are 'conv1.weight', BatchNorm buffers are 'bn1.running_mean' etc.
 *
 * Tensors are immutable, so "updating" a parameter replaces it: `parameterRefs()` gives the
 * optimisers a get/set handle per parameter; `set` keeps the new tensor (enclosing tidy scopes do
 * not free it) and disposes the old one. BatchNorm updates its running statistics the same way.
 *
 * `call(x)` runs `forward(x)` plus the hooks of `forwardWithActivations` (capture or replace a
 * named module's output). Containers call their children through `call`, so any module tree
 * (nested Sequentials, custom containers) supports activations by name ('features.conv1').
 */
import { noGrad } from '../engine/autograd.js';
import { Engine } from '../engine/engine.js';
import { DTypeError, ValueError } from '../engine/errors.js';
import { cast, clone } from '../engine/ops/shape_ops.js';
import { pcgHash, seedKey } from '../engine/random.js';
import type { HostTensor } from '../engine/safetensors.js';
import { checkHostTensor, toFloat32, toInt32 } from '../engine/safetensorsConvert.js';
import { keep, tidy } from '../engine/scope.js';
import { fmt, shapesEqual } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';

/** A handle on one parameter, as the optimisers use it. */
export interface ParameterRef {
  /** Full PyTorch name, e.g. 'conv1.weight'. */
  readonly name: string;
  /** The current tensor (changes after set). */
  get(): Tensor;
  /**
   * Replaces the parameter by `t` (same shape, float32, same engine): keeps `t` out of every
   * enclosing tidy scope and disposes the previous tensor.
   */
  set(t: Tensor): void;
}

/** A state_dict value: a tensor on the model's engine, or host data (e.g. from readSafetensors). */
export type StateDictValue = Tensor | HostTensor;

export interface LoadStateDictOptions {
  /**
   * true (default): every key of the model must be given and no other key. false: missing and
   * unexpected keys are allowed (and reported in the result); shape mismatches still fail.
   */
  strict?: boolean;
}

export interface LoadStateDictResult {
  /** Keys of the model that were not given (always [] with strict). */
  missingKeys: string[];
  /** Given keys that the model does not have (always [] with strict). */
  unexpectedKeys: string[];
}

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

/** Thrown by loadStateDict; lists every problem found, and the model is left unchanged. */
export class StateDictError extends ValueError {
  constructor(
    message: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    /** 'key: checkpoint [..] vs model [..]' per mismatch. */
    readonly shapeMismatches: readonly string[],
    /** Values that cannot be loaded (wrong type, other engine, disposed, bad host data). */
    readonly invalid: readonly string[],
  ) {
    super(message);
  }
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
 * Runs a container's body in a tidy scope (intermediates freed as the pass goes), except during
 * forwardWithActivations, whose own scope keeps captured activations alive until it returns.
 */
export function containerTidy(fn: () => Tensor): Tensor {
  return hooksActive() ? fn() : tidy(fn);
}

let autoSeed = 0;

/** Seed for a layer built without one: a process-wide counter (deterministic in a fresh process). */
export function nextAutoSeed(): number {
  return autoSeed++;
}

/** A uint32 seed derived from `seed` and a stream index `k` (independent streams per k). */
export function deriveSeed(seed: number, k: number): number {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`seed must be an integer, got ${String(seed)}`);
  return pcgHash((seedKey(seed) ^ pcgHash((k + 0x9e3779b9) >>> 0)) >>> 0);
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ValueError(`${what} name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
  return name;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

type Slot = { owner: Module; kind: 'param' | 'buffer'; local: string; current: Tensor };

export abstract class Module {
  /** Train mode (default) or eval mode; see train() / eval(). */
  training = true;
  /** @internal */ readonly _parameters = new Map<string, Tensor | null>();
  /** @internal */ readonly _buffers = new Map<string, Tensor | null>();
  /** @internal */ readonly _modules = new Map<string, Module>();

  constructor(readonly engine: Engine) {
    if (!(engine instanceof Engine)) throw new ValueError(`${new.target.name}: the first argument must be an Engine, got ${describe(engine)}`);
  }

  /** The layer's computation. Call modules through call() (or forwardWithActivations) to apply hooks. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Runs forward(x) and, inside forwardWithActivations, replaces and records this module's output.
   * Containers must call their children through call().
   */
  call(x: Tensor): Tensor {
    const y = this.forward(x);
    const ctx = hookStack[hookStack.length - 1];
    if (!ctx) return y;
    const name = ctx.nameOf.get(this);
    if (name === undefined) return y;
    ctx.called.add(name);
    let out = y;
    const fn = ctx.replace.get(name);
    if (fn) {
      out = fn(y);
      if (!isTensor(out)) throw new ValueError(`forwardWithActivations: replace['${name}'] must return a Tensor, got ${describe(out)}`);
      out.assertLive(`forwardWithActivations: replace['${name}'] result`);
      if (out.engine !== this.engine) throw new ValueError(`forwardWithActivations: replace['${name}'] returned a tensor of another engine`);
    }
    if (ctx.capture.has(name)) ctx.activations[name] = out;
    return out;
  }

  // ---- registration ------------------------------------------------------------------------

  private checkFree(name: string, what: string): void {
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new ValueError(`${this.constructor.name}: cannot register ${what} '${name}': the name is taken`);
    }
  }

  private adopt(t: Tensor, name: string): Tensor {
    if (!isTensor(t)) throw new ValueError(`${this.constructor.name}: '${name}' must be a Tensor, got ${describe(t)}`);
    t.assertLive(name);
    if (t.engine !== this.engine) throw new ValueError(`${this.constructor.name}: '${name}' belongs to another engine`);
    return keep(t);
  }

  /** Registers a parameter (or null for an absent one, like bias=False). The module owns the tensor from now on. */
  registerParameter(name: string, t: Tensor | null): void {
    checkName(name, 'parameter');
    this.checkFree(name, 'parameter');
    if (t !== null && t.dtype !== 'float32') throw new DTypeError(`${this.constructor.name}: parameter '${name}' must be float32, got ${t.dtype}`);
    this._parameters.set(name, t === null ? null : this.adopt(t, name));
  }

  /** Registers a buffer (state saved in the state_dict but not trained, e.g. running_mean). */
  registerBuffer(name: string, t: Tensor | null): void {
    checkName(name, 'buffer');
    this.checkFree(name, 'buffer');
    this._buffers.set(name, t === null ? null : this.adopt(t, name));
  }

  /** Registers a child module under `name` (PyTorch's add_module). */
  registerModule(name: string, m: Module): Module {
    checkName(name, 'module');
    this.checkFree(name, 'module');
    if (!(m instanceof Module)) throw new ValueError(`${this.constructor.name}: module '${name}' must be a Module, got ${describe(m)}`);
    if (m.engine !== this.engine) throw new ValueError(`${this.constructor.name}: module '${name}' belongs to another engine`);
    this._modules.set(name, m);
    return m;
  }

  /** The parameter `name` of this module (not of children); throws if absent. */
  getParameter(name: string): Tensor {
    const t = this._parameters.get(name);
    if (!t) throw new ValueError(`${this.constructor.name}: no parameter '${name}' (has ${[...this._parameters.keys()].join(', ') || 'none'})`);
    return t;
  }

  /** The parameter `name`, or null when registered as absent. */
  protected param(name: string): Tensor | null {
    return this._parameters.get(name) ?? null;
  }

  /** The buffer `name` of this module; throws if absent. */
  getBuffer(name: string): Tensor {
    const t = this._buffers.get(name);
    if (!t) throw new ValueError(`${this.constructor.name}: no buffer '${name}' (has ${[...this._buffers.keys()].join(', ') || 'none'})`);
    return t;
  }

  /** Replaces a buffer (keeps the new tensor, disposes the old one). */
  protected setBuffer(name: string, t: Tensor): void {
    if (!this._buffers.has(name)) throw new ValueError(`${this.constructor.name}: no buffer '${name}'`);
    this.swap(this._buffers, name, t);
  }

  private swap(map: Map<string, Tensor | null>, name: string, t: Tensor): void {
    const old = map.get(name);
    if (old === t) return;
    map.set(name, keep(t));
    old?.dispose();
  }

  /** The descendant module at a dotted path ('features.conv1'); '' is this module. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    for (const part of path.split('.')) {
      const c = m._modules.get(part);
      if (!c) throw new ValueError(`getSubmodule: no module '${path}' (valid: ${this.namedModules().map(([n]) => n).filter((n) => n).join(', ')})`);
      m = c;
    }
    return m;
  }

  // ---- traversal ---------------------------------------------------------------------------

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this._modules.entries()];
  }

  children(): Module[] {
    return [...this._modules.values()];
  }

  /** Every module of the tree, pre-order, with '' for this one (each module once, as PyTorch). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [n, c] of m._modules) walk(c, join(p, n));
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with their full names ('conv1.weight'), in PyTorch's order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [p, m] of this.namedModules()) {
      for (const [n, t] of m._parameters) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([join(p, n), t]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers with their full names ('bn1.running_mean', 'bn1.num_batches_tracked' as int32). */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [p, m] of this.namedModules()) {
      for (const [n, t] of m._buffers) if (t) out.push([join(p, n), t]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  /** get/set handles on every parameter, for the optimisers (see ParameterRef). */
  parameterRefs(): ParameterRef[] {
    const refs: ParameterRef[] = [];
    for (const [p, m] of this.namedModules()) {
      for (const local of m._parameters.keys()) {
        if (!m._parameters.get(local)) continue;
        const name = join(p, local);
        refs.push({
          name,
          get: () => {
            const t = m._parameters.get(local);
            if (!t) throw new ValueError(`parameter '${name}' is gone`);
            return t;
          },
          set: (t: Tensor) => {
            const cur = m._parameters.get(local);
            if (!cur) throw new ValueError(`parameter '${name}' is gone`);
            if (!isTensor(t)) throw new ValueError(`set('${name}'): expected a Tensor, got ${describe(t)}`);
            t.assertLive(`set('${name}')`);
            if (t.engine !== m.engine) throw new ValueError(`set('${name}'): the tensor belongs to another engine`);
            if (t.dtype !== 'float32') throw new DTypeError(`set('${name}'): expected float32, got ${t.dtype}`);
            if (!shapesEqual(t.shape, cur.shape)) throw new ValueError(`set('${name}'): expected shape ${fmt(cur.shape)}, got ${fmt(t.shape)}`);
            m.swap(m._parameters, local, t);
          },
        });
      }
    }
    return refs;
  }

  // ---- modes -------------------------------------------------------------------------------

  /** Sets train mode (true) or eval mode (false) on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = !!mode;
    return this;
  }

  /** Eval mode: BatchNorm uses its running statistics, Dropout is the identity. */
  eval(): this {
    return this.train(false);
  }

  // ---- state dict --------------------------------------------------------------------------

  private slots(): Map<string, Slot> {
    const out = new Map<string, Slot>();
    for (const [p, m] of this.namedModules()) {
      for (const [n, t] of m._parameters) if (t) out.set(join(p, n), { owner: m, kind: 'param', local: n, current: t });
      for (const [n, t] of m._buffers) if (t) out.set(join(p, n), { owner: m, kind: 'buffer', local: n, current: t });
    }
    return out;
  }

  /**
   * Parameters and buffers by PyTorch name, in PyTorch's order. The tensors are the module's own
   * (not copies): do not dispose them; they stay valid until the module replaces them.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, s] of this.slots()) out[k] = s.current;
    return out;
  }

  /**
   * Loads parameters and buffers by PyTorch name from tensors of this engine or host tensors
   * (readSafetensors output: F64/F16/BF16 become float32, I64 num_batches_tracked becomes int32).
   * Everything is checked first; any problem throws one StateDictError listing all missing keys,
   * unexpected keys, shape mismatches and invalid values, and the model is left unchanged.
   * Values are copied (the caller keeps ownership of what it passed).
   */
  loadStateDict(tensors: Record<string, StateDictValue>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || isTensor(tensors)) {
      throw new ValueError(`loadStateDict: expected a record of name → tensor, got ${describe(tensors)}`);
    }
    const strict = options.strict ?? true;
    const slots = this.slots();
    const missing: string[] = [];
    const unexpected: string[] = [];
    const mismatched: string[] = [];
    const invalid: string[] = [];
    const plan: { slot: Slot; value: StateDictValue }[] = [];
    for (const [key, slot] of slots) {
      if (!Object.prototype.hasOwnProperty.call(tensors, key)) {
        missing.push(key);
        continue;
      }
      const v = tensors[key];
      const want = slot.current;
      let shape: readonly number[];
      if (isTensor(v)) {
        if (v.isDisposed) {
          invalid.push(`${key}: the tensor was disposed`);
          continue;
        }
        if (v.engine !== this.engine) {
          invalid.push(`${key}: the tensor belongs to another engine`);
          continue;
        }
        shape = v.shape;
      } else {
        try {
          checkHostTensor(v, key);
          if (want.dtype === 'int32' && !['I32', 'I64'].includes(v.dtype)) {
            // Integer buffers take integer data; float data is accepted only when integral.
            const f = toFloat32(v);
            if (!f.every((x) => Number.isInteger(x) && Math.abs(x) <= 2147483647)) throw new ValueError(`${key}: int32 buffer needs integer values, got ${v.dtype} data with fractions`);
          } else if (want.dtype === 'int32') {
            toInt32(v); // range check of I64
          }
        } catch (e) {
          invalid.push(e instanceof Error ? e.message : String(e));
          continue;
        }
        shape = v.shape;
      }
      // A 1-element value fits a 1-element slot of another rank ([] vs [1]) only as in PyTorch: not at all.
      if (!shapesEqual(shape, want.shape)) {
        mismatched.push(`${key}: checkpoint ${fmt(shape)} vs model ${fmt(want.shape)}`);
        continue;
      }
      plan.push({ slot, value: v });
    }
    for (const key of Object.keys(tensors)) if (!slots.has(key)) unexpected.push(key);
    const fatalMissing = strict ? missing : [];
    const fatalUnexpected = strict ? unexpected : [];
    if (fatalMissing.length || fatalUnexpected.length || mismatched.length || invalid.length) {
      const parts: string[] = [];
      if (fatalMissing.length) parts.push(`missing keys (${fatalMissing.length}): ${fatalMissing.join(', ')}`);
      if (fatalUnexpected.length) parts.push(`unexpected keys (${fatalUnexpected.length}): ${fatalUnexpected.join(', ')}`);
      if (mismatched.length) parts.push(`shape mismatches (${mismatched.length}): ${mismatched.join('; ')}`);
      if (invalid.length) parts.push(`invalid values (${invalid.length}): ${invalid.join('; ')}`);
      throw new StateDictError(
        `loadStateDict (${this.constructor.name}): nothing was loaded, the model is unchanged.\n  ${parts.join('\n  ')}`,
        fatalMissing,
        fatalUnexpected,
        mismatched,
        invalid,
      );
    }
    // Build every new tensor first; only then swap, so a failure cannot leave a half-loaded model.
    const built: Tensor[] = [];
    try {
      noGrad(() => {
        for (const { slot, value } of plan) built.push(keep(this.materialise(value, slot.current)));
      });
    } catch (e) {
      for (const t of built) t.dispose();
      throw e;
    }
    plan.forEach(({ slot }, i) => slot.owner.swap(slot.kind === 'param' ? slot.owner._parameters : slot.owner._buffers, slot.local, built[i]));
    return { missingKeys: strict ? [] : missing, unexpectedKeys: strict ? [] : unexpected };
  }

  /** A new tensor of `like`'s dtype and shape holding `v`'s values. */
  private materialise(v: StateDictValue, like: Tensor): Tensor {
    const e = this.engine;
    if (isTensor(v)) {
      if (v.dtype === like.dtype) {
        // An int32 scalar with a known value is re-created from the host so its value stays known.
        const r = v.intRange;
        if (v.dtype === 'int32' && v.size === 1 && r && r[0] === r[1]) return e.tensor([r[0]], like.shape, 'int32');
        return clone(v);
      }
      return cast(v, like.dtype);
    }
    if (like.dtype === 'int32') {
      const data = v.dtype === 'I32' || v.dtype === 'I64' ? toInt32(v) : Int32Array.from(toFloat32(v));
      return e.tensor(data, like.shape, 'int32');
    }
    return e.tensor(toFloat32(v), like.shape, 'float32');
  }

  // ---- activations -------------------------------------------------------------------------

  /**
   * Runs the model on x and returns its output together with the outputs of the named modules
   * (names as namedModules() gives them, e.g. 'conv3' or 'features.conv1'). `replace` substitutes
   * modules' outputs during the pass. The activations are the tensors the pass used, so inside a
   * gradientTape `tape.gradient(y, [activations.conv3])` is d y / d conv3. Intermediates not
   * returned are disposed at the end. A module called several times reports its last output.
   */
  forwardWithActivations(x: Tensor, names: readonly string[], options: ForwardWithActivationsOptions = {}): ActivationsResult {
    if (!Array.isArray(names)) throw new ValueError(`forwardWithActivations: names must be an array of module names, got ${describe(names)}`);
    const all = this.namedModules();
    const nameOf = new Map<Module, string>();
    for (const [n, m] of all) nameOf.set(m, n);
    const valid = new Set(all.map(([n]) => n));
    const replace = options.replace ?? {};
    if (replace === null || typeof replace !== 'object') throw new ValueError(`forwardWithActivations: options.replace must be a record of name → function`);
    const unknown = [...names.filter((n) => !valid.has(n)), ...Object.keys(replace).filter((n) => !valid.has(n))];
    if (unknown.length) {
      const list = all.map(([n]) => (n === '' ? "'' (the whole model)" : n)).join(', ');
      throw new ValueError(`forwardWithActivations: unknown module name(s) ${[...new Set(unknown)].map((n) => JSON.stringify(n)).join(', ')}; valid names: ${list}`);
    }
    for (const [n, f] of Object.entries(replace)) {
      if (typeof f !== 'function') throw new ValueError(`forwardWithActivations: replace['${n}'] must be a function (act) => Tensor, got ${describe(f)}`);
    }
    const ctx: HookContext = { nameOf, capture: new Set(names), replace: new Map(Object.entries(replace)), activations: {}, called: new Set() };
    return tidy(() => {
      hookStack.push(ctx);
      let output: Tensor;
      try {
        output = this.call(x);
      } finally {
        hookStack.splice(hookStack.lastIndexOf(ctx), 1);
      }
      const notCalled = [...names, ...Object.keys(replace)].filter((n) => !ctx.called.has(n));
      if (notCalled.length) {
        throw new ValueError(`forwardWithActivations: module(s) ${[...new Set(notCalled)].join(', ')} were not called by the forward pass (modules must be called through call())`);
      }
      return { output, activations: { ...ctx.activations } };
    });
  }

  // ---- lifetime & printing -----------------------------------------------------------------

  /** Frees every parameter and buffer of the tree. The module cannot be used afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of m._parameters.values()) t?.dispose();
      for (const t of m._buffers.values()) t?.dispose();
    }
  }

  /** The layer's arguments, as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style description of the tree. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this._modules.size === 0) return `${head})`;
    const lines = [...this._modules].map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}
