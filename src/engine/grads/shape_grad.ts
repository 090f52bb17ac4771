/**
 * Backward rules of the ops that move data without arithmetic (src/engine/ops/shape_ops.ts):
 * each is another data movement (the inverse permutation, the padding a slice cut away, ...).
 */
import { backendOf } from '../backendOf.js';
import { wrap } from '../ops/core.js';
import { add } from '../ops/elementwise.js';
import { flip, pad, permute, reshape, slice } from '../ops/shape_ops.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sumTo } from './sumTo.js';
import type { GradTable } from './types.js';

/**
 * Gradient of reflect padding, one padded axis at a time: the centre block plus the mirrored
 * edge blocks folded back onto the positions they were copied from.
 */
function reflectPadGrad(g: Tensor, shape: Shape, p: readonly (readonly [number, number])[]): Tensor {
  let cur = g;
  for (let ax = 0; ax < shape.length; ax++) {
    const [a, b] = p[ax];
    if (a === 0 && b === 0) continue;
    const n = shape[ax];
    const len = (begin: number, size: number) => {
      const bg = new Array<number>(cur.rank).fill(0);
      const sz = cur.shape.slice();
      bg[ax] = begin;
      sz[ax] = size;
      return slice(cur, bg, sz);
    };
    const padAx = (t: Tensor, before: number, after: number) =>
      pad(
        t,
        cur.shape.map((_, i): [number, number] => (i === ax ? [before, after] : [0, 0])),
      );
    let acc = len(a, n);
    // Left edge: padded position j < a copies x[a - j]; flipped it lands on x[1 .. a].
    if (a > 0) acc = add(acc, padAx(flip(len(0, a), ax), 1, n - 1 - a));
    // Right edge: position a + n + j copies x[n - 2 - j]; flipped it lands on x[n-1-b .. n-2].
    if (b > 0) acc = add(acc, padAx(flip(len(a + n, b), ax), n - 1 - b, 1));
    cur = acc;
  }
  return cur;
}

export const SHAPE_GRADS = {
  reshape: ([g], [v]) => [reshape(g, v.shape)],
  permute: ([g], _i, _o, _n, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((a, i) => (inv[a] = i));
    return [permute(g, inv)];
  },
  // The gradient of a broadcast sums back over the broadcast axes.
  broadcastTo: ([g], [v]) => [sumTo(g, v.shape)],
  slice: ([g], [v], _o, _n, { begin, size }) => [
    pad(
      g,
      v.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]),
    ),
  ],
  flip: ([g], _i, _o, _n, { axes }) => [flip(g, axes)],
  concat: ([g], ins, _o, needs, { axis }) => {
    let at = 0;
    return ins.map((t, i) => {
      const begin = new Array<number>(t.rank).fill(0);
      begin[axis] = at;
      at += t.shape[axis];
      return needs[i] ? slice(g, begin, t.shape) : null;
    });
  },
  pad: ([g], [v], _o, _n, { pads, mode }) => [
    mode === 'constant'
      ? slice(
          g,
          pads.map((q) => q[0]),
          v.shape,
        )
      : reflectPadGrad(g, v.shape, pads),
  ],
  // Scatters back, adding repeated indices; the indices get no gradient.
  gather: ([g], [v, idx], _o, _n, { axis }) => [wrap(v.engine, backendOf(v.engine).scatterAdd(g, idx, axis, v.shape[axis]), v.shape), null],
} satisfies Partial<GradTable>;
