/** Activation and shape layers without parameters: ReLU, Sigmoid, Tanh, Dropout, Flatten, Identity. */
import { parseOptions } from '../util/options.js';
import { dropout, type Engine, flatten, relu, reshape, sigmoid, tanh, type Tensor, ValueError } from '../engine/index.js';
import { seedOption } from './init.js';
import { deriveSeed, Module } from './module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Passes its input on (as a new view of it). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return reshape(x, x.shape);
  }
}

export interface DropoutOptions {
  /** Base seed of the masks; call k of forward in train mode uses a seed derived from (seed, k). */
  seed?: number;
}

/**
 * Inverted dropout: in train mode zeroes each element with probability p and scales the rest by
 * 1/(1-p); in eval mode (or p = 0) passes the input on. Masks are reproducible: the k-th train
 * forward draws from (seed, k), so a run with the same seed replays the same masks.
 */
export class Dropout extends Module {
  p: number;
  readonly seed: number;
  /** Train-mode calls so far (advances the mask seed). */
  calls = 0;

  constructor(engine: Engine, p = 0.5, options: DropoutOptions = {}) {
    super(engine);
    options = parseOptions<DropoutOptions>(options, { seed: [] }, 'Dropout');
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`Dropout: p must be in [0, 1), got ${String(p)}`);
    this.p = p;
    this.seed = seedOption(options.seed, 'Dropout');
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return reshape(x, x.shape);
    return dropout(x, { p: this.p, training: true, seed: deriveSeed(this.seed, this.calls++) });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Flattens axes startDim..endDim into one (default: all but the batch axis), as torch.nn.Flatten. */
export class Flatten extends Module {
  constructor(
    engine: Engine,
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super(engine);
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim))
      throw new ValueError(`Flatten: startDim and endDim must be integers, got ${startDim}, ${endDim}`);
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
