/**
 * WebGPU random kernel against the CPU reference (both run the counter-based PCG hash of
 * src/engine/random.ts). Uniform draws are bit-identical when a and b - a are exact in float32
 * (otherwise within 1 float32 ulp: the CPU rounds a float64 result once); normal draws agree
 * within 1e-6 * max(|x|, 1) (float32 log and cos on the GPU; lavapipe measures 6e-7 over 12M draws).
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { gpuBackend } from '../helpers/gpu.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

async function draw(size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number) {
  const gs = gpu!.random(size, seed, dist, a, b);
  const cs = cpu.random(size, seed, dist, a, b);
  const g = await gpu!.read(gs, size, 'float32');
  const c = await cpu.read(cs, size, 'float32');
  gpu!.free(gs);
  cpu.free(cs);
  return [g, c] as const;
}

const SIZES = [0, 1, 7, 13, 257, 10_007];
const SEEDS = [0, 1, 42, 2 ** 32 + 7, 2 ** 40 + 12345, -3];

describe.skipIf(!gpu)('webgpu random kernel', () => {
  it('uniform draws are bit-identical to the CPU for float32-exact ranges', async () => {
    for (const [a, b] of [
      [0, 1],
      [-1, 1],
      [2, 6],
      [-3, 5],
    ]) {
      for (const seed of SEEDS) {
        for (const n of SIZES) {
          const [g, c] = await draw(n, seed, 'uniform', a, b);
          expect(Array.from(g), `uniform [${a}, ${b}) seed ${seed} n ${n}`).toEqual(Array.from(c));
          for (const v of g) if (!(v >= a && v < b)) expect.fail(`uniform draw ${v} outside [${a}, ${b})`);
        }
      }
    }
  });

  it('uniform draws in an inexact range are within 1 float32 ulp', async () => {
    const [g, c] = await draw(10_007, 9, 'uniform', 0.1, 0.7);
    for (let i = 0; i < g.length; i++) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(c[i]))) - 23);
      if (Math.abs(g[i] - c[i]) > ulp) expect.fail(`element ${i}: ${g[i]} vs ${c[i]}`);
    }
  });

  it('normal draws match the CPU within 1e-6', async () => {
    for (const [mean, sd] of [
      [0, 1],
      [3, 0.5],
      [-1, 2],
    ]) {
      for (const seed of SEEDS) {
        for (const n of SIZES) {
          const [g, c] = await draw(n, seed, 'normal', mean, sd);
          for (let i = 0; i < n; i++) {
            if (!(Math.abs(g[i] - c[i]) <= 1e-6 * Math.max(Math.abs(c[i]), 1)))
              expect.fail(`normal seed ${seed} element ${i}: ${g[i]} vs ${c[i]}`);
          }
        }
      }
    }
  });

  it('draws past 65,535 workgroups (64 * 70000 elements) match the CPU', async () => {
    const n = 64 * 70_000;
    const [g, c] = await draw(n, 123, 'uniform', 0, 1);
    for (let i = 0; i < n; i++) if (g[i] !== c[i]) expect.fail(`element ${i}: ${g[i]} vs ${c[i]}`);
  });
});
