/**
 * The log-mel front end in one differentiable pass on the wave's engine (torchaudio
 * MelSpectrogram + AmplitudeToDB defaults of the genre model): centre reflect padding, one frame
 * gather, the windowed real DFT, power, the mel matmul, decibels, and optionally topDb clipping
 * and per-clip normalisation. No host round trip: only constants (window, basis, filterbank)
 * are uploaded, once per engine.
 *
 * With 'fft' (and `fused`, the default) everything up to the decibels is ONE op, the engine's
 * stftMel (one WebGPU kernel from the wave to the mel values); topDb and normalisation follow
 * as ordinary ops, since they need a peak / moments over the whole result. Unfused 'fft': the
 * window, the FFT and |X|^2 are one kernel (rfftPower). With 'matmul' and power 2
 * the spectrum is never split: Y = frames @ [cos | -sin] (window folded in), P = Y^2,
 * mel^T = P @ [fb; fb], so re^2 + im^2 is summed by the mel matmul.
 */
import { matmul, permute, reshape, square, stftMel, type Tensor, tidy, ValueError } from '../engine/index.js';
import { amplitudeToDb, clipTopDb, dbParams, normalizePerClip, type NormalizeOptions } from './db.js';
import { dftBasis, type DftMethod } from './dft.js';
import { melTensor, type MelFilterbankOptions, type MelScale } from './mel.js';
import { checkWave, framesPower, resolveStft, stftFrames, windowTensor, type StftPlan, type StftOptions } from './stft.js';
import type { WindowSpec } from './windows.js';
import { audioOptions, checkFrontEndSizes, LOG_MEL_SPEC } from './options.js';

export interface LogMelOptions {
  sampleRate?: number;
  /** Default 400. */
  nFft?: number;
  /** Default 160. */
  hop?: number;
  winLength?: number;
  window?: WindowSpec;
  periodic?: boolean;
  center?: boolean;
  padMode?: 'reflect' | 'constant';
  /** Default 64. */
  nMels?: number;
  fMin?: number;
  fMax?: number;
  /** Default 'htk' (torchaudio). */
  melScale?: MelScale;
  /** Default null (torchaudio). */
  melNorm?: null | 'slaney';
  /** 2 (power, default) or 1 (magnitude; decibels then use multiplier 20). */
  power?: 1 | 2;
  /** Convert to decibels (default true); false returns the mel spectrogram. */
  db?: boolean;
  amin?: number;
  ref?: number;
  topDb?: number;
  topDbPerExample?: boolean;
  /** Per-clip (x - mean) / (std + eps) after the decibels (default false). */
  normalize?: boolean | NormalizeOptions;
  method?: DftMethod;
  /**
   * With method 'fft' (the default): the whole chain up to the decibels in one op (engine
   * `stftMel`, one WebGPU kernel: default true); false runs the unfused steps (frames, FFT power,
   * mel matmul, transpose, decibels). Both give the same values and gradients (float32 rounding).
   */
  fused?: boolean;
}

/** The defaults: 16 kHz, nFft 400, hop 160, 64 htk mels, periodic Hann, power 2, dB. */
export const LOG_MEL_DEFAULTS = { sampleRate: 16000, nFft: 400, hop: 160, nMels: 64 } as const;

/** STFT options of a log-mel / mask call. */
export function stftOptionsOf(o: LogMelOptions): StftOptions {
  return {
    nFft: o.nFft ?? LOG_MEL_DEFAULTS.nFft,
    hop: o.hop ?? LOG_MEL_DEFAULTS.hop,
    winLength: o.winLength,
    window: o.window,
    periodic: o.periodic,
    center: o.center,
    padMode: o.padMode,
    method: o.method,
  };
}

/** Filterbank options of a log-mel / mask call with nFreqs bins. */
export function melOptionsOf(o: LogMelOptions, nFreqs: number): MelFilterbankOptions {
  const sampleRate = o.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate;
  return {
    nFreqs,
    nMels: o.nMels ?? LOG_MEL_DEFAULTS.nMels,
    sampleRate,
    fMin: o.fMin ?? 0,
    fMax: o.fMax ?? sampleRate / 2,
    scale: o.melScale ?? 'htk',
    norm: o.melNorm ?? null,
  };
}

/**
 * Log-mel spectrogram of wave [..., L] → [..., nMels, frames] (a 1-D wave gives [nMels, frames]),
 * differentiable with respect to the wave. Defaults: see LOG_MEL_DEFAULTS and LogMelOptions.
 * torchaudio's spellings are accepted (`n_fft`, `hop_length`/`hopLength`, `win_length`, `n_mels`,
 * `f_min`, `f_max`, `sample_rate`, `top_db`, `norm`); unknown keys throw a ValueError naming the
 * nearest known one. Sizes are bounded: nFft and winLength ≤ 65,536, hop ≤ 2^24, nMels ≤ 4,096.
 */
export function logMel(wave: Tensor, options: LogMelOptions = {}): Tensor {
  return logMelChecked(wave, parseLogMelOptions(options, 'logMel'), 'logMel');
}

/**
 * Mel spectrogram (power, or magnitude with power 1) of wave [..., L] → [..., nMels, frames]:
 * torchaudio.transforms.MelSpectrogram, i.e. logMel without the decibels.
 */
export function melSpectrogram(
  wave: Tensor,
  options: Omit<LogMelOptions, 'db' | 'amin' | 'ref' | 'topDb' | 'topDbPerExample' | 'normalize'> = {},
): Tensor {
  const o = parseLogMelOptions(options, 'melSpectrogram');
  for (const k of ['db', 'amin', 'ref', 'topDb', 'topDbPerExample', 'normalize'] as const) {
    if (o[k] !== undefined) throw new ValueError(`melSpectrogram: option '${k}' applies to logMel (decibels), not to the mel spectrogram`);
  }
  return logMelChecked(wave, { ...o, db: false }, 'melSpectrogram');
}

/** Strict parse of log-mel options (aliases → canonical keys) with the size bounds checked. */
export function parseLogMelOptions(options: unknown, fname: string): LogMelOptions {
  const o = audioOptions<LogMelOptions>(options, LOG_MEL_SPEC, fname);
  checkFrontEndSizes(o, fname);
  return o;
}

/** logMel on options already parsed by parseLogMelOptions. */
export function logMelChecked(wave: Tensor, options: LogMelOptions, fname: string): Tensor {
  const power = options.power ?? 2;
  if (power !== 1 && power !== 2) throw new ValueError(`${fname}: power must be 1 or 2, got ${String(power)}`);
  if (options.db !== undefined && typeof options.db !== 'boolean')
    throw new ValueError(`${fname}: db must be true or false, got ${String(options.db)}`);
  if (options.fused !== undefined && typeof options.fused !== 'boolean')
    throw new ValueError(`${fname}: fused must be true or false, got ${String(options.fused)}`);
  const plan = resolveStft(fname, stftOptionsOf(options));
  const melOpts = melOptionsOf(options, plan.bins);
  if (plan.method === 'fft' && options.fused !== false) return fusedLogMel(wave, options, plan, melOpts, power, fname);
  return tidy(() => {
    const { frames, lead } = stftFrames(wave, plan, fname);
    const e = frames.engine;
    // Mel^T [B, F, nMels] = power [B, F, bins] @ fb [bins, nMels], then one transpose of the small result.
    let melT: Tensor;
    if (plan.method === 'matmul' && power === 2 && plan.windowKey) {
      const y = matmul(frames, dftBasis(e, 'cs', plan.nFft, plan.bins, { key: plan.windowKey, row: plan.hostWindow! }));
      melT = matmul(square(y), melTensor(e, melOpts, 'fb2'));
    } else {
      melT = matmul(framesPower(frames, plan, power), melTensor(e, melOpts, 'fb'));
    }
    const mel = reshape(permute(melT, [0, 2, 1]), [...lead, melT.shape[2], melT.shape[1]]);
    let out =
      options.db === false
        ? mel
        : amplitudeToDb(mel, {
            stype: power === 2 ? 'power' : 'magnitude',
            amin: options.amin,
            ref: options.ref,
            topDb: options.topDb,
            topDbPerExample: options.topDbPerExample,
          });
    if (options.normalize) out = normalizePerClip(out, options.normalize === true ? {} : options.normalize);
    return out;
  });
}

/** logMel's fused path: one stftMel op, then topDb clipping and normalisation when asked. */
function fusedLogMel(
  wave: Tensor,
  options: LogMelOptions,
  plan: StftPlan,
  melOpts: MelFilterbankOptions,
  power: 1 | 2,
  fname: string,
): Tensor {
  const withDb = options.db !== false;
  const db = withDb
    ? dbParams(
        {
          stype: power === 2 ? 'power' : 'magnitude',
          amin: options.amin,
          ref: options.ref,
          topDb: options.topDb,
          topDbPerExample: options.topDbPerExample,
        },
        'amplitudeToDb',
      )
    : null;
  checkWave(wave, plan, fname);
  return tidy(() => {
    const e = wave.engine;
    const { w, owned } = windowTensor(e, plan);
    let out = stftMel(wave, {
      nFft: plan.nFft,
      hop: plan.hop,
      center: plan.center ? Math.floor(plan.nFft / 2) : 0,
      padMode: plan.padMode,
      window: w,
      filterbank: melTensor(e, melOpts, 'fb'),
      power,
      db: db ? { multiplier: db.multiplier, amin: db.amin, ref: db.ref } : null,
    });
    if (owned) w.dispose();
    if (db) out = clipTopDb(out, db);
    if (options.normalize) out = normalizePerClip(out, options.normalize === true ? {} : options.normalize);
    return out;
  });
}
