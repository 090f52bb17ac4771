/**
 * Batch-norm statistics kernels (src/kernels/channelStats.ts, shaders/channel_stats.wgsl) against
 * their CPU twins (src/engine/cpu/channel.ts) on random shapes with odd sizes: channelMoments
 * (with and without a second input, with shifts; channels split into several parts or one; rows
 * shorter and longer than a workgroup; rows of whole vec4 words, which run the vec4 entries) and channelAffine2 (row and flat entry points).
 * Tolerances: moments are float32 sums of up to ~10^5 terms, compared per channel as
 * |gpu - cpu| <= 2e-5 * (sum of |terms|); channelAffine2 per element 2e-6 * max(|cpu|, 1).
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Buf, Storage } from '../../src/engine/backend.js';
import { CpuBackend } from '../../src/engine/cpu/cpuBackend.js';
import { gpuBackend } from '../helpers/gpu.js';
import { randArray } from '../helpers/random.js';

const gpu = await gpuBackend();
const cpu = new CpuBackend();

interface Input {
  data: ArrayLike<number>;
  shape: number[];
}

async function runOn(be: Backend, ins: Input[], f: (xs: Buf[]) => Storage, outSize: number) {
  const xs = ins.map((i) => ({ storage: be.upload(i.data, 'float32'), shape: i.shape, dtype: 'float32' as const }));
  const s = f(xs);
  const out = await be.read(s, outSize, 'float32');
  for (const x of xs) be.free(x.storage);
  be.free(s);
  return out;
}

const both = (ins: Input[], f: (be: Backend, xs: Buf[]) => Storage, n: number) =>
  Promise.all([runOn(gpu!, ins, (xs) => f(gpu!, xs), n), runOn(cpu, ins, (xs) => f(cpu, xs), n)]);

// [outer, channels, inner]: inner 1 (BatchNorm1d), below and above a workgroup (64), channels
// odd, and one channel of ~10^5 values (split into parts).
// Rows of a multiple of 4 run the vec4 entry: [2, 3, 4], [5, 3, 1200], [16, 3, 4096].
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 1],
  [2, 3, 4],
  [7, 3, 13],
  [2, 7, 63],
  [2, 5, 65],
  [3, 4, 301],
  [5, 33, 31],
  [5, 3, 1200],
  [1, 1, 100_003],
  [16, 3, 4096],
];

describe.skipIf(!gpu)('webgpu channel statistics kernels vs cpu', () => {
  it('channelMoments: sums and shifted (cross) second moments per channel', async () => {
    let seed = 1;
    for (const [outer, ch, inner] of SHAPES) {
      const n = outer * ch * inner;
      const a = randArray(n, seed++, -2, 3);
      const b = randArray(n, seed++, -1, 1);
      const sa = randArray(ch, seed++, -1, 1);
      const sb = randArray(ch, seed++, -1, 1);
      // Bound per channel: the sums of |terms| (float32 rounding grows with them).
      const bound = new Float64Array(2 * ch);
      for (let i = 0; i < n; i++) {
        const c = Math.floor(i / inner) % ch;
        bound[c] += Math.abs(a[i]);
        bound[ch + c] += Math.abs((a[i] - sa[c]) * (b[i] - sb[c])) + Math.abs((a[i] - sa[c]) ** 2);
      }
      for (const withB of [false, true]) {
        const ins = [
          { data: a, shape: [outer, ch, inner] },
          { data: b, shape: [outer, ch, inner] },
          { data: sa, shape: [ch] },
          { data: sb, shape: [ch] },
        ];
        const [g, c] = await both(
          ins,
          (be, [ab, bb, sab, sbb]) => be.channelMoments(ab, withB ? bb : null, sab, withB ? sbb : sab, ch, inner),
          2 * ch,
        );
        for (let k = 0; k < 2 * ch; k++) {
          const tol = 2e-5 * Math.max(bound[k], 1);
          if (!(Math.abs(g[k] - c[k]) <= tol))
            expect.fail(
              `channelMoments [${outer},${ch},${inner}] ${withB ? 'a,b' : 'a'} value ${k}: got ${g[k]}, want ${c[k]} (tol ${tol})`,
            );
        }
      }
    }
  });

  it('channelMoments: an empty tensor gives zeros; NaN propagates to its channel only', async () => {
    const [g0] = await both(
      [
        { data: [], shape: [0, 3, 4] },
        { data: [0, 0, 0], shape: [3] },
      ],
      (be, [a, s]) => be.channelMoments(a, null, s, s, 3, 4),
      6,
    );
    expect(Array.from(g0)).toEqual([0, 0, 0, 0, 0, 0]);
    const x = [1, 2, NaN, 4, 5, 6];
    const [g, c] = await both(
      [
        { data: x, shape: [2, 3, 1] },
        { data: [0, 0, 0], shape: [3] },
      ],
      (be, [a, s]) => be.channelMoments(a, null, s, s, 3, 1),
      6,
    );
    expect(Array.from(g).map(String)).toEqual(Array.from(c).map(String));
    expect(Number.isNaN(g[2]) && Number.isNaN(g[5]) && g[0] === 5 && g[1] === 7).toBe(true);
  });

  it('channelAffine2: a * sa[c] + b * sb[c] + shift[c], row and flat layouts', async () => {
    let seed = 100;
    for (const [outer, ch, inner] of [
      [1, 1, 1],
      [3, 5, 1],
      [2, 7, 31],
      [2, 3, 32],
      [3, 4, 301],
      [5, 3, 1200],
      [2, 3, 36],
      [70000, 1, 32],
    ] as const) {
      const n = outer * ch * inner;
      const ins = [
        { data: randArray(n, seed++, -3, 3), shape: [outer, ch, inner] },
        { data: randArray(n, seed++, -3, 3), shape: [outer, ch, inner] },
        { data: randArray(ch, seed++, -2, 2), shape: [ch] },
        { data: randArray(ch, seed++, -2, 2), shape: [ch] },
        { data: randArray(ch, seed++, -2, 2), shape: [ch] },
      ];
      const [g, c] = await both(ins, (be, [a, b, sa, sb, t]) => be.channelAffine2(a, b, sa, sb, t, ch, inner), n);
      for (let i = 0; i < n; i++) {
        if (!(Math.abs(g[i] - c[i]) <= 2e-6 * Math.max(Math.abs(c[i]), 1)))
          expect.fail(`channelAffine2 [${outer},${ch},${inner}] element ${i}: got ${g[i]}, want ${c[i]}`);
      }
    }
  });
});

describe('cpu channel statistics kernels', () => {
  it('channelMoments and channelAffine2 by hand', async () => {
    // x [2, 2, 2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8.
    const up = (d: number[], shape: number[]) => ({ storage: cpu.upload(d, 'float32'), shape, dtype: 'float32' as const });
    const x = up([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const mean = up([3.5, 5.5], [2]);
    const m = await cpu.read(cpu.channelMoments(x, null, mean, mean, 2, 2), 4, 'float32');
    expect(Array.from(m)).toEqual([14, 22, 17, 17]);
    const y = await cpu.read(cpu.channelAffine2(x, x, up([1, 2], [2]), up([10, 0], [2]), up([0, 1], [2]), 2, 2), 8, 'float32');
    expect(Array.from(y)).toEqual([11, 22, 7, 9, 55, 66, 15, 17]);
  });
});
