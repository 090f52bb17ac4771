/**
 * Counter-based random numbers (shaders/random.wgsl, a port of src/engine/random.ts): element i
 * depends only on (seed, i), so a seeded draw equals the CPU reference's.
 */
import { seedKey } from '../../random.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output } from './common.js';

/** `size` float32 draws: uniform in [a, b) or normal with mean a and standard deviation b. */
export function random(ctx: GpuContext, size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number): GpuStorage {
  const out = output(ctx, size);
  const normal = dist === 'normal';
  ctx.dispatch('random', {
    constants: { NORMAL: normal ? 1 : 0 },
    // The span b - a is formed in float64 on the host, as the CPU reference does.
    uniforms: { n: size, key: seedKey(seed), a, scale: normal ? b : b - a },
    buffers: { out },
    workgroups: groups(size),
  });
  return out;
}
