// Layers and the genre CNN: conv2d (the genre CNN's conv2 shape) in GFLOP/s against the CPU
// reference and against the 1024^3 matmul of the same run (the WGSL ceiling on this machine), and
// the genre CNN forward (batch 64, 64 mels x 301 frames) and forward+backward (training step
// gradients), WebGPU against the CPU. The CPU reference is timed on a prefix of the batch and
// scaled linearly (marked in the results): at full size it takes minutes per sample.
import { createEngine, models, nn, conv2d, matmul, crossEntropy, gradientTape, noGrad } from '../../dist/index.js';
// The conv pass rows time the backend primitives (no forward inside a backward row): the engine's
// backend is private to the engine, so the bench reaches it the way the tests do.
import { backendOf } from '../../dist/engine/backendOf.js';
import * as convK from '../../dist/engine/webgpu/kernels/conv.js';
import * as mmK from '../../dist/engine/webgpu/kernels/matmul.js';
import { tilesLabel } from '../../dist/engine/webgpu/tuning.js';
import { runInterleaved, runSuite } from '../harness.mjs';

/**
 * The fixed configuration the kernels ran with before tiles were chosen per problem (issue 13
 * point 4): the kernel's base, only shrunk where it covered twice a small dimension (conv passes;
 * the matmul used its base as is). Kept here to measure the chooser against.
 */
function legacyTiles(t, rows, cols) {
  let { WGX, WGY, TM, TN } = t;
  while (WGY > 1 && WGY * TM >= 2 * rows) {
    WGY /= 2;
    if (WGX * TN < cols) WGX *= 2;
  }
  while (TM > 1 && TM >= 2 * rows) TM /= 2;
  while (WGX > 1 && WGX * TN >= 2 * cols) {
    WGX /= 2;
    if (WGY * TM < rows) WGY *= 2;
  }
  while (TN > 1 && TN >= 2 * cols) TN /= 2;
  return { WGX, WGY, TM, TN };
}

/** The configurations `make()` dispatched, as engine.profile lists them (e.g. "8x2/8x8"). */
async function chosenConfigs(e, make) {
  const p = await e.profile(() => backendOf(e).free(make()));
  return p.kernels.flatMap((k) => k.configs ?? []).join('+');
}

/**
 * Fixed (pre-chooser) against chosen tiles on the genre CNN's conv shapes (batch 16) and the
 * matmuls of the models and the front end, round-robin in one run. Pairs whose configurations
 * coincide are listed, not timed.
 */
export async function tilesVsFixed(e) {
  const ctx = backendOf(e).ctx;
  const P = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const cases = [];
  const same = [];
  const pairs = [];
  const add = async (label, flops, fixed, make) => {
    const chosen = await chosenConfigs(e, () => make(undefined));
    if (chosen === tilesLabel(fixed)) {
      same.push(`${label}: ${chosen}`);
      return;
    }
    const run = (t) => async () => {
      const s = make(t);
      await e.sync();
      backendOf(e).free(s);
    };
    const f = { name: `${label}, fixed ${tilesLabel(fixed)} (webgpu)`, flops, fn: run(fixed) };
    const c = { name: `${label}, chosen ${chosen} (webgpu)`, flops, fn: run(undefined), engine: e };
    cases.push(f, c);
    pairs.push([label, f.name, c.name]);
  };
  for (const [label, [n, c, h, w, o]] of [
    ['conv1', [16, 1, 64, 301, 32]],
    ['conv2', [16, 32, 32, 150, 64]],
    ['conv3', [16, 64, 16, 75, 128]],
  ]) {
    const x = e.randn([n, c, h, w], { seed: 21 });
    const wt = e.randn([o, c, 3, 3], { seed: 22, std: 0.1 });
    const gy = e.randn([n, o, h, w], { seed: 23 });
    const flops = 2 * n * o * c * h * w * 9;
    await add(`${label} forward`, flops, legacyTiles(convK.FORWARD_TILES, o, n * h * w), (t) => convK.conv2d(ctx, x, wt, null, P, t));
    await add(`${label} input gradient`, flops, legacyTiles(convK.BACKWARD_INPUT_TILES, c, n * h * w), (t) =>
      convK.conv2dBackwardInput(ctx, gy, wt, x.shape, P, t),
    );
    await add(`${label} weight gradient`, flops, legacyTiles(convK.BACKWARD_WEIGHT_TILES, o, c * 9), (t) =>
      convK.conv2dBackwardWeight(ctx, x, gy, wt.shape, P, t),
    );
  }
  for (const [label, m, k, n, transB] of [
    ['matmul 1024^3', 1024, 1024, 1024, false],
    ['mel matmul 64 clips [19264,257]x[257,64]', 19264, 257, 64, false],
    ['fc2 [64,256]x[10,256]^T', 64, 256, 10, true],
    // One clip (explaining a single input): a row vector through fc1.
    ['fc1 batch 1 [1,128]x[256,128]^T', 1, 128, 256, true],
  ]) {
    const a = e.randn([m, k], { seed: 24 });
    const b = e.randn(transB ? [n, k] : [k, n], { seed: 25 });
    const p = { batch: 1, m, k, n, transA: false, transB, aBatchStride: 0, bBatchStride: 0 };
    await add(label, 2 * m * n * k, mmK.DEFAULT_TILES, (t) => mmK.matmul(ctx, a, b, p, t));
  }
  console.log(`tiles: fixed = chosen for ${same.join('; ')}`);
  if (!cases.length) return;
  const out = await runInterleaved('layers-tiles', cases, { rounds: 5, context: { sameConfiguration: same } });
  const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  for (const [label, fName, cName] of pairs) {
    const f = out.results.find((r) => r.name === fName);
    const c = out.results.find((r) => r.name === cName);
    // Median over the rounds of chosen / fixed in the same round.
    console.log(
      `tiles: ${label}: chosen at ${med(c.roundsMs.map((t, i) => t / f.roundsMs[i])).toFixed(2)} x the fixed configuration's time`,
    );
  }
}

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const engines = gpu.backend === 'webgpu' ? [gpu, cpu] : [cpu];

  // conv2 of the genre CNN at batch 16: x [16, 32, 32, 150], w [64, 32, 3, 3], padding 1.
  const convFlops = (n) => 2 * n * 64 * 32 * 150 * 32 * 9;
  const convCases = engines.map((e) => {
    const n = e.backend === 'cpu' ? 2 : 16;
    const x = e.randn([n, 32, 32, 150], { seed: 1 });
    const w = e.randn([64, 32, 3, 3], { seed: 2, std: 0.1 });
    return {
      name: `conv2d 3x3 [16,32,32,150] -> 64 (${e.backend})`,
      flops: convFlops(16),
      scale: 16 / n,
      engine: e,
      fn: async () => {
        const y = conv2d(x, w, null, { padding: 1 });
        await e.sync();
        y.dispose();
      },
      options: e.backend === 'cpu' ? { minSamples: 2, maxTime: 2 } : {},
    };
  });
  const mm = engines
    .filter((e) => e.backend === 'webgpu')
    .map((e) => {
      const a = e.randn([1024, 1024], { seed: 3 });
      const b = e.randn([1024, 1024], { seed: 4 });
      return {
        name: 'matmul 1024^3 (webgpu, the ceiling)',
        flops: 2 * 1024 ** 3,
        engine: e,
        fn: async () => {
          const y = matmul(a, b);
          await e.sync();
          y.dispose();
        },
      };
    });
  // The backward kernels on the genre CNN's conv2 and conv3 shapes (batch 16), WebGPU only: the
  // input and weight gradients against the forward of the same shape (issue 13: each >= 70 % of
  // the forward's GFLOP/s; all three passes have the same FLOPs). Timed at the kernel level
  // (Backend primitives), so that no forward is included in a backward row, and round-robin
  // (runInterleaved), so that the machine's drift does not enter the ratios.
  const P = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const passes = { conv2: [], conv3: [] };
  for (const e of engines.filter((g) => g.backend === 'webgpu')) {
    for (const [label, [n, c, h, w, o]] of [
      ['conv2', [16, 32, 32, 150, 64]],
      ['conv3', [16, 64, 16, 75, 128]],
    ]) {
      const x = e.randn([n, c, h, w], { seed: 11 });
      const wt = e.randn([o, c, 3, 3], { seed: 12, std: 0.1 });
      const gy = e.randn([n, o, h, w], { seed: 13 });
      const flops = 2 * n * o * c * h * w * 9;
      const kernel = (make) => async () => {
        const s = make();
        await e.sync();
        backendOf(e).free(s);
      };
      passes[label].push(
        {
          name: `${label} forward [${n},${c},${h},${w}] -> ${o} (webgpu)`,
          flops,
          engine: e,
          fn: kernel(() => backendOf(e).conv2d(x, wt, null, P)),
        },
        {
          name: `${label} input gradient [${n},${c},${h},${w}] -> ${o} (webgpu)`,
          flops,
          engine: e,
          fn: kernel(() => backendOf(e).conv2dBackwardInput(gy, wt, x.shape, P)),
        },
        {
          name: `${label} weight gradient [${n},${c},${h},${w}] -> ${o} (webgpu)`,
          flops,
          engine: e,
          fn: kernel(() => backendOf(e).conv2dBackwardWeight(x, gy, wt.shape, P)),
        },
      );
    }
  }
  await runSuite('layers-conv', [...convCases, ...mm], { baseline: `conv2d 3x3 [16,32,32,150] -> 64 (cpu)` });
  if (gpu.backend === 'webgpu') await tilesVsFixed(gpu);
  for (const label of ['conv2', 'conv3']) {
    if (!passes[label].length) continue;
    const out = await runInterleaved(`layers-conv-passes-${label}`, passes[label], { baseline: passes[label][0].name, rounds: 5 });
    const [f, i, w] = out.results;
    // Same FLOPs: the rate ratio is the inverse of the per-round time ratio.
    console.log(
      `${label}: input gradient at ${(100 / i.ratioToBaseline).toFixed(0)} %, weight gradient at ${(100 / w.ratioToBaseline).toFixed(0)} % of the forward's GFLOP/s (${f.gflops} GFLOP/s)`,
    );
  }

  // The genre CNN at batch 64 on [1, 64, 301]: forward (eval) and a training step's gradients.
  // conv1's output for 64 clips is 157 MB, above lavapipe's 128 MiB per-binding limit, so the
  // WebGPU engine runs the batch as chunks of 16 (all recorded before one sync).
  const batch = 64;
  const chunk = 16;
  const cnn = engines.map((e) => {
    // The CPU is timed on 2 clips and scaled; WebGPU runs the full batch in chunks.
    const n = e.backend === 'cpu' ? 2 : chunk;
    const reps = e.backend === 'cpu' ? 1 : batch / chunk;
    const model = models.genreCNN(e, { seed: 0 });
    const x = e.randn([n, 1, 64, 301], { seed: 5 });
    const y = e.tensor(
      Array.from({ length: n }, (_, i) => i % 10),
      [n],
      'int32',
    );
    return { e, n, reps, model, x, y };
  });
  const fwdOut = await runSuite(
    'layers-genre-forward',
    cnn.map(({ e, n, reps, model, x }) => ({
      name: `genre CNN forward, batch ${batch} (${e.backend})`,
      // 2 x multiply-adds of every conv and linear layer: 23.36 GFLOP (as peer-figures.md).
      flops: 23.36e9,
      scale: batch / (n * reps),
      engine: e,
      fn: async () => {
        model.eval();
        const outs = [];
        for (let r = 0; r < reps; r++) outs.push(noGrad(() => model.call(x)));
        await e.sync();
        for (const o of outs) o.dispose();
      },
      options: e.backend === 'cpu' ? { minSamples: 2, maxTime: 2 } : { minSamples: 2, maxTime: 4 },
    })),
    { baseline: `genre CNN forward, batch ${batch} (cpu)` },
  );
  // Fused layers (issue 13.3): the genre CNN forward at batch 64 with its Conv → BN → ReLU blocks
  // fused (nn.Sequential's default in eval mode) and with fusion off (nn.setFusion), and the
  // 1024^3 matmul, round-robin in one run: fused vs unfused, and the fused forward's GFLOP/s as a
  // fraction of the same-run matmul's (target >= 0.8).
  const gf = cnn.find((c) => c.e.backend === 'webgpu');
  if (gf) {
    const a = gf.e.randn([1024, 1024], { seed: 3 });
    const b = gf.e.randn([1024, 1024], { seed: 4 });
    const forward = (fuse) => ({
      name: `genre CNN forward, batch ${batch}, ${fuse ? 'fused' : 'unfused'} (webgpu)`,
      flops: 23.36e9,
      engine: gf.e,
      fn: async () => {
        nn.setFusion(gf.model.eval(), fuse);
        const outs = [];
        for (let r = 0; r < gf.reps; r++) outs.push(noGrad(() => gf.model.call(gf.x)));
        await gf.e.sync();
        for (const o of outs) o.dispose();
        nn.setFusion(gf.model, true);
      },
    });
    const mmCase = {
      name: 'matmul 1024^3 (webgpu, the ceiling)',
      flops: 2 * 1024 ** 3,
      fn: async () => {
        const y = matmul(a, b);
        await gf.e.sync();
        y.dispose();
      },
    };
    const cases = [forward(true), forward(false), mmCase];
    const out = await runInterleaved('layers-genre-fusion', cases, { baseline: cases[1].name, rounds: 5 });
    const [f, u, m] = out.results;
    console.log(
      `genre CNN forward batch ${batch} (webgpu, round-robin): fused ${(1 / f.ratioToBaseline).toFixed(2)} x faster than unfused; ` +
        `fused at ${(f.gflops / m.gflops).toFixed(2)}, unfused at ${(u.gflops / m.gflops).toFixed(2)} of the same-run 1024^3 matmul's GFLOP/s (target >= 0.8)`,
    );
    a.dispose();
    b.dispose();
  }
  const trainOut = await runSuite(
    'layers-genre-train-step',
    cnn.map(({ e, n, reps, model, x, y }) => ({
      name: `genre CNN forward+backward, batch ${batch} (${e.backend})`,
      // Forward plus input and weight gradients: about 3 x the forward's FLOPs.
      flops: 3 * 23.36e9,
      scale: batch / (n * reps),
      engine: e,
      fn: async () => {
        model.train();
        const params = model.parameters();
        const all = [];
        for (let r = 0; r < reps; r++) all.push(...gradientTape((tape) => tape.gradient(crossEntropy(model.call(x), y), params)));
        await e.sync();
        for (const g of all) g.dispose();
      },
      options: e.backend === 'cpu' ? { minSamples: 2, maxTime: 2 } : { minSamples: 2, maxTime: 4 },
    })),
    { baseline: `genre CNN forward+backward, batch ${batch} (cpu)` },
  );
  // The issue-13 ratio: a training step against the forward, both on WebGPU, round-robin.
  const g = cnn.find((c) => c.e.backend === 'webgpu');
  if (g) {
    const find = (out) => out.results.find((r) => r.name.endsWith('(webgpu)'));
    const fCase = {
      name: `genre CNN forward, batch ${batch} (webgpu)`,
      fn: async () => {
        g.model.eval();
        const outs = [];
        for (let r = 0; r < g.reps; r++) outs.push(noGrad(() => g.model.call(g.x)));
        await g.e.sync();
        for (const o of outs) o.dispose();
      },
    };
    const tCase = {
      name: `genre CNN forward+backward, batch ${batch} (webgpu)`,
      fn: async () => {
        g.model.train();
        const params = g.model.parameters();
        const all = [];
        for (let r = 0; r < g.reps; r++) all.push(...gradientTape((tape) => tape.gradient(crossEntropy(g.model.call(g.x), g.y), params)));
        await g.e.sync();
        for (const t of all) t.dispose();
      },
    };
    // The step's own forward: train mode (batch statistics, so never fused), no tape. The eval
    // forward above runs fused Conv → BN → ReLU kernels, which a training step cannot use; the
    // step is reported against both.
    const fTrainCase = {
      name: `genre CNN forward in train mode, batch ${batch} (webgpu)`,
      fn: async () => {
        g.model.train();
        const outs = [];
        for (let r = 0; r < g.reps; r++) outs.push(noGrad(() => g.model.call(g.x)));
        await g.e.sync();
        for (const o of outs) o.dispose();
      },
    };
    const out = await runInterleaved('layers-genre-train-vs-forward', [fTrainCase, fCase, tCase], { baseline: fTrainCase.name, rounds: 3 });
    const [trainFwd, evalFwd, step] = out.results;
    console.log(
      `genre CNN batch ${batch}: training step = ${step.ratioToBaseline} x its train-mode forward, ` +
        `${(step.ms / evalFwd.ms).toFixed(2)} x the fused eval forward (webgpu, round-robin; train-mode forward = ` +
        `${(trainFwd.ms / evalFwd.ms).toFixed(2)} x the eval forward; benny rows: ${(find(trainOut).ms / find(fwdOut).ms).toFixed(2)} x)`,
    );
  }
  gpu.dispose();
  cpu.dispose();
}
