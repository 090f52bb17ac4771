/** Sequential container (torch.nn.Sequential). */
import { type Engine, fmt, reshape, ShapeError, type Tensor, ValueError } from '../engine/index.js';
import { fusedBlockAt } from './fusion.js';
import { containerTidy } from './hooks.js';
import { Module } from './module.js';

/**
 * Runs its children in order. Children are named '0', '1', … when given as a list, or by the
 * given names ([['conv1', conv], ['relu1', relu]]), which become the PyTorch state_dict prefixes.
 */
export class Sequential extends Module {
  /**
   * Per-example input shape that forward checks (without the batch axis; null entries = any
   * size), e.g. [1, 64, null] for log-mels [B, 1, 64, T]; set by models.fromSpec from the spec's
   * `input`. null: no check. A model trained on 64 mel bands then refuses 128 with a ShapeError
   * instead of silently averaging them away.
   */
  inputShape: readonly (number | null)[] | null = null;

  /**
   * Run Conv2d → BatchNorm2d (eval) → ReLU blocks (and Conv2d → ReLU, Conv2d → BatchNorm2d) as
   * one fused kernel when nothing observes their inner outputs (default true; see nn/fusion.ts).
   * false runs every layer on its own; `nn.setFusion(model, false)` sets it for a whole tree.
   */
  fuse = true;

  constructor(engine: Engine, layers: readonly (Module | readonly [string, Module])[] = []) {
    super(engine);
    if (!Array.isArray(layers)) throw new ValueError('Sequential: layers must be an array of modules or [name, module] pairs');
    for (const l of layers) {
      if (Array.isArray(l)) this.registerModule(l[0], l[1]);
      else this.append(l as Module);
    }
  }

  /** Adds a module at the end, named `name` or its index. */
  append(module: Module, name?: string): this {
    this.registerModule(name ?? String(this._modules.size), module);
    return this;
  }

  get length(): number {
    return this._modules.size;
  }

  /** The child named `name` (or at position `index`). */
  get(nameOrIndex: string | number): Module {
    if (typeof nameOrIndex === 'number') {
      const m = [...this._modules.values()].at(nameOrIndex);
      if (!m) throw new ValueError(`Sequential: no layer at index ${nameOrIndex} (length ${this.length})`);
      return m;
    }
    const m = this._modules.get(nameOrIndex);
    if (!m) throw new ValueError(`Sequential: no layer '${nameOrIndex}' (layers: ${[...this._modules.keys()].join(', ')})`);
    return m;
  }

  /** Throws a ShapeError when x [B, ...] does not match inputShape. */
  checkInput(x: Tensor): void {
    const want = this.inputShape;
    if (!want || !x || !Array.isArray(x.shape)) return;
    const ok = x.rank === want.length + 1 && want.every((d, i) => d === null || d === x.shape[i + 1]);
    if (ok) return;
    const names = want.map((d, i) => (d !== null ? String(d) : i === want.length - 1 ? 'T' : '*'));
    throw new ShapeError(`${this.constructor.name}: expected input [B, ${names.join(', ')}], got ${fmt(x.shape)}`);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    // An empty Sequential passes a view of x on (never x itself, so disposing the output is safe).
    if (this._modules.size === 0) return reshape(x, x.shape);
    return containerTidy(() => {
      let h = x;
      const children = [...this._modules.values()];
      for (let i = 0; i < children.length;) {
        const block = this.fuse ? fusedBlockAt(children, i) : null;
        if (block) {
          h = block.run(h);
          i += block.length;
        } else {
          h = children[i++].call(h);
        }
      }
      return h;
    });
  }
}
