/**
 * Automatic batch chunking: a model call (eval mode) whose tensors would exceed the engine's
 * per-binding limit runs its batch in chunks and returns what the unchunked call returns; its
 * gradients too. Tested with a lowered limit (EngineOptions.maxBindingBytes) on both backends,
 * values within 1e-6 relative (the same kernels on fewer rows; the CPU exactly). What cannot be
 * split (one example too large; a training-mode call, whose batch norm statistics depend on the
 * batch) still throws OutOfMemoryError. Memory does not grow across chunked calls.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, gradientTape, OutOfMemoryError, sum, type Engine } from '../src/engine/index.js';
import { genreCNN } from '../src/models/genreCNN.js';
import { enginePair } from './helpers/gpu.js';
import { maxAbsRel, randArray } from './helpers/random.js';

const pair = await enginePair();
afterAll(() => pair.dispose());

// Input [6, 1, 16, 20]: conv1's output is 32 x 16 x 20 x 4 = 40,960 bytes per example, 245,760
// for the batch; a 100,000-byte limit fits two examples.
const SHAPE = [6, 1, 16, 20];
const LIMIT = 100_000;

async function run(e: Engine, data: Float32Array) {
  const model = genreCNN(e, { nMels: 16, seed: 3, channels: [32, 8, 8], bottleneck: 16 }).eval();
  const x = e.tensor(data, SHAPE);
  const y = model.call(x);
  const [g] = gradientTape((tape) => tape.gradient(sum(model.call(x)), [x]));
  const out = { y: await y.read(), g: await g.read() };
  for (const t of [x, y, g]) t.dispose();
  return { out, model };
}

describe('automatic batch chunking', () => {
  it.each(['cpu', 'webgpu'] as const)('%s: a lowered binding limit gives the unchunked logits and input gradients', async (backend) => {
    if (backend === 'webgpu' && !pair.gpu) return;
    const small = await createEngine({ backend, maxBindingBytes: LIMIT });
    expect(small.info().limits.maxBindingBytes).toBe(LIMIT);
    const big = backend === 'cpu' ? pair.cpu : pair.gpu!;
    const data = randArray(
      SHAPE.reduce((a, b) => a * b, 1),
      7,
    );
    const ref = await run(big, data);
    const chunked = await run(small, data);
    expect(maxAbsRel(chunked.out.y, ref.out.y)).toBeLessThan(backend === 'cpu' ? 1e-12 : 1e-6);
    expect(maxAbsRel(chunked.out.g, ref.out.g)).toBeLessThan(backend === 'cpu' ? 1e-12 : 1e-6);
    // Repeated chunked calls do not grow memory.
    const model = chunked.model;
    const x = small.tensor(data, SHAPE);
    const warm = model.call(x);
    warm.dispose();
    const before = small.memory();
    for (let i = 0; i < 3; i++) model.call(x).dispose();
    const after = small.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    // What cannot be split still throws: training mode, and one example above the limit.
    model.train();
    expect(() => model.call(x)).toThrow(OutOfMemoryError);
    model.eval();
    const tiny = await createEngine({ backend, maxBindingBytes: 20_000 });
    const m2 = genreCNN(tiny, { nMels: 16, seed: 3, channels: [32, 8, 8], bottleneck: 16 }).eval();
    const x2 = tiny.tensor(data, SHAPE);
    expect(() => m2.call(x2)).toThrow(/binds at most 20000 bytes|cannot allocate/);
    x.dispose();
    ref.model.dispose();
    tiny.dispose();
    small.dispose();
  });

  it('rejects a bad maxBindingBytes', async () => {
    await expect(createEngine({ backend: 'cpu', maxBindingBytes: 0 })).rejects.toThrow(
      /maxBindingBytes: expected an integer number of bytes >= 4/,
    );
  });
});
