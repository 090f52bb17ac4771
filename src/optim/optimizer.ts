/**
 * Shared plumbing of the optimisers: parameter references, matching gradients to parameters,
 * argument checks, and the ownership of optimiser state (kept tensors, disposed by dispose()).
 *
 * Gradients are functional (valueAndGrad / gradientTape return them), so there is no zeroGrad:
 * step(grads) takes the gradients of this step and applies the update on the parameters' engine.
 */
import { DTypeError, type Engine, fmt, keep, noGrad, ShapeError, shapesEqual, Tensor, tidy, ValueError } from '../engine/index.js';

/**
 * A reference to one trainable tensor, as Module.parameterRefs() gives them: get() the current
 * tensor, set(t) replaces it (disposing the old one and keep()ing t).
 */
export interface ParamRef {
  readonly name: string;
  get(): Tensor;
  set(t: Tensor): void;
}

/** What an optimiser trains: an array of parameter refs, or anything with parameterRefs() (a Module). */
export type ParamSource = readonly ParamRef[] | { parameterRefs(): readonly ParamRef[] };

/**
 * The gradients of one step: in the order of the optimiser's parameters, or by parameter name.
 * A null entry skips that parameter this step (its state and step count are left as they are,
 * like a parameter whose .grad is None in PyTorch).
 */
export type Grads = readonly (Tensor | null)[] | Readonly<Record<string, Tensor | null>>;

/** Throws unless v is a finite number >= min (and < max when given); names the option. */
export function checkHyper(v: unknown, name: string, fname: string, min = 0, maxExclusive?: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (maxExclusive !== undefined && v >= maxExclusive)) {
    const range = maxExclusive === undefined ? `>= ${min}` : `in [${min}, ${maxExclusive})`;
    throw new ValueError(`${fname}: ${name} must be a finite number ${range}, got ${String(v)}`);
  }
  return v;
}

/** Throws on option keys the optimiser does not know (catches typos such as weight_decay). */
export function checkOptionKeys(options: object, known: readonly string[], fname: string): void {
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new ValueError(`${fname}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}

function isRefArray(p: unknown): p is readonly ParamRef[] {
  return Array.isArray(p);
}

/** Resolves params to a validated array of refs. */
export function resolveRefs(params: ParamSource, fname: string): ParamRef[] {
  let refs: readonly ParamRef[];
  if (isRefArray(params)) refs = params;
  else if (params !== null && typeof params === 'object' && typeof (params as { parameterRefs?: unknown }).parameterRefs === 'function')
    refs = params.parameterRefs();
  else
    throw new ValueError(
      `${fname}: params must be an array of parameter refs or an object with parameterRefs() (a Module), got ${params === null ? 'null' : typeof params}`,
    );
  if (!Array.isArray(refs)) throw new ValueError(`${fname}: params.parameterRefs() must return an array`);
  refs.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || typeof r.get !== 'function' || typeof r.set !== 'function') {
      throw new ValueError(`${fname}: params[${i}] must be a parameter ref { name, get(), set(t) }`);
    }
  });
  return refs.slice();
}

/** Base class: matching and checking gradients, state ownership, dispose. */
export abstract class Optimizer {
  protected readonly refs: ParamRef[];
  /** Optimiser state per parameter (tensors owned by the optimiser), by name of the state slot. */
  protected readonly state: Map<string, Tensor>[];
  /** Number of updates applied to each parameter (PyTorch's per-parameter `step`). */
  protected readonly stepsOf: number[];
  private lrValue: number;
  private disposedFlag = false;

  protected constructor(
    params: ParamSource,
    lr: number,
    protected readonly fname: string,
  ) {
    this.refs = resolveRefs(params, fname);
    this.lrValue = checkHyper(lr, 'lr', fname);
    this.state = this.refs.map(() => new Map());
    this.stepsOf = this.refs.map(() => 0);
  }

  /** The learning rate; may be changed between steps (a schedule). */
  get lr(): number {
    return this.lrValue;
  }

  set lr(v: number) {
    this.lrValue = checkHyper(v, 'lr', this.fname);
  }

  /** The parameter refs this optimiser updates, in the order step() expects an array of gradients. */
  get params(): readonly ParamRef[] {
    return this.refs;
  }

  /** The parameter names, in the order step() expects an array of gradients. */
  get paramNames(): string[] {
    return this.refs.map((r) => r.name);
  }

  /** Number of updates applied so far to parameter i (0 before its first step). */
  stepCount(i = 0): number {
    return this.stepsOf[i] ?? 0;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Pairs each parameter with its gradient (or null) after checking counts, names, shapes, dtypes. */
  private match(grads: Grads): { param: Tensor; grad: Tensor | null }[] {
    const f = `${this.fname}.step`;
    let list: (Tensor | null)[];
    if (Array.isArray(grads)) {
      if (grads.length !== this.refs.length) {
        throw new ValueError(
          `${f}: grads has ${grads.length} entries but the optimiser has ${this.refs.length} parameters (${this.paramNames.join(', ')}); give them in the same order`,
        );
      }
      list = grads.map((g) => (g === undefined ? null : g));
    } else if (grads !== null && typeof grads === 'object' && !(grads instanceof Tensor)) {
      const rec = grads as Readonly<Record<string, Tensor | null>>;
      const names = new Set(this.paramNames);
      if (names.size !== this.refs.length) throw new ValueError(`${f}: the parameter names are not unique; pass grads as an array`);
      for (const k of Object.keys(rec))
        if (!names.has(k))
          throw new ValueError(`${f}: grads['${k}'] names no parameter of this optimiser (known: ${this.paramNames.join(', ')})`);
      list = this.refs.map((r) => {
        if (!Object.prototype.hasOwnProperty.call(rec, r.name))
          throw new ValueError(`${f}: grads has no entry for parameter '${r.name}' (use null to skip it)`);
        return rec[r.name] ?? null;
      });
    } else {
      throw new ValueError(`${f}: grads must be an array of tensors (in parameter order) or a record by parameter name`);
    }
    let engine: Engine | undefined;
    return this.refs.map((ref, i) => {
      const param = ref.get();
      const what = `parameter ${i} '${ref.name}'`;
      if (!(param instanceof Tensor)) throw new ValueError(`${f}: ${what}: get() did not return a Tensor`);
      param.assertLive(`${f}: ${what}`);
      if (param.dtype !== 'float32') throw new DTypeError(`${f}: ${what} is ${param.dtype}; only float32 parameters can be trained`);
      engine ??= param.engine;
      if (param.engine !== engine) throw new ValueError(`${f}: ${what} lives on another engine than parameter 0`);
      const g = list[i];
      if (g === null) return { param, grad: null };
      const gname = Array.isArray(grads) ? `grads[${i}]` : `grads['${ref.name}']`;
      if (!(g instanceof Tensor)) throw new ValueError(`${f}: ${gname} must be a Tensor or null, got ${typeof g}`);
      g.assertLive(`${f}: ${gname}`);
      if (g.dtype !== 'float32') throw new DTypeError(`${f}: ${gname} must be float32, got ${g.dtype}`);
      if (g.engine !== param.engine) throw new ValueError(`${f}: ${gname} lives on another engine than ${what}`);
      if (!shapesEqual(g.shape, param.shape))
        throw new ShapeError(`${f}: ${gname} has shape ${fmt(g.shape)}, but ${what} has shape ${fmt(param.shape)}`);
      const st = this.state[i];
      for (const [slot, t] of st) {
        if (!shapesEqual(t.shape, param.shape))
          throw new ShapeError(`${f}: ${what} now has shape ${fmt(param.shape)}, its state '${slot}' has ${fmt(t.shape)}`);
      }
      return { param, grad: g };
    });
  }

  /**
   * Applies one update with these gradients (in parameter order, or by name). All arguments are
   * checked before any parameter changes. Runs on the parameters' engine without host reads; the
   * gradients are not disposed (they belong to the caller).
   */
  step(grads: Grads): void {
    if (this.disposedFlag) throw new ValueError(`${this.fname}.step: the optimiser was disposed`);
    const pairs = this.match(grads);
    noGrad(() => {
      pairs.forEach(({ param, grad }, i) => {
        if (!grad) return;
        const step = this.stepsOf[i] + 1;
        const st = this.state[i];
        const { param: next, state } = tidy(() => this.update(param, grad, st, step));
        for (const [slot, t] of Object.entries(state)) {
          keep(t);
          const old = st.get(slot);
          st.set(slot, t);
          if (old && old !== t) old.dispose();
        }
        this.stepsOf[i] = step;
        this.refs[i].set(keep(next));
      });
    });
  }

  /**
   * The update of one parameter (inside tidy and noGrad): the new parameter and the new state
   * tensors (which must be new tensors, not the given ones).
   */
  protected abstract update(
    param: Tensor,
    grad: Tensor,
    state: ReadonlyMap<string, Tensor>,
    step: number,
  ): { param: Tensor; state: Record<string, Tensor> };

  /** Releases the optimiser state (moments, momentum buffers). The optimiser cannot step afterwards. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const st of this.state) {
      for (const t of st.values()) t.dispose();
      st.clear();
    }
  }
}
