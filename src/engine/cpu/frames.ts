/** Framing kernels of the CPU reference (float64): overlapping frames and their adjoint, overlap-add. */

/** x [B, L] → [B, nFrames, frameLength], out[b, f, j] = x[b, f * hop + j]. */
export function frameKernel(
  x: ArrayLike<number>,
  batch: number,
  length: number,
  frameLength: number,
  hop: number,
  center = 0,
  reflect = false,
): Float64Array {
  const padded = length + 2 * center;
  const nFrames = padded < frameLength ? 0 : Math.floor((padded - frameLength) / hop) + 1;
  const out = new Float64Array(batch * nFrames * frameLength);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < nFrames; f++) {
      for (let j = 0; j < frameLength; j++) {
        // Position in the unpadded row; the padding mirrors (without the edge) or is zero.
        let t = f * hop + j - center;
        if (reflect) t = t < 0 ? -t : t >= length ? 2 * (length - 1) - t : t;
        out[o++] = t >= 0 && t < length ? x[b * length + t] : 0;
      }
    }
  }
  return out;
}

/**
 * frames [B, nFrames, frameLength] → [B, length]: out[b, t] sums frames[b, f, t - f * hop] over
 * the frames covering t (a gather, in increasing frame order).
 */
export function overlapAddKernel(
  frames: ArrayLike<number>,
  batch: number,
  nFrames: number,
  frameLength: number,
  hop: number,
  length: number,
): Float64Array {
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
