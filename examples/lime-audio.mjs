// node examples/lime-audio.mjs [outDir] (after npm run build)
//
// LIME and KernelSHAP on a 3 s synthetic rock clip through the genre CNN, explained by
// components you can listen to: harmonic / percussive sources × 5 temporal segments (audioLIME's
// "sources × segments"), recomposed as waveforms and run through the log-mel front end on the
// device. Writes the top-3 components and the rest as WAVs, the log-mel with the components
// outlined and coloured by weight as a PNG, and the explanation as JSON (default out/lime-audio/).
// The CNN has seeded weights unless AURALENS_GENRE_WEIGHTS names a safetensors state_dict.
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 uses fewer samples.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, audio, models, readSafetensors, reshape } from '../dist/index.js';
import {
  lime,
  kernelShap,
  hpss,
  temporalSegments,
  combine,
  componentAudio,
  componentOverlayPng,
  explanationJson,
} from '../dist/xai/index.js'; // 'auralens/xai' for package users

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const outDir = process.argv[2] ?? join('out', 'lime-audio');
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const duration = quick ? 1 : 3;

// The clip, one example with its batch axis: [1, L] at 16 kHz.
const clip = audio.synth.synthGenreClip('rock', { seed: 4, duration });
const wave = engine.tensor(clip, [1, clip.length]);

// The model: waveform [B, L] → normalised log-mel [B, 1, 64, frames] → genre CNN → logits [B, 10].
const cnn = models.genreCNN(engine, { seed: 0 });
if (process.env.AURALENS_GENRE_WEIGHTS) cnn.loadStateDict(readSafetensors(readFileSync(process.env.AURALENS_GENRE_WEIGHTS)).tensors);
cnn.eval();
const model = (w) => {
  const m = audio.logMel(w, { normalize: true }); // [B, 64, frames]
  return cnn.call(reshape(m, [w.shape[0], 1, m.shape[1], m.shape[2]]));
};

// Components: {harmonic, percussive} × 5 segments = 10, each a waveform on the device.
const sources = hpss(wave, { kernel: 17 });
const segments = temporalSegments(wave, { n: 5 });
const factorization = combine(sources, segments);
console.log(
  `${factorization.names.length} components on the ${engine.backend} backend: ${factorization.names.slice(0, 3).join('; ')}; ...`,
);

const numSamples = quick ? 40 : 400;
const ex = await lime(model, wave, {
  factorization,
  numSamples,
  seed: 0,
  numFeatures: 5,
  onProgress: ({ done, total }) => {
    if (done === total) console.log(`lime: ${total} perturbations done`);
  },
});
console.log(
  `lime explains class ${ex.target} (${audio.synth.GENRES[ex.target]}), p = ${ex.prediction.toFixed(3)}; surrogate R² ${ex.score.toFixed(3)}, local prediction ${ex.localPred.toFixed(3)}`,
);
for (const c of ex.components) console.log(`  ${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(4)}  ${c.name}`);

const shap = await kernelShap(model, wave, { factorization, numSamples, seed: 0, target: ex.target });
const total = shap.values.reduce((a, b) => a + b, 0);
console.log(
  `kernelShap: Σ values ${total.toFixed(4)} = f(x) − f(silence) ${(shap.fullValue - shap.baseValue).toFixed(4)}; top: ${shap.components[0].name} (${shap.components[0].weight.toFixed(4)})`,
);

mkdirSync(outDir, { recursive: true });
const wavs = await componentAudio(ex, { topK: 3 });
writeFileSync(join(outDir, 'top3.wav'), wavs.top);
writeFileSync(join(outDir, 'rest.wav'), wavs.rest);
writeFileSync(join(outDir, 'overlay.png'), await componentOverlayPng(ex));
writeFileSync(
  join(outDir, 'explanation.json'),
  JSON.stringify(
    explanationJson(ex, { classNames: audio.synth.GENRES, songInfo: { clip: 'synth rock, seed 4', seconds: duration } }),
    null,
    2,
  ),
);
console.log(`wrote ${join(outDir, 'top3.wav')}, rest.wav, overlay.png, explanation.json`);

for (const f of [factorization, segments, sources]) f.dispose();
wave.dispose();
engine.dispose();
