/**
 * Errors of the audio floor. `AudioDecodeError` is thrown by the WAV decoder and the file
 * loaders; like every error users see it extends AuralensError (from the engine's face), so
 * `catch (e) { if (e instanceof AuralensError) ... }` covers it.
 */
import { AuralensError } from '../engine/index.js';

/**
 * An audio file could not be decoded: truncated, not a RIFF/WAVE file, no or empty data chunk,
 * an unsupported codec (the message names the format tag), or a bad header field.
 */
export class AudioDecodeError extends AuralensError {}
