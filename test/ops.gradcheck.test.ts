/**
 * Finite-difference gradient checks of every differentiable op of the op table
 * (test/helpers/opTable.ts), on the CPU engine (float64 inside, so differences are accurate).
 *
 * Objective: f(xs) = sum(fn(xs) * R), R a fixed random tensor of the output's shape.
 * Analytic: `grad(f, argnums)` for every float input that is differentiated.
 * Numeric: central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), eps = 1e-3, with
 * the perturbed inputs uploaded as float64 and the difference taken inside the engine (so
 * reading it as float32 costs no precision). Every coordinate is checked for inputs of at most
 * 64 elements; for larger inputs, 24 seeded coordinates (first and last included).
 * Tolerance: max_i |analytic_i - numeric_i| <= 1e-3 * max_i |analytic_i| (per input).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { grad } from '../src/engine/autograd.js';
import { abs, clamp, max, maximum, minimum, mul, pow, relu, sub, sum } from '../src/engine/ops/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import { drawInputs, gradArgs, hashSeed, makeTensors, objective, OP_CASES, runCase, weights, type OpCase } from './helpers/opTable.js';
import { rng } from './helpers/random.js';

const EPS = 1e-3;
const REL_TOL = 1e-3;
const MAX_ALL = 64;
const SAMPLES = 24;

const cpu = await createEngine({ backend: 'cpu' });
afterAll(() => cpu.dispose());

/** The coordinates of an input of n elements to check. */
function coords(n: number, seed: number): number[] {
  if (n <= MAX_ALL) return Array.from({ length: n }, (_, i) => i);
  const r = rng(seed);
  const s = new Set<number>([0, n - 1]);
  while (s.size < SAMPLES) s.add(Math.floor(r() * n));
  return [...s].sort((a, b) => a - b);
}

/** Central difference of the objective along coordinate i of input j. */
async function numericGrad(c: OpCase, data: readonly ArrayLike<number>[], outShape: number[], j: number, i: number): Promise<number> {
  const d = cpu.tidy(() => {
    const R = cpu.tensor(weights(c, outShape), outShape);
    const at = (delta: number): Tensor => {
      const pert = data.map((a, k) => {
        if (k !== j) return a;
        const f = Float64Array.from(a);
        f[i] += delta;
        return f;
      });
      return objective(cpu, c, R, makeTensors(cpu, c, pert));
    };
    return sub(at(EPS), at(-EPS));
  });
  const v = await d.item();
  d.dispose();
  return v / (2 * EPS);
}

const cases = OP_CASES.filter((c) => gradArgs(c).length > 0 && !c.noFd);

describe('gradcheck (CPU engine, central differences)', () => {
  it('covers every differentiable case of the op table', () => {
    expect(cases.length).toBeGreaterThan(100);
    // Cases skipped here are forward-only or evaluated at ties on purpose (checked by parity).
    for (const c of OP_CASES.filter((k) => !cases.includes(k))) expect(!c.differentiable || !!c.noFd, c.name).toBe(true);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const live = cpu.memory().liveTensors;
      const data = drawInputs(c);
      const res = await runCase(cpu, c, data);
      const argnums = gradArgs(c);
      for (let a = 0; a < argnums.length; a++) {
        const j = argnums[a];
        const g = res.grads[a];
        expect(g.length, `${c.name}: gradient size of input ${j}`).toBe(data[j].length);
        let scale = 0;
        for (const v of g) scale = Math.max(scale, Math.abs(v));
        expect(Number.isFinite(scale), `${c.name}: gradient of input ${j} is finite`).toBe(true);
        let worst = 0;
        let worstAt = -1;
        let worstNum = 0;
        for (const i of coords(g.length, hashSeed(`${c.name}#fd${j}`))) {
          const num = await numericGrad(c, data, res.shape, j, i);
          const err = Math.abs(num - g[i]);
          if (err > worst) [worst, worstAt, worstNum] = [err, i, num];
        }
        const tol = REL_TOL * Math.max(scale, 1e-6);
        expect(
          worst,
          `${c.name}: input ${j} [${c.inputs[j].shape}] element ${worstAt}: analytic ${g[worstAt]} vs numeric ${worstNum} (max |grad| ${scale})`,
        ).toBeLessThanOrEqual(tol);
      }
      expect(cpu.memory().liveTensors, `${c.name}: tensors leaked`).toBe(live);
    });
  }
});

describe('gradients at non-differentiable points follow the documented conventions (CPU engine)', () => {
  async function gradOf(f: (x: Tensor) => Tensor, data: number[], shape = [data.length]): Promise<number[]> {
    const x = cpu.tensor(data, shape);
    const [g] = grad((v: Tensor) => sum(f(v)))(x);
    const out = Array.from(await g.readFloat());
    x.dispose();
    g.dispose();
    return out;
  }

  it('relu and abs have gradient 0 at 0', async () => {
    expect(await gradOf(relu, [-1, 0, 2])).toEqual([0, 0, 1]);
    expect(await gradOf(abs, [-1, 0, 2])).toEqual([-1, 0, 1]);
  });

  it('clamp passes the gradient at its bounds', async () => {
    expect(await gradOf((x) => clamp(x, -1, 1), [-2, -1, 0, 1, 2])).toEqual([0, 1, 1, 1, 0]);
  });

  it('maximum and minimum split the gradient in half on ties', async () => {
    expect(await gradOf((x) => maximum(x, 1), [0, 1, 2])).toEqual([0, 0.5, 1]);
    expect(await gradOf((x) => minimum(x, 1), [0, 1, 2])).toEqual([1, 0.5, 0]);
  });

  it('max reductions share the gradient equally among tied maxima', async () => {
    const third = Math.fround(1 / 3);
    expect(await gradOf((x) => max(x, 1), [3, 1, 3, 3, 2, 2, 2, 0], [2, 4])).toEqual([third, 0, third, third, third, third, third, 0]);
    expect(await gradOf((x) => max(x), [1, 5, 5, 0])).toEqual([0, 0.5, 0.5, 0]);
  });

  it('pow with a tensor exponent has zero exponent-gradient where the base is not positive', async () => {
    const base = cpu.tensor([0, -2, 2]);
    const expo = cpu.tensor([2, 2, 2]);
    const [g] = grad((y: Tensor) => sum(pow(base, y)))(expo);
    expect(Array.from(await g.readFloat())).toEqual([0, 0, Math.fround(4 * Math.log(2))]);
    const [gb] = grad((b: Tensor) => sum(mul(pow(b, 2), 1)))(base);
    expect(Array.from(await gb.readFloat())).toEqual([0, -4, 4]);
    for (const t of [base, expo, g, gb]) t.dispose();
  });
});
