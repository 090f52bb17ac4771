// Attributions on the genre CNN (models.genreCNN, seeded weights, eval mode) at the bench
// size, 64 mels x 301 frames: Integrated Gradients (50 steps, 16 clips), Grad-CAM on the last conv
// (64 clips), saliency (16 clips) and occlusion (1x8x12 windows at stride 1x4x6, 4 clips), on
// WebGPU and on the CPU reference, as ms, GFLOP/s and the WebGPU speed-up over the CPU.
//
// maxBlockMs: the longest the JavaScript thread went without running a timer during the call (a
// 1 ms interval timer records the gaps): how long a browser tab would freeze. The methods are async
// and yield between chunks, so this is the longest single chunk's host time (on the CPU reference
// the chunk's whole compute, which runs on the thread).
//
// FLOPs: 2 x the multiply-adds of every Conv2d and Linear the pass runs, from the layers' output
// shapes. A backward pass to the input (saliency, each IG step) computes only input gradients (the
// tape skips weight gradients), which cost what the forward costs: fwd + bwd = 2 x forward, the
// convention of peer-figures.md (saliency batch 16 = 11.68 GFLOP there). Grad-CAM's backward stops
// at the last conv's output, so it adds only the layers after it (fc1, fc2). (With weight gradients,
// as in training, a backward would be ~2 x the forward.)
//
// Full sizes take minutes to hours on lavapipe and on the CPU reference, so by default each row is
// timed on a prefix (fewer clips, fewer IG steps) and scaled linearly to the full workload (marked
// scaled, as peer-figures.md did); AURALENS_BENCH_FULL=1 times the full workloads. Each row: one
// warm-up run (pipeline compilation), then the median of AURALENS_BENCH_RUNS runs (default 2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, models, nn, noGrad } from '../../dist/index.js';
import { gradCam, integratedGradients, occlusion, saliency } from '../../dist/xai/index.js'; // 'auralens/xai' for package users
import { topKernels } from '../harness.mjs';

const N_MELS = 64;
const FRAMES = 301;
const FULL = process.env.AURALENS_BENCH_FULL === '1';
const RUNS = Math.max(1, Number(process.env.AURALENS_BENCH_RUNS ?? 2));
const LAST_CONV = 'conv3';

/** Multiply-adds per clip of each Conv2d / Linear, in forward order, from one clip's activation shapes. */
function layerMacs(model, e) {
  const layers = model.namedModules().filter(([, m]) => m instanceof nn.Conv2d || m instanceof nn.Linear);
  const x = e.zeros([1, 1, N_MELS, FRAMES]);
  const out = noGrad(() =>
    model.forwardWithActivations(
      x,
      layers.map(([n]) => n),
    ),
  );
  const macs = layers.map(([name, m]) => {
    const w = m.getParameter('weight');
    const perOutput = w.shape.slice(1).reduce((a, b) => a * b, 1); // Cin/groups*kh*kw, or in features
    const outputs = out.activations[name].shape.slice(1).reduce((a, b) => a * b, 1);
    return { name, macs: perOutput * outputs };
  });
  for (const t of [x, out.output, ...Object.values(out.activations)]) t.dispose();
  return macs;
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs fn (async), waits for its result on the device; returns { ms, maxBlockMs }. */
async function time(e, fn) {
  let last = performance.now();
  let maxBlockMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxBlockMs = Math.max(maxBlockMs, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  last = t0;
  try {
    const out = await fn();
    const ts = Array.isArray(out) ? out : [out];
    await e.sync();
    // A read waits for everything the result depends on (sync alone may not on every backend).
    await ts[0].read();
    const ms = performance.now() - t0;
    maxBlockMs = Math.max(maxBlockMs, performance.now() - last);
    for (const t of ts) t.dispose();
    return { ms, maxBlockMs };
  } finally {
    clearInterval(tick);
  }
}

/** Window positions of occlusion's 1x8x12 window on [1, 64, 301] (Captum's 1 + ceil((D − w) / s) per dim). */
const windows = (st) => [1, N_MELS, FRAMES].map((d, i) => 1 + Math.ceil((d - [1, 8, 12][i]) / st[i])).reduce((a, b) => a * b, 1);

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const engines = gpu.backend === 'webgpu' ? [gpu, cpu] : [cpu];

  const probe = models.genreCNN(cpu, { seed: 0 }).eval();
  const macs = layerMacs(probe, cpu);
  probe.dispose();
  const fwdFlopsPerClip = 2 * macs.reduce((a, l) => a + l.macs, 0);
  const afterConv = macs.slice(macs.findIndex((l) => l.name === LAST_CONV) + 1);
  const camBackwardPerClip = 2 * afterConv.reduce((a, l) => a + l.macs, 0);

  // size: the full workload; prefix: what is timed by default (scaled linearly to size).
  const workloads = [
    {
      key: 'ig',
      label: 'Integrated Gradients, 16 clips x 50 steps',
      size: { clips: 16, steps: 50 },
      prefix: { clips: 1, steps: 2 },
      flops: (s) => s.clips * s.steps * 2 * fwdFlopsPerClip,
      work: (s) => s.clips * s.steps,
      // warn: false: no convergence check (its extra forward pass over 2 rows per clip would be
      // scaled up with the 2-step prefix; the few-step prefix would also warn every run).
      fn: (model, x, s) => integratedGradients(model, x, { target: 3, steps: s.steps, method: 'gausslegendre', warn: false }),
    },
    {
      key: 'gradcam',
      label: `Grad-CAM on the last conv (${LAST_CONV}), 64 clips`,
      size: { clips: 64 },
      prefix: { clips: 4 },
      flops: (s) => s.clips * (fwdFlopsPerClip + camBackwardPerClip),
      work: (s) => s.clips,
      fn: async (model, x) => {
        const r = await gradCam(model, x, { target: 3, layer: LAST_CONV });
        return [r.map, r.layerMap];
      },
    },
    {
      key: 'saliency',
      label: 'saliency (input gradient), 16 clips',
      size: { clips: 16 },
      prefix: { clips: 2 },
      flops: (s) => s.clips * 2 * fwdFlopsPerClip,
      work: (s) => s.clips,
      fn: (model, x) => saliency(model, x, { target: 3 }),
    },
    {
      key: 'occlusion',
      label: 'occlusion, 1x8x12 windows at stride 1x4x6 (750 windows), 4 clips',
      // The prefix times fewer windows (stride 1x16x30: 55 windows) on one clip.
      size: { clips: 4, strides: [1, 4, 6] },
      prefix: { clips: 1, strides: [1, 16, 30] },
      flops: (s) => s.clips * windows(s.strides) * fwdFlopsPerClip,
      work: (s) => s.clips * windows(s.strides),
      fn: (model, x, s) => occlusion(model, x, { target: 3, window: [1, 8, 12], strides: s.strides }),
    },
  ];

  const rows = [];
  for (const w of workloads) {
    for (const e of engines) {
      const s = FULL ? w.size : w.prefix;
      const model = models.genreCNN(e, { seed: 0 }).eval();
      const x = e.randn([s.clips, 1, N_MELS, FRAMES], { seed: 11 });
      let row;
      try {
        await time(e, () => w.fn(model, x, s)); // warm-up: pipelines, buffer pool
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await time(e, () => w.fn(model, x, s)));
        const measured = median(runs.map((r) => r.ms));
        const top = await topKernels(
          e,
          async () => {
            const out = await w.fn(model, x, s);
            for (const t of Array.isArray(out) ? out : [out]) t.dispose();
          },
          `${w.label} (${e.backend})`,
        );
        const scale = w.work(w.size) / w.work(s);
        const ms = measured * scale;
        row = {
          name: `${w.label} (${e.backend})`,
          workload: w.key,
          backend: e.backend,
          ms: +ms.toFixed(1),
          gflop: +(w.flops(w.size) / 1e9).toFixed(2),
          gflops: +(w.flops(w.size) / 1e9 / (ms / 1000)).toFixed(3),
          scaled: scale !== 1,
          timed: s.steps
            ? `${s.clips} clip(s) x ${s.steps} steps`
            : s.strides
              ? `${s.clips} clip(s) x ${windows(s.strides)} windows`
              : `${s.clips} clip(s)`,
          timedMs: +measured.toFixed(1),
          runsMs: runs.map((r) => +r.ms.toFixed(1)),
          maxBlockMs: +Math.max(...runs.map((r) => r.maxBlockMs)).toFixed(1),
          topKernels: top,
        };
      } catch (err) {
        row = { name: `${w.label} (${e.backend})`, workload: w.key, backend: e.backend, error: String(err?.message ?? err) };
      }
      rows.push(row);
      console.log(JSON.stringify({ ...row, topKernels: undefined }));
      x.dispose();
      model.dispose();
    }
  }
  for (const r of rows) {
    const c = rows.find((o) => o.workload === r.workload && o.backend === 'cpu');
    r.speedupVsCpu = c && c.ms && r.ms ? +(c.ms / r.ms).toFixed(2) : null;
  }
  console.table(
    rows.map(({ name, ms, gflop, gflops, scaled, timed, speedupVsCpu, maxBlockMs, error }) => ({
      name,
      ms,
      gflop,
      gflops,
      scaled: scaled ? `* (${timed})` : '',
      speedupVsCpu,
      maxBlockMs,
      error,
    })),
  );
  const out = {
    suite: 'attributions',
    date: new Date().toISOString(),
    baseline: 'cpu',
    context: {
      model: 'models.genreCNN({ seed: 0 }), eval',
      input: [1, N_MELS, FRAMES],
      device: gpu.backend === 'webgpu' ? 'webgpu (first adapter; lavapipe here)' : 'no adapter: CPU only',
      flopsPerClipForward: fwdFlopsPerClip,
      flops:
        'conv/linear only, 2 x multiply-adds; backward to the input = 1 x forward (no weight gradients), Grad-CAM backward = the layers after the last conv',
      scaled: FULL ? 'none: full workloads timed' : 'every row timed on a prefix (see timed) and scaled linearly to the full workload',
      runs: RUNS,
    },
    results: rows,
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'attributions.json'), JSON.stringify(out, null, 2));
  gpu.dispose();
  cpu.dispose();
  return out;
}
