/**
 * The autograd API on the CPU engine: grad / valueAndGrad (argnums), vjp (per-example rows
 * from one-hot cotangents), gradientTape (intermediate tensors, unrelated tensors, fan-out),
 * withBackwardOverride (scope), noGrad, and tidy's memory accounting.
 * Values are compared at float32 precision (|got - want| <= 1e-5 * max(1, |want|)).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { grad, gradientTape, noGrad, valueAndGrad, vjp, withBackwardOverride, type BackwardRule } from '../src/engine/autograd.js';
import { createEngine } from '../src/engine/engine.js';
import { ShapeError, ValueError } from '../src/engine/errors.js';
import { add, exp, greater, logSoftmax, matmul, mul, oneHot, relu, slice, sum, tanh } from '../src/engine/ops/index.js';
import type { Tensor } from '../src/engine/tensor.js';
import { randArray } from './helpers/random.js';

const e = await createEngine({ backend: 'cpu' });
afterAll(() => e.dispose());

async function vals(t: Tensor): Promise<number[]> {
  return Array.from(await t.readFloat());
}

function expectClose(got: readonly number[], want: readonly number[], what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]), `${what}[${i}]: got ${g}, want ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]))),
  );
}

/** Host matmul of row-major [m,k] @ [k,n]. */
function hostMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += a[i * k + p] * b[p * n + j];
  return out;
}

describe('grad and valueAndGrad', () => {
  it('argnums selects the arguments (and their order)', async () => {
    const a = e.tensor([1, 2, 3]);
    const b = e.tensor([-2, 0.5, 4]);
    // f = sum(a * b * k) + sum(a): df/da = b * k + 1, df/db = a * k.
    const f = (x: Tensor, y: Tensor, k: number) => add(sum(mul(mul(x, y), k)), sum(x));
    const [ga, gb] = grad(f, [0, 1])(a, b, 3);
    expectClose(await vals(ga), [-5, 2.5, 13], 'df/da');
    expectClose(await vals(gb), [3, 6, 9], 'df/db');
    const [onlyB] = grad(f, [1])(a, b, 3);
    expectClose(await vals(onlyB), [3, 6, 9], 'df/db alone');
    const [gb2, ga2] = grad(f, [1, 0])(a, b, 3);
    expectClose(await vals(gb2), [3, 6, 9], 'argnums [1,0]: first');
    expectClose(await vals(ga2), [-5, 2.5, 13], 'argnums [1,0]: second');
    const { value, grads } = valueAndGrad(f, [0])(a, b, 3);
    expect(await value.item()).toBeCloseTo(3 * (-2 + 1 + 12) + 6, 5);
    expect(grads.length).toBe(1);
    expectClose(await vals(grads[0]), [-5, 2.5, 13], 'valueAndGrad df/da');
    for (const t of [a, b, ga, gb, onlyB, gb2, ga2, value, ...grads]) t.dispose();
  });

  it('without argnums differentiates every argument, which must then be tensors', async () => {
    const a = e.tensor([1, 2]);
    const b = e.tensor([3, 5]);
    const [ga, gb] = grad((x: Tensor, y: Tensor) => sum(mul(x, y)))(a, b);
    expectClose(await vals(ga), [3, 5]);
    expectClose(await vals(gb), [1, 2]);
    expect(() => grad((x: Tensor, k: number) => sum(mul(x, k)))(a, 2)).toThrow(ValueError);
    for (const t of [a, b, ga, gb]) t.dispose();
  });

  it('returns distinct tensors: disposing one gradient leaves the others, dy and the inputs usable', async () => {
    const x = e.tensor([1, 2]);
    const y = e.tensor([3, 4]);
    // add passes its incoming gradient on unchanged to both inputs.
    const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(add(a, b)))(x, y);
    expect(ga).not.toBe(gb);
    ga.dispose();
    expect(await vals(gb)).toEqual([1, 1]);
    gb.dispose();
    // The same input listed twice.
    const [g1, g2] = grad((a: Tensor) => sum(mul(a, a)), [0, 0])(x);
    g1.dispose();
    expect(await vals(g2)).toEqual([2, 4]);
    g2.dispose();
    // The gradient of y + x with respect to x is dy itself.
    const dy = e.tensor([0.5, -1]);
    const r = vjp((a) => add(a, y), [x], dy);
    expect(r.grads[0]).not.toBe(dy);
    r.grads[0].dispose();
    expect(dy.isDisposed).toBe(false);
    expect(await vals(dy)).toEqual([0.5, -1]);
    // A function that returns its (scalar) argument: grad must not dispose the caller's tensor.
    const s = e.tensor(3);
    const [gs] = grad((v: Tensor) => v)(s);
    expect(s.isDisposed).toBe(false);
    expect(await gs.item()).toBe(1);
    for (const t of [x, y, dy, r.value, s, gs]) t.dispose();
  });

  it('refuses a non-scalar value without a cotangent, and a cotangent of the wrong shape', () => {
    const x = e.tensor([1, 2, 3]);
    expect(() => grad((v: Tensor) => mul(v, 2))(x)).toThrow(ShapeError);
    expect(() => vjp((v) => mul(v, 2), [x], e.ones([2]))).toThrow(ShapeError);
    x.dispose();
  });
});

describe('vjp', () => {
  it('one-hot cotangents give per-example input gradients in one pass', async () => {
    const N = 4;
    const D = 3;
    const C = 5;
    const X = e.tensor(randArray(N * D, 11), [N, D]);
    const W = e.tensor(randArray(D * C, 12), [D, C]);
    const classes = [0, 4, 2, 2];
    const t = e.tensor(classes, [N], 'int32');
    const f = (x: Tensor) => logSoftmax(tanh(matmul(x, W)));
    const dy = oneHot(t, C);
    const { value, grads } = vjp(f, [X], dy);
    expect(value.shape).toEqual([N, C]);
    expect(grads[0].shape).toEqual([N, D]);
    const rows = await vals(grads[0]);
    // Each row n must equal d f(x_n)[classes[n]] / d x_n, computed example by example.
    for (let n = 0; n < N; n++) {
      const xn = slice(X, [n, 0], [1, D]);
      const sel = e.tensor(
        Array.from({ length: C }, (_, c) => (c === classes[n] ? 1 : 0)),
        [1, C],
      );
      const [gn] = grad((x: Tensor) => sum(mul(f(x), sel)))(xn);
      expectClose(rows.slice(n * D, (n + 1) * D), await vals(gn), `row ${n}`);
      for (const k of [xn, sel, gn]) k.dispose();
    }
    const fx = f(X);
    expectClose(await vals(value), await vals(fx), 'value');
    for (const k of [X, W, t, dy, value, grads[0], fx]) k.dispose();
  });
});

describe('gradientTape', () => {
  it('gives the gradient with respect to an intermediate tensor (and the input, in the same walk)', async () => {
    const xd = randArray(2 * 3, 21);
    const wd = randArray(3 * 4, 22);
    const x = e.tensor(xd, [2, 3]);
    const w = e.tensor(wd, [3, 4]);
    const { h, gh, gx } = gradientTape((tape) => {
      const h = relu(matmul(x, w));
      const y = sum(mul(h, h));
      const [gh, gx] = tape.gradient(y, [h, x]);
      return { h, gh, gx };
    });
    const hv = await vals(h);
    expect(hv.some((v) => v === 0) && hv.some((v) => v > 0)).toBe(true);
    expectClose(
      await vals(gh),
      hv.map((v) => 2 * v),
      'dy/dh = 2h',
    );
    // dy/dx = (2h * [pre > 0]) @ w^T = 2h @ w^T (h is 0 where pre <= 0).
    const wT = Array.from({ length: 12 }, (_, i) => wd[(i % 3) * 4 + Math.floor(i / 3)]);
    expectClose(
      await vals(gx),
      hostMatmul(
        hv.map((v) => 2 * v),
        wT,
        2,
        4,
        3,
      ),
      'dy/dx',
    );
    for (const t of [x, w, h, gh, gx]) t.dispose();
  });

  it('gives zeros for a tensor y does not depend on', async () => {
    const x = e.tensor([1, 2, 3]);
    const z = e.tensor([4, 5], [2, 1]);
    const [gx, gz, gc] = gradientTape((tape) => {
      const unusedIntermediate = exp(z);
      const y = sum(mul(x, x));
      return tape.gradient(y, [x, z, unusedIntermediate]);
    });
    expectClose(await vals(gx), [2, 4, 6]);
    expect(gz.shape).toEqual([2, 1]);
    expect(await vals(gz)).toEqual([0, 0]);
    expect(gc.shape).toEqual([2, 1]);
    expect(await vals(gc)).toEqual([0, 0]);
    for (const t of [x, z, gx, gz, gc]) t.dispose();
  });

  it('accumulates the gradient of a tensor used several times (fan-out)', async () => {
    const xd = [0.5, -1, 2];
    const x = e.tensor(xd);
    // x appears twice in one node (x * x) and again in a second branch (3x): d/dx = 2x + 3.
    const [g1] = grad((v: Tensor) => add(sum(mul(v, v)), sum(mul(v, 3))))(x);
    expectClose(
      await vals(g1),
      xd.map((v) => 2 * v + 3),
      'x*x + 3x',
    );
    // An intermediate used twice: h = exp(x), y = sum(h * h) = sum(exp(2x)): d/dx = 2 exp(2x).
    const [g2] = grad((v: Tensor) => {
      const h = exp(v);
      return sum(mul(h, h));
    })(x);
    expectClose(
      await vals(g2),
      xd.map((v) => 2 * Math.exp(2 * v)),
      'exp(x)^2',
    );
    for (const t of [x, g1, g2]) t.dispose();
  });
});

describe('withBackwardOverride', () => {
  /** Guided backprop: pass only positive gradients, and only where the input was positive. */
  const guided: BackwardRule = ([g], [x]) => [mul(mul(g, greater(x, 0)), greater(g, 0))];
  const xd = [-1, 2, 3, -0.5, 1];
  const cd = [1, -2, 3, 4, -1];
  const plain = [0, -2, 3, 0, -1];
  const guidedWant = [0, 0, 3, 0, 0];

  it("replaces relu's rule inside the scope only", async () => {
    const x = e.tensor(xd);
    const cw = e.tensor(cd);
    const f = (v: Tensor) => sum(mul(relu(v), cw));
    const [before] = grad(f)(x);
    const [inside] = withBackwardOverride({ relu: guided }, () => grad(f)(x));
    const [after] = grad(f)(x);
    expectClose(await vals(before), plain, 'before');
    expectClose(await vals(inside), guidedWant, 'inside');
    expectClose(await vals(after), plain, 'after');
    for (const t of [x, cw, before, inside, after]) t.dispose();
  });

  it('applies to gradients taken inside the scope, of ops recorded before it', async () => {
    const x = e.tensor(xd);
    const cw = e.tensor(cd);
    const [g1, g2, g3] = gradientTape((tape) => {
      const y = sum(mul(relu(x), cw));
      const [a] = tape.gradient(y, [x]);
      const [b] = withBackwardOverride({ relu: guided }, () => tape.gradient(y, [x]));
      const [c] = tape.gradient(y, [x]);
      return [a, b, c];
    });
    expectClose(await vals(g1), plain, 'plain');
    expectClose(await vals(g2), guidedWant, 'overridden');
    expectClose(await vals(g3), plain, 'plain again');
    for (const t of [x, cw, g1, g2, g3]) t.dispose();
  });

  it('leaves the rules of other ops alone and is removed when the scope throws', async () => {
    const x = e.tensor(xd);
    const [g] = withBackwardOverride({ relu: guided }, () => grad((v: Tensor) => sum(mul(v, v)))(x));
    expectClose(
      await vals(g),
      xd.map((v) => 2 * v),
    );
    expect(() =>
      withBackwardOverride({ relu: guided }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const cw = e.tensor(cd);
    const [after] = grad((v: Tensor) => sum(mul(relu(v), cw)))(x);
    expectClose(await vals(after), plain);
    for (const t of [x, g, cw, after]) t.dispose();
  });

  it('refuses a misspelt op name at run time (JavaScript callers), naming the nearest op', () => {
    const rules = { rleu: guided } as unknown as Parameters<typeof withBackwardOverride>[0];
    expect(() => withBackwardOverride(rules, () => 0)).toThrow(ValueError);
    expect(() => withBackwardOverride(rules, () => 0)).toThrow("withBackwardOverride: unknown op 'rleu' — did you mean 'relu'?");
    const far = { notAnOpAtAll: guided } as unknown as Parameters<typeof withBackwardOverride>[0];
    expect(() => withBackwardOverride(far, () => 0)).toThrow(/unknown op 'notAnOpAtAll'$/);
    const notRule = { relu: 3 } as unknown as Parameters<typeof withBackwardOverride>[0];
    expect(() => withBackwardOverride(notRule, () => 0)).toThrow("the rule for 'relu' must be a function");
  });
});

describe('noGrad', () => {
  it('records nothing: values computed inside are constants for the gradient', async () => {
    const xd = [1, -2, 3];
    const x = e.tensor(xd);
    const { gPart, gNone, recorded } = gradientTape((tape) => {
      const n0 = tape.nodes.length;
      const h = noGrad(() => mul(x, x));
      const yInside = noGrad(() => sum(exp(x)));
      const recorded = tape.nodes.length - n0;
      // y = sum(h * x) with h constant: dy/dx = h = x^2 (not 3x^2).
      const y = sum(mul(h, x));
      const [gPart] = tape.gradient(y, [x]);
      const [gNone] = tape.gradient(yInside, [x]);
      return { gPart, gNone, recorded };
    });
    expect(recorded).toBe(0);
    expectClose(
      await vals(gPart),
      xd.map((v) => v * v),
    );
    expect(await vals(gNone)).toEqual([0, 0, 0]);
    for (const t of [x, gPart, gNone]) t.dispose();
  });

  it('records nothing outside a tape either (no tape memory)', () => {
    const x = e.tensor([1, 2]);
    const n = gradientTape((tape) => {
      noGrad(() => sum(exp(mul(x, 2))));
      return tape.nodes.length;
    });
    expect(n).toBe(0);
    x.dispose();
  });
});

describe('tidy and memory', () => {
  it('disposes intermediates and keeps the returned tensors', async () => {
    const start = e.memory().liveTensors;
    const inner: Tensor[] = [];
    const out = e.tidy(() => {
      const a = e.tensor([1, 2, 3]);
      const b = exp(a);
      const c = mul(b, 2);
      inner.push(a, b);
      return { total: sum(c), list: [c] };
    });
    expect(inner.every((t) => t.isDisposed)).toBe(true);
    expect(out.total.isDisposed || out.list[0].isDisposed).toBe(false);
    expect(e.memory().liveTensors).toBe(start + 2);
    expect(await out.total.item()).toBeCloseTo(2 * (Math.E + Math.E ** 2 + Math.E ** 3), 4);
    out.total.dispose();
    out.list[0].dispose();
    expect(e.memory().liveTensors).toBe(start);
    expect(e.memory().bytesInUse).toBeGreaterThanOrEqual(0);
  });

  it('nested scopes hand returned tensors to the enclosing scope; a throw disposes everything', () => {
    const start = e.memory().liveTensors;
    const kept = e.tidy(() => {
      const mid = e.tidy(() => mul(e.tensor([1, 2]), 3));
      const tmp = add(mid, 1);
      expect(tmp.isDisposed).toBe(false);
      return mid;
    });
    expect(kept.isDisposed).toBe(false);
    expect(e.memory().liveTensors).toBe(start + 1);
    kept.dispose();
    expect(() =>
      e.tidy(() => {
        e.tensor([1, 2, 3]);
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(e.memory().liveTensors).toBe(start);
  });

  it('grad, vjp and gradientTape leave only what they return', () => {
    const x = e.tensor(randArray(6, 31), [2, 3]);
    const w = e.tensor(randArray(12, 32), [3, 4]);
    const start = e.memory().liveTensors;
    const gs = grad((a: Tensor, b: Tensor) => sum(tanh(matmul(a, b))))(x, w);
    expect(e.memory().liveTensors).toBe(start + 2);
    gs.forEach((g) => g.dispose());
    const dy = e.ones([2, 4]);
    const r = vjp((a) => relu(matmul(a, w)), [x], dy);
    expect(e.memory().liveTensors).toBe(start + 3); // dy, value, grad
    expect(dy.isDisposed).toBe(false);
    for (const t of [dy, r.value, r.grads[0]]) t.dispose();
    const g = gradientTape((tape) => tape.gradient(sum(exp(x)), [x])[0]);
    expect(e.memory().liveTensors).toBe(start + 1);
    g.dispose();
    expect(e.memory().liveTensors).toBe(start);
    x.dispose();
    w.dispose();
  });
});
