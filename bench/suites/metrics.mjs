// Quantus-parity metrics on the digit CNN (models.digitCNN, seeded weights, eval mode) with 32
// examples of [1, 32, 48] (the golden's input size), Saliency attributions:
//   FaithfulnessCorrelation (nrRuns 10, subsetSize 224: 320 perturbed forward rows) and
//   AvgSensitivity (nrSamples 10: 320 re-explained rows),
// each batched on WebGPU, batched on the CPU reference, and unbatched on WebGPU (maxBatch 1: one
// forward pass or one explain call per perturbation per example, the way Quantus loops), and
// unbatched on the CPU. Ratios: each row against the unbatched row of its backend, and batched
// WebGPU against batched CPU, all measured in the same run.
// Each row: one warm-up run, then the median of AURALENS_BENCH_RUNS runs (default 2). Writes
// bench/results/metrics.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, metrics, models, saliency } from '../../dist/index.js';

const B = 32;
const SHAPE = [B, 1, 32, 48];
const RUNS = Math.max(1, Number(process.env.AURALENS_BENCH_RUNS ?? 2));
const explain = (m, x, o) => saliency(m, x, { target: o.target });

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeIt(fn) {
  await fn(); // warm-up: pipeline compilation
  const ms = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const setups = new Map();
  const setup = (e) => {
    if (!setups.has(e)) {
      const model = models.digitCNN(e, { seed: 0 }).eval();
      const x = e.rand(SHAPE, { seed: 1, low: -1, high: 1 });
      const targets = Array.from({ length: B }, (_, i) => i % 10);
      const a = saliency(model, x, { target: targets });
      setups.set(e, { model, x, targets, a });
    }
    return setups.get(e);
  };
  const cases = [];
  for (const [metric, fn, opts] of [
    ['FaithfulnessCorrelation', metrics.faithfulnessCorrelation, { nrRuns: 10, subsetSize: 224 }],
    ['AvgSensitivity', metrics.avgSensitivity, { nrSamples: 10, explain }],
  ]) {
    const rows = [];
    for (const [label, e, extra] of [
      ['webgpu batched', gpu, {}],
      ['cpu batched', cpu, {}],
      ['webgpu unbatched (maxBatch 1)', gpu, { maxBatch: 1 }],
      ['cpu unbatched (maxBatch 1)', cpu, { maxBatch: 1 }],
    ]) {
      if (label.startsWith('webgpu') && gpu.backend !== 'webgpu') continue;
      const s = setup(e);
      const ms = await timeIt(() =>
        fn(s.model, s.x, s.targets, {
          attributions: s.a,
          seed: 3,
          ...opts,
          ...extra,
        }),
      );
      rows.push({ metric, row: label, backend: e.backend, ms: +ms.toFixed(1) });
    }
    // Each row against the unbatched row of its own backend; batched WebGPU also against batched CPU.
    for (const r of rows) {
      const base = rows.find((q) => q.backend === r.backend && q.row.includes('unbatched'));
      r.speedupVsUnbatched = base ? +(base.ms / r.ms).toFixed(2) : null;
      r.speedupVsCpuBatched = null;
    }
    const [g, c] = ['webgpu batched', 'cpu batched'].map((n) => rows.find((r) => r.row === n));
    if (g && c) g.speedupVsCpuBatched = +(c.ms / g.ms).toFixed(2);
    cases.push(...rows);
  }
  console.table(cases);
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'metrics.json'),
    JSON.stringify(
      {
        suite: 'metrics',
        date: new Date().toISOString(),
        examples: B,
        inputShape: SHAPE.slice(1),
        runs: RUNS,
        adapter: gpu.info?.().adapter ?? null,
        results: cases,
      },
      null,
      2,
    ),
  );
  for (const { model, x, a } of setups.values()) {
    model.dispose();
    x.dispose();
    a.dispose();
  }
  gpu.dispose();
  if (cpu !== gpu) cpu.dispose();
}
