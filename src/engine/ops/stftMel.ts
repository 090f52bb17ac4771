/**
 * `stftMel`: the (decibel) mel spectrogram of waves as ONE op and one backend primitive — the
 * fused form of frameCentered → rfftPower (window) → [sqrt] → matmul with a filterbank →
 * [decibels] → transpose, which is what the audio front end's logMel computes. On WebGPU it is one
 * kernel reading the wave and writing the mel values (see shaders/stft_mel.wgsl); the CPU
 * reference computes the unfused steps in float64.
 *
 * Its backward rule (src/engine/grads/signal_grad.ts) is the composition of those steps' rules
 * (recomputing the frames and their spectrum, which the forward never stores): the decibel and
 * filterbank steps, then rfftPower's (2 re g, 2 im g) through rfftAdjoint, then the framing's
 * overlap-add with the padding folded back. The wave, the window and the filterbank are all
 * differentiable.
 */
import { backendOf } from '../backendOf.js';
import type { Tensor } from '../tensor.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmt, sizeOf } from '../shape.js';
import { checkFloat, checkNumber, engineOf, record, wrap } from './core.js';
import { checkPositiveInt, frameCount } from './signal.js';

/** Decibels of stftMel: multiplier * log10(max(v, amin)) - multiplier * log10(max(amin, ref)). */
export interface StftMelDb {
  /** 10 for a power spectrogram, 20 for a magnitude one (torchaudio AmplitudeToDB). */
  multiplier: number;
  /** Floor before the logarithm (> 0). */
  amin: number;
  /** Reference value (> 0): 0 dB at max(amin, ref). */
  ref: number;
}

export interface StftMelOptions {
  /** FFT (frame) length in samples. */
  nFft: number;
  /** Samples between frames. */
  hop: number;
  /** Samples of centre padding on both sides (default 0: frames start at sample 0). */
  center?: number;
  /** Padding of `center`: 'reflect' (default; needs center < L) or 'constant' (zeros). */
  padMode?: 'reflect' | 'constant';
  /** Window [nFft] multiplied into every frame (default: none). */
  window?: Tensor | null;
  /** Filterbank [bins, nMels] (bins <= nFft): mel = spectrum [frames, bins] @ filterbank. */
  filterbank: Tensor;
  /** 2: project the power |X|^2 (default); 1: the magnitude |X|. */
  power?: 1 | 2;
  /** Decibels after the projection (default none). */
  db?: StftMelDb | null;
}

/**
 * Mel spectrogram of waves x [..., L] → [..., nMels, nFrames] in one pass:
 * out[..., m, f] = db(sum_k S[..., f, k] filterbank[k, m]), S = |X|^2 (power 2) or |X| (power 1),
 * X the unnormalised real DFT (bins = filterbank rows) of frame f of the wave centre-padded by
 * `center` samples, times the window; nFrames = floor((L + 2 center - nFft) / hop) + 1; db as
 * StftMelDb, or the identity. Lengths in samples. Differentiable with respect to x, the window and
 * the filterbank.
 */
export function stftMel(x: Tensor, options: StftMelOptions): Tensor {
  const fname = 'stftMel';
  checkFloat(x, 'x', fname);
  if (!options || typeof options !== 'object') throw new ValueError(`${fname}: options must be an object with nFft, hop and filterbank`);
  const n = checkPositiveInt(options.nFft, 'nFft', fname);
  const hop = checkPositiveInt(options.hop, 'hop', fname);
  const center = options.center ?? 0;
  if (!Number.isInteger(center) || center < 0) throw new ValueError(`${fname}: center must be an integer >= 0, got ${String(center)}`);
  const mode = options.padMode ?? 'reflect';
  if (mode !== 'reflect' && mode !== 'constant')
    throw new ValueError(`${fname}: padMode must be 'reflect' or 'constant', got ${String(mode)}`);
  const power = options.power ?? 2;
  if (power !== 1 && power !== 2) throw new ValueError(`${fname}: power must be 1 or 2, got ${String(power)}`);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must be [..., samples], got a scalar`);
  const length = x.shape[x.rank - 1];
  if (mode === 'reflect' && center > 0 && center >= length)
    throw new ShapeError(`${fname}: reflect padding by ${center} needs more than ${center} samples, x ${fmt(x.shape)} has ${length}`);
  if (length + 2 * center < n)
    throw new ShapeError(`${fname}: x ${fmt(x.shape)} padded by ${center} on both sides is shorter than nFft = ${n}`);
  const fb = checkFloat(options.filterbank, 'filterbank', fname);
  engineOf(fname, x, fb);
  if (fb.rank !== 2 || fb.shape[0] < 1 || fb.shape[0] > n)
    throw new ShapeError(`${fname}: filterbank must be [bins, nMels] with 1 <= bins <= nFft = ${n}, got ${fmt(fb.shape)}`);
  const window = options.window ?? null;
  if (window !== null) {
    checkFloat(window, 'window', fname);
    engineOf(fname, x, window);
    if (window.rank !== 1 || window.shape[0] !== n)
      throw new ShapeError(`${fname}: window must be [${n}] (nFft), got ${fmt(window.shape)}`);
  }
  let db: { scale: number; shift: number; amin: number } | null = null;
  if (options.db) {
    const mult = checkNumber(options.db.multiplier, 'db.multiplier', fname);
    const amin = checkNumber(options.db.amin, 'db.amin', fname);
    const ref = checkNumber(options.db.ref, 'db.ref', fname);
    if (!(amin > 0)) throw new ValueError(`${fname}: db.amin must be > 0, got ${amin}`);
    if (!(ref > 0)) throw new ValueError(`${fname}: db.ref must be > 0, got ${ref}`);
    // multiplier * log10(v) = (multiplier / ln 10) * ln(v), the reference folded into the shift.
    db = { scale: mult / Math.LN10, shift: -mult * Math.log10(Math.max(amin, ref)), amin };
  }
  const [bins, nMels] = fb.shape;
  const lead = x.shape.slice(0, -1);
  const batch = sizeOf(lead);
  const nFrames = frameCount(length + 2 * center, n, hop);
  const e = x.engine;
  const view = (t: Tensor, shape: number[]) => ({ storage: t.storage, shape, dtype: 'float32' as const });
  const y = wrap(
    e,
    backendOf(e).stftMel(view(x, [batch, length]), window ? view(window, [n]) : null, view(fb, [bins, nMels]), {
      nFft: n,
      hop,
      center,
      centerMode: mode,
      magnitude: power === 1,
      db,
    }),
    [...lead, nMels, nFrames],
  );
  const inputs = window ? [x, window, fb] : [x, fb];
  return record(fname, inputs, y, { nFft: n, hop, center, mode, power, db, windowed: window !== null, batch, length, nFrames });
}
