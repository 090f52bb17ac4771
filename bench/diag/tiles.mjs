// Diagnosis for issue 13 point 4: times candidate tile/workgroup configurations of the matmul and
// conv kernels on the genre CNN's shapes (and the matmul shapes of the bench), round-robin in one
// process (A B C ... A B C ...), and prints each candidate's median time as a ratio to the fixed
// default of its kernel (< 1: faster). Absolute times swing on this shared machine; the ratios
// within one run are what to read. Needs `npm run build` first.
// Usage: node bench/diag/tiles.mjs [conv|back|mm|all] [rounds]
import { createEngine } from '../../dist/index.js';
import { backendOf } from '../../dist/engine/backendOf.js';
import * as convK from '../../dist/engine/webgpu/kernels/conv.js';
import * as mmK from '../../dist/engine/webgpu/kernels/matmul.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const which = process.argv[2] ?? 'all';
const rounds = +(process.argv[3] ?? 3);
const e = await createEngine({ backend: 'webgpu' });
const be = backendOf(e);
const ctx = be.ctx;
console.log(`adapter: ${e.info().adapter}; ${which}, ${rounds} rounds`);

const cfg = (s) => {
  const [WGX, WGY, TM, TN] = s.split(/[x/]/).map(Number);
  return { WGX, WGY, TM, TN };
};
const name = (t) => `${t.WGX}x${t.WGY}/${t.TM}x${t.TN}`;
// Candidates: the three fixed defaults and variations of the per-invocation tile and the
// workgroup shape (WGX x WGY / TM x TN).
// `undefined` is the wrapper's own choice (tuning.ts), printed as "chosen".
const CANDIDATES = [
  undefined,
  ...(process.env.CANDIDATES ?? '8x2/8x8,16x1/8x8,4x2/8x8,8x1/8x8,4x4/8x8,16x2/8x8,8x2/4x8,8x2/8x4,8x2/4x4').split(',').map(cfg),
];

const P = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };

async function timeOne(fn) {
  const t0 = performance.now();
  const s = fn();
  await e.sync();
  const ms = performance.now() - t0;
  be.free(s);
  return ms;
}

/** Round-robin: every candidate once per round (after one warm-up round), medians and ratios. */
async function compare(label, flops, base, cands, make) {
  // The wrapper's own choice, as engine.profile reports it.
  const prof = await e.profile(() => be.free(make(undefined)));
  const chosen = prof.kernels.find((k) => k.configs)?.configs.join('+') ?? '?';
  const times = cands.map(() => []);
  for (let r = -1; r < rounds; r++) {
    for (let i = 0; i < cands.length; i++) {
      const ms = await timeOne(() => make(cands[i]));
      if (r >= 0) times[i].push(ms);
    }
  }
  const med = times.map((t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]);
  const bi = cands.findIndex((c) => c && name(c) === name(base));
  const rows = cands.map((c, i) => ({
    c: c ? name(c) : `chosen ${chosen}`,
    ms: med[i],
    gflops: flops / 1e6 / med[i],
    ratio: med[i] / med[bi],
  }));
  rows.sort((a, b) => a.ms - b.ms);
  console.log(`\n${label} (default ${name(base)}: ${med[bi].toFixed(1)} ms, ${(flops / 1e6 / med[bi]).toFixed(2)} GFLOP/s)`);
  for (const r of rows)
    console.log(`  ${r.c.padEnd(17)} ${r.ms.toFixed(1).padStart(8)} ms ${r.gflops.toFixed(2).padStart(6)} GFLOP/s  x${r.ratio.toFixed(2)}`);
  return rows;
}

// The genre CNN's convolutions on [N, 1, 64, 301] (3x3, padding 1, max-pool 2 between blocks).
const convs = [
  ['conv1', [16, 1, 64, 301, 32]],
  ['conv2', [16, 32, 32, 150, 64]],
  ['conv3', [16, 64, 16, 75, 128]],
  ['conv2 b64', [64, 32, 32, 150, 64]],
  ['conv3 b64', [64, 64, 16, 75, 128]],
];
for (const [label, [n, c, h, w, o]] of convs) {
  if (which !== 'conv' && which !== 'back' && which !== 'all') break;
  const x = e.randn([n, c, h, w], { seed: 1 });
  const wt = e.randn([o, c, 3, 3], { seed: 2, std: 0.1 });
  const flops = 2 * n * o * c * h * w * 9;
  if (which !== 'back') {
    await compare(`${label} forward [${n},${c},${h},${w}] -> ${o}`, flops, convK.FORWARD_TILES, CANDIDATES, (t) =>
      convK.conv2d(ctx, x, wt, null, P, t),
    );
  }
  if ((which === 'back' || which === 'all') && !label.includes('b64')) {
    const gy = e.randn([n, o, h, w], { seed: 3 });
    await compare(`${label} backInput`, flops, convK.BACKWARD_INPUT_TILES, CANDIDATES, (t) =>
      convK.conv2dBackwardInput(ctx, gy, wt, x.shape, P, t),
    );
    await compare(`${label} backWeight`, flops, convK.BACKWARD_WEIGHT_TILES, CANDIDATES, (t) =>
      convK.conv2dBackwardWeight(ctx, x, gy, wt.shape, P, t),
    );
    gy.dispose();
  }
  x.dispose();
  wt.dispose();
}

if (which === 'mm' || which === 'all') {
  const mms = [
    ['matmul 1024^3', 1024, 1024, 1024, false],
    ['mel [3001,257]x[257,64]', 3001, 257, 64, false],
    ['mel 64 clips [19264,257]x[257,64]', 19264, 257, 64, false],
    ['fc1 [64,128]x[256,128]^T', 64, 128, 256, true],
    ['fc2 [64,256]x[10,256]^T', 64, 256, 10, true],
  ];
  for (const [label, m, k, n, transB] of mms) {
    const a = e.randn([m, k], { seed: 4 });
    const b = e.randn(transB ? [n, k] : [k, n], { seed: 5 });
    const p = { batch: 1, m, k, n, transA: false, transB, aBatchStride: 0, bBatchStride: 0 };
    await compare(label, 2 * m * n * k, mmK.DEFAULT_TILES, CANDIDATES, (t) => mmK.matmul(ctx, a, b, p, t));
    a.dispose();
    b.dispose();
  }
}
e.dispose();
