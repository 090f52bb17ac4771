/**
 * Median filtering on the engine (for HPSS): the median of k neighbours along one axis, built
 * from elementwise ops so it runs on either backend with no host round trip. The k shifted
 * copies are stacked; for each copy i its rank among the k values is counted
 * (#{j: v_j < v_i} + #{j < i: v_j = v_i}, so ties get distinct ranks), and the median is the value
 * whose rank is (k − 1) / 2. Cost O(k²·N) elementwise work, O(k·N) memory. Edges are reflected
 * (torch-style 'reflect', the edge sample not repeated).
 */
import { add, equal, less, mul, pad, slice, stack, sum, type Tensor, tidy, ValueError } from '../../../engine/index.js';

/** Median over a window of k (odd) along `axis` of x (same shape out). */
export function medianFilter(x: Tensor, k: number, axis: number): Tensor {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new ValueError(`medianFilter: kernel must be an odd positive integer, got ${k}`);
  const ax = axis < 0 ? x.rank + axis : axis;
  const n = x.shape[ax];
  const h = (k - 1) / 2;
  if (h === 0) return tidy(() => add(x, 0));
  if (h >= n)
    throw new ValueError(`medianFilter: kernel ${k} is too long for an axis of ${n} (reflect padding needs kernel <= ${2 * n - 1})`);
  return tidy(() => {
    const pads = x.shape.map((_, i) => (i === ax ? [h, h] : [0, 0]) as [number, number]);
    const padded = pad(x, pads, { mode: 'reflect' });
    const begin = x.shape.map(() => 0);
    const shifted = Array.from({ length: k }, (_, i) => {
      const b = begin.slice();
      b[ax] = i;
      return slice(padded, b, x.shape);
    });
    const v = stack(shifted, 0); // [k, ...x]
    let median: Tensor | null = null;
    for (let i = 0; i < k; i++) {
      const vi = shifted[i];
      let rank = sum(less(v, vi), 0);
      if (i > 0) rank = add(rank, sum(equal(slice(v, [0], [i]), vi), 0));
      const pick = mul(equal(rank, h), vi);
      median = median ? add(median, pick) : pick;
    }
    return median!;
  });
}
