/**
 * Output of an explanation: the top components, WAVs of the top-k audio components and of the
 * rest (listenable answers), a PNG of the log-mel with the components outlined and coloured by
 * weight, and JSON in the shape of the MusicLIME seed's export.
 */
import { add, matmul, reshape, type Tensor, tidy, ValueError } from '../../engine/index.js';
import { encodeWav, LOG_MEL_DEFAULTS, logMel, type LogMelOptions } from '../../audio/index.js';
import { overlayPng, type OverlayOptions } from '../../plot/index.js';
import type { Factorization } from './factorizations/types.js';
import type { KernelShapExplanation } from './kernelShap.js';
import type { LimeExplanation } from './lime.js';
import type { MusicLimeExplanation } from './musicLime.js';

type AudioExplanation = LimeExplanation | KernelShapExplanation;

/** Weight of every component [M] of a LIME or KernelSHAP explanation (0 where not selected). */
function componentWeights(e: AudioExplanation): Float64Array {
  return e.method === 'lime' ? e.weights : e.values;
}

/** The top-k components by weight: positive weights first ('positive', default) or by |weight| ('abs'). */
export function topComponents(
  e: AudioExplanation,
  k = 3,
  by: 'positive' | 'abs' = 'positive',
): { index: number; name: string; weight: number }[] {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`topComponents: k must be a positive integer, got ${k}`);
  const w = componentWeights(e);
  const all = Array.from(w, (v, j) => ({ index: j, name: e.factorization.names[j], weight: v }));
  const pool = by === 'positive' ? all.filter((c) => c.weight > 0) : all.filter((c) => c.weight !== 0);
  pool.sort((a, b) => (by === 'positive' ? b.weight - a.weight : Math.abs(b.weight) - Math.abs(a.weight)));
  return pool.slice(0, k);
}

/** base + Σ_{j ∈ on} sources_j, read back as one waveform. */
async function compose(f: Factorization, on: readonly number[]): Promise<Float32Array> {
  const m = f.sources.shape[0];
  const bits = new Float32Array(m);
  for (const j of on) bits[j] = 1;
  const z = f.sources.engine.tensor(bits, [1, m]);
  const y = tidy(() => reshape(add(matmul(z, f.sources), f.base), [f.base.size]));
  z.dispose();
  const v = await y.readFloat();
  y.dispose();
  return v;
}

/**
 * WAVs (16-bit PCM) of the top-k components of a waveform explanation switched on alone, and of
 * all the other components: what the model listened to, and what it did not. The factorization
 * must be of a waveform ([1, L]) input.
 */
export async function componentAudio(
  e: AudioExplanation,
  options: { topK?: number; by?: 'positive' | 'abs'; sampleRate?: number } = {},
): Promise<{ top: Uint8Array; rest: Uint8Array; components: { index: number; name: string; weight: number }[] }> {
  const f = e.factorization;
  if (f.domain !== 'waveform')
    throw new ValueError(
      `componentAudio: needs a factorization of a waveform input [1, L]; this one is of a ${f.domain} (draw it with componentOverlayPng instead)`,
    );
  const top = topComponents(e, options.topK ?? 3, options.by ?? 'positive');
  const on = top.map((c) => c.index);
  const rest = Array.from({ length: f.sources.shape[0] }, (_, j) => j).filter((j) => !on.includes(j));
  const sr = options.sampleRate ?? f.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate;
  return { top: encodeWav(await compose(f, on), sr), rest: encodeWav(await compose(f, rest), sr), components: top };
}

/**
 * A PNG of the log-mel of the explained input (computed with `frontEnd` for a waveform, the input
 * itself for a spectrogram), each weighted component's region outlined and tinted by its weight
 * (red positive, blue negative; where regions overlap, the larger |weight| wins). Low
 * frequencies at the bottom. `image` passes layout options (scale, alpha) to plot.overlayPng.
 */
export async function componentOverlayPng(
  e: AudioExplanation,
  options: { frontEnd?: LogMelOptions; image?: Omit<OverlayOptions, 'regions'> } = {},
): Promise<Uint8Array> {
  const f = e.factorization;
  const all = Array.from({ length: f.sources.shape[0] }, (_, j) => j);
  const spec: Tensor = tidy(() => {
    const x = reshape(add(matmul(f.sources.engine.ones([1, all.length]), f.sources), f.base), f.inputShape);
    if (f.domain === 'waveform')
      return logMel(x, { ...LOG_MEL_DEFAULTS, sampleRate: f.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate, ...options.frontEnd });
    return x;
  });
  const rows = spec.shape[spec.rank - 2];
  const cols = spec.shape[spec.rank - 1];
  const bg = await spec.readFloat();
  spec.dispose();
  const w = componentWeights(e);
  const labels = new Int32Array(rows * cols).fill(-1);
  const overlay = new Float32Array(rows * cols);
  for (let j = 0; j < w.length; j++) {
    if (w[j] === 0) continue;
    const s = f.spans[j];
    const [r0, r1] = [Math.floor(s.f0 * rows), Math.ceil(s.f1 * rows)];
    const [c0, c1] = [Math.floor(s.t0 * cols), Math.ceil(s.t1 * cols)];
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const i = r * cols + c;
        if (labels[i] < 0 || Math.abs(w[j]) > Math.abs(w[labels[i]])) {
          labels[i] = j;
          overlay[i] = w[j];
        }
      }
    }
  }
  const weights = Array.from(w, (v) => (v === 0 ? null : v));
  return overlayPng(bg.subarray(0, rows * cols), overlay, rows, cols, {
    scale: 4,
    alpha: 0.45,
    ...options.image,
    regions: { labels, weights, thickness: 1 },
  });
}

/** JSON of an explanation in the MusicLIME seed's export shape (metadata + explanations by label). */
export function explanationJson(
  e: AudioExplanation | MusicLimeExplanation,
  options: { numFeatures?: number; songInfo?: Record<string, unknown>; classNames?: readonly string[]; timestamp?: string } = {},
): Record<string, unknown> {
  const k = options.numFeatures ?? 10;
  const name = (label: number) => options.classNames?.[label] ?? `class ${label}`;
  const explanations: Record<string, unknown> = {};
  let modelInfo: Record<string, number>;
  if (e.method === 'musicLime') {
    for (const [label, x] of Object.entries(e.labels)) {
      explanations[`label_${label}`] = {
        prediction_label: name(Number(label)),
        intercept: x.intercept,
        score: x.score,
        local_prediction: x.localPred,
        top_features: x.features.slice(0, k).map((f, i) => ({ rank: i + 1, type: f.type, feature: f.feature, weight: f.weight })),
      };
    }
    modelInfo = { total_audio_components: e.nAudio, total_text_lines: e.nText, total_features: e.nAudio + e.nText };
  } else {
    const feats = e.components.slice(0, k).map((c, i) => ({ rank: i + 1, type: 'audio', feature: c.name, weight: c.weight }));
    explanations[`label_${e.target}`] =
      e.method === 'lime'
        ? { prediction_label: name(e.target), intercept: e.intercept, score: e.score, local_prediction: e.localPred, top_features: feats }
        : { prediction_label: name(e.target), base_value: e.baseValue, full_value: e.fullValue, exact: e.exact, top_features: feats };
    const m = e.factorization.sources.shape[0];
    modelInfo = { total_audio_components: m, total_text_lines: 0, total_features: m };
  }
  return {
    metadata: {
      method: e.method,
      timestamp: options.timestamp ?? new Date().toISOString(),
      song_info: options.songInfo ?? {},
      model_info: modelInfo,
      explanation_params: { num_samples: e.numSamples, num_features_shown: k },
    },
    explanations,
  };
}
