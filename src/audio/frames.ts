/**
 * Differentiable framing: `frame` cuts overlapping frames out of the last axis and
 * `overlapAdd` sums frames back into a signal. They are engine ops (src/engine/ops/signal.ts,
 * one backend primitive each, each the other's backward rule); the audio front end offers them
 * here beside STFT and log-mel.
 */
export { frame, frameCount, overlapAdd } from '../engine/index.js';
