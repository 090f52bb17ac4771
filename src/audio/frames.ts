/**
 * Differentiable framing: `frame` cuts overlapping frames out of the last axis and
 * `overlapAdd` sums frames back into a signal. Each is the other's adjoint, so each one's
 * backward rule is the other (one backend primitive each, see Backend.frame / overlapAdd).
 */
import { add, checkFloat, flip, fmt, isRecording, pad, recordOp, reshape, ShapeError, sizeOf, slice, type Tensor, ValueError, wrap } from '../engine/index.js';

function checkPositiveInt(v: unknown, arg: string, fname: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Number of frames of `frameLength` at `hop` that fit in `length` samples. */
export function frameCount(length: number, frameLength: number, hop: number): number {
  return length < frameLength ? 0 : Math.floor((length - frameLength) / hop) + 1;
}

/**
 * Overlapping frames of the last axis: x [..., L] → [..., nFrames, frameLength] with
 * out[..., f, j] = x[..., f * hop + j] and nFrames = floor((L - frameLength) / hop) + 1
 * (samples after the last whole frame are not used). Needs L >= frameLength.
 * The gradient is overlapAdd of the output gradient.
 */
export function frame(x: Tensor, frameLength: number, hop: number): Tensor {
  const fname = 'frame';
  checkFloat(x, 'x', fname);
  checkPositiveInt(frameLength, 'frameLength', fname);
  checkPositiveInt(hop, 'hop', fname);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis (the samples), got a scalar`);
  const length = x.shape[x.rank - 1];
  if (length < frameLength) throw new ShapeError(`${fname}: x ${fmt(x.shape)} has ${length} samples, fewer than frameLength = ${frameLength}`);
  const lead = x.shape.slice(0, -1);
  const batch = sizeOf(lead);
  const nFrames = frameCount(length, frameLength, hop);
  const e = x.engine;
  const y = wrap(e, e.impl.frame({ storage: x.storage, shape: [batch, length], dtype: 'float32' }, frameLength, hop), [...lead, nFrames, frameLength]);
  if (isRecording()) recordOp('frame', [x], [y], ([g]) => [overlapAdd(g, hop, length)]);
  return y;
}

/**
 * Overlap-add: frames [..., nFrames, frameLength] → [..., length] with
 * out[..., t] = sum of frames[..., f, t - f * hop] over the frames covering t. `length` defaults to
 * (nFrames - 1) * hop + frameLength (every frame whole); a shorter length drops frame samples at
 * or past it, a longer one ends in zeros. The gradient frames the output gradient.
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
  const y = wrap(e, e.impl.overlapAdd({ storage: frames.storage, shape: [batch, nFrames, frameLength], dtype: 'float32' }, hop, len), [...lead, len]);
  if (isRecording()) {
    recordOp('overlapAdd', [frames], [y], ([g], [fr]) => {
      if (nFrames === 0 || frameLength === 0) return [e.zeros(fr.shape)];
      // Frame the gradient over exactly the span the frames cover (zeros past `length`).
      const axis = g.rank - 1;
      let gs = g;
      if (len > covered) {
        const begin = new Array<number>(g.rank).fill(0);
        const size = g.shape.slice();
        size[axis] = covered;
        gs = slice(g, begin, size);
      } else if (len < covered) {
        const pads = g.shape.map((_, i): [number, number] => (i === axis ? [0, covered - len] : [0, 0]));
        gs = pad(g, pads);
      }
      return [frame(gs, frameLength, hop)];
    });
  }
  return y;
}

/**
 * frame() of the last axis after centre padding by `center` samples on both sides: mirrored
 * without the edge sample ('reflect', numpy / torch, needs center < L) or zeros ('constant').
 * x [..., L] → [..., nFrames, frameLength] over the padded length L + 2 * center. The padded wave
 * is never materialised (one backend pass reads it in place; on lavapipe the padded copy cost as
 * much as the framing). The gradient is overlapAdd of the output gradient with the padding folded
 * back onto the samples it mirrors.
 */
export function frameCentered(x: Tensor, frameLength: number, hop: number, center: number, mode: 'reflect' | 'constant'): Tensor {
  const fname = 'frameCentered';
  checkFloat(x, 'x', fname);
  checkPositiveInt(frameLength, 'frameLength', fname);
  checkPositiveInt(hop, 'hop', fname);
  if (!Number.isInteger(center) || center < 0) throw new ValueError(`${fname}: center must be an integer >= 0, got ${String(center)}`);
  if (mode !== 'reflect' && mode !== 'constant') throw new ValueError(`${fname}: mode must be 'reflect' or 'constant', got ${String(mode)}`);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis (the samples), got a scalar`);
  const length = x.shape[x.rank - 1];
  if (mode === 'reflect' && center >= length && center > 0) throw new ShapeError(`${fname}: reflect padding by ${center} needs more than ${center} samples, x ${fmt(x.shape)} has ${length}`);
  const paddedLength = length + 2 * center;
  if (paddedLength < frameLength) throw new ShapeError(`${fname}: x ${fmt(x.shape)} padded by ${center} on both sides has ${paddedLength} samples, fewer than frameLength = ${frameLength}`);
  const lead = x.shape.slice(0, -1);
  const batch = sizeOf(lead);
  const nFrames = frameCount(paddedLength, frameLength, hop);
  const e = x.engine;
  const y = wrap(e, e.impl.frame({ storage: x.storage, shape: [batch, length], dtype: 'float32' }, frameLength, hop, center, mode), [...lead, nFrames, frameLength]);
  if (isRecording()) {
    recordOp(fname, [x], [y], ([g]) => {
      const gp = overlapAdd(g, hop, paddedLength);
      const flat = reshape(gp, [batch, paddedLength]);
      let gx = slice(flat, [0, center], [batch, length]);
      if (mode === 'reflect' && center > 0) {
        // Padded sample i < center mirrors x[center - i]; i >= center + L mirrors x[2 (L - 1) - (i - center)].
        const left = flip(slice(flat, [0, 0], [batch, center]), 1);
        const right = flip(slice(flat, [0, center + length], [batch, center]), 1);
        gx = add(add(gx, pad(left, [[0, 0], [1, length - 1 - center]])), pad(right, [[0, 0], [length - 1 - center, 1]]));
      }
      return [reshape(gx, x.shape)];
    });
  }
  return y;
}
