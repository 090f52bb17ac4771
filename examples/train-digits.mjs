// node examples/train-digits.mjs (after npm run build)
//
// Trains a small CNN on seeded digit glyphs (data.digitGlyphTensors, an MNIST stand-in that needs
// no download): a model built with models.fromSpec, fit() with an Adam optimiser and validation
// accuracy per epoch, then a safetensors checkpoint round trip (saveCheckpoint → loadCheckpoint
// into a freshly initialised model gives the same predictions).
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 trains less.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEngine,
  data,
  models,
  fit,
  Adam,
  saveCheckpoint,
  loadCheckpoint,
  readSafetensors,
  noGrad,
  tidy,
  argmax,
  equal,
  cast,
  mean,
} from '../dist/index.js';

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const SIZE = 16;
const nTrain = quick ? 300 : 1000;
const nVal = quick ? 100 : 300;
const epochs = quick ? 3 : 6;
console.log(
  `train-digits on the ${engine.backend} backend: ${nTrain} training / ${nVal} validation glyphs of ${SIZE}×${SIZE}, ${epochs} epochs`,
);

// Different seeds give different augmentations (position, scale, rotation, stroke, noise).
const train = data.digitGlyphTensors(engine, { seed: 1, count: nTrain, size: SIZE });
const val = data.digitGlyphTensors(engine, { seed: 2, count: nVal, size: SIZE });

// A Sequential CNN from a JSON spec; layer names become the state_dict prefixes (conv1.weight, …).
const spec = {
  input: [1, SIZE, SIZE],
  layers: [
    { type: 'conv2d', name: 'conv1', in: 1, out: 8, kernel: 3, padding: 1 },
    { type: 'relu', name: 'relu1' },
    { type: 'maxpool2d', name: 'pool1', kernel: 2 },
    { type: 'conv2d', name: 'conv2', in: 8, out: 16, kernel: 3, padding: 1 },
    { type: 'relu', name: 'relu2' },
    { type: 'maxpool2d', name: 'pool2', kernel: 2 },
    { type: 'flatten', name: 'flatten' },
    { type: 'linear', name: 'fc', in: 16 * (SIZE / 4) * (SIZE / 4), out: 10 },
  ],
};
const net = models.fromSpec(engine, spec, { seed: 0 });
console.log(
  `model: ${net.numParameters()} parameters in ${net
    .namedParameters()
    .map(([n]) => n)
    .join(', ')}`,
);

const opt = new Adam(net, { lr: 3e-3 });
const t0 = performance.now();
const history = await fit(net, train, {
  epochs,
  batchSize: 50,
  seed: 0,
  optimizer: opt,
  validation: val,
  onEpoch: ({ epoch, loss, trainAccuracy, valAccuracy }) =>
    console.log(
      `epoch ${epoch}: loss ${loss.toFixed(4)}, train accuracy ${(100 * trainAccuracy).toFixed(1)} %, validation accuracy ${(100 * valAccuracy).toFixed(1)} %`,
    ),
});
opt.dispose();
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

/** Validation accuracy and predicted classes of a model (eval mode, nothing recorded). */
async function evaluate(model) {
  const [acc, pred] = noGrad(() =>
    tidy(() => {
      const p = argmax(model.call(val.x), 1);
      return [mean(cast(equal(cast(p, 'float32'), cast(val.y, 'float32')), 'float32')), p];
    }),
  );
  const out = { accuracy: await acc.item(), pred: await pred.read() };
  acc.dispose();
  pred.dispose();
  return out;
}
const trained = await evaluate(net);

// Checkpoint: the state_dict as safetensors (PyTorch key names), written to a temp file.
const bytes = await saveCheckpoint(net);
const file = join(tmpdir(), 'auralens-digits.safetensors');
await writeFile(file, bytes);
console.log(`checkpoint: ${bytes.length} bytes, keys ${Object.keys(readSafetensors(bytes).tensors).join(', ')} → ${file}`);

// A fresh model (another init) loads it and predicts exactly as the trained one.
const fresh = models.fromSpec(engine, spec, { seed: 123 });
fresh.eval();
const before = await evaluate(fresh);
loadCheckpoint(fresh, bytes);
const after = await evaluate(fresh);
const same = after.pred.every((p, i) => p === trained.pred[i]);
console.log(
  `fresh model: validation accuracy ${(100 * before.accuracy).toFixed(1)} % before loading, ${(100 * after.accuracy).toFixed(1)} % after (predictions identical to the trained model: ${same})`,
);
console.log(`final validation accuracy: ${(100 * history.at(-1).valAccuracy).toFixed(1)} %`);

for (const t of [train.x, train.y, val.x, val.y]) t.dispose();
net.dispose();
fresh.dispose();
engine.dispose();
