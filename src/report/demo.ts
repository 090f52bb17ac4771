/**
 * The built-in example behind `npm run demo`: the committed genre CNN (assets/genre-cnn, trained
 * by scripts/train-demo-model.mjs on the synthetic genres) explains a handful of synthetic clips
 * it never saw (their own dataset seed), and the report goes to outDir/index.html.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { argmax, type Engine, noGrad, reshape, tidy } from '../engine/index.js';
import { logMel } from '../audio/index.js';
import { synth } from '../data/index.js';
import type { MetricSpec } from '../metrics/index.js';
import { DEFAULT_CLIP_SETTINGS, type ClipMethod } from './explainClip.js';
import { runExplainJob } from './job.js';
import { loadModel } from './loadModel.js';
import { DEFAULT_METRICS, type MetricMethod, metricsSection } from './metricsSection.js';
import type { ReportData, ReportSection } from './model.js';
import { synthTcavSets, tcavSection } from './tcavSection.js';

/** Folder of the committed demo model (model.safetensors + spec.json). */
export const DEMO_MODEL_DIR = fileURLToPath(new URL('../../assets/genre-cnn/', import.meta.url));

export interface DemoOptions {
  engine: Engine;
  outDir: string;
  /** Genres to take one clip of (default five: blues, classical, disco, metal, reggae). */
  genres?: readonly string[];
  /** Methods (default ig, gradcam, occlusion, lime). */
  methods?: ClipMethod[];
  /** IG steps (default 32). */
  igSteps?: number;
  /** LIME perturbations per clip (default 200). */
  limeSamples?: number;
  /** Dataset seed of the clips (default 2026, unseen in training). */
  seed?: number;
  /** Metrics of the metrics section (default DEFAULT_METRICS), or false for no section. */
  metrics?: MetricSpec[] | false;
  /** Methods the metrics score (default ig, gradcam, saliency). */
  metricMethods?: MetricMethod[];
  /** TCAV section: examples per concept / random set, random sets, layers, target genre; false for none (default 8, 10, conv3 + fc1, disco). */
  tcav?: { perSet?: number; randomSets?: number; layers?: string[]; target?: string } | false;
  onProgress?: (p: { done: number; total: number; stage: string }) => void;
}

/** Runs the demo job; returns the report and its index.html path. */
export async function runDemo(o: DemoOptions): Promise<{ report: ReportData; index: string }> {
  const model = await loadModel(o.engine, `${DEMO_MODEL_DIR}model.safetensors`, 'genre-cnn');
  const genres = (o.genres ?? ['blues', 'classical', 'disco', 'metal', 'reggae']) as synth.Genre[];
  // Clips as long as the training clips (spec.json's clip.duration).
  const spec = JSON.parse(await readFile(`${DEMO_MODEL_DIR}spec.json`, 'utf8')) as { clip?: { duration?: number } };
  const duration = spec.clip?.duration ?? 1.5;
  const ds = synth.synthGenreDataset({ perGenre: 1, seed: o.seed ?? 2026, duration, sampleRate: model.meta.frontEnd.sampleRate, genres });
  const clips = ds.clips.map((samples, i) => {
    const label = ds.genres[ds.labels[i]!]!;
    return { id: `${label}-synthetic`, source: `synth:${label}`, label, load: async () => samples };
  });
  const sections: ReportSection[] = [];
  if (o.metrics !== false) {
    // The clips as one batch of log-mels (equal lengths), explained for the predicted class.
    const len = ds.clips[0]!.length;
    const flat = new Float32Array(ds.clips.length * len);
    ds.clips.forEach((c, i) => flat.set(c, i * len));
    const inputs = tidy(() => {
      const m = logMel(o.engine.tensor(flat, [ds.clips.length, len]), model.meta.frontEnd);
      return reshape(m, [ds.clips.length, 1, m.shape[1]!, m.shape[2]!]);
    });
    const predT = noGrad(() => tidy(() => argmax(model.module.call(inputs), 1)));
    const targets = Array.from((await predT.read()) as Int32Array);
    predT.dispose();
    try {
      sections.push(
        await metricsSection({
          model,
          inputs,
          targets,
          methods: o.metricMethods ?? ['ig', 'gradcam', 'saliency'],
          metrics: o.metrics ?? DEFAULT_METRICS,
          outDir: o.outDir,
          onProgress: o.onProgress && ((p) => o.onProgress!({ ...p, stage: `metrics ${p.stage}` })),
        }),
      );
    } finally {
      inputs.dispose();
    }
  }
  if (o.tcav !== false) {
    const t = o.tcav ?? {};
    const target = t.target ?? 'disco';
    const sets = synthTcavSets(o.engine, model, { perSet: t.perSet ?? 8, randomSets: t.randomSets ?? 10, duration, target, seed: 31 });
    try {
      sections.push(
        await tcavSection({
          model,
          ...sets,
          target: model.meta.classes.indexOf(target),
          layers: t.layers ?? [model.meta.camLayer, 'fc1'],
          outDir: o.outDir,
          onProgress: o.onProgress && ((p) => o.onProgress!({ ...p, stage: `tcav ${p.stage}` })),
        }),
      );
    } finally {
      for (const x of [...Object.values(sets.concepts), ...sets.randoms, sets.inputs]) x.dispose();
    }
  }
  return runExplainJob({
    sections,
    engine: o.engine,
    model,
    clips,
    settings: {
      ...DEFAULT_CLIP_SETTINGS,
      methods: o.methods ?? DEFAULT_CLIP_SETTINGS.methods,
      igSteps: o.igSteps ?? DEFAULT_CLIP_SETTINGS.igSteps,
      limeSamples: o.limeSamples ?? DEFAULT_CLIP_SETTINGS.limeSamples,
    },
    outDir: o.outDir,
    title: 'auralens demo: a genre CNN explained on synthetic music',
    onProgress: o.onProgress,
  });
}
