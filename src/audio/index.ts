/**
 * The differentiable audio front end: framing, windows, STFT (FFT or DFT-matmul), mel
 * filterbanks, decibels, log-mel, inverse STFT and masking back to audio.
 *
 * import { audio } from 'auralens';
 * const feats = audio.logMel(wave); // [B, 64, frames], differentiable to the wave
 */
export { frame, overlapAdd, frameCount } from './frames.js';
export {
  hannWindow,
  hammingWindow,
  rectangularWindow,
  padWindow,
  type WindowName,
  type WindowSpec,
  type WindowOptions,
} from './windows.js';
export { rfft, rfftAdjoint, rfftPower, DEFAULT_DFT_METHOD, type DftMethod, type RfftOptions } from './dft.js';
export { stft, spectrogram, spectrumPower, type StftOptions, type SpectrogramOptions } from './stft.js';
export {
  melFilterbank,
  melScale,
  melCenters,
  melToLinearWeights,
  hzToMel,
  melToHz,
  type MelFilterbankOptions,
  type MelScale,
} from './mel.js';
export { amplitudeToDb, normalizePerClip, type AmplitudeToDbOptions, type NormalizeOptions } from './db.js';
export { logMel, melSpectrogram, parseLogMelOptions, LOG_MEL_DEFAULTS, type LogMelOptions } from './logmel.js';
export { LogMel, Normalize, type LogMelModuleOptions, type NormalizeModuleOptions } from './modules.js';
export { baselines } from './baselines.js';
export { MAX_N_FFT, MAX_HOP, MAX_N_MELS, MAX_AUDIO_SAMPLES, MAX_SAMPLE_RATE } from './options.js';
export { istft, maskToAudio, type IstftOptions, type MaskToAudioOptions } from './istft.js';
export { clearAudioCache } from './cache.js';

// Decoding, encoding, resampling and batching (browser-safe; the Node-only file loaders are
// under 'auralens/node').
export * from './io.js';
