// The browser example: WAV → log-mel → genre CNN → Grad-CAM, all on WebGPU in the page, drawn on a
// canvas. Served by `npm run serve` (scripts/serve.mjs): /auralens.js is the browser bundle and
// /model/ the committed demo model (assets/genre-cnn: model.safetensors + spec.json).
// The results also go to window.__auralensResult so that a test can compare them with Node.
import { createEngine, readSafetensors, models, audio, plot, softmax, reshape, noGrad, tidy, xai } from '/auralens.js';

const { gradCam } = xai;

const status = document.getElementById('status');
const say = (t) => (status.textContent = t);

/** The engine (WebGPU; navigator.gpu is required) and the model with its description. */
async function setup() {
  if (!navigator.gpu) throw new Error('this browser has no WebGPU (navigator.gpu); try Chrome or Edge');
  const engine = await createEngine({ backend: 'webgpu' });
  const meta = await (await fetch('/model/spec.json')).json();
  const bytes = new Uint8Array(await (await fetch('/model/model.safetensors')).arrayBuffer());
  const model = models.fromSpec(engine, meta.spec, { seed: 0 });
  model.loadStateDict(readSafetensors(bytes).tensors, { strict: true });
  model.eval();
  const camLayer = meta.spec.layers.filter((l) => l.type === 'conv2d').pop().name;
  return { engine, model, meta, camLayer };
}

/** Prediction and Grad-CAM of one WAV file's bytes. */
async function explain({ engine, model, meta, camLayer }, bytes) {
  const fe = meta.frontEnd;
  const decoded = audio.decodeWav(bytes);
  let mono = decoded.sampleRate === fe.sampleRate ? decoded.mono : audio.resample(decoded.mono, decoded.sampleRate, fe.sampleRate);
  const wave = engine.tensor(mono, [1, mono.length]);
  const lm = audio.logMel(wave, fe);
  const [, M, F] = lm.shape;
  const x = reshape(lm, [1, 1, M, F]);
  const probsT = noGrad(() => tidy(() => softmax(model.call(x), -1)));
  const probabilities = Array.from(await probsT.read());
  const predicted = probabilities.indexOf(Math.max(...probabilities));
  const cam = await gradCam(model, x, { target: [predicted], layer: camLayer });
  const map = await cam.map.read();
  const logmel = await x.read();
  for (const t of [wave, lm, x, probsT, cam.map, cam.layerMap]) t.dispose();
  return { probabilities, predicted, label: meta.classes[predicted], gradcam: Array.from(map), logmel, shape: [M, F], camLayer, backend: engine.backend };
}

/** Draws the Grad-CAM overlay (a PNG from auralens' plot module) on the canvas. */
async function draw(r) {
  const png = plot.overlayPng(r.logmel, Float32Array.from(r.gradcam), r.shape[0], r.shape[1], { scale: 3 });
  const img = await createImageBitmap(new Blob([png], { type: 'image/png' }));
  const canvas = document.getElementById('overlay');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d').drawImage(img, 0, 0);
  const rows = r.probabilities
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 5);
  document.getElementById('probs').innerHTML =
    '<tr><th>genre</th><th>probability</th></tr>' + rows.map(({ p, i }) => `<tr><td>${r.classes[i]}</td><td>${p.toFixed(3)}</td></tr>`).join('');
}

const ready = setup().then(
  (ctx) => {
    say(`ready on ${ctx.engine.backend}: pick a WAV file`);
    return ctx;
  },
  (e) => {
    say(`error: ${e.message}`);
    window.__auralensResult = { error: e.message };
    throw e;
  },
);

document.getElementById('file').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  try {
    const ctx = await ready;
    say(`explaining ${file.name}…`);
    const r = await explain(ctx, new Uint8Array(await file.arrayBuffer()));
    r.classes = ctx.meta.classes;
    await draw(r);
    say(`${file.name}: ${r.label} (p = ${r.probabilities[r.predicted].toFixed(3)}); Grad-CAM at ${r.camLayer}`);
    window.__auralensResult = r;
  } catch (e) {
    say(`error: ${e.message}`);
    window.__auralensResult = { error: e.message };
  }
});
