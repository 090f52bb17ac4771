/**
 * Layout helpers shared by both backends: the CPU reference kernels and the WebGPU kernel
 * wrappers walk several operands over one logical shape, each with its own element strides
 * (0 = broadcast, negative = flipped), and both first collapse the axes they can merge.
 */
import type { Shape } from './shape.js';

export interface Collapsed {
  shape: number[];
  /** strides[k][d]: operand k's stride along collapsed axis d. */
  strides: number[][];
}

/**
 * Drops size-1 axes and merges adjacent axes that are contiguous for every operand, so the
 * innermost loop runs as long as possible. The result iterates the same elements in the same
 * (row-major) order.
 */
export function collapseAxes(shape: Shape, strides: readonly (readonly number[])[]): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < strides.length; k++) {
      if (outStrides[k][last] !== strides[k][d] * n) merge = false;
    }
    if (merge) {
      outShape[last] *= n;
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}
