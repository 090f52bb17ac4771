/**
 * WebGPU against the CPU reference, for every case of the op table (test/helpers/opTable.ts):
 * the forward output and, for differentiable cases, the gradients of sum(fn(xs) * R) with
 * respect to each float input (R a fixed random tensor of the output's shape).
 *
 * Both engines get bit-identical float32 inputs. Tolerances, as max|gpu - cpu| / max|cpu| over
 * the whole tensor:
 * - forward: 1e-5, or 2e-5 for transcendental ops (exp, log, sqrt, pow, sigmoid, tanh, sin,
 *   cos, softmax, logSoftmax, crossEntropy) and reductions over more than 1e4 elements;
 *   int32 outputs (argmax/argmin) must match exactly;
 * - gradients: 1e-4.
 * NaN must appear at the same elements on both. Shapes and dtypes must match exactly. Cases
 * with known values (`expected`: ties, empty reductions) are checked against those on both
 * engines. Cases flagged `large` go past one 64-thread workgroup, one 32x8 matmul tile, or
 * reduce more than 1e4 elements.
 *
 * In CI a missing WebGPU adapter fails this file (gpuBackend() throws); elsewhere the WebGPU
 * suite is skipped (the known-value checks on the CPU engine still run).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import { enginePair } from './helpers/gpu.js';
import { drawInputs, GRAD_TOL, OP_CASES, runCase, type OpCase } from './helpers/opTable.js';
import { maxAbsRel } from './helpers/random.js';

const { cpu, gpu, gpuAvailable, dispose: disposeEngines } = await enginePair();
afterAll(() => {
  disposeEngines();
});

/**
 * max|a - b| / max|b| over the elements where b is not NaN; Infinity when a and b disagree on
 * which elements are NaN.
 */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const fa: number[] = [];
  const fb: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i]) !== Number.isNaN(a[i])) return Infinity;
    if (!Number.isNaN(b[i])) {
      fa.push(a[i]);
      fb.push(b[i]);
    }
  }
  return maxAbsRel(fa, fb);
}

/** Checks a case's known forward values on one engine's result. */
function checkExpected(c: OpCase, out: ArrayLike<number>, where: string): void {
  if (!c.expected) return;
  expect(out.length, `${c.name} (${where}): output size`).toBe(c.expected.length);
  c.expected.forEach((w, i) => {
    const g = out[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= 1e-6 * Math.max(1, Math.abs(w));
    expect(ok, `${c.name} (${where}) element ${i}: got ${g}, want ${w}`).toBe(true);
  });
}

function firstBad(a: ArrayLike<number>, b: ArrayLike<number>): string {
  let worst = -1;
  let at = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  return `worst at element ${at}: gpu ${a[at]}, cpu ${b[at]}`;
}

async function check(c: OpCase): Promise<void> {
  const data = drawInputs(c);
  const want = await runCase(cpu, c, data);
  const got = await runCase(gpu!, c, data);
  expect(got.shape, `${c.name}: output shape`).toEqual(want.shape);
  expect(got.dtype, `${c.name}: output dtype`).toBe(want.dtype);
  if (want.dtype === 'int32') {
    expect(Array.from(got.out), `${c.name}: int32 output`).toEqual(Array.from(want.out));
  } else {
    const e = relErr(got.out, want.out);
    expect(e, `${c.name}: forward ${firstBad(got.out, want.out)}`).toBeLessThanOrEqual(c.fwdTol);
  }
  checkExpected(c, got.out, 'webgpu');
  expect(got.grads.length).toBe(want.grads.length);
  want.grads.forEach((w, k) => {
    const e = relErr(got.grads[k], w);
    expect(e, `${c.name}: gradient ${k} ${firstBad(got.grads[k], w)}`).toBeLessThanOrEqual(GRAD_TOL);
  });
}

describe('known forward values (CPU reference)', () => {
  for (const c of OP_CASES.filter((k) => k.expected)) {
    it(c.name, async () => {
      const r = await runCase(cpu, c);
      checkExpected(c, r.out, 'cpu');
    });
  }
});

describe.skipIf(!gpuAvailable)('op parity: WebGPU vs CPU reference', () => {
  it('runs on the WebGPU backend', () => {
    expect(gpu!.backend).toBe('webgpu');
  });

  for (const c of OP_CASES) {
    it(c.name, async () => {
      const live = gpu!.memory().liveTensors;
      await check(c);
      expect(gpu!.memory().liveTensors, `${c.name}: tensors leaked`).toBe(live);
    });
  }
});
