// node examples/lime-multimodal.mjs [outDir] (after npm run build)
//
// MusicLIME end to end: a multimodal classifier of (audio, lyrics) explained by audio components
// and lyrics lines together. The lyrics half is the engine's small bag-of-words classifier,
// trained here on its generated corpus ('upbeat' vs 'melancholic'); the audio half is a stand-in
// you would replace by your own model: it hears 'upbeat' in loud high bands of the log-mel. The
// predict function is plain JavaScript of (audio batch, texts) → probabilities [k, 2], so any
// model plugs in. Prints the top features of each modality and writes the seed-shaped JSON.
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 uses fewer samples.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, audio, mean, slice, sigmoid, affine, concat, add, mul, reshape, tidy } from '../dist/index.js';
import { trainLyricsClassifier, musicLime, temporalSegments, explanationJson, LYRICS_CLASSES } from '../dist/xai/index.js'; // 'auralens/xai' for package users

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const outDir = process.argv[2] ?? join('out', 'lime-multimodal');
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });

const { classifier, accuracy } = await trainLyricsClassifier(engine, { epochs: quick ? 20 : 60 });
console.log(`lyrics classifier: ${classifier.vocabulary.length} words, training accuracy ${(100 * accuracy).toFixed(1)} %`);

const clip = audio.synth.synthGenreClip('disco', { seed: 2, duration: quick ? 1 : 3 });
const wave = engine.tensor(clip, [1, clip.length]);
const lyrics = [
  'we dance all night under the lights',
  'my heart is on the road home',
  'cold rain and tears on my window',
  'you and i we shine like the summer sun',
  'time goes on in the city',
].join('\n');

// The multimodal model: p = ½ p_lyrics + ½ p_audio, p_audio(upbeat) = sigmoid of the mean of the
// top 24 mel bands (normalised log-mel).
function predict(audioBatch, texts) {
  return tidy(() => {
    const k = audioBatch.shape[0];
    const m = audio.logMel(audioBatch, { normalize: true }); // [k, 64, frames]
    const hi = reshape(mean(slice(m, [0, 40, 0], [k, 24, m.shape[2]]), [1, 2]), [k, 1]);
    const up = sigmoid(affine(hi, 4, 0));
    const pAudio = concat([up, affine(up, -1, 1)], 1); // [upbeat, melancholic]
    return mul(add(pAudio, classifier.predict(texts)), 0.5);
  });
}

const segments = temporalSegments(wave, { n: 6 });
const numSamples = quick ? 60 : 600;
const ex = await musicLime(predict, { audio: segments, lyrics, numSamples, labels: [0, 1], seed: 0, numFeatures: 6 });
for (const label of [0, 1]) {
  const x = ex.labels[label];
  console.log(`class ${label} (${LYRICS_CLASSES[label]}): R² ${x.score.toFixed(3)}, local prediction ${x.localPred.toFixed(3)}`);
  for (const f of x.features) console.log(`  ${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(4)}  [${f.type}] ${f.feature}`);
}
const lyricalOnly = await musicLime(predict, { audio: segments, lyrics, modality: 'lyrical', numSamples, labels: [1], seed: 0 });
console.log(`lyrical only, class 1: top line "${lyricalOnly.labels[1].features[0].feature}"`);

mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'explanation.json'),
  JSON.stringify(explanationJson(ex, { classNames: LYRICS_CLASSES, songInfo: { clip: 'synth disco, seed 2' } }), null, 2),
);
console.log(`wrote ${join(outDir, 'explanation.json')}`);

segments.dispose();
classifier.dispose();
wave.dispose();
engine.dispose();
