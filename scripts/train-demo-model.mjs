// node scripts/train-demo-model.mjs [--backend cpu|webgpu|auto] [--out assets/genre-cnn]
//
// Trains the demo's genre CNN (the seeds' SimpleGenreClassifier at reduced width so that it trains
// in minutes on two CPU cores) on the synthetic genres, and writes the committed demo model:
//   <out>/model.safetensors  the state_dict with PyTorch key names (conv1.weight, bn1.running_mean, …)
//   <out>/spec.json          { arch, archOptions, spec (models.fromSpec), classes, frontEnd, clip,
//                              training, accuracy } — everything the CLI and the browser page need.
// Training, validation (picks the epoch kept) and test clips (the accuracy reported) come from
// three different dataset seeds, so the held-out accuracy is honest.
// Run after `npm run build`. Deterministic for a given backend and seed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createEngine,
  models,
  audio,
  fit,
  Adam,
  saveCheckpoint,
  loadCheckpoint,
  noGrad,
  tidy,
  reshape,
  argmax,
  equal,
  cast,
  mean,
} from '../dist/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const backend = arg('backend', process.env.AURALENS_BACKEND ?? 'cpu');
const outDir = arg('out', 'assets/genre-cnn');
const SEED = Number(arg('seed', '7'));
const PER_GENRE_TRAIN = Number(arg('per-genre', '40'));
const PER_GENRE_VAL = 12;
const EPOCHS = Number(arg('epochs', '24'));
const DURATION = 1.5; // seconds per clip: short enough to train and explain fast on a CPU
const FRONT_END = { sampleRate: 16000, nFft: 400, hop: 160, nMels: 64, normalize: true };
const WIDTH = Number(arg('width', '8'));
const ARCH_OPTIONS = { nMels: 64, nClasses: 10, channels: [WIDTH, 2 * WIDTH, 4 * WIDTH], bottleneck: 8 * WIDTH, dropout: 0.3, seed: SEED };

const engine = await createEngine({ backend });
console.log(`train-demo-model on ${engine.backend}: ${PER_GENRE_TRAIN}×10 training / ${PER_GENRE_VAL}×10 held-out clips of ${DURATION} s`);

/** Synthesises clips and returns the log-mel batch [N, 1, 64, frames] with labels. */
function logMelData(perGenre, seed) {
  const ds = audio.synth.synthGenreDataset({ perGenre, seed, duration: DURATION, sampleRate: FRONT_END.sampleRate });
  const len = ds.clips[0].length;
  const flat = new Float32Array(ds.clips.length * len);
  ds.clips.forEach((c, i) => flat.set(c, i * len));
  const x = tidy(() => {
    const wave = engine.tensor(flat, [ds.clips.length, len]);
    const mel = audio.logMel(wave, FRONT_END);
    const [n, m, f] = mel.shape;
    return reshape(mel, [n, 1, m, f]);
  });
  return { x, y: engine.tensor(ds.labels, [ds.labels.length], 'int32'), genres: ds.genres };
}

const t0 = performance.now();
const train = logMelData(PER_GENRE_TRAIN, SEED);
const val = logMelData(PER_GENRE_VAL, SEED + 1000);
console.log(`data ${train.x.shape.join('×')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const net = models.genreCNN(engine, ARCH_OPTIONS);
const opt = new Adam(net, { lr: 2e-3 });
// Keep the weights of the epoch with the best validation accuracy (BatchNorm's running statistics
// make single epochs noisy); the accuracy reported is measured afterwards on a third, untouched set.
let best = -1;
let bestEpoch = 0;
let bestBytes = null;
const history = await fit(net, train, {
  epochs: EPOCHS,
  batchSize: 32,
  seed: SEED,
  optimizer: opt,
  validation: val,
  onProgress: async ({ epoch, loss, trainAccuracy, valAccuracy }) => {
    if (valAccuracy > best) {
      best = valAccuracy;
      bestEpoch = epoch;
      bestBytes = await saveCheckpoint(net);
    }
    console.log(
      `epoch ${epoch}: loss ${loss.toFixed(4)} train ${(100 * trainAccuracy).toFixed(1)} % held-out ${(100 * valAccuracy).toFixed(1)} % (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
  },
});
opt.dispose();
loadCheckpoint(net, bestBytes);
console.log(`kept epoch ${bestEpoch} (validation ${(100 * best).toFixed(1)} %)`);
const test = logMelData(PER_GENRE_VAL, SEED + 2000);
net.eval();
const acc = noGrad(() => tidy(() => mean(cast(equal(cast(argmax(net.call(test.x), 1), 'float32'), cast(test.y, 'float32')), 'float32'))));
const accuracy = await acc.item();
console.log(`held-out accuracy ${(100 * accuracy).toFixed(1)} %`);

await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, 'model.safetensors'), bestBytes);
const meta = {
  arch: 'genre-cnn',
  archOptions: ARCH_OPTIONS,
  spec: models.genreCNNSpec(ARCH_OPTIONS),
  classes: train.genres,
  frontEnd: FRONT_END,
  clip: { duration: DURATION, sampleRate: FRONT_END.sampleRate },
  training: {
    script: 'scripts/train-demo-model.mjs',
    backend: engine.backend,
    seed: SEED,
    epochs: EPOCHS,
    perGenreTrain: PER_GENRE_TRAIN,
    perGenreValidation: PER_GENRE_VAL,
    perGenreTest: PER_GENRE_VAL,
    trainDatasetSeed: SEED,
    validationDatasetSeed: SEED + 1000,
    testDatasetSeed: SEED + 2000,
    keptEpoch: bestEpoch,
    seconds: Math.round((performance.now() - t0) / 1000),
    history,
  },
  accuracy: { heldOut: accuracy, heldOutClips: test.y.shape[0], validation: best },
};
await writeFile(join(outDir, 'spec.json'), JSON.stringify(meta, null, 2) + '\n');
console.log(`wrote ${outDir}/model.safetensors and spec.json`);
if (accuracy < 0.9) {
  console.error(`held-out accuracy ${(100 * accuracy).toFixed(1)} % is below 90 %`);
  process.exit(1);
}
