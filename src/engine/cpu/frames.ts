/** Framing kernels of the CPU reference (float64): overlapping frames and their adjoint, overlap-add. */

/** x [B, L] → [B, nFrames, frameLength], out[b, f, j] = x[b, f * hop + j]. */
export function frameKernel(x: ArrayLike<number>, batch: number, length: number, frameLength: number, hop: number): Float64Array {
  const nFrames = length < frameLength ? 0 : Math.floor((length - frameLength) / hop) + 1;
  const out = new Float64Array(batch * nFrames * frameLength);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < nFrames; f++) {
      const s = b * length + f * hop;
      for (let j = 0; j < frameLength; j++) out[o++] = x[s + j];
    }
  }
  return out;
}

/**
 * frames [B, nFrames, frameLength] → [B, length]: out[b, t] sums frames[b, f, t - f * hop] over
 * the frames covering t (a gather, in increasing frame order).
 */
export function overlapAddKernel(frames: ArrayLike<number>, batch: number, nFrames: number, frameLength: number, hop: number, length: number): Float64Array {
  const out = new Float64Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const fb = b * nFrames * frameLength;
    for (let t = 0; t < length; t++) {
      const fLo = t < frameLength ? 0 : Math.floor((t - frameLength) / hop) + 1;
      const fHi = Math.min(nFrames - 1, Math.floor(t / hop));
      let s = 0;
      for (let f = fLo; f <= fHi; f++) s += frames[fb + f * frameLength + (t - f * hop)];
      out[b * length + t] = s;
    }
  }
  return out;
}
