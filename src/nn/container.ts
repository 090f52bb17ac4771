/** Sequential container (torch.nn.Sequential). */
import { type Engine, reshape, type Tensor, ValueError } from '../engine/index.js';
import { containerTidy } from './hooks.js';
import { Module } from './module.js';

/**
 * Runs its children in order. Children are named '0', '1', … when given as a list, or by the
 * given names ([['conv1', conv], ['relu1', relu]]), which become the PyTorch state_dict prefixes.
 */
export class Sequential extends Module {
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

  forward(x: Tensor): Tensor {
    // An empty Sequential passes a view of x on (never x itself, so disposing the output is safe).
    if (this._modules.size === 0) return reshape(x, x.shape);
    return containerTidy(() => {
      let h = x;
      for (const m of this._modules.values()) h = m.call(h);
      return h;
    });
  }
}
