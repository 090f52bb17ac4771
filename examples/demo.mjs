// npm run demo: the built-in example. Trains a small classifier on synthetic "spectrograms"
// (class 0: energy in the low bands, class 1: in the high bands) with auralens' autograd, then
// asks which time-frequency cells drive each class (input-gradient saliency, one backward pass
// for the whole batch) and prints the maps. The saliency should light up the class's bands.
import {
  createEngine, tidy, keep, valueAndGrad, saliency, matmul, add, sub, mul, relu, reshape, mean,
  crossEntropy, argmax, equal, cast, slice,
} from '../dist/index.js';

const MELS = 16;
const FRAMES = 24;
const N = 256;

/** Seeded synthetic log-mel-like clips: noise plus a band of energy whose position is the label. */
function makeData(seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(N * MELS * FRAMES);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const label = i % 2;
    y[i] = label;
    const centre = label === 0 ? 3 + rnd() * 2 : 11 + rnd() * 2;
    for (let m = 0; m < MELS; m++) {
      const band = Math.exp(-((m - centre) ** 2) / 4);
      for (let t = 0; t < FRAMES; t++) {
        const onset = rnd() < 0.6 ? 1 : 0.3;
        x[(i * MELS + m) * FRAMES + t] = 0.3 * (rnd() - 0.5) + band * onset;
      }
    }
  }
  return { x, y };
}

const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' }); // 'cpu' forces the reference
console.log(`auralens demo on the ${engine.backend} backend`);

const data = makeData(7);
const x = engine.tensor(data.x, [N, MELS * FRAMES]);
const y = engine.tensor(data.y, [N], 'int32');

// A two-layer perceptron: [N, 384] -> 32 -> 2.
let w1 = engine.randn([MELS * FRAMES, 32], { seed: 1, std: 0.05 });
let b1 = engine.zeros([32]);
let w2 = engine.randn([32, 2], { seed: 2, std: 0.2 });
let b2 = engine.zeros([2]);
const model = (inp, p1, q1, p2, q2) => add(matmul(relu(add(matmul(inp, p1), q1)), p2), q2);
const loss = (p1, q1, p2, q2) => crossEntropy(model(x, p1, q1, p2, q2), y);
const step = valueAndGrad(loss);

for (let epoch = 0; epoch < 60; epoch++) {
  const { value, grads } = step(w1, b1, w2, b2);
  // Plain gradient descent; the new parameters survive the tidy scope.
  const next = tidy(() => [w1, b1, w2, b2].map((p, i) => sub(p, mul(grads[i], 0.5))));
  for (const t of [w1, b1, w2, b2, ...grads]) t.dispose();
  [w1, b1, w2, b2] = next.map(keep);
  if (epoch % 20 === 19) console.log(`epoch ${epoch + 1}: loss ${(await value.item()).toFixed(4)}`);
  value.dispose();
}

const acc = tidy(() => mean(cast(equal(cast(argmax(model(x, w1, b1, w2, b2), 1), 'float32'), cast(y, 'float32')), 'float32')));
console.log(`training accuracy: ${((await acc.item()) * 100).toFixed(1)} %`);

// Saliency: |d logit[target] / d input| for every example, in one batched backward pass.
const gx = await saliency((inp) => model(inp, w1, b1, w2, b2), x, { target: Array.from(data.y) });
const sal = reshape(gx, [N, MELS, FRAMES]);
const shades = ' .:-=+*#%@';
for (const label of [0, 1]) {
  // Average over the examples of this class (even / odd rows).
  const rows = tidy(() => mean(reshape(slice(reshape(sal, [N / 2, 2, MELS, FRAMES]), [0, label], [N / 2, 1]), [N / 2, MELS, FRAMES]), 0));
  const v = await rows.read();
  const max = Math.max(...v);
  console.log(`\nsaliency for class ${label} (${label ? 'high' : 'low'} bands), mel band 15 at the top:`);
  for (let m = MELS - 1; m >= 0; m--) {
    let line = `  ${String(m).padStart(2)} `;
    for (let t = 0; t < FRAMES; t++) line += shades[Math.min(9, Math.floor((v[m * FRAMES + t] / max) * 9.99))];
    console.log(line);
  }
  rows.dispose();
}
engine.dispose();
