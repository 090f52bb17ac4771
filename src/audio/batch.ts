/**
 * Stacks equal-length clips into one [N, L] tensor (browser-safe: no Node imports).
 */
import { type Engine, ShapeError, type Tensor, ValueError } from '../engine/index.js';

/**
 * A float32 tensor of shape [clips.length, L] holding the clips row by row. Every clip must have
 * the same length L (load them with a `duration` to crop or pad them to one length).
 */
export function toBatch(engine: Engine, clips: readonly Float32Array[]): Tensor {
  if (!Array.isArray(clips))
    throw new ValueError(`toBatch: clips: expected an array of Float32Array, got ${Object.prototype.toString.call(clips).slice(8, -1)}`);
  if (clips.length === 0) throw new ValueError('toBatch: clips: is empty; need at least one clip');
  clips.forEach((c, i) => {
    if (!(c instanceof Float32Array))
      throw new ValueError(`toBatch: clips[${i}]: expected a Float32Array, got ${Object.prototype.toString.call(c).slice(8, -1)}`);
  });
  const len = clips[0].length;
  if (len === 0) throw new ShapeError('toBatch: clips[0] is empty (0 samples)');
  clips.forEach((c, i) => {
    if (c.length !== len) {
      throw new ShapeError(
        `toBatch: clips[${i}] has ${c.length} samples but clips[0] has ${len}; all clips must have one length (load them with a duration to crop or pad)`,
      );
    }
  });
  const data = new Float32Array(clips.length * len);
  clips.forEach((c, i) => data.set(c, i * len));
  return engine.tensor(data, [clips.length, len]);
}
