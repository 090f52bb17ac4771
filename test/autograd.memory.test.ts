/**
 * The backward walk frees as it goes: an output's gradient is disposed once its producer's rule
 * has consumed it, and a rule's temporaries die with it, so the tensors alive during a backward
 * pass stay bounded instead of growing with the depth of the graph (a training step's backward
 * used to hold every intermediate gradient until the end). Gradients handed through unchanged,
 * the caller's tensors and the tape's own are never disposed by the walk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { add, affine, gradientTape, relu, sum, withBackwardOverride, type Tensor } from '../src/engine/index.js';
import { enginePair } from './helpers/gpu.js';

const pair = await enginePair();
afterAll(() => pair.dispose());

describe('backward memory', () => {
  it.each(['cpu', 'webgpu'])('%s: live tensors during a 60-deep backward stay bounded; the gradient is right', async (name) => {
    const e = name === 'cpu' ? pair.cpu : pair.gpu;
    if (!e) return;
    const x = e.rand([4, 8], { seed: 1 }); // >= 0: every relu passes its gradient
    const depth = 60;
    const seen: number[] = [];
    const before = e.memory().liveTensors;
    const [g] = gradientTape((tape) => {
      let h = x;
      for (let i = 0; i < depth; i++) h = relu(add(h, 0.01));
      // relu's own rule, plus a count of the live tensors each time it runs.
      const rule = ([gy]: readonly Tensor[]) => {
        seen.push(e.memory().liveTensors);
        return [affine(gy, 1, 0)];
      };
      return withBackwardOverride({ relu: rule }, () => tape.gradient(sum(h), [x]));
    });
    expect(seen.length).toBe(depth);
    // Bounded: late in the walk about as many tensors are alive as early in it (the old walk
    // added two per layer: ~120 here).
    expect(Math.max(...seen) - Math.min(...seen)).toBeLessThan(6);
    expect(Array.from(await g.read()).every((v) => v === 1)).toBe(true);
    g.dispose();
    x.dispose();
    expect(e.memory().liveTensors).toBe(before - 1);
  });

  it('a gradient handed through unchanged (add gives its gradient to both inputs) survives the walk', async () => {
    const e = pair.cpu;
    const a = e.tensor([1, 2, 3]);
    const b = e.tensor([4, 5, 6]);
    const [ga, gb] = gradientTape((tape) => tape.gradient(sum(add(relu(a), relu(b))), [a, b]));
    expect(Array.from(await ga.read())).toEqual([1, 1, 1]);
    expect(Array.from(await gb.read())).toEqual([1, 1, 1]);
    for (const t of [a, b, ga, gb]) t.dispose();
  });
});
