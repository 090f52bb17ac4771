/**
 * The CPU reference (float64) of the fused mel spectrogram (Backend.stftMel), written as the
 * unfused steps it replaces: frames (frameKernel), the windowed real DFT (rfftKernel), |X|^2 or
 * |X|, the dense product with the filterbank over every bin, and the decibels. It is the oracle
 * of the WebGPU kernel (shaders/stft_mel.wgsl), which reads only each mel's non-zero band.
 */
import type { StftMelParams } from '../backend.js';
import { rfftKernel } from './fft.js';
import { frameKernel } from './frames.js';

/** x [batch, length] → [batch, nMels, nFrames] (see Backend.stftMel); fb [bins, nMels]. */
export function stftMelKernel(
  x: ArrayLike<number>,
  batch: number,
  length: number,
  window: ArrayLike<number> | null,
  fb: ArrayLike<number>,
  bins: number,
  nMels: number,
  o: StftMelParams,
): Float64Array {
  const n = o.nFft;
  const frames = frameKernel(x, batch, length, n, o.hop, o.center, o.centerMode === 'reflect');
  const rows = frames.length / n;
  const nFrames = batch === 0 ? 0 : rows / batch;
  const [re, im] = rfftKernel(frames, n, bins, window);
  const out = new Float64Array(rows * nMels);
  const level = new Float64Array(bins);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < bins; k++) {
      const pw = re[r * bins + k] ** 2 + im[r * bins + k] ** 2;
      level[k] = o.magnitude ? Math.sqrt(pw) : pw;
    }
    const b = Math.floor(r / nFrames);
    const f = r - b * nFrames;
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += level[k] * fb[k * nMels + m];
      out[(b * nMels + m) * nFrames + f] = o.db ? o.db.scale * Math.log(Math.max(s, o.db.amin)) + o.db.shift : s;
    }
  }
  return out;
}
