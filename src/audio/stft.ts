/**
 * Batched short-time Fourier transform (torch.stft / torchaudio.transforms.Spectrogram
 * conventions): centre padding (reflect by default), overlapping frames (one gather), the
 * window, and a real DFT of every frame, all on the wave's engine and all differentiable with
 * respect to the wave. The DFT is the FFT primitive ('fft') or a matmul with a cached basis that
 * has the window folded in ('matmul'); see dft.ts.
 */
import {
  add,
  affine,
  checkFloat,
  concat,
  type Engine,
  engineOf,
  flip,
  fmt,
  matmul,
  pad,
  permute,
  reshape,
  ShapeError,
  sizeOf,
  slice,
  sqrt,
  square,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { cachedConstant } from './cache.js';
import { checkMethod, dftBasis, rfft, rfftPower, type DftMethod } from './dft.js';
import { frame, frameCentered } from './frames.js';
import { audioOptions, checkFrontEndSizes, SPECTROGRAM_SPEC, STFT_SPEC } from './options.js';
import { isHostWindow, namedWindow, padWindow, type WindowSpec } from './windows.js';

export interface StftOptions {
  /** DFT length (frame length before windowing). */
  nFft: number;
  /** Samples between frames (default floor(nFft / 4), as torch.stft). */
  hop?: number;
  /** Window length, at most nFft (default nFft); a shorter window is zero-padded to nFft, centred. */
  winLength?: number;
  /** 'hann' (default, as torchaudio's Spectrogram), 'hamming', 'rectangular', host values or a Tensor [winLength]. */
  window?: WindowSpec;
  /** Periodic (default) or symmetric named window. */
  periodic?: boolean;
  /** Pad nFft/2 samples on both sides so frame t is centred on sample t * hop (default true). */
  center?: boolean;
  /** Padding of `center`: 'reflect' (default) or 'constant' (zeros). */
  padMode?: 'reflect' | 'constant';
  /** Keep bins 0..nFft/2 (default true) or all nFft bins. */
  onesided?: boolean;
  /** Multiply by nFft^-1/2 (torch's `normalized`; default false). */
  normalized?: boolean;
  /** DFT implementation (default DEFAULT_DFT_METHOD, 'fft'). */
  method?: DftMethod;
}

/** Resolved STFT geometry and window. */
export interface StftPlan {
  nFft: number;
  hop: number;
  winLength: number;
  center: boolean;
  padMode: 'reflect' | 'constant';
  onesided: boolean;
  normalized: boolean;
  method: DftMethod;
  bins: number;
  /** Window padded to nFft with the normalisation folded in, for host windows; else null. */
  hostWindow: Float64Array | null;
  /** Cache key of hostWindow for named windows (null: not cacheable). */
  windowKey: string | null;
  /** A Tensor window as given ([winLength]), else null. */
  tensorWindow: Tensor | null;
}

function posInt(v: unknown, arg: string, fname: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Validates STFT options (shared by stft, istft, logMel and maskToAudio). */
export function resolveStft(fname: string, o: StftOptions): StftPlan {
  if (!o || typeof o !== 'object') throw new ValueError(`${fname}: options must be an object with at least nFft`);
  checkFrontEndSizes(o, fname);
  const nFft = posInt(o.nFft, 'nFft', fname);
  const hop = posInt(o.hop ?? Math.max(1, Math.floor(nFft / 4)), 'hop', fname);
  const winLength = posInt(o.winLength ?? nFft, 'winLength', fname);
  if (winLength > nFft) throw new ValueError(`${fname}: winLength (${winLength}) must not exceed nFft (${nFft})`);
  const padMode = o.padMode ?? 'reflect';
  if (padMode !== 'reflect' && padMode !== 'constant')
    throw new ValueError(`${fname}: padMode must be 'reflect' or 'constant', got ${String(padMode)}`);
  const onesided = o.onesided ?? true;
  const normalized = !!o.normalized;
  const method = checkMethod(o.method, fname);
  const periodic = o.periodic ?? true;
  const w = o.window ?? 'hann';
  let hostWindow: Float64Array | null = null;
  let windowKey: string | null = null;
  let tensorWindow: Tensor | null = null;
  const scale = normalized ? 1 / Math.sqrt(nFft) : 1;
  if (isHostWindow(w)) {
    let values: ArrayLike<number>;
    if (typeof w === 'string') {
      values = namedWindow(w, winLength, periodic);
      windowKey = `${w}:${periodic ? 'p' : 's'}:${winLength}:${nFft}:${normalized ? 'n' : ''}`;
    } else {
      if (typeof w !== 'object' || typeof (w as ArrayLike<number>).length !== 'number')
        throw new ValueError(`${fname}: window must be a name, an array of numbers or a Tensor`);
      values = w;
      if (values.length !== winLength)
        throw new ShapeError(`${fname}: window has ${values.length} values, expected winLength = ${winLength}`);
    }
    hostWindow = padWindow(values, nFft);
    if (scale !== 1) for (let i = 0; i < nFft; i++) hostWindow[i] *= scale;
  } else {
    checkFloat(w, 'window', fname);
    if (w.rank !== 1 || w.shape[0] !== winLength)
      throw new ShapeError(`${fname}: window must be a Tensor [${winLength}] (winLength), got ${fmt(w.shape)}`);
    tensorWindow = w;
  }
  return {
    nFft,
    hop,
    winLength,
    center: o.center ?? true,
    padMode,
    onesided,
    normalized,
    method,
    bins: onesided ? Math.floor(nFft / 2) + 1 : nFft,
    hostWindow,
    windowKey,
    tensorWindow,
  };
}

/** The window as a tensor [nFft] on `engine` (padded and normalised), and whether the caller must dispose it. */
export function windowTensor(engine: Engine, plan: StftPlan): { w: Tensor; owned: boolean } {
  if (plan.tensorWindow) {
    const tw = plan.tensorWindow;
    const left = Math.floor((plan.nFft - plan.winLength) / 2);
    let w = plan.nFft === plan.winLength ? tw : pad(tw, [[left, plan.nFft - plan.winLength - left]]);
    if (plan.normalized) w = affine(w, 1 / Math.sqrt(plan.nFft), 0);
    return { w, owned: w !== tw };
  }
  const hw = plan.hostWindow!;
  if (plan.windowKey) return { w: cachedConstant(engine, `window:${plan.windowKey}`, [plan.nFft], () => hw), owned: false };
  return { w: engine.tensor(hw, [plan.nFft]), owned: true };
}

/**
 * Pads rows x [B, L] by p samples on both sides: mirrored without the edge sample (numpy /
 * torch 'reflect', p < L) or zeros. Built as one concat of the two mirrored (or zero) edges and x:
 * on lavapipe that is half the time of the general pad kernel, and it is differentiable the same.
 */
export function centerPad(x: Tensor, p: number, mode: 'reflect' | 'constant'): Tensor {
  if (p === 0) return x;
  const [b, length] = x.shape;
  if (mode === 'reflect') {
    const left = flip(slice(x, [0, 1], [b, p]), 1);
    const right = flip(slice(x, [0, length - p - 1], [b, p]), 1);
    return concat([left, x, right], 1);
  }
  const z = x.engine.zeros([b, p]);
  return concat([z, x, z], 1);
}

/** Checks a wave [..., L] against an STFT plan (float, rank >= 1, same engine as a Tensor window, long enough). */
export function checkWave(wave: Tensor, plan: StftPlan, fname: string): void {
  checkFloat(wave, 'wave', fname);
  if (wave.rank < 1) throw new ShapeError(`${fname}: wave must be [..., samples], got a scalar`);
  if (plan.tensorWindow) engineOf(fname, wave, plan.tensorWindow);
  const length = wave.shape[wave.rank - 1];
  const p = plan.center ? Math.floor(plan.nFft / 2) : 0;
  if (plan.center && plan.padMode === 'reflect' && p >= length && p > 0) {
    throw new ShapeError(`${fname}: reflect padding by nFft/2 = ${p} needs more than ${p} samples, wave ${fmt(wave.shape)} has ${length}`);
  }
  if (length + 2 * p < plan.nFft)
    throw new ShapeError(`${fname}: wave ${fmt(wave.shape)} is shorter than nFft = ${plan.nFft}${plan.center ? ' after padding' : ''}`);
}

/** Frames of the (centre-padded) wave: wave [..., L] → { frames [B, nFrames, nFft], lead }. */
export function stftFrames(wave: Tensor, plan: StftPlan, fname: string): { frames: Tensor; lead: number[] } {
  checkWave(wave, plan, fname);
  const lead = wave.shape.slice(0, -1);
  const length = wave.shape[wave.rank - 1];
  const x = reshape(wave, [sizeOf(lead), length]);
  const p = plan.center ? Math.floor(plan.nFft / 2) : 0;
  // The centre padding is read in place by the framing pass (frameCentered), never copied.
  return { frames: p > 0 ? frameCentered(x, plan.nFft, plan.hop, p, plan.padMode) : frame(x, plan.nFft, plan.hop), lead };
}

/** Windowed DFT of frames [B, F, nFft] → { re, im } [B, F, bins]. */
export function framesSpectrum(frames: Tensor, plan: StftPlan): { re: Tensor; im: Tensor } {
  const e = frames.engine;
  const { nFft, bins } = plan;
  if (plan.method === 'matmul' && plan.windowKey) {
    const row = plan.hostWindow!;
    const scales = { key: plan.windowKey, row };
    return { re: matmul(frames, dftBasis(e, 'cos', nFft, bins, scales)), im: matmul(frames, dftBasis(e, 'msin', nFft, bins, scales)) };
  }
  const { w, owned } = windowTensor(e, plan);
  // FFT: the window is fused into the kernel; matmul with a Tensor window: multiplied first.
  const out = rfft(frames, { bins, method: plan.method, window: w });
  if (owned) w.dispose();
  return out;
}

/** Power (2) or magnitude (1) spectrum of frames [B, F, nFft] → [B, F, bins]; one FFT kernel with 'fft'. */
export function framesPower(frames: Tensor, plan: StftPlan, power: 1 | 2): Tensor {
  if (plan.method !== 'fft') {
    const { re, im } = framesSpectrum(frames, plan);
    return spectrumPower(re, im, power);
  }
  const { w, owned } = windowTensor(frames.engine, plan);
  const p = rfftPower(frames, { bins: plan.bins, method: 'fft', window: w });
  if (owned) w.dispose();
  return power === 2 ? p : sqrt(p);
}

/** [B, F, bins] → [...lead, bins, F]. */
export function toTorchLayout(t: Tensor, lead: readonly number[]): Tensor {
  const p = permute(t, [0, 2, 1]);
  return reshape(p, [...lead, t.shape[2], t.shape[1]]);
}

/**
 * STFT of wave [..., L] (or [L]) → { re, im }. torch.stft's spellings are accepted (`n_fft`,
 * `hop_length`/`hopLength`, `win_length`, `pad_mode`); unknown keys throw a ValueError naming the
 * nearest known one; nFft and winLength ≤ 65,536 and hop ≤ 2^24 samples. Result, each [..., nFreq, frames] (torch.stft's layout; a
 * 1-D wave gives [nFreq, frames]), nFreq = nFft/2 + 1 when onesided. frames = 1 + floor((L + 2 *
 * floor(nFft/2) - nFft) / hop) with center, 1 + floor((L - nFft) / hop) without.
 */
export function stft(wave: Tensor, options: StftOptions): { re: Tensor; im: Tensor } {
  const plan = resolveStft('stft', audioOptions<StftOptions>(options, STFT_SPEC, 'stft'));
  return tidy(() => {
    const { frames, lead } = stftFrames(wave, plan, 'stft');
    const { re, im } = framesSpectrum(frames, plan);
    return { re: toTorchLayout(re, lead), im: toTorchLayout(im, lead) };
  });
}

/** |X|^2 = re^2 + im^2 (power 2) or |X| (power 1), elementwise. */
export function spectrumPower(re: Tensor, im: Tensor, power: 1 | 2): Tensor {
  const p2 = add(square(re), square(im));
  return power === 2 ? p2 : sqrt(p2);
}

export interface SpectrogramOptions extends StftOptions {
  /** 2 (power, default) or 1 (magnitude). */
  power?: 1 | 2;
}

/** Power (or magnitude) spectrogram [..., nFreq, frames] of wave [..., L] (torchaudio Spectrogram). */
export function spectrogram(wave: Tensor, options: SpectrogramOptions): Tensor {
  const o = audioOptions<SpectrogramOptions>(options, SPECTROGRAM_SPEC, 'spectrogram');
  const power = o.power ?? 2;
  if (power !== 1 && power !== 2) throw new ValueError(`spectrogram: power must be 1 or 2, got ${String(power)}`);
  const plan = resolveStft('spectrogram', o);
  return tidy(() => {
    const { frames, lead } = stftFrames(wave, plan, 'spectrogram');
    return toTorchLayout(framesPower(frames, plan, power), lead);
  });
}
