/**
 * Mel filterbanks (torchaudio.functional.melscale_fbanks; librosa.filters.mel) computed in
 * float64 on the host, and the differentiable projection of a spectrogram onto them.
 *
 * melFilterbank returns the [nFreqs, nMels] matrix (torchaudio's layout; librosa's is its
 * transpose). Frequencies of the bins: torchaudio's linspace(0, floor(sampleRate / 2), nFreqs) by
 * default, or librosa's k * sampleRate / nFft (nFft = 2 (nFreqs - 1)) with grid 'librosa'; the
 * two agree for even sample rates.
 */
import { checkFloat, type Engine, fmt, matmul, ShapeError, type Tensor, tidy, ValueError } from '../engine/index.js';
import { cachedConstant } from './cache.js';
import { parseOptions, withSnakeCase } from '../util/options.js';

/** The public filterbank functions' option keys (torchaudio's melscale_fbanks names accepted). */
const MEL_SPEC = withSnakeCase(['nFreqs', 'fMin', 'fMax', 'nMels', 'sampleRate', 'scale', 'norm', 'grid'], {
  scale: ['melScale', 'mel_scale'],
});

/** Strict keys for a public entry point (internal callers pass options already canonical). */
function melOptions<T>(options: unknown, fname: string): T {
  if (!options || typeof options !== 'object') throw new ValueError(`${fname}: options must be an object`);
  return parseOptions(options, MEL_SPEC, fname) as T;
}

export type MelScale = 'htk' | 'slaney';

export interface MelFilterbankOptions {
  /** Number of frequency bins (nFft / 2 + 1). */
  nFreqs: number;
  /** Lowest frequency in Hz (default 0). */
  fMin?: number;
  /** Highest frequency in Hz (default sampleRate / 2). */
  fMax?: number;
  nMels: number;
  sampleRate: number;
  /** 'htk' (default, torchaudio's default) or 'slaney' (librosa's default). */
  scale?: MelScale;
  /** null (default: peak 1) or 'slaney' (each filter divided by its width in Hz / 2: constant area). */
  norm?: null | 'slaney';
  /** Bin frequencies: 'torchaudio' (default) or 'librosa' (see the module note). */
  grid?: 'torchaudio' | 'librosa';
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

/** Hz to mel: htk 2595 log10(1 + f / 700); slaney linear below 1 kHz, logarithmic above. */
export function hzToMel(f: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + f / 700);
  return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOG_STEP : f / F_SP;
}

/** Mel to Hz, the inverse of hzToMel. */
export function melToHz(m: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 700 * (10 ** (m / 2595) - 1);
  return m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (m - MIN_LOG_MEL)) : F_SP * m;
}

interface Resolved {
  nFreqs: number;
  nMels: number;
  sampleRate: number;
  fMin: number;
  fMax: number;
  scale: MelScale;
  norm: null | 'slaney';
  grid: 'torchaudio' | 'librosa';
}

function resolve(o: MelFilterbankOptions, fname: string): Resolved {
  if (!o || typeof o !== 'object') throw new ValueError(`${fname}: options must be an object`);
  const int = (v: unknown, arg: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
    return v;
  };
  const nFreqs = int(o.nFreqs, 'nFreqs');
  const nMels = int(o.nMels, 'nMels');
  const sampleRate = o.sampleRate;
  if (typeof sampleRate !== 'number' || !(sampleRate > 0) || !Number.isFinite(sampleRate))
    throw new ValueError(`${fname}: sampleRate must be a positive number, got ${String(sampleRate)}`);
  const fMin = o.fMin ?? 0;
  const fMax = o.fMax ?? sampleRate / 2;
  if (!Number.isFinite(fMin) || !Number.isFinite(fMax) || fMin < 0 || fMax <= fMin)
    throw new ValueError(`${fname}: need 0 <= fMin < fMax, got fMin ${fMin}, fMax ${fMax}`);
  const scale = o.scale ?? 'htk';
  if (scale !== 'htk' && scale !== 'slaney') throw new ValueError(`${fname}: scale must be 'htk' or 'slaney', got ${String(scale)}`);
  const norm = o.norm ?? null;
  if (norm !== null && norm !== 'slaney') throw new ValueError(`${fname}: norm must be null or 'slaney', got ${String(norm)}`);
  const grid = o.grid ?? 'torchaudio';
  if (grid !== 'torchaudio' && grid !== 'librosa')
    throw new ValueError(`${fname}: grid must be 'torchaudio' or 'librosa', got ${String(grid)}`);
  return { nFreqs, nMels, sampleRate, fMin, fMax, scale, norm, grid };
}

/** The nMels + 2 band edges in Hz (equally spaced in mel). */
function bandEdges(r: Resolved): Float64Array {
  const mMin = hzToMel(r.fMin, r.scale);
  const mMax = hzToMel(r.fMax, r.scale);
  const pts = new Float64Array(r.nMels + 2);
  for (let i = 0; i < pts.length; i++) pts[i] = melToHz(mMin + ((mMax - mMin) * i) / (r.nMels + 1), r.scale);
  return pts;
}

/**
 * Triangular mel filters, row-major [nFreqs, nMels]: filter m rises from edge m to edge m + 1 and
 * falls to edge m + 2 (weights max(0, min(down, up)) as torchaudio and librosa).
 */
export function melFilterbank(options: MelFilterbankOptions): Float64Array {
  const r = resolve(melOptions(options, 'melFilterbank'), 'melFilterbank');
  const { nFreqs, nMels } = r;
  const freqs = new Float64Array(nFreqs);
  for (let k = 0; k < nFreqs; k++) {
    freqs[k] =
      r.grid === 'torchaudio'
        ? nFreqs === 1
          ? 0
          : (Math.floor(r.sampleRate / 2) * k) / (nFreqs - 1)
        : (k * r.sampleRate) / Math.max(1, 2 * (nFreqs - 1));
  }
  const pts = bandEdges(r);
  const fb = new Float64Array(nFreqs * nMels);
  for (let m = 0; m < nMels; m++) {
    const lo = pts[m];
    const mid = pts[m + 1];
    const hi = pts[m + 2];
    const enorm = r.norm === 'slaney' ? 2 / (hi - lo) : 1;
    for (let k = 0; k < nFreqs; k++) {
      const down = (freqs[k] - lo) / (mid - lo);
      const up = (hi - freqs[k]) / (hi - mid);
      fb[k * nMels + m] = Math.max(0, Math.min(down, up)) * enorm;
    }
  }
  return fb;
}

/** Centre frequency (Hz) of each mel band. */
export function melCenters(options: MelFilterbankOptions): Float64Array {
  return bandEdges(resolve(melOptions(options, 'melCenters'), 'melCenters')).slice(1, -1);
}

/**
 * The map from a mel-band mask back to linear frequency, [nFreqs, nMels]: the filterbank's
 * transpose normalised per frequency bin, W[k, m] = fb[k, m] / sum_m fb[k, m], so a mel mask in
 * [0, 1] gives a linear mask in [0, 1] (each bin a weighted average of the bands covering it).
 * Bins no filter covers (the DC bin of an htk bank from 0 Hz, bins above fMax) copy the band
 * whose centre is nearest.
 */
export function melToLinearWeights(options: MelFilterbankOptions): Float64Array {
  const r = resolve(options, 'melToLinearWeights');
  const fb = melFilterbank(options);
  const centers = melCenters(options);
  const { nFreqs, nMels } = r;
  const out = new Float64Array(nFreqs * nMels);
  for (let k = 0; k < nFreqs; k++) {
    let s = 0;
    for (let m = 0; m < nMels; m++) s += fb[k * nMels + m];
    if (s > 0) {
      for (let m = 0; m < nMels; m++) out[k * nMels + m] = fb[k * nMels + m] / s;
      continue;
    }
    const f =
      r.grid === 'torchaudio'
        ? nFreqs === 1
          ? 0
          : (Math.floor(r.sampleRate / 2) * k) / (nFreqs - 1)
        : (k * r.sampleRate) / Math.max(1, 2 * (nFreqs - 1));
    let best = 0;
    for (let m = 1; m < nMels; m++) if (Math.abs(centers[m] - f) < Math.abs(centers[best] - f)) best = m;
    out[k * nMels + best] = 1;
  }
  return out;
}

function fbKey(o: MelFilterbankOptions): string {
  return `${o.nFreqs}:${o.nMels}:${o.sampleRate}:${o.fMin ?? 0}:${o.fMax ?? o.sampleRate / 2}:${o.scale ?? 'htk'}:${o.norm ?? null}:${o.grid ?? 'torchaudio'}`;
}

/**
 * A cached filterbank tensor on `engine`: 'fb' [nFreqs, nMels], 'fb2' [2 nFreqs, nMels] (fb stacked
 * twice: sums the power of the re and im columns of a [.., 2 nFreqs] spectrum), 'fbT'
 * [nMels, nFreqs], or 'toLinear' [nFreqs, nMels] (melToLinearWeights).
 */
export function melTensor(engine: Engine, options: MelFilterbankOptions, kind: 'fb' | 'fb2' | 'fbT' | 'toLinear'): Tensor {
  const r = resolve(options, 'melTensor');
  const { nFreqs, nMels } = r;
  const shape = kind === 'fbT' ? [nMels, nFreqs] : kind === 'fb2' ? [2 * nFreqs, nMels] : [nFreqs, nMels];
  return cachedConstant(engine, `mel:${kind}:${fbKey(options)}`, shape, () => {
    if (kind === 'toLinear') return melToLinearWeights(options);
    const fb = melFilterbank(options);
    if (kind === 'fb') return fb;
    if (kind === 'fb2') {
      const out = new Float64Array(2 * fb.length);
      out.set(fb);
      out.set(fb, fb.length);
      return out;
    }
    const out = new Float64Array(nMels * nFreqs);
    for (let m = 0; m < nMels; m++) for (let k = 0; k < nFreqs; k++) out[m * nFreqs + k] = fb[k * nMels + m];
    return out;
  });
}

/**
 * Projects a spectrogram [..., nFreqs, frames] onto mel filters → [..., nMels, frames]
 * (torchaudio MelScale): one matmul with the cached transposed filterbank.
 */
export function melScale(spec: Tensor, options: Omit<MelFilterbankOptions, 'nFreqs'> & { nFreqs?: number }): Tensor {
  const fname = 'melScale';
  checkFloat(spec, 'spec', fname);
  options = melOptions(options, fname);
  if (spec.rank < 2) throw new ShapeError(`${fname}: spec must be [..., nFreqs, frames], got ${fmt(spec.shape)}`);
  const nFreqs = spec.shape[spec.rank - 2];
  if (options.nFreqs !== undefined && options.nFreqs !== nFreqs)
    throw new ShapeError(`${fname}: spec ${fmt(spec.shape)} has ${nFreqs} frequency bins, options.nFreqs is ${options.nFreqs}`);
  return tidy(() => matmul(melTensor(spec.engine, { ...options, nFreqs }, 'fbT'), spec));
}
