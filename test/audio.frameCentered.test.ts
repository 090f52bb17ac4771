/**
 * audio's frameCentered (the STFT's centre padding read in place by the framing pass) against the
 * composition it replaces, pad (reflect or constant) then frame: values exactly, gradients within
 * 1e-5 (float32 sums of the same terms in another order), on both backends and odd sizes; and the
 * bad-input errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gradientTape, mul, pad, sum, type Engine } from '../src/engine/index.js';
import { frame, frameCentered } from '../src/audio/frames.js';
import { enginePair } from './helpers/gpu.js';
import { maxAbsRel, randArray } from './helpers/random.js';

const pair = await enginePair();
afterAll(() => pair.dispose());

const engines = (): [string, Engine][] => [['cpu', pair.cpu], ...(pair.gpu ? ([['webgpu', pair.gpu]] as [string, Engine][]) : [])];

describe('frameCentered', () => {
  it.each(['reflect', 'constant'] as const)('%s: equals pad + frame in values and gradients', async (mode) => {
    for (const [name, e] of engines()) {
      for (const [lead, L, N, hop, p] of [
        [[2], 301, 40, 16, 20],
        [[2, 3], 17, 8, 3, 4],
        [[1], 50, 20, 7, 10],
        [[3], 9, 6, 2, 8],
      ] as [number[], number, number, number, number][]) {
        const x = e.tensor(randArray(lead.reduce((a, b) => a * b, 1) * L, L + p), [...lead, L]);
        const nF = Math.floor((L + 2 * p - N) / hop) + 1;
        const w = e.tensor(randArray(lead.reduce((a, b) => a * b, 1) * nF * N, 3 * L), [...lead, nF, N]);
        const pads: [number, number][] = [...lead.map(() => [0, 0] as [number, number]), [p, p]];
        const [ya, ga] = gradientTape((tape) => {
          const y = frameCentered(x, N, hop, p, mode);
          return [y, tape.gradient(sum(mul(y, w)), [x])[0]];
        });
        const [yb, gb] = gradientTape((tape) => {
          const y = frame(pad(x, pads, { mode }), N, hop);
          return [y, tape.gradient(sum(mul(y, w)), [x])[0]];
        });
        const what = `${name} ${mode} [${lead},${L}] N ${N} hop ${hop} p ${p}`;
        expect(ya.shape, what).toEqual(yb.shape);
        expect(Array.from(await ya.read()), what).toEqual(Array.from(await yb.read()));
        expect(maxAbsRel(await ga.read(), await gb.read()), what).toBeLessThan(1e-5);
        for (const t of [x, w, ya, ga, yb, gb]) t.dispose();
      }
    }
  });

  it('rejects a reflection as wide as the wave, a padded wave shorter than a frame, and bad arguments', () => {
    const e = pair.cpu;
    const x = e.zeros([2, 5]);
    expect(() => frameCentered(x, 4, 1, 5, 'reflect')).toThrow(/reflect padding by 5 needs more than 5 samples/);
    expect(() => frameCentered(x, 20, 1, 2, 'constant')).toThrow(/fewer than frameLength = 20/);
    expect(() => frameCentered(x, 4, 1, -1, 'constant')).toThrow(/center must be an integer >= 0/);
    expect(() => frameCentered(x, 4, 1, 1, 'wrap' as 'reflect')).toThrow(/mode must be 'reflect' or 'constant'/);
    x.dispose();
  });
});
