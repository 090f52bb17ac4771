// node examples/audio.mjs (after npm run build)
//
// The audio side: a seeded synthetic genre clip, its log-mel spectrogram and STFT, a
// time-frequency mask turned back into audio (maskToAudio of the band below 500 Hz), WAV
// encoding to a file in the temp folder and decoding it back (plus loadAudioFile from
// 'auralens/node', which resamples), then an explanation on the waveform: saliency of a function
// model  waveform → audio.logMel → small CNN  in one call, gradients flowing through the front end.
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 uses fewer clips.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, audio, data, nn, fit, noGrad, tidy, reshape, add, sum, square } from '../dist/index.js';
import { saliency, gradCam, integratedGradients } from '../dist/xai/index.js'; // 'auralens/xai' for package users
import { loadAudioFile } from '../dist/audio/load.js'; // 'auralens/node' for package users

const { decodeWav, encodeWav, resample } = audio;
const { synthGenreClip, synthGenreDataset } = data.synth;

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const SR = 16000;
const db = (x) => (10 * Math.log10(x + 1e-20)).toFixed(1);
const rmsOf = (v) => Math.sqrt(v.reduce((s, a) => s + a * a, 0) / v.length);
const peakOf = (v) => v.reduce((m, a) => Math.max(m, Math.abs(a)), 0);
console.log(`audio on the ${engine.backend} backend`);

// ---- A synthetic clip, log-mel and STFT ------------------------------------------------------
const clip = synthGenreClip('rock', { seed: 0, sampleRate: SR, duration: 2 });
const wave = engine.tensor(clip, [1, clip.length]);
console.log(
  `rock clip: ${clip.length} samples = ${(clip.length / SR).toFixed(2)} s, peak ${peakOf(clip).toFixed(3)}, RMS ${db(rmsOf(clip) ** 2)} dBFS`,
);

const feats = audio.logMel(wave); // torchaudio defaults: 16 kHz, nFft 400, hop 160, 64 htk mels, dB
const fv = await feats.read();
console.log(
  `logMel: ${JSON.stringify(feats.shape)}, ${fv.reduce((m, a) => Math.min(m, a), Infinity).toFixed(1)} to ${fv.reduce((m, a) => Math.max(m, a), -Infinity).toFixed(1)} dB`,
);

const { re, im } = audio.stft(wave, { nFft: 400, hop: 160 });
const frames = re.shape[2];
/** Fraction of the spectral energy in bins < kLo (bin k is k · 40 Hz). */
async function lowFraction(r, i, kLo) {
  const p = tidy(() => sum(add(square(r), square(i)), [0, 2]));
  const v = await p.read();
  p.dispose();
  const total = v.reduce((s, a) => s + a, 0);
  return v.subarray(0, kLo).reduce((s, a) => s + a, 0) / total;
}
const bins = re.shape[1];
console.log(
  `stft: re, im ${JSON.stringify(re.shape)} (${bins} bins of ${SR / 400} Hz × ${frames} frames); energy below 500 Hz: ${(100 * (await lowFraction(re, im, 13))).toFixed(1)} %`,
);

// ---- Keep the band below 500 Hz and listen to it ----------------------------------------------
const maskData = new Float32Array(bins * frames);
for (let k = 0; k < 13; k++) maskData.fill(1, k * frames, (k + 1) * frames); // bins 0..12: 0–480 Hz
const mask = engine.tensor(maskData, [bins, frames]);
const heard = audio.maskToAudio(wave, mask); // [1, L], same length as the wave
const hv = await heard.readFloat();
const back = audio.stft(heard, { nFft: 400, hop: 160 });
console.log(
  `maskToAudio (0–480 Hz): ${JSON.stringify(heard.shape)}, RMS ${db(rmsOf(hv) ** 2)} dBFS (was ${db(rmsOf(clip) ** 2)}), energy below 500 Hz now ${(100 * (await lowFraction(back.re, back.im, 13))).toFixed(2)} %`,
);

// ---- WAV out and back in -----------------------------------------------------------------------
const file = join(tmpdir(), 'auralens-rock-low.wav');
await writeFile(file, encodeWav(hv, SR)); // 16-bit PCM
const decoded = decodeWav(await readFile(file));
const maxErr = decoded.mono.reduce((m, a, i) => Math.max(m, Math.abs(a - hv[i])), 0);
console.log(
  `encodeWav → ${file}; decodeWav: ${decoded.sampleRate} Hz, ${decoded.channels.length} channel(s), ${(decoded.mono.length / decoded.sampleRate).toFixed(2)} s, peak ${peakOf(decoded.mono).toFixed(3)}, max |diff| ${maxErr.toExponential(2)} (16-bit)`,
);
const at8k = await loadAudioFile(file, { sampleRate: 8000, duration: 1.5 }); // decoded, resampled, cropped
const direct = resample(decoded.mono, SR, 8000);
console.log(
  `loadAudioFile at 8 kHz, 1.5 s: ${at8k.length} samples (resample of the whole file: ${direct.length}), RMS ${db(rmsOf(at8k) ** 2)} dBFS`,
);

// ---- An explanation on the waveform -----------------------------------------------------------
// A small CNN on normalised log-mels, trained briefly on synthetic classical vs metal clips.
const genres = ['classical', 'metal'];
const ds = synthGenreDataset({ perGenre: quick ? 4 : 12, seed: 1, duration: 1, genres });
const L = ds.clips[0].length;
const dsWave = engine.tensor(concatF32(ds.clips), [ds.clips.length, L]);
const front = (w) => reshape(audio.logMel(w, { normalize: true }), [w.shape[0], 1, 64, -1]);
const cnn = new nn.Sequential(engine, [
  ['conv1', new nn.Conv2d(engine, 1, 8, 3, { padding: 1, seed: 0 })],
  ['relu1', new nn.ReLU(engine)],
  ['pool1', new nn.MaxPool2d(engine, 2)],
  ['conv2', new nn.Conv2d(engine, 8, 16, 3, { padding: 1, seed: 1 })],
  ['relu2', new nn.ReLU(engine)],
  ['gap', new nn.AdaptiveAvgPool2d(engine, 1)],
  ['flatten', new nn.Flatten(engine)],
  ['fc', new nn.Linear(engine, 16, genres.length, { seed: 2 })],
]);
const trainX = noGrad(() => front(dsWave));
const trainY = engine.tensor(ds.labels, [ds.labels.length], 'int32');
const hist = await fit(cnn, { x: trainX, y: trainY }, { epochs: quick ? 4 : 10, batchSize: 8, lr: 1e-2, seed: 0 });
console.log(
  `CNN on log-mel ${JSON.stringify(trainX.shape)}: ${genres.join(' vs ')}, training accuracy ${(100 * hist.at(-1).trainAccuracy).toFixed(1)} %`,
);

// The explained model is a function: waveform [B, L] → log-mel → CNN → logits [B, 2].
const model = (w) => cnn.call(front(w));
const metal = engine.tensor(synthGenreClip('metal', { seed: 42, sampleRate: SR, duration: 1 }), [1, L]);
const probs = noGrad(() => tidy(() => model(metal)));
const sal = await saliency(model, metal, { target: 1 }); // |d logit_metal / d sample|, shaped like the wave
const sv = await sal.read();
const seg = 10;
const per = Math.floor(L / seg);
const segs = Array.from({ length: seg }, (_, i) => sv.subarray(i * per, (i + 1) * per).reduce((s, a) => s + a, 0));
const total = segs.reduce((s, a) => s + a, 0);
console.log(
  `saliency on the waveform (model = wave → logMel → CNN, one call): ${JSON.stringify(sal.shape)}, logits ${Array.from(await probs.read(), (a, i) => `${genres[i]} ${a.toFixed(2)}`).join(', ')}`,
);
console.log(`  share per 0.1 s: ${segs.map((s) => `${Math.round((100 * s) / total)}%`).join(' ')}`);
// Which frequencies is the model sensitive to? The spectrum of the signed input gradient.
const g = await saliency(model, metal, { target: 1, abs: false });
const gs = audio.spectrogram(g, { nFft: 400, hop: 160 }); // power [1, 201, frames]
const gp = tidy(() => sum(gs, [0, 2]));
const pv = await gp.read();
const bands = [
  [0, 500],
  [500, 2000],
  [2000, 8001],
].map(([lo, hi]) => pv.slice(Math.ceil(lo / 40), Math.ceil(hi / 40)).reduce((s, a) => s + a, 0));
const bt = bands.reduce((s, a) => s + a, 0);
console.log(
  `  gradient energy by band: <500 Hz ${((100 * bands[0]) / bt).toFixed(1)} %, 0.5–2 kHz ${((100 * bands[1]) / bt).toFixed(1)} %, 2–8 kHz ${((100 * bands[2]) / bt).toFixed(1)} %`,
);

// The same model as one nn.Sequential (audio.LogMel and audio.Normalize are modules): its layers
// have names, so Grad-CAM can pick 'cnn.conv2' on the waveform model.
const waveModel = new nn.Sequential(engine, [
  ['logmel', new audio.LogMel(engine, { nMels: 64 })],
  ['norm', new audio.Normalize(engine)],
  ['cnn', cnn],
]).eval();
const probs2 = noGrad(() => waveModel.call(metal));
const [pa, pb] = [await probs.read(), await probs2.read()];
console.log(
  `nn.Sequential(LogMel, Normalize, cnn) logits equal the function model's: max |diff| ${Math.max(...pa.map((v, i) => Math.abs(v - pb[i]))).toExponential(1)}`,
);
const cam = await gradCam(waveModel, metal, { target: 1, layer: 'cnn.conv2', upsample: false });
console.log(`Grad-CAM of 'cnn.conv2' on the waveform model: layer map ${JSON.stringify(cam.layerMap.shape)} (mel bands / 2, frames / 2)`);
// Baselines: through a per-clip normalisation, silence sits on a plateau and IG cannot complete;
// noise at -60 dBFS is a content-free signal the front end still sees.
for (const [name, base] of [
  ['silence', audio.baselines.silence(metal)],
  ['noise -60 dBFS', audio.baselines.noise(metal, { db: -60, seed: 0 })],
]) {
  const { attributions, delta } = await integratedGradients(waveModel, metal, {
    target: 1,
    steps: quick ? 8 : 32,
    baseline: base,
    returnConvergenceDelta: true,
  });
  const fb = noGrad(() => waveModel.call(base));
  const [f1, f0] = [pa[1], (await fb.read())[1]];
  fb.dispose();
  console.log(
    `  IG from ${name}: |f(x) - f(baseline)| ${Math.abs(f1 - f0).toFixed(3)}, convergence delta ${Math.abs((await delta.read())[0]).toFixed(3)}`,
  );
  for (const t of [base, attributions, delta]) t.dispose();
}
for (const t of [probs2, cam.layerMap, cam.map]) if (!t.isDisposed) t.dispose();

for (const t of [wave, feats, re, im, mask, heard, back.re, back.im, dsWave, trainX, trainY, metal, probs, sal, g, gs, gp]) t.dispose();
cnn.dispose();
engine.dispose();
console.log('audio example OK');

function concatF32(arrays) {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
