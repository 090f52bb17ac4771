// node examples/tcav-genres.mjs (after npm run build)
//
// The seeds' TCAV study (shared/seeds/000-tcav-genre-notebook), done as TCAV is meant to be done:
// the genre CNN (3 conv blocks, fc1 bottleneck, fc2) trained briefly on synthetic genre clips,
// the notebook's six audio concepts (high_energy, low_energy, vocal_heavy, instrumental, rhythmic,
// ambient) against 10 random sets, at every conv/fc layer, for every genre, with directional
// derivatives, random-vs-random baselines, Student/Welch t-tests and Bonferroni correction.
// Writes tcav-genres.json, tcav-genres.svg and tcav-genres.png (the chart for one genre) to
// AURALENS_OUT (default: the current directory).
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend; AURALENS_EXAMPLE_QUICK=1 runs a small model.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, audio, models, fit, reshape, tidy, concepts } from '../dist/index.js';
import { svgToPng } from '../dist/plot/svgToPng.js';

const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const outDir = process.env.AURALENS_OUT ?? '.';
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const { GENRES, CONCEPTS, synthGenreDataset, synthConceptClips, randomConceptClips } = audio.synth;
const DURATION = 1; // seconds per clip: log-mels of [1, 64, 101]
const PER_SET = quick ? 6 : 20; // examples per concept and per random set (the notebook used 20)
const RANDOM_SETS = 10;

/** Clips → normalised log-mels [N, 1, 64, frames] (torchaudio's MelSpectrogram defaults, dB). */
const features = (clips) => tidy(() => reshape(audio.logMel(audio.toBatch(engine, clips), { normalize: true }), [clips.length, 1, 64, -1]));

// ---- The genre CNN, trained briefly on synthetic genres ------------------------------------------
const train = synthGenreDataset({ perGenre: quick ? 4 : 16, seed: 1, duration: DURATION });
const x = features(train.clips);
const y = engine.tensor(train.labels, [train.labels.length], 'int32');
const model = models.genreCNN(engine, quick ? { channels: [8, 16, 32], bottleneck: 32, seed: 0 } : { seed: 0 });
const history = await fit(model, { x, y }, { epochs: quick ? 8 : 10, batchSize: 10, lr: 3e-3, seed: 0 });
model.eval();
x.dispose();
y.dispose();
console.log(
  `tcav-genres on the ${engine.backend} backend; genre CNN trained to ${(100 * history.at(-1).trainAccuracy).toFixed(1)} % training accuracy`,
);

// ---- Concept sets, random sets, and the clips of each genre to explain ---------------------------
const conceptSets = Object.fromEntries(
  CONCEPTS.map((c) => [c, features(synthConceptClips(c, { count: PER_SET, seed: 10, duration: DURATION }))]),
);
const randoms = Array.from({ length: RANDOM_SETS }, (_, r) =>
  features(randomConceptClips({ count: PER_SET, seed: 100 + r, duration: DURATION })),
);
const held = synthGenreDataset({ perGenre: quick ? 3 : 8, seed: 2, duration: DURATION });
const targets = GENRES.map((_, g) => g);
const inputs = targets.map((g) => features(held.clips.filter((_, i) => held.labels[i] === g)));
const LAYERS = ['conv1', 'conv2', 'conv3', 'fc1', 'fc2']; // every conv and fc layer

// ---- TCAV -----------------------------------------------------------------------------------------
const t0 = performance.now();
let lastStage = '';
const result = await concepts.tcav({
  model,
  layers: LAYERS,
  targets,
  concepts: conceptSets,
  randoms,
  inputs,
  alpha: 0.05,
  onProgress: ({ done, total, stage }) => {
    if (stage !== lastStage || done === total) process.stdout.write(`\r  ${stage}: ${done}/${total}   ${done === total ? '\n' : ''}`);
    lastStage = stage;
  },
});
console.log(
  `tcav: ${CONCEPTS.length} concepts × ${RANDOM_SETS} random runs × ${LAYERS.length} layers × ${targets.length} genres = ${result.testsRun} tests in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// One line per (concept, layer) for one genre; '*' marks Bonferroni-significant scores.
const show = GENRES.indexOf('metal');
console.log(`TCAV scores for '${GENRES[show]}' (mean ± std over random runs; baseline = random vs random):`);
console.log(`  ${'concept'.padEnd(14)}${LAYERS.map((l) => l.padStart(14)).join('')}`);
for (const c of CONCEPTS) {
  const cells = LAYERS.map((l) => {
    const e = result.entries.find((r) => r.concept === c && r.layer === l && r.target === show);
    return `${e.score.mean.toFixed(2)}±${e.score.std.toFixed(2)}${e.significant ? '*' : ' '}`.padStart(14);
  });
  console.log(`  ${c.padEnd(14)}${cells.join('')}`);
}
const base = LAYERS.map(
  (l) =>
    result.baselines
      .find((b) => b.layer === l && b.target === show)
      .score.mean.toFixed(2)
      .padStart(13) + ' ',
);
console.log(`  ${'(random)'.padEnd(14)}${base.join('')}`);
const significant = result.entries.filter((e) => e.significant).length;
console.log(`significant after Bonferroni: ${significant} of ${result.testsRun}`);

// ---- JSON and chart ---------------------------------------------------------------------------------
const svg = concepts.tcavChartSvg(result, { target: show, classNames: GENRES });
writeFileSync(join(outDir, 'tcav-genres.json'), JSON.stringify({ genres: GENRES, ...result }, null, 1));
writeFileSync(join(outDir, 'tcav-genres.svg'), svg);
writeFileSync(join(outDir, 'tcav-genres.png'), svgToPng(svg));
console.log(`wrote ${join(outDir, 'tcav-genres.json')}, .svg and .png`);

[...Object.values(conceptSets), ...randoms, ...inputs].forEach((t) => t.dispose());
engine.dispose();
