// LIME on the genre CNN (models.genreCNN, seeded weights, eval mode): 1,000 and 5,000
// perturbations of one 3 s clip (16 kHz, hop 160: a [1, 1, 64, 301] log-mel), 10 temporal
// segments masked on the device, on WebGPU and on the CPU reference, as perturbations per second
// and the WebGPU speed-up over the CPU. A row is the whole xai.lime call: seeded rows, the masked
// inputs built on the device (one matmul per chunk), every forward pass, the one read-back and the
// surrogate fit (LimeBase, 'auto' selection).
//
// One forward of this input is 0.365 GFLOP (peer-figures.md: "LIME: 1000 masked forwards of one
// input", 365.06 GFLOP), so perturbations/s × 0.365 = GFLOP/s. Full sizes take minutes on
// lavapipe and far longer on the CPU reference, so by default each row is timed on a prefix
// (fewer perturbations, same chunking) and scaled linearly (marked scaled); AURALENS_BENCH_FULL=1
// times the full workloads. One warm-up call per engine (pipeline compilation), then the median
// of AURALENS_BENCH_RUNS runs (default 2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, models } from '../../dist/index.js';
import { lime, temporalSegments } from '../../dist/xai/index.js'; // 'auralens/xai' for package users

const N_MELS = 64;
const FRAMES = 301; // 3 s at 16 kHz, hop 160, centred frames
const GFLOP_PER_FORWARD = 0.36506;
const FULL = process.env.AURALENS_BENCH_FULL === '1';
const RUNS = Math.max(1, Number(process.env.AURALENS_BENCH_RUNS ?? 2));
const PREFIX = { webgpu: 64, cpu: 8 };
const MAX_BATCH = 32;

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeLime(model, x, f, numSamples) {
  const t0 = performance.now();
  const ex = await lime(model, x, { factorization: f, numSamples, target: 3, seed: 0, maxBatch: MAX_BATCH });
  const ms = performance.now() - t0;
  ex.dispose();
  return ms;
}

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const engines = gpu.backend === 'webgpu' ? [gpu, cpu] : [cpu];
  const rows = [];
  for (const n of [1000, 5000]) {
    for (const e of engines) {
      const timed = FULL ? n : Math.min(n, PREFIX[e.backend]);
      const model = models.genreCNN(e, { seed: 0 }).eval();
      const x = e.randn([1, 1, N_MELS, FRAMES], { seed: 11 });
      const f = temporalSegments(x, { n: 10 });
      let row;
      try {
        await timeLime(model, x, f, Math.min(timed, MAX_BATCH)); // warm-up
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await timeLime(model, x, f, timed));
        const measured = median(runs);
        const ms = (measured * n) / timed;
        row = {
          name: `LIME, ${n} perturbations, 10 segments (${e.backend})`,
          perturbations: n,
          backend: e.backend,
          ms: +ms.toFixed(1),
          perturbationsPerS: +((1000 * n) / ms).toFixed(2),
          gflops: +((n * GFLOP_PER_FORWARD) / (ms / 1000)).toFixed(3),
          scaled: timed !== n,
          timed: `${timed} perturbations`,
          timedMs: +measured.toFixed(1),
          runsMs: runs.map((r) => +r.toFixed(1)),
        };
      } catch (err) {
        row = { name: `LIME, ${n} perturbations (${e.backend})`, perturbations: n, backend: e.backend, error: String(err?.message ?? err) };
      }
      rows.push(row);
      console.log(JSON.stringify(row));
      f.dispose();
      x.dispose();
      model.dispose();
    }
  }
  for (const r of rows) {
    const c = rows.find((o) => o.perturbations === r.perturbations && o.backend === 'cpu');
    r.speedupVsCpu = c && c.ms && r.ms ? +(c.ms / r.ms).toFixed(2) : null;
  }
  console.table(
    rows.map(({ name, ms, perturbationsPerS, gflops, scaled, timed, speedupVsCpu, error }) => ({
      name,
      ms,
      perturbationsPerS,
      gflops,
      scaled: scaled ? `* (${timed})` : '',
      speedupVsCpu,
      error,
    })),
  );
  const out = {
    suite: 'lime',
    date: new Date().toISOString(),
    baseline: 'cpu',
    context: {
      model: 'models.genreCNN({ seed: 0 }), eval',
      input: [1, 1, N_MELS, FRAMES],
      factorization: 'temporalSegments(x, { n: 10 }) on the log-mel (spectrogram masking, baseline 0)',
      maxBatch: MAX_BATCH,
      device: gpu.backend === 'webgpu' ? 'webgpu (first adapter; lavapipe here)' : 'no adapter: CPU only',
      gflopPerForward: GFLOP_PER_FORWARD,
      scaled: FULL ? 'none: full workloads timed' : 'rows timed on a prefix (see timed) and scaled linearly',
      runs: RUNS,
    },
    results: rows,
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lime.json'), JSON.stringify(out, null, 2));
  gpu.dispose();
  cpu.dispose();
  return out;
}
