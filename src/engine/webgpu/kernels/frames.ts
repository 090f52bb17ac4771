/**
 * Framing kernels of the audio front end (shaders/frames.wgsl): `frame` cuts overlapping frames
 * out of rows in one strided gather, `overlapAdd` is its adjoint written as a gather over the
 * frames covering each output sample (no atomics). One dispatch each.
 */
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';

/**
 * x [B, L] → [B, nFrames, frameLength], out[b, f, j] = x[b, f * hop + j] of the rows padded by
 * `center` samples on both sides ('reflect' or zeros), read in place: framing a centred STFT is
 * one pass over the wave instead of a padded copy and then the frames.
 */
export function frame(
  ctx: GpuContext,
  x: GBuf,
  frameLength: number,
  hop: number,
  center = 0,
  centerMode: 'reflect' | 'constant' = 'constant',
): GpuStorage {
  const [batch, length] = x.shape;
  const padded = length + 2 * center;
  const nFrames = padded < frameLength ? 0 : Math.floor((padded - frameLength) / hop) + 1;
  const geometry = { center, reflect: centerMode === 'reflect' ? 1 : 0 };
  const n = batch * nFrames * frameLength;
  const out = output(ctx, n);
  if (n === 0) return out;
  const maxDim = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (nFrames <= maxDim && batch <= maxDim) {
    // One workgroup row per frame: no index division (see frame3).
    ctx.dispatch('frames', {
      entry: 'frame3',
      uniforms: { n, length, frameLength, hop, nFrames, ...geometry },
      buffers: { x: x.storage, out },
      workgroups: [groups(frameLength), nFrames, batch],
    });
    return out;
  }
  ctx.dispatch('frames', {
    entry: 'frame',
    uniforms: { n, length, frameLength, hop, nFrames, ...geometry },
    buffers: { x: x.storage, out },
    workgroups: groups(n),
  });
  return out;
}

/** frames [B, nFrames, frameLength] → [B, length], summing the frames that cover each sample. */
export function overlapAdd(ctx: GpuContext, frames: GBuf, hop: number, length: number): GpuStorage {
  const [batch, nFrames, frameLength] = frames.shape;
  const n = batch * length;
  const out = output(ctx, n);
  if (n === 0) return out;
  ctx.dispatch('frames', {
    entry: 'overlapAdd',
    uniforms: { n, length, frameLength, hop, nFrames },
    buffers: { x: frames.storage, out },
    workgroups: groups(n),
  });
  return out;
}
