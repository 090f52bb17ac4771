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
import {
  concat,
  DTypeError,
  Engine,
  fmt,
  keep,
  OutOfMemoryError,
  shapesEqual,
  slice,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { applyHooks, forwardWithActivations, hooksActive, type ActivationsResult, type ForwardWithActivationsOptions } from './hooks.js';
import { checkName, describe, isTensor, join } from './moduleUtils.js';
import { prepareLoadStateDict, stateSlots, type LoadStateDictOptions, type LoadStateDictResult, type StateDictValue } from './stateDict.js';

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

let autoSeed = 0;

/** Seed for a layer built without one: a process-wide counter (deterministic in a fresh process). */
export function nextAutoSeed(): number {
  return autoSeed++;
}

/** A uint32 seed derived from `seed` and stream keys (the engine's one seeded RNG, engine/rng.ts). */
export { deriveSeed } from '../engine/index.js';

/** Depth of Module.call inside an outermost (chunkable) call: only the outermost splits. */
let chunkableDepth = 0;

/** True for the error a single over-sized allocation raises (which a smaller batch avoids). */
function splittable(err: unknown): boolean {
  return err instanceof OutOfMemoryError && err.requestedBytes !== undefined;
}

/**
 * Runs m.forward(x); when a tensor of the pass would exceed the engine's per-binding limit
 * (OutOfMemoryError with the requested size, raised before anything runs), runs each half of
 * the batch the same way and concatenates the outputs along axis 0. Eval-mode layers treat the
 * examples independently, so the result equals the unchunked one (training mode is never split:
 * batch norm's statistics depend on the batch). Differentiable (slice and concat are), and each
 * attempt is tidied, so a failed attempt leaves no tensors behind. A batch of one that still does
 * not fit throws the error.
 */
function callInChunks(m: Module, x: Tensor): Tensor {
  try {
    return tidy(() => m.forward(x));
  } catch (err) {
    const n = x.shape[0];
    if (!splittable(err) || n < 2) throw err;
    const h = Math.ceil(n / 2);
    return tidy(() => {
      const rest = x.shape.slice(1);
      const a = callInChunks(m, slice(x, [0, ...rest.map(() => 0)], [h, ...rest]));
      const b = callInChunks(m, slice(x, [h, ...rest.map(() => 0)], [n - h, ...rest]));
      return concat([a, b], 0);
    });
  }
}

export abstract class Module {
  /** Train mode (default) or eval mode; see train() / eval(). */
  training = true;
  /** @internal */ readonly _parameters = new Map<string, Tensor | null>();
  /** @internal */ readonly _buffers = new Map<string, Tensor | null>();
  /** @internal */ readonly _modules = new Map<string, Module>();

  constructor(readonly engine: Engine) {
    if (!(engine instanceof Engine))
      throw new ValueError(`${new.target.name}: the first argument must be an Engine, got ${describe(engine)}`);
  }

  /** The layer's computation. Call modules through call() (or forwardWithActivations) to apply hooks. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Runs forward(x) and, inside forwardWithActivations, replaces and records this module's output.
   * Containers must call their children through call().
   */
  call(x: Tensor): Tensor {
    // A Float32Array or a nested array here would fail deep inside with a TypeError.
    if (!isTensor(x))
      throw new ValueError(`${this.constructor.name}.call: x must be a Tensor (engine.tensor(data, shape)), got ${describe(x)}`);
    // The outermost call of a model in eval mode, outside forwardWithActivations, splits its batch
    // when a tensor would exceed the device's per-binding limit (see callInChunks).
    if (chunkableDepth > 0 || this.training || hooksActive() || x.rank < 1 || x.shape[0] < 2) {
      const y = this.forward(x);
      return applyHooks(this, y);
    }
    chunkableDepth++;
    try {
      return callInChunks(this, x);
    } finally {
      chunkableDepth--;
    }
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
    if (t !== null && t.dtype !== 'float32')
      throw new DTypeError(`${this.constructor.name}: parameter '${name}' must be float32, got ${t.dtype}`);
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
    if (!t)
      throw new ValueError(`${this.constructor.name}: no parameter '${name}' (has ${[...this._parameters.keys()].join(', ') || 'none'})`);
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
      if (!c)
        throw new ValueError(
          `getSubmodule: no module '${path}' (valid: ${this.namedModules()
            .map(([n]) => n)
            .filter((n) => n)
            .join(', ')})`,
        );
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
            if (!shapesEqual(t.shape, cur.shape))
              throw new ValueError(`set('${name}'): expected shape ${fmt(cur.shape)}, got ${fmt(t.shape)}`);
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

  /**
   * Parameters and buffers by PyTorch name, in PyTorch's order. The tensors are the module's own
   * (not copies): do not dispose them; they stay valid until the module replaces them.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, s] of stateSlots(this)) out[k] = s.current;
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
    const { plan, built, result } = prepareLoadStateDict(this, tensors, options);
    plan.forEach(({ slot }, i) =>
      slot.owner.swap(slot.kind === 'param' ? slot.owner._parameters : slot.owner._buffers, slot.local, built[i]),
    );
    return result;
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
    return forwardWithActivations(this, x, names, options);
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
