/**
 * The report's TCAV section: does the model use a concept (high energy, rhythm, vocals, …) for a
 * class? concepts.tcav at the chosen layers — directional derivatives from one batched backward
 * per layer, tested against random concepts (Student t-test, Bonferroni) — drawn as the bar
 * chart with error bars and significance marks (SVG + PNG) and a table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Engine, reshape, type Tensor, tidy } from '../engine/index.js';
import { logMel } from '../audio/index.js';
import { synth } from '../data/index.js';
import { tcav, tcavChartSvg } from '../concepts/index.js';
import { svgToPng } from '../plot/svgToPng.js';
import type { LoadedModel } from './loadModel.js';
import type { ReportSection } from './model.js';

export interface TcavSectionOptions {
  model: LoadedModel;
  /** Concept name → log-mel examples [Nc, 1, nMels, frames]. */
  concepts: Record<string, Tensor>;
  /** Random sets (≥ 2), each [Nr, 1, nMels, frames]. */
  randoms: readonly Tensor[];
  /** Examples of the target class [N, 1, nMels, frames]. */
  inputs: Tensor;
  /** Target class index. */
  target: number;
  /** Layers to test (module names). */
  layers: readonly string[];
  outDir: string;
  onProgress?: (p: { done: number; total: number; stage: string }) => void;
}

/** Runs TCAV and writes sections/tcav/{chart.svg, chart.png, tcav.json}; returns the section. */
export async function tcavSection(o: TcavSectionOptions): Promise<ReportSection> {
  const classes = o.model.meta.classes;
  const result = await tcav({
    model: o.model.module,
    layers: o.layers,
    targets: [o.target],
    concepts: o.concepts,
    randoms: o.randoms,
    inputs: o.inputs,
    onProgress: o.onProgress,
  });
  const rel = 'sections/tcav';
  await mkdir(join(o.outDir, rel), { recursive: true });
  const svg = tcavChartSvg(result, { target: o.target, classNames: classes });
  await writeFile(join(o.outDir, rel, 'chart.svg'), svg);
  await writeFile(join(o.outDir, rel, 'chart.png'), svgToPng(svg, { width: 900 }));
  await writeFile(join(o.outDir, rel, 'tcav.json'), JSON.stringify(result, null, 1) + '\n');
  const base = new Map(result.baselines.map((b) => [b.layer, b]));
  return {
    id: 'tcav',
    title: `Concepts (TCAV): what the model uses to say "${classes[o.target]}"`,
    text: [
      `TCAV score = fraction of ${o.inputs.shape[0]} ${classes[o.target]} clips whose ${classes[o.target]} logit rises along the concept's direction at the layer ` +
        `(directional derivatives), mean ± std over ${result.randomRuns} CAVs trained against random sets; significant = differs from the random-vs-random ` +
        `baseline (Student t-test, Bonferroni over ${result.testsRun} tests, alpha ${result.alpha}). All numbers: tcav.json.`,
    ],
    figures: [{ file: `${rel}/chart.png`, caption: `TCAV scores for ${classes[o.target]} (* significant)` }],
    tables: [
      {
        columns: ['concept', 'layer', 'TCAV score', 'std', 'random baseline', 'p (corrected)', 'significant', 'CAV accuracy'],
        rows: result.entries.map((e) => [
          e.concept,
          e.layer,
          e.score.mean,
          e.score.std,
          base.get(e.layer)?.score.mean ?? null,
          e.student.pCorrected,
          e.significant,
          e.cavAccuracy.mean,
        ]),
      },
    ],
    data: result,
  };
}

/** The demo's concept sets from the synthetic concept and random clips, as log-mel batches (the caller disposes them). */
export function synthTcavSets(
  engine: Engine,
  model: LoadedModel,
  o: { perSet: number; randomSets: number; duration: number; target: string; seed: number },
): { concepts: Record<string, Tensor>; randoms: Tensor[]; inputs: Tensor } {
  const fe = model.meta.frontEnd;
  const features = (clips: Float32Array[]): Tensor => {
    const len = clips[0]!.length;
    const flat = new Float32Array(clips.length * len);
    clips.forEach((c, i) => flat.set(c, i * len));
    return tidy(() => {
      const m = logMel(engine.tensor(flat, [clips.length, len]), fe);
      return reshape(m, [clips.length, 1, m.shape[1]!, m.shape[2]!]);
    });
  };
  const sr = fe.sampleRate;
  const concepts = Object.fromEntries(
    synth.CONCEPTS.map((c) => [
      c,
      features(synth.synthConceptClips(c, { count: o.perSet, seed: o.seed, duration: o.duration, sampleRate: sr })),
    ]),
  );
  const randoms = Array.from({ length: o.randomSets }, (_, r) =>
    features(synth.randomConceptClips({ count: o.perSet, seed: o.seed + 100 + r, duration: o.duration, sampleRate: sr })),
  );
  const ds = synth.synthGenreDataset({
    perGenre: o.perSet,
    seed: o.seed + 500,
    duration: o.duration,
    sampleRate: sr,
    genres: [o.target as synth.Genre],
  });
  return { concepts, randoms, inputs: features(ds.clips) };
}
