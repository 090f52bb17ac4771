/**
 * Counter-based random numbers of the CPU reference (twin of webgpu/kernels/random.ts): element
 * i depends only on (seed, i) through src/engine/random.ts, so both backends draw the same values.
 */
import { normalAt, seedKey, uniformAt } from '../random.js';

/** `size` draws: 'uniform' in [a, b), 'normal' with mean a and standard deviation b. */
export function randomKernel(size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number): Float64Array {
  const key = seedKey(seed);
  const out = new Float64Array(size);
  if (dist === 'uniform') {
    const w = b - a;
    for (let i = 0; i < size; i++) out[i] = a + w * uniformAt(key, i);
  } else {
    for (let i = 0; i < size; i++) out[i] = a + b * normalAt(key, i);
  }
  return out;
}
