/** The gradient of broadcasting, shared by the rules of every op that broadcasts its inputs. */
import { reshape } from '../ops/shape_ops.js';
import { sum } from '../ops/reduce.js';
import { ShapeError } from '../errors.js';
import { fmt, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Sums g over the axes along which a tensor of `shape` was broadcast to g's shape, giving a
 * tensor of `shape` (the gradient of broadcasting).
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumTo: cannot reduce ${fmt(g.shape)} to ${fmt(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, shape);
}
