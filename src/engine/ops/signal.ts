/**
 * Signal ops on the last axis, built like every other op (checked arguments, one backend
 * primitive, recorded with `record`; the backward rules live in src/engine/grads/signal_grad.ts):
 * - `frame` cuts overlapping frames and `overlapAdd` sums frames back into a signal; each is
 *   the other's adjoint, so each one's backward rule is the other;
 * - `rfft`, `rfftAdjoint` and `rfftPower` are the backend's real-DFT primitives (WebGPU: a
 *   mixed-radix Stockham FFT in WGSL; CPU: fft.js in float64); rfft and rfftAdjoint are each
 *   other's backward rules.
 * The audio front end (src/audio) builds STFT, log-mel and istft on these through the engine's
 * face; its `audio.rfft` adds a DFT-matmul method beside this FFT.
 */
import { backendOf } from '../backendOf.js';
import type { Tensor } from '../tensor.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmt, shapesEqual, sizeOf } from '../shape.js';
import { checkFloat, engineOf, record, wrap } from './core.js';

/** v as a positive integer, else a ValueError naming fname and arg (shared by the signal ops and stftMel). */
export function checkPositiveInt(v: unknown, arg: string, fname: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Number of frames of `frameLength` at `hop` that fit in `length` samples. */
export function frameCount(length: number, frameLength: number, hop: number): number {
  return length < frameLength ? 0 : Math.floor((length - frameLength) / hop) + 1;
}

/**
 * Overlapping frames of the last axis: x [..., L] → [..., nFrames, frameLength] with
 * out[..., f, j] = x[..., f * hop + j] and nFrames = floor((L - frameLength) / hop) + 1
 * (samples after the last whole frame are not used). Needs L >= frameLength; lengths in samples.
 * The gradient is overlapAdd of the output gradient.
 */
export function frame(x: Tensor, frameLength: number, hop: number): Tensor {
  const fname = 'frame';
  checkFloat(x, 'x', fname);
  checkPositiveInt(frameLength, 'frameLength', fname);
  checkPositiveInt(hop, 'hop', fname);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis (the samples), got a scalar`);
  const length = x.shape[x.rank - 1];
  if (length < frameLength)
    throw new ShapeError(`${fname}: x ${fmt(x.shape)} has ${length} samples, fewer than frameLength = ${frameLength}`);
  const lead = x.shape.slice(0, -1);
  const batch = sizeOf(lead);
  const nFrames = frameCount(length, frameLength, hop);
  const e = x.engine;
  const y = wrap(e, backendOf(e).frame({ storage: x.storage, shape: [batch, length], dtype: 'float32' }, frameLength, hop), [
    ...lead,
    nFrames,
    frameLength,
  ]);
  return record('frame', [x], y, { hop, length });
}

/**
 * frame() of the last axis after centre padding by `center` samples on both sides: mirrored
 * without the edge sample ('reflect', numpy / torch, needs center < L) or zeros ('constant').
 * x [..., L] → [..., nFrames, frameLength] over the padded length L + 2 * center (samples). The
 * padded wave is never materialised: one backend pass reads it in place (on lavapipe the padded
 * copy cost as much as the framing). The gradient is overlapAdd of the output gradient with the
 * padding folded back onto the samples it mirrors.
 */
export function frameCentered(x: Tensor, frameLength: number, hop: number, center: number, mode: 'reflect' | 'constant'): Tensor {
  const fname = 'frameCentered';
  checkFloat(x, 'x', fname);
  checkPositiveInt(frameLength, 'frameLength', fname);
  checkPositiveInt(hop, 'hop', fname);
  if (!Number.isInteger(center) || center < 0) throw new ValueError(`${fname}: center must be an integer >= 0, got ${String(center)}`);
  if (mode !== 'reflect' && mode !== 'constant')
    throw new ValueError(`${fname}: mode must be 'reflect' or 'constant', got ${String(mode)}`);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis (the samples), got a scalar`);
  const length = x.shape[x.rank - 1];
  if (mode === 'reflect' && center >= length && center > 0)
    throw new ShapeError(`${fname}: reflect padding by ${center} needs more than ${center} samples, x ${fmt(x.shape)} has ${length}`);
  const paddedLength = length + 2 * center;
  if (paddedLength < frameLength)
    throw new ShapeError(
      `${fname}: x ${fmt(x.shape)} padded by ${center} on both sides has ${paddedLength} samples, fewer than frameLength = ${frameLength}`,
    );
  const lead = x.shape.slice(0, -1);
  const batch = sizeOf(lead);
  const nFrames = frameCount(paddedLength, frameLength, hop);
  const e = x.engine;
  const y = wrap(e, backendOf(e).frame({ storage: x.storage, shape: [batch, length], dtype: 'float32' }, frameLength, hop, center, mode), [
    ...lead,
    nFrames,
    frameLength,
  ]);
  return record(fname, [x], y, { hop, center, mode });
}

/**
 * Overlap-add: frames [..., nFrames, frameLength] → [..., length] with
 * out[..., t] = sum of frames[..., f, t - f * hop] over the frames covering t. `length` (samples)
 * defaults to (nFrames - 1) * hop + frameLength (every frame whole); a shorter length drops frame
 * samples at or past it, a longer one ends in zeros. The gradient frames the output gradient.
 */
export function overlapAdd(frames: Tensor, hop: number, length?: number): Tensor {
  const fname = 'overlapAdd';
  checkFloat(frames, 'frames', fname);
  checkPositiveInt(hop, 'hop', fname);
  if (frames.rank < 2) throw new ShapeError(`${fname}: frames must be [..., nFrames, frameLength], got ${fmt(frames.shape)}`);
  const nFrames = frames.shape[frames.rank - 2];
  const frameLength = frames.shape[frames.rank - 1];
  const covered = nFrames === 0 ? 0 : (nFrames - 1) * hop + frameLength;
  const len = length ?? covered;
  if (!Number.isInteger(len) || len < 0) throw new ValueError(`${fname}: length must be a non-negative integer, got ${String(length)}`);
  const lead = frames.shape.slice(0, -2);
  const batch = sizeOf(lead);
  const e = frames.engine;
  const y = wrap(
    e,
    backendOf(e).overlapAdd({ storage: frames.storage, shape: [batch, nFrames, frameLength], dtype: 'float32' }, hop, len),
    [...lead, len],
  );
  return record('overlapAdd', [frames], y, { hop, length: len });
}

/** Buf view of a tensor as [rows, last]. */
function rowsView(t: Tensor) {
  const last = t.shape[t.rank - 1];
  return { storage: t.storage, shape: [last === 0 ? 0 : t.size / last, last], dtype: 'float32' as const };
}

function checkBins(bins: unknown, n: number, fname: string): number {
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1 || bins > n)
    throw new ValueError(`${fname}: bins must be an integer in [1, ${n}], got ${String(bins)}`);
  return bins;
}

function checkWindow(w: Tensor | null | undefined, n: number, like: Tensor, fname: string): Tensor | null {
  if (w === undefined || w === null) return null;
  checkFloat(w, 'window', fname);
  engineOf(fname, like, w);
  if (w.rank !== 1 || w.shape[0] !== n) throw new ShapeError(`${fname}: window must be [${n}], got ${fmt(w.shape)}`);
  return w;
}

/** The last-axis length of x, which must be a float tensor of rank >= 1 with a non-empty last axis. */
function lastAxis(x: Tensor, fname: string): number {
  checkFloat(x, 'x', fname);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis, got a scalar`);
  const n = x.shape[x.rank - 1];
  if (n < 1) throw new ShapeError(`${fname}: the last axis of x ${fmt(x.shape)} is empty`);
  return n;
}

/** Options of the FFT ops. */
export interface FftOptions {
  /** Bins to keep (default n/2 + 1, the onesided spectrum; at most n). */
  bins?: number;
  /** A window [n] multiplied into every row first (fused into the kernel; differentiable). */
  window?: Tensor | null;
}

/**
 * Real FFT of the last axis: x [..., n] → [re, im], each [..., bins], with
 * X[k] = sum_j w[j] x[j] e^(-2 pi i j k / n), unnormalised (w: options.window, else 1).
 * Differentiable with respect to x and the window (the backward rule is rfftAdjoint).
 */
export function rfft(x: Tensor, options: FftOptions = {}): [Tensor, Tensor] {
  const fname = 'rfft';
  const n = lastAxis(x, fname);
  const bins = checkBins(options.bins ?? Math.floor(n / 2) + 1, n, fname);
  const window = checkWindow(options.window, n, x, fname);
  const lead = x.shape.slice(0, -1);
  const e = x.engine;
  const [sr, si] = backendOf(e).rfft(rowsView(x), n, bins, window ? rowsView(window) : null);
  const out: [Tensor, Tensor] = [wrap(e, sr, [...lead, bins]), wrap(e, si, [...lead, bins])];
  return record('rfft', window ? [x, window] : [x], out, { n });
}

/**
 * The adjoint of rfft (the transpose of the real DFT): re, im [..., bins] → y [..., n] with
 * y[j] = w[j] sum_{k < bins} re[k] cos(2 pi j k / n) - im[k] sin(2 pi j k / n) (w: options.window,
 * else 1). With the onesided weights of an inverse real DFT folded into re and im it is irfft.
 */
export function rfftAdjoint(re: Tensor, im: Tensor, n: number, options: { window?: Tensor | null } = {}): Tensor {
  const fname = 'rfftAdjoint';
  checkFloat(re, 're', fname);
  checkFloat(im, 'im', fname);
  engineOf(fname, re, im);
  if (!shapesEqual(re.shape, im.shape))
    throw new ShapeError(`${fname}: re ${fmt(re.shape)} and im ${fmt(im.shape)} must have the same shape`);
  if (re.rank < 1) throw new ShapeError(`${fname}: re must have at least one axis, got a scalar`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new ValueError(`${fname}: n must be a positive integer, got ${String(n)}`);
  const bins = checkBins(re.shape[re.rank - 1], n, fname);
  const window = checkWindow(options.window, n, re, fname);
  const e = re.engine;
  const y = wrap(e, backendOf(e).rfftAdjoint(rowsView(re), rowsView(im), n, window ? rowsView(window) : null), [
    ...re.shape.slice(0, -1),
    n,
  ]);
  return record('rfftAdjoint', window ? [re, im, window] : [re, im], y, { n });
}

/**
 * The power spectrum |rfft(x)|^2 [..., bins] in one kernel. Its backward rule recomputes re and
 * im (one more FFT) and applies the adjoint to (2 re g, 2 im g).
 */
export function rfftPower(x: Tensor, options: FftOptions = {}): Tensor {
  const fname = 'rfftPower';
  const n = lastAxis(x, fname);
  const bins = checkBins(options.bins ?? Math.floor(n / 2) + 1, n, fname);
  const window = checkWindow(options.window, n, x, fname);
  const e = x.engine;
  const p = wrap(e, backendOf(e).rfftPower(rowsView(x), n, bins, window ? rowsView(window) : null), [...x.shape.slice(0, -1), bins]);
  return record('rfftPower', window ? [x, window] : [x], p, { n });
}
