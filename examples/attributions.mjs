// node examples/attributions.mjs (after npm run build)
//
// Every attribution method on one small CNN (nn modules, trained briefly on seeded digit glyphs):
// saliency, inputXGradient, integratedGradients (with its convergence delta), smoothGrad,
// guidedBackprop, deconvolution, gradCam on the named layer 'conv2', guidedGradCam, occlusion
// and featureAblation. Prints one summary line per method and ASCII maps for two of them.
// Every method is async (await it), takes strict options (Captum's spellings are accepted as
// aliases: n_steps, baselines, sliding_window_shapes, ...), reports progress and can be cancelled
// with an AbortSignal.
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 trains less.
import { createEngine, data, nn, fit, noGrad, gather, sum } from '../dist/index.js';
import {
  saliency,
  inputXGradient,
  integratedGradients,
  smoothGrad,
  guidedBackprop,
  deconvolution,
  gradCam,
  guidedGradCam,
  occlusion,
  featureAblation,
} from '../dist/xai/index.js'; // 'auralens/xai' for package users

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const S = 16;

// The model: nn modules directly, with names (gradCam picks a layer by name).
const model = new nn.Sequential(engine, [
  ['conv1', new nn.Conv2d(engine, 1, 8, 3, { padding: 1, seed: 0 })],
  ['relu1', new nn.ReLU(engine)],
  ['pool1', new nn.MaxPool2d(engine, 2)],
  ['conv2', new nn.Conv2d(engine, 8, 16, 3, { padding: 1, seed: 1 })],
  ['relu2', new nn.ReLU(engine)],
  ['pool2', new nn.MaxPool2d(engine, 2)],
  ['flatten', new nn.Flatten(engine)],
  ['fc', new nn.Linear(engine, 16 * (S / 4) * (S / 4), 10, { seed: 2 })],
]);
const train = data.digitGlyphTensors(engine, { seed: 1, count: quick ? 500 : 1000, size: S });
const history = await fit(model, train, { epochs: quick ? 3 : 5, batchSize: 50, lr: 3e-3, seed: 0 });
console.log(
  `attributions on the ${engine.backend} backend; model trained to ${(100 * history.at(-1).trainAccuracy).toFixed(1)} % training accuracy (eval mode now)`,
);
train.x.dispose();
train.y.dispose();

// Two examples to explain, a 3 and a 7 (labels cycle 0..9), each for its own class.
const test = data.digitGlyphTensors(engine, { seed: 9, count: 10, size: S });
const pick = engine.tensor([3, 7], [2], 'int32');
const x = gather(test.x, pick, 0); // [2, 1, 16, 16]
const target = [3, 7];
const logits = noGrad(() => model.call(x));
const lv = await logits.read();
const predicted = [0, 1].map((b) => lv.subarray(b * 10, b * 10 + 10).reduce((best, v, i, a) => (v > a[best] ? i : best), 0));
console.log(`inputs ${JSON.stringify(x.shape)}, targets [${target}], predicted [${predicted}]`);

/** One line per method: shape, sum per example, min / max. */
async function summary(name, t, extra = '') {
  const v = await t.read();
  const per = v.length / t.shape[0];
  const sums = [0, 1].map((b) => v.subarray(b * per, (b + 1) * per).reduce((s, a) => s + a, 0));
  let lo = Infinity,
    hi = -Infinity;
  for (const a of v) {
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  console.log(
    `${name.padEnd(20)} ${JSON.stringify(t.shape).padEnd(14)} sum per example [${sums.map((s) => s.toFixed(4)).join(', ')}]  min ${lo.toFixed(4)} max ${hi.toFixed(4)}${extra}`,
  );
  return v;
}

const s = await saliency(model, x, { target }); // |d logit / d x|
await summary('saliency', s);
const ixg = await inputXGradient(model, x, { target });
await summary('inputXGradient', ixg);

// IG: Gauss-Legendre by default; the delta is Σ attributions − (F(x) − F(baseline)) per example.
// (The target could as well be an int32 tensor [B], e.g. the labels.)
const { attributions: ig, delta } = await integratedGradients(model, x, { target, steps: 32, baseline: 0, returnConvergenceDelta: true });
const dv = await delta.read();
const igv = await summary('integratedGradients', ig, `  delta [${Array.from(dv, (d) => d.toExponential(2)).join(', ')}]`);
const igTrap = await integratedGradients(model, x, { target, steps: 32, method: 'riemann_trapezoid' }); // a Tensor without the delta
await summary('  (riemann_trapezoid)', igTrap);

const sg = await smoothGrad(model, x, { target, nSamples: 8, stdevs: 0.1, type: 'smoothgrad_sq', seed: 0 });
await summary('smoothGrad', sg, '  (smoothgrad_sq, 8 noisy samples)');
const gb = await guidedBackprop(model, x, { target });
await summary('guidedBackprop', gb);
const dc = await deconvolution(model, x, { target });
await summary('deconvolution', dc);

const { layerMap, map } = await gradCam(model, x, { target, layer: 'conv2' }); // bilinear upsampling by default
await summary('gradCam layerMap', layerMap);
const camv = await summary('gradCam map', map);
const ggc = await guidedGradCam(model, x, { target, layer: 'conv2' });
await summary('guidedGradCam', ggc);

// Occlusion with progress reports and a cancel button (an AbortSignal; here a 60 s timeout).
let reports = 0;
const occ = await occlusion(model, x, {
  target,
  sliding_window_shapes: [1, 4, 4], // Captum's spelling of `window`
  strides: [1, 2, 2],
  baselines: 0, // Captum's spelling of `baseline`
  maxBatch: 32, // 16 windows × 2 examples per forward pass: 4 chunks, 4 progress reports
  onProgress: ({ done, total, stage }) => reports++ === 0 && console.log(`  ${stage}: ${done}/${total} windows …`),
  signal: AbortSignal.timeout(60_000),
});
await summary('occlusion', occ, `  (${reports} progress reports)`);

// Feature ablation over 4×4 patches: an int32 feature id per pixel, shared by the batch.
const ids = new Int32Array(S * S).map((_, i) => Math.floor(Math.floor(i / S) / 4) * (S / 4) + Math.floor((i % S) / 4));
const featureMask = engine.tensor(ids, [1, 1, S, S], 'int32');
const fa = await featureAblation(model, x, { target, featureMask });
await summary('featureAblation', fa, `  (${(S / 4) * (S / 4)} patches)`);

// ASCII maps of example 0 (the 3): the input, IG (positive part) and the Grad-CAM map.
const xv = await x.read();
const shades = ' .:-=+*#%@';
const rowOf = (v, r, scale) =>
  Array.from(v.subarray(r * S, r * S + S), (a) => shades[Math.max(0, Math.min(9, Math.floor((a / scale) * 9.99)))]).join('');
const maxOf = (v) => v.subarray(0, S * S).reduce((m, a) => Math.max(m, a), 1e-12);
console.log(`\nexample 0 (digit ${target[0]}): input | integrated gradients (positive) | Grad-CAM (conv2)`);
const [mx, mi, mc] = [maxOf(xv), maxOf(igv), maxOf(camv)];
for (let r = 0; r < S; r++) console.log(`  ${rowOf(xv, r, mx)} | ${rowOf(igv, r, mi)} | ${rowOf(camv, r, mc)}`);

const checks = await sum(ig).item();
console.log(`\nIG total ${checks.toFixed(4)}; all 10 methods ran`);
for (const t of [s, ixg, ig, delta, igTrap, sg, gb, dc, layerMap, map, ggc, occ, fa, featureMask, x, pick, logits, test.x, test.y])
  t.dispose();
model.dispose();
engine.dispose();
