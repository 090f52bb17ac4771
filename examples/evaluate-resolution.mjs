// node examples/evaluate-resolution.mjs [OUT] (after npm run build)
//
// The seeds' Objective 1 resolution study at a small size: how do Saliency, Integrated Gradients
// and Guided Grad-CAM rank under Quantus's metrics (FaithfulnessCorrelation with nrRuns 10,
// AvgSensitivity with nrSamples 10, Sparseness, RandomLogit) on spoken digits at 32, 64 and 128
// mel bands, and on MNIST-style digit images (data.digitGlyphTensors) at 28×28 and 64×64?
// For each dataset a small CNN is trained for a few epochs, then metrics.evaluate() scores the
// three methods on held-out examples; the tables (CSV, JSON, Markdown) and ranking heatmaps (SVG,
// PNG) are written to OUT (default: a folder in the temp directory), one set per dataset.
//
// Spoken digits are made offline by scripts/make-spoken-digits.sh (espeak-ng + sox); without them
// the audio datasets are skipped with a note. AURALENS_BACKEND=cpu|webgpu|auto picks the backend;
// AURALENS_EXAMPLE_QUICK=1 uses fewer examples, epochs and metric samples.
// Cost on the CPU backend: about 3 CPU-minutes in full (the CNNs reach ~60-67 % on held-out
// speakers and ~96 % on digit images), about 20 CPU-seconds with QUICK.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { audio, createEngine, data, fit, metrics, models, tidy, reshape } from '../dist/index.js';
import { guidedGradCam, integratedGradients, saliency } from '../dist/xai/index.js'; // 'auralens/xai' for package users
import { rankingHeatmapPng } from '../dist/metrics/png.js';

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const engine = await createEngine({
  backend: process.env.AURALENS_BACKEND ?? 'auto',
});
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'auralens-resolution-'));
mkdirSync(out, { recursive: true });
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nEval = quick ? 4 : 8;
const epochs = quick ? 2 : 8;
console.log(`resolution study on the ${engine.backend} backend → ${out}`);

/** A small CNN for [1, H, W] inputs: two conv blocks, a fixed-size pooling, a linear classifier. */
function cnn(h, w) {
  return models.fromSpec(
    engine,
    {
      input: [1, h, w],
      layers: [
        { type: 'conv2d', name: 'conv1', in: 1, out: 8, kernel: 3, padding: 1 },
        { type: 'relu', name: 'relu1' },
        { type: 'maxpool2d', name: 'pool1', kernel: 2 },
        {
          type: 'conv2d',
          name: 'conv2',
          in: 8,
          out: 16,
          kernel: 3,
          padding: 1,
        },
        { type: 'relu', name: 'relu2' },
        { type: 'adaptiveavgpool2d', name: 'pool2', output: [4, 4] },
        { type: 'flatten', name: 'flatten' },
        { type: 'linear', name: 'fc', in: 16 * 16, out: 10 },
      ],
    },
    { seed: 0 },
  );
}

// The three methods of the seeds, through the xai contract (model, inputs, { target }) → attributions.
const methods = {
  saliency: (m, x, o) => saliency(m, x, { target: o.target }),
  integratedGradients: (m, x, o) => integratedGradients(m, x, { target: o.target, steps: quick ? 8 : 20 }),
  guidedGradCam: (m, x, o) => guidedGradCam(m, x, { target: o.target, layer: 'conv2' }),
};
const metricSpecs = [
  {
    metric: 'faithfulnessCorrelation',
    options: { nrRuns: 10, subsetSize: 64 },
  },
  {
    metric: 'avgSensitivity',
    options: { nrSamples: quick ? 3 : 10, lowerBound: 0.05 },
  },
  'sparseness',
  'randomLogit',
];

/**
 * Trains a CNN on { x, y } (validation accuracy on `test`), evaluates the methods on the first
 * nEval examples of `test`, writes the tables and heatmaps.
 */
async function study(name, train, test) {
  const [, , h, w] = train.x.shape;
  const model = cnn(h, w);
  const t0 = performance.now();
  const hist = await fit(model, train, {
    epochs,
    batchSize: 32,
    lr: 3e-3,
    seed: 0,
    validation: test,
  });
  model.eval();
  const acc = hist.at(-1)?.valAccuracy ?? NaN;
  const evalX = (await test.x.read()).subarray(0, nEval * h * w);
  const xs = engine.tensor(Float32Array.from(evalX), [nEval, 1, h, w]);
  const targets = Array.from((await test.y.read()).subarray(0, nEval));
  const res = await metrics.evaluate({
    model,
    inputs: xs,
    targets,
    methods,
    metrics: metricSpecs,
    seed: 0,
    // A live progress line on a terminal (metric evaluations done / total).
    onProgress: process.stdout.isTTY ? (p) => process.stdout.write(`\r  ${name}: ${p.done}/${p.total} ${p.stage.padEnd(44)}`) : undefined,
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  const base = join(out, name);
  writeFileSync(`${base}.csv`, res.toCsv());
  writeFileSync(`${base}.json`, res.toJson());
  writeFileSync(`${base}.md`, res.toMarkdown());
  writeFileSync(`${base}.svg`, res.heatmapSvg(`${name}: rank of each method per metric (1 = best)`));
  writeFileSync(
    `${base}.png`,
    rankingHeatmapPng(res, {
      title: `${name}: rank of each method per metric (1 = best)`,
    }),
  );
  console.log(
    `${name} (${h}×${w}, validation accuracy ${(100 * acc).toFixed(1)} %, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n${res.toMarkdown()}`,
  );
  xs.dispose();
  model.dispose();
}

// --- Spoken digits at 32, 64 and 128 mel bands -------------------------------------------------
let clips = null;
try {
  const dir = mkdtempSync(join(tmpdir(), 'auralens-spoken-'));
  execFileSync('sh', [join(root, 'scripts', 'make-spoken-digits.sh'), dir, quick ? '2' : '4', quick ? '4' : '6'], {
    stdio: 'pipe',
    env: { ...process.env, ASTERISK: '0' },
  });
  clips = [];
  for (const speaker of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(dir, speaker.name))
      .filter((f) => f.endsWith('.wav'))
      .sort()) {
      const wav = audio.decodeWav(readFileSync(join(dir, speaker.name, f)));
      const one = new Float32Array(16000); // 1 s at 16 kHz: cropped or zero-padded
      one.set(wav.mono.subarray(0, 16000));
      const [digit, , index] = f.replace(/\.wav$/, '').split('_');
      clips.push({
        wave: one,
        label: Number(digit),
        index: Number(index),
        speaker: speaker.name,
      });
    }
  }
} catch (err) {
  console.log(`spoken digits skipped (scripts/make-spoken-digits.sh needs espeak-ng and sox): ${String(err.message).split('\n')[0]}`);
}
if (clips) {
  // Hold out the last speaker, ordered rendering-major so the first nEval held-out clips are different digits.
  const last = clips.at(-1).speaker;
  const trainClips = clips.filter((c) => c.speaker !== last);
  const testClips = clips.filter((c) => c.speaker === last).sort((a, b) => a.index - b.index || a.label - b.label);
  for (const [nMels, hop] of [
    [32, 320],
    [64, 160],
    [128, 160],
  ]) {
    const toSet = (cs) =>
      tidy(() => {
        // Per-clip normalised log-mel (dB, top 80 dB), [n, 1, nMels, frames].
        const mel = audio.logMel(
          audio.toBatch(
            engine,
            cs.map((c) => c.wave),
          ),
          { nMels, hop, topDb: 80, normalize: true },
        );
        const [n, m, t] = mel.shape;
        return {
          x: reshape(mel, [n, 1, m, t]),
          y: engine.tensor(
            cs.map((c) => c.label),
            [cs.length],
            'int32',
          ),
        };
      });
    const train = toSet(trainClips);
    const test = toSet(testClips);
    await study(`spoken-digits-${nMels}-mels`, train, test);
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  }
}

// --- Digit images at 28×28 and 64×64 -------------------------------------------------------------
for (const size of [28, 64]) {
  const train = data.digitGlyphTensors(engine, {
    seed: 1,
    count: quick ? 200 : 1000,
    size,
  });
  const test = data.digitGlyphTensors(engine, {
    seed: 2,
    count: quick ? 50 : 200,
    size,
  });
  await study(`digit-images-${size}px`, train, test);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
}
console.log(`tables and heatmaps in ${out}`);
engine.dispose();
