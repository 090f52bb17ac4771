/**
 * Inverse STFT by weighted overlap-add (torch.istft semantics) and time-frequency masking back
 * to audio. Each frame is the inverse real DFT of its spectrum (the rfft adjoint with the
 * onesided weights 1, 2, ..., 2, 1 and 1/nFft folded into the spectrum, or a matmul with a cached
 * inverse basis that also carries the window), multiplied by the window, overlap-added (one
 * gather), and divided by the overlap-added squared window. Differentiable with respect to the
 * spectrum (and so to a mask and the wave).
 */
import {
  add,
  checkFloat,
  div,
  engineOf,
  fmt,
  matmul,
  mul,
  pad,
  permute,
  reshape,
  ShapeError,
  shapesEqual,
  sizeOf,
  slice,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { cachedConstant } from './cache.js';
import { dftBasis, rfftAdjoint } from './dft.js';
import { overlapAdd } from './frames.js';
import { melOptionsOf, stftOptionsOf, type LogMelOptions } from './logmel.js';
import { melTensor } from './mel.js';
import { audioOptions, ISTFT_SPEC, MASK_TO_AUDIO_SPEC, MAX_AUDIO_SAMPLES, checkFrontEndSizes } from './options.js';
import { framesSpectrum, resolveStft, stftFrames, toTorchLayout, windowTensor, type StftOptions, type StftPlan } from './stft.js';

export interface IstftOptions extends StftOptions {
  /** Output samples (default: every sample the frames cover, less the centre padding). */
  length?: number;
}

/**
 * Per-bin weights of the inverse real DFT: re weights c_k / s and im weights c'_k / s, with
 * c_k = 1 at DC and (even nFft) Nyquist, 2 between (onesided; 1 everywhere otherwise),
 * c'_k = c_k except 0 at DC and Nyquist (their imaginary parts are ignored, as irfft), and s = nFft
 * (sqrt(nFft) when normalized: the window then carries the other nFft^-1/2).
 */
function inverseWeights(plan: StftPlan): [Float64Array, Float64Array] {
  const { nFft, bins, onesided } = plan;
  const s = plan.normalized ? Math.sqrt(nFft) : nFft;
  const cr = new Float64Array(bins);
  const ci = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    const edge = k === 0 || (nFft % 2 === 0 && k === nFft / 2);
    const c = onesided && !edge ? 2 : 1;
    cr[k] = c / s;
    ci[k] = onesided && edge ? 0 : c / s;
  }
  return [cr, ci];
}

/** The synthesis window (as in stftPlan, without the normalisation), padded to nFft, on the host. */
function hostSynthesisWindow(plan: StftPlan): Float64Array | null {
  if (!plan.hostWindow) return null;
  if (!plan.normalized) return plan.hostWindow;
  const s = Math.sqrt(plan.nFft);
  return plan.hostWindow.map((v) => v * s);
}

/**
 * Inverse STFT: re, im [..., nFreq, frames] (torch layout; nFreq = nFft/2 + 1 when onesided) →
 * [..., length]. torch.istft semantics: the window-sum normalisation, center (drop nFft/2 samples
 * at both ends), `length` (trim or zero-pad the end); throws when the squared window sums to less
 * than 1e-11 somewhere in the output (the NOLA condition fails).
 */
export function istft(re: Tensor, im: Tensor, options: IstftOptions): Tensor {
  const fname = 'istft';
  options = audioOptions<IstftOptions>(options, ISTFT_SPEC, fname);
  checkFloat(re, 're', fname);
  checkFloat(im, 'im', fname);
  const e = engineOf(fname, re, im);
  if (!shapesEqual(re.shape, im.shape))
    throw new ShapeError(`${fname}: re ${fmt(re.shape)} and im ${fmt(im.shape)} must have the same shape`);
  if (re.rank < 2) throw new ShapeError(`${fname}: re must be [..., nFreq, frames], got ${fmt(re.shape)}`);
  const plan = resolveStft(fname, options);
  const { nFft, hop } = plan;
  const bins = re.shape[re.rank - 2];
  const nFrames = re.shape[re.rank - 1];
  if (bins !== plan.bins)
    throw new ShapeError(
      `${fname}: re ${fmt(re.shape)} has ${bins} frequency bins, expected ${plan.bins} for nFft ${nFft}${plan.onesided ? ' (onesided)' : ''}`,
    );
  if (nFrames < 1) throw new ShapeError(`${fname}: re ${fmt(re.shape)} has no frames`);
  if (plan.tensorWindow) engineOf(fname, re, plan.tensorWindow);
  const length = options.length;
  if (length !== undefined && (!Number.isInteger(length) || length < 0))
    throw new ValueError(`${fname}: length must be a non-negative integer, got ${String(length)}`);
  if (length !== undefined && length > MAX_AUDIO_SAMPLES)
    throw new ValueError(
      `${fname}: length must be at most ${MAX_AUDIO_SAMPLES.toLocaleString('en-US')} samples, got ${length.toLocaleString('en-US')}`,
    );

  // The window envelope (host, float64): sum over frames of window^2, for the normalisation.
  const expected = nFft + hop * (nFrames - 1);
  const start = plan.center ? Math.floor(nFft / 2) : 0;
  const end = length !== undefined ? start + length : plan.center ? expected - Math.floor(nFft / 2) : expected;
  const stop = Math.min(end, expected);
  const hw = hostSynthesisWindow(plan);
  const needEnvelope = hw !== null;
  let invEnv: Float64Array | null = null;
  if (needEnvelope) {
    const env = new Float64Array(expected);
    for (let f = 0; f < nFrames; f++) for (let j = 0; j < nFft; j++) env[f * hop + j] += hw![j] * hw![j];
    invEnv = new Float64Array(Math.max(0, stop - start));
    for (let t = start; t < stop; t++) {
      if (Math.abs(env[t]) < 1e-11)
        throw new ValueError(
          `${fname}: the window overlap-add is ${env[t]} at sample ${t - start} (< 1e-11): nFft ${nFft}, hop ${hop} and this window do not satisfy NOLA`,
        );
      invEnv[t - start] = 1 / env[t];
    }
  }
  const lead = re.shape.slice(0, -2);
  const batch = sizeOf(lead);
  return tidy(() => {
    // [..., bins, F] → [B, F, bins].
    const toFrames = (t: Tensor) => permute(reshape(t, [batch, bins, nFrames]), [0, 2, 1]);
    const fre = toFrames(re);
    const fim = toFrames(im);
    const [cr, ci] = inverseWeights(plan);
    const wkey = plan.windowKey;
    let frames: Tensor;
    if (plan.method === 'matmul' && wkey && hw) {
      // Weights and window folded into the basis: frames = re @ C + im @ S.
      const scales = { key: `inv:${wkey}:${plan.onesided}`, row: hw, col: cr, colIm: ci };
      frames = add(matmul(fre, dftBasis(e, 'cosT', nFft, bins, scales)), matmul(fim, dftBasis(e, 'msinT', nFft, bins, scales)));
    } else {
      const key = `${nFft}:${bins}:${plan.normalized}:${plan.onesided}`;
      const wr = cachedConstant(e, `istft:wr:${key}`, [bins], () => cr);
      const wi = cachedConstant(e, `istft:wi:${key}`, [bins], () => ci);
      let w: Tensor;
      if (hw) w = wkey ? cachedConstant(e, `synth:${wkey}`, [nFft], () => hw) : e.tensor(hw, [nFft]);
      else {
        const tw = windowTensor(e, plan).w;
        w = plan.normalized ? mul(tw, Math.sqrt(nFft)) : tw;
      }
      // The synthesis window is fused into the inverse DFT.
      frames = rfftAdjoint(mul(fre, wr), mul(fim, wi), nFft, { method: plan.method, window: w });
      if (!hw) {
        // A Tensor window: its envelope is formed on the engine (no NOLA check: it is not read).
        const env = overlapAdd(mul(e.ones([nFrames, 1]), mul(w, w)), hop, expected);
        const y = slice(overlapAdd(frames, hop, expected), [0, start], [batch, stop - start]);
        return finish(div(y, slice(env, [start], [stop - start])), lead, end, stop, start);
      }
    }
    let y = slice(overlapAdd(frames, hop, expected), [0, start], [batch, stop - start]);
    y = mul(y, e.tensor(invEnv!, [invEnv!.length]));
    return finish(y, lead, end, stop, start);
  });
}

/** Zero-pads [B, stop - start] to end - start samples and restores the leading shape. */
function finish(y: Tensor, lead: readonly number[], end: number, stop: number, start: number): Tensor {
  const out =
    end > stop
      ? pad(y, [
          [0, 0],
          [0, end - stop],
        ])
      : y;
  return reshape(out, [...lead, Math.max(0, end - start)]);
}

export interface MaskToAudioOptions extends LogMelOptions {
  /** What the mask's rows are: linear frequency bins or mel bands (default: from its shape). */
  maskScale?: 'linear' | 'mel';
}

/**
 * Applies a time-frequency mask to the STFT of wave [..., L] and returns the audio [..., L]
 * (istft with length L). The mask is [nFreq, frames] (linear, nFreq = nFft/2 + 1) or
 * [nMels, frames] (mel bands, mapped to linear frequency with melToLinearWeights: each bin
 * takes the filter-weighted average of the bands covering it), optionally with leading axes
 * that broadcast against the wave's. STFT/mel options as logMel's (16 kHz, nFft 400, hop 160,
 * 64 htk mels, Hann). Differentiable with respect to the wave and the mask.
 */
export function maskToAudio(wave: Tensor, mask: Tensor, options: MaskToAudioOptions = {}): Tensor {
  const fname = 'maskToAudio';
  options = audioOptions<MaskToAudioOptions>(options, MASK_TO_AUDIO_SPEC, fname);
  checkFrontEndSizes(options, fname);
  checkFloat(wave, 'wave', fname);
  checkFloat(mask, 'mask', fname);
  engineOf(fname, wave, mask);
  if (mask.rank < 2) throw new ShapeError(`${fname}: mask must be [..., nFreq or nMels, frames], got ${fmt(mask.shape)}`);
  const stftOpts = stftOptionsOf(options);
  const plan = resolveStft(fname, stftOpts);
  const melOpts = melOptionsOf(options, plan.bins);
  const rows = mask.shape[mask.rank - 2];
  let scale = options.maskScale;
  if (scale === undefined) {
    if (rows === plan.bins) scale = 'linear';
    else if (rows === melOpts.nMels) scale = 'mel';
    else
      throw new ShapeError(
        `${fname}: mask ${fmt(mask.shape)} has ${rows} rows: expected ${plan.bins} frequency bins or ${melOpts.nMels} mel bands`,
      );
  }
  if (scale !== 'linear' && scale !== 'mel') throw new ValueError(`${fname}: maskScale must be 'linear' or 'mel', got ${String(scale)}`);
  const want = scale === 'linear' ? plan.bins : melOpts.nMels;
  if (rows !== want) throw new ShapeError(`${fname}: a ${scale} mask needs ${want} rows, got ${fmt(mask.shape)}`);
  const length = wave.shape[wave.rank - 1];
  return tidy(() => {
    const { frames, lead } = stftFrames(wave, plan, fname);
    const spec = framesSpectrum(frames, plan);
    const re = toTorchLayout(spec.re, lead);
    const im = toTorchLayout(spec.im, lead);
    const nFrames = re.shape[re.rank - 1];
    if (mask.shape[mask.rank - 1] !== nFrames)
      throw new ShapeError(
        `${fname}: mask ${fmt(mask.shape)} has ${mask.shape[mask.rank - 1]} frames, the STFT of wave ${fmt(wave.shape)} has ${nFrames}`,
      );
    const lin = scale === 'linear' ? mask : matmul(melTensor(wave.engine, melOpts, 'toLinear'), mask);
    return istft(mul(re, lin), mul(im, lin), { ...stftOpts, length });
  });
}
