/**
 * Option specs of the audio front end, with the torchaudio spellings accepted as aliases
 * (`n_fft`, `hop_length`, `win_length`, `f_min`, `f_max`, `n_mels`, `sample_rate`, `top_db`, ...),
 * and the documented upper bounds of the front end's sizes. Every public front-end function parses
 * its options through parseOptions (src/util/options.ts), so an unknown key is a ValueError naming
 * the nearest known one instead of being silently ignored.
 */
import { ValueError } from '../engine/index.js';
import { type OptionSpec, parseOptions, positiveInt, withSnakeCase } from '../util/options.js';

/** Largest nFft / winLength accepted (2^16 samples: 4 s at 16 kHz; a DFT basis or FFT plan past this is not a front end). */
export const MAX_N_FFT = 65536;
/** Largest hop accepted, in samples (2^24). */
export const MAX_HOP = 1 << 24;
/** Longest audio a front-end call produces, in samples (2^28: 4.6 hours at 16 kHz, 1 GiB of float32). */
export const MAX_AUDIO_SAMPLES = 2 ** 28;
/** Highest sample rate accepted by the resampler and the loaders, in Hz. */
export const MAX_SAMPLE_RATE = 768000;
/** Largest number of mel bands accepted. */
export const MAX_N_MELS = 4096;

const STFT_KEYS = ['nFft', 'hop', 'winLength', 'window', 'periodic', 'center', 'padMode', 'onesided', 'normalized', 'method'];
/** torchaudio / torch.stft names → ours. */
const STFT_ALIASES = { hop: ['hopLength', 'hop_length'] };

/** stft options (torch.stft names accepted). */
export const STFT_SPEC: OptionSpec = withSnakeCase(STFT_KEYS, STFT_ALIASES);
/** spectrogram options: stft's and power. */
export const SPECTROGRAM_SPEC: OptionSpec = withSnakeCase([...STFT_KEYS, 'power'], STFT_ALIASES);
/** istft options: stft's and length. */
export const ISTFT_SPEC: OptionSpec = withSnakeCase([...STFT_KEYS, 'length'], STFT_ALIASES);

const LOG_MEL_KEYS = [
  'sampleRate',
  'nFft',
  'hop',
  'winLength',
  'window',
  'periodic',
  'center',
  'padMode',
  'nMels',
  'fMin',
  'fMax',
  'melScale',
  'melNorm',
  'power',
  'db',
  'amin',
  'ref',
  'topDb',
  'topDbPerExample',
  'normalize',
  'method',
];
/** torchaudio's MelSpectrogram calls the filterbank normalisation `norm`; AmplitudeToDB's reference `ref_value` (librosa). */
const LOG_MEL_ALIASES = { ...STFT_ALIASES, melNorm: ['norm'], ref: ['refValue', 'ref_value'] };
/** logMel / melSpectrogram / LogMel options (torchaudio names accepted). */
export const LOG_MEL_SPEC: OptionSpec = withSnakeCase([...LOG_MEL_KEYS, 'fused'], LOG_MEL_ALIASES);
/** maskToAudio options: logMel's and maskScale. */
export const MASK_TO_AUDIO_SPEC: OptionSpec = withSnakeCase([...LOG_MEL_KEYS, 'maskScale'], LOG_MEL_ALIASES);

/** Parses options against `spec`; returns canonical keys (see parseOptions). */
export function audioOptions<T>(options: unknown, spec: OptionSpec, fname: string): T {
  return parseOptions<T>(options, spec, fname) as T;
}

/** Checks the front end's size bounds (nFft, winLength, hop, nMels) before any work or allocation. */
export function checkFrontEndSizes(o: { nFft?: unknown; winLength?: unknown; hop?: unknown; nMels?: unknown }, fname: string): void {
  if (o.nFft !== undefined) positiveInt(o.nFft, 'nFft', fname, { max: MAX_N_FFT });
  if (o.winLength !== undefined) positiveInt(o.winLength, 'winLength', fname, { max: MAX_N_FFT });
  if (o.hop !== undefined) positiveInt(o.hop, 'hop', fname, { max: MAX_HOP });
  if (o.nMels !== undefined) positiveInt(o.nMels, 'nMels', fname, { max: MAX_N_MELS });
}

/** A ValueError for a sample rate outside [1, max] Hz. */
export function checkSampleRate(v: unknown, name: string, fname: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new ValueError(`${fname}: ${name}: expected a positive integer sample rate in Hz, got ${String(v)}`);
  if (v > max)
    throw new ValueError(`${fname}: ${name}: at most ${max.toLocaleString('en-US')} Hz is supported, got ${v.toLocaleString('en-US')}`);
  return v;
}
