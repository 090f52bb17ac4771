/**
 * Reverse-mode autograd on a tape.
 *
 * While a tape is active (inside `grad`, `valueAndGrad`, `vjp` or `gradientTape`) and not inside
 * `noGrad`, every differentiable op appends a node (its name, inputs, outputs and the attrs its
 * backward rule needs).
 * `tape.gradient(y, xs, dy)` then walks the nodes in reverse, visiting only nodes on a path from
 * some x to y, and asks each rule only for the input gradients that lead back to an x: so the
 * gradient with respect to an input never computes weight gradients, and gradients with respect
 * to intermediate tensors (a layer's activation, for Grad-CAM and TCAV) come from the same walk.
 * The rules live in one table keyed by op name (src/engine/grads/): the tape imports no ops (they
 * import the tape to record themselves); the engine installs the table when it is created
 * (`setGradTable`), and the tape looks each node's rule up at backward time. Backward rules are
 * themselves written with differentiable ops, so they run on either backend.
 */
import { backendOf } from './backendOf.js';
import { DTypeError, ShapeError, ValueError } from './errors.js';
import type { AnyGradRule, GradRule, GradTable, OpAttrs } from './grads/types.js';
import { DIFFERENTIABLE_OPS, NON_DIFFERENTIABLE_OPS, type DifferentiableOp } from './primitives.js';
import { nearest } from './suggest.js';
import { tidy } from './scope.js';
import { fmt, shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A backward rule: given the gradients of the outputs (same shapes as the outputs), returns the
 * gradient of each input (same shape as that input), or null where `needs[i]` is false or the
 * input is not differentiable.
 */
export type BackwardRule = (
  gys: readonly Tensor[],
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  needs: readonly boolean[],
) => (Tensor | null)[];

interface TapeNode {
  op: DifferentiableOp;
  /** What the op saved for its rule (OpAttrs[op]). */
  attrs: unknown;
  /** Ids of the op's tensors (gradients are keyed by them). */
  inputIds: readonly number[];
  outputIds: readonly number[];
  /** Private aliases of the op's tensors, alive as long as the node. */
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  /** Tapes holding this node; the aliases are released when the last one ends. */
  holders: number;
}

/**
 * prev + g for two gradients of the same tensor (same shape). The tape imports no ops (they
 * import the tape to record themselves): gradients are summed under noGrad, so the backend's add
 * primitive is all it takes.
 */
function accumulate(prev: Tensor, g: Tensor): Tensor {
  const e = prev.engine;
  return e._wrap(backendOf(e).binary('add', prev, g, prev.shape), prev.shape, 'float32');
}

function releaseNode(node: TapeNode): void {
  if (--node.holders > 0) return;
  for (const t of node.inputs) t.dispose();
  for (const t of node.outputs) t.dispose();
}

const activeTapes: Tape[] = [];
let noGradDepth = 0;
const overrides: Map<DifferentiableOp, AnyGradRule>[] = [];
let gradTable: GradTable | null = null;

/** @internal The engine installs the table of backward rules (src/engine/grads/) when it is created. */
export function setGradTable(table: GradTable): void {
  gradTable = table;
}

/** True when ops should be recorded (some tape active and not inside noGrad). */
export function isRecording(): boolean {
  return activeTapes.length > 0 && noGradDepth === 0;
}

/**
 * @internal Records an op on every active tape: its name, inputs, outputs and the attrs its rule
 * in the gradient table needs. Called by the op layer (`record` in ops/core.ts).
 */
export function recordOp<K extends DifferentiableOp>(
  op: K,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: OpAttrs[K],
): void {
  if (!isRecording()) return;
  const node: TapeNode = {
    op,
    attrs,
    inputIds: inputs.map((t) => t.id),
    outputIds: outputs.map((t) => t.id),
    inputs: inputs.map((t) => t._retain()),
    outputs: outputs.map((t) => t._retain()),
    holders: activeTapes.length,
  };
  for (const t of activeTapes) t.nodes.push(node);
}

/** Runs fn without recording any op (inference: no tape memory, no backward bookkeeping). */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/**
 * Backward rules by the name of the op they replace (see DIFFERENTIABLE_OPS in ./primitives.ts).
 * A rule receives the op's attrs (OpAttrs in ./grads/types.ts) as a fifth argument; a plain
 * `BackwardRule` ignores them.
 */
export type BackwardOverrides = { [K in DifferentiableOp]?: GradRule<K> };

/**
 * Runs fn with some ops' backward rules replaced, e.g. `{ relu: guidedReluRule }` for Guided
 * Backprop. The replacement applies to gradients computed inside fn (whenever the op was recorded).
 * Keys are differentiable op names (DIFFERENTIABLE_OPS): TypeScript rejects a misspelt key, and so
 * does this function at run time (a ValueError naming the nearest op, or saying that the op has no
 * gradient), since a silently ignored override is a wrong answer.
 */
export function withBackwardOverride<T>(rules: BackwardOverrides, fn: () => T): T {
  if (rules === null || typeof rules !== 'object')
    throw new ValueError(
      `withBackwardOverride: rules must be an object of backward rules by op name, got ${rules === null ? 'null' : typeof rules}`,
    );
  if (typeof fn !== 'function') throw new ValueError(`withBackwardOverride: fn must be a function, got ${typeof fn}`);
  const map = new Map<DifferentiableOp, AnyGradRule>();
  for (const [key, rule] of Object.entries(rules)) {
    if ((NON_DIFFERENTIABLE_OPS as readonly string[]).includes(key))
      throw new ValueError(
        `withBackwardOverride: '${key}' is not differentiable (no gradient flows through it): there is no rule to override`,
      );
    if (!(DIFFERENTIABLE_OPS as readonly string[]).includes(key)) {
      const near = nearest(key, DIFFERENTIABLE_OPS);
      throw new ValueError(`withBackwardOverride: unknown op '${key.slice(0, 40)}'${near ? ` — did you mean '${near}'?` : ''}`);
    }
    if (typeof rule !== 'function')
      throw new ValueError(`withBackwardOverride: the rule for '${key}' must be a function, got ${rule === null ? 'null' : typeof rule}`);
    map.set(key as DifferentiableOp, rule as AnyGradRule);
  }
  overrides.push(map);
  try {
    return fn();
  } finally {
    overrides.pop();
  }
}

/**
 * The innermost active override of `op`'s backward rule, if any. A fused op whose backward runs
 * another op's rule inline (fusedConv2d's ReLU) asks here, so that an override of that op (Guided
 * Backprop's relu rule) still applies inside the fused op.
 */
export function backwardOverride(op: DifferentiableOp): AnyGradRule | undefined {
  for (let i = overrides.length - 1; i >= 0; i--) {
    const r = overrides[i].get(op);
    if (r) return r;
  }
  return undefined;
}

/** The rule of a node: the innermost override of its op, else the table's. */
function ruleFor(node: TapeNode): AnyGradRule {
  const rule = backwardOverride(node.op) ?? (gradTable?.[node.op] as AnyGradRule | undefined);
  if (!rule) throw new Error(`internal: no backward rule for '${node.op}' (is the gradient table installed?)`);
  return rule;
}

/** A recording of ops from which gradients with respect to any recorded tensor can be taken. */
export class Tape {
  /** @internal */ nodes: TapeNode[] = [];

  /**
   * Gradients of y with respect to each of xs (inputs or intermediate tensors recorded on this
   * tape). dy is the output gradient (vector-Jacobian product); when omitted y must hold one
   * element and dy = 1. Tensors of xs that y does not depend on get zero gradients.
   */
  gradient(y: Tensor, xs: readonly Tensor[], dy?: Tensor): Tensor[] {
    if (!(y instanceof Tensor))
      throw new ValueError(`gradient: y must be a Tensor (the function's scalar output), got ${y === null ? 'null' : typeof y}`);
    y.assertLive('y');
    xs.forEach((x, i) => {
      x.assertLive(`xs[${i}]`);
      // An int32 tensor is not differentiable: a silent zero gradient would hide the mistake.
      if (x.dtype !== 'float32') throw new DTypeError(`xs[${i}]: gradients are taken with respect to float32 tensors, got ${x.dtype}`);
    });
    if (y.dtype !== 'float32') throw new DTypeError(`y: expected a float32 tensor, got ${y.dtype}`);
    if (dy) {
      dy.assertLive('dy');
      if (!shapesEqual(dy.shape, y.shape))
        throw new ShapeError(`dy: expected shape ${fmt(y.shape)} (the shape of y), got ${fmt(dy.shape)}`);
    } else if (y.size !== 1) {
      throw new ShapeError(
        `y: gradient without dy needs a tensor of one element, got ${fmt(y.shape)}; pass dy for a vector-Jacobian product`,
      );
    }
    const engine = y.engine;
    return noGrad(() =>
      tidy(() => {
        // Forward sweep: which tensors depend on some x.
        const fromX = new Set<number>(xs.map((x) => x.id));
        const relevant: boolean[] = this.nodes.map((node) => {
          const hit = node.inputIds.some((id) => fromX.has(id));
          if (hit) for (const id of node.outputIds) fromX.add(id);
          return hit;
        });
        const grads = new Map<number, Tensor>();
        grads.set(y.id, dy ?? engine.ones(y.shape));
        const wanted = new Set(xs.map((x) => x.id));
        // Tensors the tape or the caller own: a gradient that is one of them is never disposed here.
        const owned = new Set<Tensor>(dy ? [dy, ...xs] : xs);
        for (const node of this.nodes) for (const t of [...node.inputs, ...node.outputs]) owned.add(t);
        for (let n = this.nodes.length - 1; n >= 0; n--) {
          if (!relevant[n]) continue;
          const node = this.nodes[n];
          if (!node.outputIds.some((id) => grads.has(id))) continue;
          const gys = node.outputs.map((o, i) => grads.get(node.outputIds[i]) ?? engine.zeros(o.shape));
          const needs = node.inputs.map((t, i) => fromX.has(node.inputIds[i]) && t.dtype === 'float32');
          // The rule's temporaries die with it, and an output's gradient dies once its (only)
          // producer has consumed it: without this a backward pass held every intermediate
          // gradient until the end (GPU memory and buffer churn grew with the model's depth).
          const gxs = tidy(() => ruleFor(node)(gys, node.inputs, node.outputs, needs, node.attrs as never));
          const passed = new Set(gxs);
          node.outputIds.forEach((id, i) => {
            if (wanted.has(id)) return;
            const gy = gys[i];
            grads.delete(id);
            if (!owned.has(gy) && !passed.has(gy) && ![...grads.values()].includes(gy)) gy.dispose();
          });
          node.inputs.forEach((t, i) => {
            const g = gxs[i];
            if (!needs[i] || !g) return;
            if (!shapesEqual(g.shape, t.shape)) {
              throw new ShapeError(`backward of ${node.op}: gradient of input ${i} has shape ${fmt(g.shape)}, expected ${fmt(t.shape)}`);
            }
            const id = node.inputIds[i];
            const prev = grads.get(id);
            grads.set(id, prev ? accumulate(prev, g) : g);
          });
        }
        // A gradient may be shared (add hands its incoming gradient to both inputs; xs may list a
        // tensor twice) or be a tensor the caller owns (dy, a recorded tensor): hand back distinct
        // tensors, as views where needed, so that disposing one never disposes another.
        const borrowed = new Set<Tensor>(dy ? [dy, ...xs] : xs);
        for (const node of this.nodes) for (const t of [...node.inputs, ...node.outputs]) borrowed.add(t);
        return xs.map((x) => {
          const g = grads.get(x.id) ?? engine.zeros(x.shape);
          if (!borrowed.has(g)) {
            borrowed.add(g);
            return g;
          }
          return engine._view(g, g.shape);
        });
      }),
    );
  }
}

/**
 * Runs fn with a new tape and returns what it returns. Inside, `tape.gradient(y, xs, dy)` gives
 * gradients with respect to any tensor recorded so far, intermediate ones included. Every tensor
 * created inside is disposed at the end except those fn returns.
 */
export function gradientTape<T>(fn: (tape: Tape) => T): T {
  checkFunction(fn, 'gradientTape');
  const tape = new Tape();
  return tidy(() => {
    activeTapes.push(tape);
    try {
      return fn(tape);
    } finally {
      activeTapes.splice(activeTapes.indexOf(tape), 1);
      for (const node of tape.nodes) releaseNode(node);
      tape.nodes = [];
    }
  });
}

function tensorArgs(args: readonly unknown[], argnums: readonly number[] | undefined, fname: string): Tensor[] {
  const idx = argnums ?? args.map((_, i) => i);
  return idx.map((i) => {
    const a = args[i];
    if (!(a instanceof Tensor)) throw new ValueError(`${fname}: argument ${i} must be a Tensor to differentiate with respect to it`);
    if (a.dtype !== 'float32')
      throw new DTypeError(
        `${fname}: argument ${i} is ${a.dtype}; gradients are taken with respect to float32 tensors (pass argnums to leave it out)`,
      );
    return a;
  });
}

/**
 * valueAndGrad(f)(...args): evaluates the scalar function f and its gradient with respect to
 * each tensor argument (or those listed in argnums). Returns { value, grads }.
 */
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  argnums?: readonly number[],
): (...args: A) => { value: Tensor; grads: Tensor[] } {
  checkFunction(f, 'valueAndGrad');
  return (...args: A) => {
    const xs = tensorArgs(args, argnums, 'valueAndGrad');
    return gradientTape((tape) => {
      const value = f(...args);
      if (!(value instanceof Tensor))
        throw new ValueError(`valueAndGrad: f must return a Tensor (a scalar), got ${value === null ? 'null' : typeof value}`);
      return { value, grads: tape.gradient(value, xs) };
    });
  };
}

/** grad(f)(...args): the gradient of the scalar f with respect to each tensor argument. */
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, argnums?: readonly number[]): (...args: A) => Tensor[] {
  checkFunction(f, 'grad');
  const vg = valueAndGrad(f, argnums);
  return (...args: A) => {
    const { value, grads } = vg(...args);
    // f may return one of its arguments (the identity): that tensor is the caller's.
    if (!args.includes(value)) value.dispose();
    return grads;
  };
}

/**
 * Vector-Jacobian product: value = f(...inputs) and grads[i] = dy^T * d value / d inputs[i].
 * With one-hot rows as dy, a batch of per-example gradients costs one backward pass.
 */
export function vjp(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], dy: Tensor): { value: Tensor; grads: Tensor[] } {
  checkFunction(f, 'vjp');
  return gradientTape((tape) => {
    const value = f(...inputs);
    return { value, grads: tape.gradient(value, inputs, dy) };
  });
}

/** A function argument of the autograd transforms, checked where it is given (not on first call). */
function checkFunction(f: unknown, fname: string): void {
  if (typeof f !== 'function') throw new ValueError(`${fname}: expected a function, got ${f === null ? 'null' : typeof f}`);
}
