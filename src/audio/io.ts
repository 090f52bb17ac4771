/**
 * Browser-safe audio I/O: WAV decoding/encoding, resampling, batching. The Node-only file and
 * dataset loaders live in ./load.ts (they import node:fs) and are exported on their own subpath.
 */
export { decodeWav, encodeWav, type DecodedAudio, type EncodeWavOptions } from './wav.js';
export { resample, resampleFilter, type ResampleOptions, type ResampleQuality, type ResampleFilter } from './resample.js';
export { toBatch } from './batch.js';
export { AudioDecodeError } from './errors.js';
