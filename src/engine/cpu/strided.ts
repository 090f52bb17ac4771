/**
 * Strided iteration of the CPU elementwise and copy kernels: several operands walked over
 * one logical shape, each with its own element strides (0 = broadcast, negative = flipped).
 */
import type { Shape } from '../shape.js';
import { collapseAxes } from '../layout.js';

/**
 * Calls `row(offsets, len, innerStrides)` once per innermost row of `shape` (row-major order),
 * where offsets[k] is operand k's element offset at the row start (starting from bases[k]) and
 * innerStrides[k] its stride along the row. A rank-0 shape is one row of length 1. The
 * `offsets` array is reused between calls. Nothing is called when the shape has no elements.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  bases: readonly number[],
  row: (offsets: number[], len: number, innerStrides: readonly number[]) => void,
): void {
  for (const d of shape) if (d === 0) return;
  const c = collapseAxes(shape, strides);
  const rank = c.shape.length;
  const nOps = strides.length;
  const offs = bases.slice();
  if (rank === 0) {
    row(offs, 1, new Array<number>(nOps).fill(0));
    return;
  }
  const len = c.shape[rank - 1];
  const inner = c.strides.map((s) => s[rank - 1]);
  const outerRank = rank - 1;
  const counter = new Int32Array(outerRank);
  for (;;) {
    row(offs, len, inner);
    let d = outerRank - 1;
    for (; d >= 0; d--) {
      counter[d]++;
      for (let k = 0; k < nOps; k++) offs[k] += c.strides[k][d];
      if (counter[d] < c.shape[d]) break;
      for (let k = 0; k < nOps; k++) offs[k] -= c.strides[k][d] * c.shape[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}
