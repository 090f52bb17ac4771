// TCAV at the size: 6 concepts × 10 random sets × 4 layers (conv2, conv3, fc1, fc2 of the
// genre CNN on [1, 64, 48] log-mel-sized inputs, 8 examples per set, 8 inputs, one target).
// - "tcav batched": concepts.tcav — per layer one Gram matmul fits all 70 CAVs (60 concept + 10
//   random-vs-random) and one matmul returns them; one forward + backward gives every layer's
//   gradients; one [N, D] × [D, 70] matmul per layer gives every directional derivative.
//   On WebGPU and on the CPU reference backend.
// - "naive": what tensorflow/tcav does per random run — per (concept, random, layer) its own CAV
//   fit (trainCav on that pair) and its own backward pass for the directional derivatives
//   (directionalDerivatives), activations computed once. Timed on 1 concept × 10 randoms × 1 layer
//   and scaled ×24 to the full 240 runs (the runs are independent, so the cost is linear).
// Ratios are against the batched CPU run of the same suite.
import { createEngine, models, concepts } from '../../dist/index.js';
import { runSuite } from '../harness.mjs';

const N_CONCEPTS = 6;
const N_RANDOM = 10;
const LAYERS = ['conv2', 'conv3', 'fc1', 'fc2'];
const PER_SET = 8;
const SHAPE = [1, 64, 48];

function setup(e) {
  const model = models.genreCNN(e, { seed: 0 });
  model.eval();
  const set = (seed) => e.randn([PER_SET, ...SHAPE], { seed, mean: (seed % 7) * 0.1 });
  const conceptSets = Object.fromEntries(Array.from({ length: N_CONCEPTS }, (_, c) => [`concept${c}`, set(10 + c)]));
  const randoms = Array.from({ length: N_RANDOM }, (_, r) => set(100 + r));
  const inputs = set(200);
  return { e, model, conceptSets, randoms, inputs };
}

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const engines = gpu.backend === 'webgpu' ? [gpu, cpu] : [cpu];
  const setups = engines.map(setup);

  const batched = setups.map((s) => ({
    name: `tcav batched 6x10x4 (${s.e.backend})`,
    fn: async () => {
      await concepts.tcav({ model: s.model, layers: LAYERS, targets: 3, concepts: s.conceptSets, randoms: s.randoms, inputs: s.inputs });
    },
    options: s.e.backend === 'cpu' ? { minSamples: 1, maxTime: 1 } : { minSamples: 2, maxTime: 4 },
  }));

  // The naive loop on the fastest engine: activations once, then a CAV fit and a backward per run.
  const s = setups[0];
  const layer = 'conv3';
  const concept = s.conceptSets.concept0;
  const naive = {
    name: `naive: one CAV fit + one backward per run (${s.e.backend})`,
    scale: N_CONCEPTS * LAYERS.length,
    fn: async () => {
      const cActs = await concepts.layerActivations(s.model, concept, [layer]);
      const rActs = [];
      for (const r of s.randoms) rActs.push((await concepts.layerActivations(s.model, r, [layer]))[layer]);
      for (const ra of rActs) {
        const cav = await concepts.trainCav(cActs[layer], ra);
        const S = await concepts.directionalDerivatives(s.model, s.inputs, { layer, target: 3, cavs: cav });
        await concepts.tcavScores(S);
        S.dispose();
        cav.dispose();
      }
      [cActs[layer], ...rActs].forEach((t) => t.dispose());
    },
    options: { minSamples: 1, maxTime: 1 },
  };

  await runSuite('tcav', [...batched, naive], {
    baseline: `tcav batched 6x10x4 (cpu)`,
    context: {
      concepts: N_CONCEPTS,
      randoms: N_RANDOM,
      layers: LAYERS,
      examplesPerSet: PER_SET,
      inputs: PER_SET,
      inputShape: SHAPE,
      backend: gpu.backend,
    },
  });
  for (const st of setups) [...Object.values(st.conceptSets), ...st.randoms, st.inputs].forEach((t) => t.dispose());
  gpu.dispose();
  if (cpu !== gpu) cpu.dispose();
}
