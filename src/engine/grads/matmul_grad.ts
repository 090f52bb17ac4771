/**
 * Backward rule of matmul (src/engine/ops/matmul.ts): the same kernel with transposes flipped,
 * then a sum over batch dimensions that were broadcast.
 */
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/shape_ops.js';
import type { Tensor } from '../tensor.js';
import { sumTo } from './sumTo.js';
import type { GradTable } from './types.js';

export const MATMUL_GRADS = {
  matmul: ([g], [x, w], _o, needs, { transA, transB, batch, m, n }) => {
    // Work on the 2-D-ified forms: g as [..., m, n].
    const g2 = reshape(g, [...batch, m, n]);
    const xa = x.rank === 1 ? reshape(x, transA ? [x.size, 1] : [1, x.size]) : x;
    const wb = w.rank === 1 ? reshape(w, transB ? [1, w.size] : [w.size, 1]) : w;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      // dA = g B^T (or its transpose when a was used transposed).
      const full = transA ? matmul(wb, g2, { transA: transB, transB: true }) : matmul(g2, wb, { transB: !transB });
      ga = reshape(sumTo(full, xa.shape), x.shape);
    }
    if (needs[1]) {
      const full = transB ? matmul(g2, xa, { transA: true, transB: transA }) : matmul(xa, g2, { transA: !transA });
      gb = reshape(sumTo(full, wb.shape), w.shape);
    }
    return [ga, gb];
  },
} satisfies Partial<GradTable>;
