/**
 * MusicLIME: LIME over audio components and lyrics lines together. Each binary row switches the
 * audio components (a factorization, as lime's) and the lyrics lines (lyricsLines) on and off;
 * modality 'both' perturbs both (features: audio components first, then lines), 'audio' only the
 * audio (lyrics kept whole), 'lyrical' only the lyrics (audio kept whole). The predict function is
 * any JavaScript function of (audio batch, texts) returning class probabilities [k, C], so a
 * user's own multimodal model plugs in. Perturbed audio is built on the device a chunk at a time
 * (base + Z·sources, as lime's) and handed to predict with that chunk's texts; one call per chunk,
 * never per sample. Cosine distances and LimeBase (kernel width 25, 20 features) as the seed.
 */
import { add, matmul, reshape, slice, type Tensor, tidy, ValueError } from '../../engine/index.js';
import {
  checkProgress,
  checkSeed,
  checkSignal,
  describeValue,
  finiteNumber,
  forEachChunk,
  oneOf,
  parseOptions,
  positiveInt,
  rowsPerChunk,
  type LongRunOptions,
} from '../shared/index.js';
import { FEATURE_SELECTIONS, type FeatureSelection } from './featureSelection.js';
import type { Factorization } from './factorizations/types.js';
import { MAX_SAMPLES } from './lime.js';
import { distancesToFirst, limeBase, limeTabularWidth } from './limeBase.js';
import { limeRows, matrixRows, rowsAsArrays } from './perturb.js';
import { lyricsLines, type LyricsFactorization } from './text.js';

/** What the predict function may return for k rows: a tensor [k, C], k rows of C numbers, or a flat array of k·C. */
export type PredictOutput = Tensor | readonly ArrayLike<number>[] | Float32Array | Float64Array;

/**
 * A multimodal classifier: audio [k, ...] (a batch of perturbed inputs shaped like the audio
 * factorization's input, on its engine) and k lyrics → class probabilities [k, C]. May be async.
 * A returned tensor is read and then disposed by musicLime.
 */
export type MultimodalPredict = (audio: Tensor, texts: string[]) => PredictOutput | Promise<PredictOutput>;

export const MODALITIES = ['both', 'audio', 'lyrical'] as const;
export type Modality = (typeof MODALITIES)[number];

export interface MusicLimeOptions extends LongRunOptions {
  /** The audio components (e.g. combine(stems(...), temporalSegments(...)) or temporalSegments). */
  audio: Factorization;
  /** The lyrics (split into lines) or a lyricsLines() factorization. */
  lyrics: string | LyricsFactorization;
  /** 'both' (default), 'audio' or 'lyrical'. */
  modality?: Modality;
  /** Perturbation rows, the unperturbed one included (default 1000). */
  numSamples?: number;
  /** Classes to explain (default: the predicted class of the unperturbed input). */
  labels?: readonly number[];
  /** Most features per explanation (default 20, as MusicLIME). */
  numFeatures?: number;
  featureSelection?: FeatureSelection;
  /** Kernel width (default 25, MusicLIME's). */
  /** 'lime' is LIME's tabular default 0.75·√M. */
  kernelWidth?: number | 'lime';
  /** Seed of the rows (default 0). */
  seed?: number;
  /** Rows per predict call (default from the device limits). */
  maxBatch?: number;
}

/** One feature of a MusicLIME explanation. */
export interface MusicLimeFeature {
  /** Index among all features (audio components first in 'both'). */
  index: number;
  type: 'audio' | 'lyrics';
  /** The component's name or the lyrics line. */
  feature: string;
  weight: number;
}

export interface MusicLimeLabel {
  intercept: number;
  score: number;
  localPred: number;
  features: MusicLimeFeature[];
}

export interface MusicLimeExplanation {
  method: 'musicLime';
  modality: Modality;
  /** Explanations by class. */
  labels: Record<number, MusicLimeLabel>;
  nAudio: number;
  nText: number;
  data: Uint8Array;
  predictions: Float64Array;
  nClasses: number;
  numSamples: number;
  audio: Factorization;
  lyrics: LyricsFactorization;
}

const SPEC = {
  audio: ['audioFactorization'],
  lyrics: ['text', 'textFactorization'],
  modality: [],
  numSamples: ['num_samples'],
  labels: ['label'],
  numFeatures: ['num_features'],
  featureSelection: ['feature_selection'],
  kernelWidth: ['kernel_width'],
  seed: ['randomState', 'random_state'],
  maxBatch: ['batchSize'],
  onProgress: [],
  signal: [],
} as const;

/** The k × C outputs of predict as float64, checked for shape and finiteness. */
async function readOutput(out: PredictOutput, k: number, fname: string): Promise<{ values: Float64Array; c: number }> {
  let values: Float64Array;
  let c: number;
  if (out && typeof (out as Tensor).readFloat === 'function' && Array.isArray((out as Tensor).shape)) {
    const t = out as Tensor;
    if (t.rank !== 2 || t.shape[0] !== k) {
      t.dispose();
      throw new ValueError(
        `${fname}: predict must return probabilities [${k}, nClasses] for ${k} rows, got a tensor [${t.shape.join(', ')}]`,
      );
    }
    c = t.shape[1];
    values = Float64Array.from(await t.readFloat());
    t.dispose();
  } else if (Array.isArray(out)) {
    if (out.length !== k) throw new ValueError(`${fname}: predict must return ${k} rows of probabilities, got ${out.length}`);
    c = (out[0] as ArrayLike<number>)?.length;
    if (!(c >= 1)) throw new ValueError(`${fname}: predict returned an empty row`);
    values = new Float64Array(k * c);
    out.forEach((r: ArrayLike<number>, i) => {
      if (r?.length !== c) throw new ValueError(`${fname}: predict row ${i} has ${r?.length} values, row 0 has ${c}`);
      for (let j = 0; j < c; j++) values[i * c + j] = r[j];
    });
  } else if (out instanceof Float32Array || out instanceof Float64Array) {
    if (out.length % k !== 0 || out.length === 0)
      throw new ValueError(`${fname}: predict returned ${out.length} values, not a multiple of the ${k} rows`);
    c = out.length / k;
    values = Float64Array.from(out);
  } else {
    throw new ValueError(
      `${fname}: predict must return a Tensor [k, nClasses], an array of rows or a flat typed array, got ${describeValue(out)}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new ValueError(`${fname}: predict returned ${values[i]} for row ${Math.floor(i / c)} (class ${i % c}); outputs must be finite`);
  }
  return { values, c };
}

/** MusicLIME on one song (see the module comment). Async, with progress and an AbortSignal. */
export async function musicLime(predict: MultimodalPredict, options: MusicLimeOptions): Promise<MusicLimeExplanation> {
  const fname = 'musicLime';
  if (typeof predict !== 'function')
    throw new ValueError(
      `${fname}: predict must be a function (audio: Tensor, texts: string[]) => probabilities [k, nClasses], got ${describeValue(predict)}`,
    );
  const o = parseOptions(options, SPEC, fname);
  const audio = o.audio as Factorization;
  if (!audio || typeof audio !== 'object' || !audio.sources || !audio.base)
    throw new ValueError(
      `${fname}: options.audio must be a factorization of the audio input (e.g. xai.temporalSegments(wave)), got ${describeValue(o.audio)}`,
    );
  const lyrics = typeof o.lyrics === 'string' ? lyricsLines(o.lyrics) : (o.lyrics as LyricsFactorization);
  if (!lyrics || lyrics.kind !== 'lyrics')
    throw new ValueError(`${fname}: options.lyrics must be a string or lyricsLines(text), got ${describeValue(o.lyrics)}`);
  const modality = oneOf(o.modality, MODALITIES, 'options.modality', fname, 'both');
  const numSamples = positiveInt(o.numSamples, 'options.numSamples', fname, { default: 1000, max: MAX_SAMPLES });
  const numFeatures = positiveInt(o.numFeatures, 'options.numFeatures', fname, { default: 20 });
  const featureSelection = oneOf(o.featureSelection, FEATURE_SELECTIONS, 'options.featureSelection', fname, 'auto');
  const seed = checkSeed(o.seed, 'options.seed', fname);
  const onProgress = checkProgress(o.onProgress, fname);
  const signal = checkSignal(o.signal, fname);
  const nAudio = audio.sources.shape[0];
  const nText = lyrics.lines.length;
  const total = modality === 'both' ? nAudio + nText : modality === 'audio' ? nAudio : nText;
  const kernelWidth =
    o.kernelWidth === 'lime' ? limeTabularWidth(total) : finiteNumber(o.kernelWidth, 'options.kernelWidth', fname, { default: 25 });
  const e = audio.sources.engine;
  const chunk = rowsPerChunk(e, audio.base.size, { maxBatch: o.maxBatch, fname });
  const rows = limeRows(numSamples, total, seed);
  const inner = audio.inputShape.slice(1);
  const audioBits = new Float32Array(numSamples * nAudio).fill(1);
  const textBits: Uint8Array[] = [];
  for (let r = 0; r < numSamples; r++) {
    const row = rows.rows.subarray(r * total, (r + 1) * total);
    if (modality !== 'lyrical') for (let j = 0; j < nAudio; j++) audioBits[r * nAudio + j] = row[j];
    textBits.push(modality === 'both' ? row.subarray(nAudio) : modality === 'lyrical' ? row : new Uint8Array(nText).fill(1));
  }
  const z = e.tensor(audioBits, [numSamples, nAudio]);
  let values: Float64Array | null = null;
  let nClasses = 0;
  try {
    await forEachChunk(
      numSamples,
      chunk,
      async (k0, k1) => {
        const batch = tidy(() =>
          reshape(add(matmul(slice(z, [k0, 0], [k1 - k0, nAudio]), audio.sources), audio.base), [k1 - k0, ...inner]),
        );
        let got: { values: Float64Array; c: number };
        try {
          const texts = textBits.slice(k0, k1).map((b) => lyrics.compose(b));
          got = await readOutput(await predict(batch, texts), k1 - k0, fname);
        } finally {
          batch.dispose();
        }
        if (!values) {
          nClasses = got.c;
          values = new Float64Array(numSamples * nClasses);
        } else if (got.c !== nClasses) {
          throw new ValueError(`${fname}: predict returned ${got.c} classes for rows ${k0}..${k1 - 1}, ${nClasses} before`);
        }
        values.set(got.values, k0 * nClasses);
      },
      { onProgress, signal, stage: 'perturb', fname },
    );
  } finally {
    z.dispose();
  }
  const preds = values!;
  let best = 0;
  for (let j = 1; j < nClasses; j++) if (preds[j] > preds[best]) best = j;
  const labels = (o.labels as readonly number[] | undefined) ?? [best];
  if (!Array.isArray(labels) || labels.length === 0)
    throw new ValueError(`${fname}: options.labels must be a non-empty array of class indices`);
  const data = rowsAsArrays(rows);
  const distances = distancesToFirst(data, 'cosine');
  const out: Record<number, MusicLimeLabel> = {};
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= nClasses)
      throw new ValueError(
        `${fname}: options.labels holds ${label}, out of range: predict returns ${nClasses} classes (0..${nClasses - 1})`,
      );
    const fit = limeBase(data, matrixRows(preds, nClasses), distances, { label, numFeatures, featureSelection, kernelWidth });
    out[label] = {
      intercept: fit.intercept,
      score: fit.score,
      localPred: fit.localPred,
      features: fit.localExp.map(([j, w]) => {
        const isAudio = modality === 'audio' || (modality === 'both' && j < nAudio);
        const t = modality === 'both' ? j - nAudio : j;
        return { index: j, type: isAudio ? 'audio' : 'lyrics', feature: isAudio ? audio.names[j] : lyrics.lines[t], weight: w };
      }),
    };
  }
  return {
    method: 'musicLime',
    modality,
    labels: out,
    nAudio,
    nText,
    data: rows.rows,
    predictions: preds,
    nClasses,
    numSamples,
    audio,
    lyrics,
  };
}
