/**
 * Explains one clip for a report: the model's log-mel, prediction, one attribution per method
 * (each method batches its own work — IG's path points, occlusion's windows — on the device),
 * the pictures (log-mel, overlays) and the WAVs (the clip, the Grad-CAM-masked audio), written
 * under clips/<id>/ of the report folder. Clips are explained one at a time, never batched with
 * others: clips differ in length, and a clip's numbers must not depend on which clips share its
 * run, so that sharded runs merge into exactly the report of a single run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Engine, noGrad, reshape, softmax, type Tensor, tidy, ValueError } from '../engine/index.js';
import { encodeWav, logMel, maskToAudio } from '../audio/index.js';
import {
  combine,
  componentAudio,
  componentOverlayPng,
  gradCam,
  hpss,
  integratedGradients,
  lime,
  occlusion,
  saliency,
  temporalSegments,
} from '../xai/index.js';
import { overlayPng, heatmapPng } from '../plot/index.js';
import type { LoadedModel } from './loadModel.js';
import type { ClipAttribution, ClipAudio, ClipEntry } from './model.js';

/** Attribution methods explainClip runs. */
export const CLIP_METHODS = ['ig', 'gradcam', 'occlusion', 'saliency', 'lime'] as const;
export type ClipMethod = (typeof CLIP_METHODS)[number];

/** Options that change a clip's numbers (recorded in the report's settings). */
export interface ClipSettings {
  methods: ClipMethod[];
  /** 'predicted' or a class name or index. */
  target: string;
  /** IG integration steps (default 32). */
  igSteps: number;
  /** Occlusion window and stride over [bands, frames]. */
  occlusionWindow: [number, number];
  occlusionStride: [number, number];
  /** Pixel scale of the PNGs. */
  pngScale: number;
  /** LIME: perturbations (the unperturbed row included) and temporal segments (× harmonic/percussive sources). */
  limeSamples: number;
  limeSegments: number;
}

export const DEFAULT_CLIP_SETTINGS: ClipSettings = {
  methods: ['ig', 'gradcam', 'occlusion', 'lime'],
  target: 'predicted',
  igSteps: 32,
  occlusionWindow: [16, 16],
  occlusionStride: [8, 8],
  pngScale: 2,
  limeSamples: 200,
  limeSegments: 5,
};

/** A decoded clip at the model's sample rate. */
export interface ClipInput {
  id: string;
  source: string;
  label?: string;
  samples: Float32Array;
}

/** Resolves --target for a clip: 'predicted', a class name, or a class index. */
export function resolveTarget(target: string, classes: readonly string[], predicted: number): number {
  if (target === 'predicted') return predicted;
  const byName = classes.indexOf(target);
  if (byName >= 0) return byName;
  const k = Number(target);
  if (Number.isInteger(k) && k >= 0 && k < classes.length) return k;
  throw new ValueError(
    `--target must be 'predicted', a class name (${classes.join(', ')}) or an index in [0, ${classes.length - 1}], got '${target}'`,
  );
}

/**
 * LIME as audioLIME does it: the clip split into harmonic / percussive sources × temporal
 * segments (waveform components), thousands of recompositions run through the front end and the
 * CNN in batched passes, a weighted linear surrogate; the picture outlines the components by
 * weight and the WAVs play the top 3 components alone and everything else.
 */
async function explainLime(
  model: LoadedModel['module'],
  meta: LoadedModel['meta'],
  wave: Tensor,
  target: number,
  settings: ClipSettings,
  outDir: string,
  dirRel: string,
  attributions: ClipAttribution[],
  audio: ClipAudio[],
): Promise<void> {
  const sr = meta.frontEnd.sampleRate;
  const fromWave = (w: Tensor): Tensor => {
    const m = logMel(w, meta.frontEnd);
    return model.call(reshape(m, [w.shape[0]!, 1, m.shape[1]!, m.shape[2]!]));
  };
  const sources = hpss(wave, { frontEnd: meta.frontEnd });
  const segments = temporalSegments(wave, { n: settings.limeSegments, frontEnd: meta.frontEnd });
  const factorization = combine(sources, segments);
  try {
    const ex = await lime(fromWave, wave, {
      factorization,
      target,
      numSamples: settings.limeSamples,
      seed: 0,
      numFeatures: Math.min(5, factorization.names.length),
    });
    const overlay = `${dirRel}/lime.png`;
    await writeFile(join(outDir, overlay), await componentOverlayPng(ex, { frontEnd: meta.frontEnd, image: { scale: settings.pngScale } }));
    const wavs = await componentAudio(ex, { topK: 3, sampleRate: sr });
    const top = `${dirRel}/lime-top.wav`;
    const rest = `${dirRel}/lime-rest.wav`;
    await writeFile(join(outDir, top), wavs.top);
    await writeFile(join(outDir, rest), wavs.rest);
    audio.push({
      kind: 'lime-top',
      file: top,
      caption: `LIME: the top ${wavs.components.length} components alone (${wavs.components.map((c) => c.name).join('; ')})`,
    });
    audio.push({ kind: 'lime-rest', file: rest, caption: 'LIME: everything but the top components' });
    const w = Array.from(ex.weights);
    const best = ex.components[0];
    const frames = Math.floor(wave.shape[1]! / ((meta.frontEnd.hop as number | undefined) ?? 160)) + 1;
    attributions.push({
      method: 'lime',
      overlay,
      sum: w.reduce((a, b) => a + b, 0),
      maxAbs: Math.max(...w.map(Math.abs)),
      peak: best
        ? {
            band: Math.floor(((best.span.f0 + best.span.f1) / 2) * meta.frontEnd.nMels),
            frame: Math.floor(((best.span.t0 + best.span.t1) / 2) * frames),
          }
        : { band: 0, frame: 0 },
      extra: {
        score: ex.score,
        localPred: ex.localPred,
        intercept: ex.intercept,
        numSamples: ex.numSamples,
        components: ex.components.map((c) => ({ name: c.name, weight: c.weight })),
      },
    });
  } finally {
    factorization.dispose();
    segments.dispose();
    sources.dispose();
  }
}

/** Largest positive value's (row, col) in a row-major [rows × cols] map. */
function peakOf(v: Float32Array, cols: number): { band: number; frame: number } {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[k]!) k = i;
  return { band: Math.floor(k / cols), frame: k % cols };
}

/**
 * Colour ranges of an overlay picture: the attribution's ±99th percentile of |value| (a few
 * extreme cells would otherwise wash the rest out) and a dimmed log-mel background (its top
 * at 2/3 grey) so that the red and blue read clearly.
 */
function overlayRange(
  attr: Float32Array,
  logmel: Float32Array,
): { min: number; max: number; backgroundMin: number; backgroundMax: number } {
  const mags = Float32Array.from(attr, Math.abs).sort();
  const m = mags[Math.min(mags.length - 1, Math.floor(0.99 * mags.length))]! || mags[mags.length - 1]! || 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of logmel) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { min: -m, max: m, backgroundMin: lo, backgroundMax: hi + 0.5 * (hi - lo) };
}

async function readAndDispose(t: Tensor): Promise<Float32Array> {
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

/**
 * Explains one clip and writes its files under <outDir>/clips/<id>/; returns its report entry.
 * Every tensor it creates is disposed before it returns.
 */
export async function explainClip(
  engine: Engine,
  loaded: LoadedModel,
  clip: ClipInput,
  settings: ClipSettings,
  outDir: string,
): Promise<ClipEntry> {
  const { module: model, meta } = loaded;
  const sr = meta.frontEnd.sampleRate;
  const dirRel = `clips/${clip.id}`;
  await mkdir(join(outDir, dirRel), { recursive: true });
  const wave = engine.tensor(clip.samples, [1, clip.samples.length]);
  const lm = logMel(wave, meta.frontEnd);
  const [, M, F] = lm.shape as [number, number, number];
  const x = reshape(lm, [1, 1, M, F]);
  lm.dispose();
  const probsT = noGrad(() => tidy(() => softmax(model.call(x), -1)));
  const probabilities = Array.from((await probsT.read()) as Float32Array);
  probsT.dispose();
  const predicted = probabilities.indexOf(Math.max(...probabilities));
  const target = resolveTarget(settings.target, meta.classes, predicted);
  const logmel = (await x.read()) as Float32Array;

  const files = { logmel: `${dirRel}/logmel.png` };
  await writeFile(join(outDir, files.logmel), heatmapPng(logmel, M, F, { colormap: 'magma', scale: settings.pngScale }));
  const attributions: ClipAttribution[] = [];
  const audio: ClipAudio[] = [{ kind: 'clip', file: `${dirRel}/clip.wav`, caption: `the clip (${sr} Hz mono)` }];
  await writeFile(join(outDir, audio[0]!.file), encodeWav(clip.samples, sr));
  for (const method of settings.methods) {
    let attr: Float32Array;
    const extra: Record<string, unknown> = {};
    if (method === 'ig') {
      attr = await readAndDispose(await integratedGradients(model, x, { target: [target], steps: settings.igSteps }));
      extra.steps = settings.igSteps;
    } else if (method === 'gradcam') {
      const r = await gradCam(model, x, { target: [target], layer: meta.camLayer });
      r.layerMap.dispose();
      attr = await readAndDispose(r.map);
      extra.layer = meta.camLayer;
      // Grad-CAM-masked audio: the clip through a time-frequency mask of the map scaled to [0, 1].
      let mx = 0;
      for (const v of attr) mx = Math.max(mx, v);
      if (mx > 0) {
        const mask = engine.tensor(
          attr.map((v) => v / mx),
          [M, F],
        );
        const flat = reshape(wave, [clip.samples.length]);
        const masked = maskToAudio(flat, mask, {
          sampleRate: sr,
          nFft: meta.frontEnd.nFft as number | undefined,
          hop: meta.frontEnd.hop as number | undefined,
          nMels: M,
        });
        mask.dispose();
        flat.dispose();
        const samples = await readAndDispose(masked);
        const file = `${dirRel}/gradcam-masked.wav`;
        await writeFile(join(outDir, file), encodeWav(samples, sr));
        audio.push({ kind: 'gradcam-masked', file, caption: `what Grad-CAM (${meta.camLayer}) attends to: the clip masked by its map` });
      }
    } else if (method === 'occlusion') {
      const w = [1, Math.min(settings.occlusionWindow[0], M), Math.min(settings.occlusionWindow[1], F)];
      attr = await readAndDispose(await occlusion(model, x, { target: [target], window: w, strides: [1, ...settings.occlusionStride] }));
      extra.window = w.slice(1);
      extra.stride = settings.occlusionStride;
    } else if (method === 'lime') {
      await explainLime(model, meta, wave, target, settings, outDir, dirRel, attributions, audio);
      continue;
    } else if (method === 'saliency') {
      attr = await readAndDispose(await saliency(model, x, { target: [target] }));
    } else {
      throw new ValueError(`--methods: unknown method '${String(method)}'`);
    }
    let sum = 0;
    let maxAbs = 0;
    for (const v of attr) {
      sum += v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const overlay = `${dirRel}/${method}.png`;
    await writeFile(
      join(outDir, overlay),
      overlayPng(logmel, attr, M, F, { scale: settings.pngScale, backgroundColormap: 'grey', ...overlayRange(attr, logmel) }),
    );
    attributions.push({ method, overlay, sum, maxAbs, peak: peakOf(attr, F), ...(Object.keys(extra).length ? { extra } : {}) });
  }
  x.dispose();
  wave.dispose();
  return {
    id: clip.id,
    source: clip.source,
    ...(clip.label !== undefined ? { label: clip.label } : {}),
    duration: clip.samples.length / sr,
    sampleRate: sr,
    probabilities,
    predicted: meta.classes[predicted] ?? String(predicted),
    target: meta.classes[target] ?? String(target),
    logmel: files.logmel,
    shape: [M, F],
    attributions,
    audio,
  };
}
