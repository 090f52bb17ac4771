/**
 * Temporal segments at detected onsets. The onset strength is the spectral flux of the log-mel
 * (mean over bands of the positive frame-to-frame increase), computed on the engine; its T values
 * are read back once and peaks are picked on the host (librosa.onset.onset_detect's rule, with
 * windows in frames: a peak is the maximum of ±preMax frames, at least `delta` above the mean of
 * ±preAvg frames, and `wait` frames after the previous onset). Segments start at 0 and at every
 * onset; with maxSegments only the strongest onsets are kept.
 */
import { maximum, mean, reshape, slice, sub, type Tensor, tidy, ValueError } from '../../../engine/index.js';
import { LOG_MEL_DEFAULTS, logMel } from '../../../audio/index.js';
import { checkInput, factorizationOptions, resolveDomain } from './common.js';
import { checkBaseline, GRID_KEYS, temporalSegments, type GridOptions } from './grid.js';
import type { Factorization } from './types.js';

export interface OnsetOptions extends GridOptions {
  /** Most segments (default 16): the strongest onsets are kept. */
  maxSegments?: number;
  /** Peak threshold above the local mean, as a fraction of the flux maximum (default 0.07). */
  delta?: number;
  /** Frames between onsets at least (default 4). */
  wait?: number;
}

/** Onset frames (ascending) of a flux envelope, by the peak-picking rule of the module comment. */
export function pickPeaks(flux: ArrayLike<number>, delta: number, wait: number, preMax = 3, preAvg = 10): number[] {
  const n = flux.length;
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, flux[i]);
  const out: number[] = [];
  let last = -Infinity;
  for (let t = 1; t < n; t++) {
    let isMax = true;
    for (let j = Math.max(0, t - preMax); j <= Math.min(n - 1, t + preMax); j++) if (flux[j] > flux[t]) isMax = false;
    if (!isMax || flux[t] <= 0) continue;
    let s = 0;
    let c = 0;
    for (let j = Math.max(0, t - preAvg); j <= Math.min(n - 1, t + preAvg); j++) {
      s += flux[j];
      c++;
    }
    if (flux[t] < s / c + delta * top) continue;
    if (t - last < wait) continue;
    out.push(t);
    last = t;
  }
  return out;
}

/**
 * Temporal segments starting at the detected onsets of the input (a waveform [1, L], through the
 * log-mel front end, or a spectrogram [1, ..., F, T]). Async: the flux envelope is read back once.
 */
export async function onsetSegments(input: Tensor, options: OnsetOptions = {}): Promise<Factorization> {
  const fname = 'onsetSegments';
  const x = checkInput(input, fname);
  options = factorizationOptions<OnsetOptions>(options, [...GRID_KEYS, 'maxSegments', 'delta', 'wait'], fname);
  const domain = resolveDomain(x, options.domain, fname);
  checkBaseline(options.baseline, fname);
  const maxSegments = options.maxSegments ?? 16;
  if (!Number.isInteger(maxSegments) || maxSegments < 1)
    throw new ValueError(`${fname}: options.maxSegments must be a positive integer, got ${JSON.stringify(maxSegments)}`);
  const delta = options.delta ?? 0.07;
  const wait = options.wait ?? 4;
  const fe = { ...LOG_MEL_DEFAULTS, ...options.frontEnd };
  const env = tidy(() => {
    const spec = domain === 'waveform' ? logMel(x, fe) : x; // [1, ..., F, T]
    const T = spec.shape[spec.rank - 1];
    const F = spec.size / T;
    const s = reshape(spec, [F, T]);
    if (T < 2) return reshape(mean(s, 0), [T]);
    const diff = maximum(sub(slice(s, [0, 1], [F, T - 1]), slice(s, [0, 0], [F, T - 1])), 0);
    return mean(diff, 0); // flux of frame t + 1
  });
  const fluxTail = await env.readFloat();
  env.dispose();
  const flux = [0, ...fluxTail];
  let onsets = pickPeaks(flux, delta, wait);
  if (onsets.length > maxSegments - 1)
    onsets = [...onsets]
      .sort((a, b) => flux[b] - flux[a])
      .slice(0, maxSegments - 1)
      .sort((a, b) => a - b);
  const T = x.shape[x.rank - 1];
  const starts = [0, ...onsets.map((f) => (domain === 'waveform' ? Math.min(T - 1, f * fe.hop) : f))].filter(
    (v, i, a) => i === 0 || v > a[i - 1],
  );
  return temporalSegments(x, { domain, baseline: options.baseline, frontEnd: options.frontEnd, starts });
}
