// Diagnosis for issue 13 point 3 (max pooling in the whole-model forward): times the max-pool
// forward kernels on the genre CNN's three pool inputs (the outputs of conv1..conv3 for one
// chunk of 16 clips of [1, 64, 301], the chunk the bench's batch-64 forward runs) round-robin in
// one process (A B C ... A B C ...) against same-run references of pure memory traffic: ReLU of
// the same input (an elementwise kernel: reads and writes every element) and a buffer copy of it
// (copyBufferToBuffer). Prints each case's median ms, its GB/s over the bytes it must move, and
// its time as a ratio to the ReLU (< 1: faster). Absolute times swing on this shared machine; the
// ratios within one run are what to read. Needs `npm run build` first.
//
// Cases: 'general' is the per-geometry kernel (maxPool, what every pool ran before maxPoolTiled),
// 'tiled' the windows-tile-the-input kernel (maxPoolTiled, what 2x2 pools run now), and the
// backward kernel on the same shapes for scale.
// Usage: node bench/diag/maxpool.mjs [rounds] ; TILES=8x8,16x4 to time more maxPoolTiled
// configurations (TW lanes x ROWS rows per workgroup); ONLY=regex to time only the cases whose
// names match (the ReLU reference always runs).
import { createEngine } from '../../dist/index.js';
import { backendOf } from '../../dist/engine/backendOf.js';
import * as poolK from '../../dist/engine/webgpu/kernels/pool.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const rounds = +(process.argv[2] ?? 7);
const e = await createEngine({ backend: 'webgpu' });
const be = backendOf(e);
const ctx = be.ctx;
console.log(`adapter: ${e.info().adapter}; ${rounds} rounds after one warm-up`);

const P = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true };
const extra = (process.env.TILES ?? '').split(',').filter(Boolean);

async function timeOne(fn) {
  const t0 = performance.now();
  const out = fn();
  await e.sync();
  const ms = performance.now() - t0;
  for (const s of [out].flat()) if (s) be.free(s);
  return ms;
}

const shapes = [
  ['pool1', [16, 32, 64, 301]],
  ['pool2', [16, 64, 32, 150]],
  ['pool3', [16, 128, 16, 75]],
];
for (const [label, shape] of shapes) {
  const x = e.randn(shape, { seed: 1 });
  const n = shape.reduce((a, b) => a * b, 1);
  const OH = Math.floor(shape[2] / 2);
  const OW = Math.floor(shape[3] / 2);
  const m = shape[0] * shape[1] * OH * OW;
  const gy = e.randn([shape[0], shape[1], OH, OW], { seed: 2 });
  const [, am] = poolK.maxPool2d(ctx, x, P);
  const argmax = { storage: am, shape: gy.shape, dtype: 'int32' };
  // [name, bytes it must move, fn]
  const cases = [
    ['relu (reference)', 8 * n, () => be.unary('relu', x)],
    [
      'copy (reference)',
      8 * n,
      () => {
        const d = ctx.alloc(4 * n, true);
        ctx.copy(x.storage, 0, d, 0, 4 * n);
        return d;
      },
    ],
    ['general + argmax', 4 * n + 8 * m, () => poolK.maxPool2d(ctx, x, P, { kernel: 'general' })],
    ['tiled + argmax', 4 * n + 8 * m, () => poolK.maxPool2d(ctx, x, P, { kernel: 'tiled' })],
    ...extra.map((t) => {
      const [TW, ROWS] = t.split('x').map(Number);
      return [`tiled ${t} + argmax`, 4 * n + 8 * m, () => poolK.maxPool2d(ctx, x, P, { kernel: 'tiled', TW, ROWS })];
    }),
    ['backward tiled', 8 * m + 4 * n, () => poolK.maxPool2dBackward(ctx, gy, argmax, shape, P, { kernel: 'tiled' })],
    ['backward rows', 8 * m + 4 * n, () => poolK.maxPool2dBackward(ctx, gy, argmax, shape, P, { kernel: 'rows' })],
    ...extra.map((t) => {
      const [TW, ROWS] = t.split('x').map(Number);
      return [`backward rows ${t}`, 8 * m + 4 * n, () => poolK.maxPool2dBackward(ctx, gy, argmax, shape, P, { kernel: 'rows', TW, ROWS })];
    }),
  ];
  const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
  if (only) cases.splice(0, cases.length, ...cases.filter(([name], i) => i === 0 || only.test(name)));
  const times = cases.map(() => []);
  for (let r = -1; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const ms = await timeOne(cases[i][2]);
      if (r >= 0) times[i].push(ms);
    }
  }
  const med = times.map((t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]);
  console.log(`\n${label} [${shape}] -> [${shape[0]},${shape[1]},${OH},${OW}] (${((4 * n) / 1e6).toFixed(1)} MB in)`);
  cases.forEach(([name, bytes], i) => {
    const gbs = bytes / 1e6 / med[i];
    console.log(
      `  ${name.padEnd(22)} ${med[i].toFixed(2).padStart(8)} ms ${gbs.toFixed(2).padStart(6)} GB/s  x${(med[i] / med[0]).toFixed(2)} of relu`,
    );
  });
  x.dispose();
  gy.dispose();
  be.free(am);
}
e.dispose();
