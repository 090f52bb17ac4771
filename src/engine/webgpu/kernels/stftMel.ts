/**
 * The (decibel) mel spectrogram of waves in one dispatch (shaders/stft_mel.wgsl): framing with
 * the centre padding read in place, the window, the real FFT in workgroup memory, |X|^2 (or |X|),
 * the projection on the mel filterbank and the decibels, written straight in the [B, nMels,
 * nFrames] layout. Before it, one tiny dispatch finds each mel's band of non-zero bins in the
 * filterbank, so the projection only visits those (about two multiply-adds per bin).
 *
 * On lavapipe this replaced 7 dispatches (frame gather, FFT, mel matmul, transpose copy, three
 * elementwise dB passes) whose intermediates made up most of the time: see bench/suites/frontend.mjs.
 *
 * Frames too long for workgroup memory (see fft.ts) take the framing and multi-pass FFT kernels
 * into a power spectrum in global memory, then `melEpilogue` projects it: same result, more passes.
 */
import type { StftMelParams } from '../../backend.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';
import { rfftPower, sharedConstants, twiddles } from './fft.js';
import { frame } from './frames.js';

/** x [B, L] → [B, nMels, nFrames] (see Backend.stftMel). */
export function stftMel(ctx: GpuContext, x: GBuf, window: GBuf | null, fb: GBuf, o: StftMelParams): GpuStorage {
  const [batch, length] = x.shape;
  const [bins, nMels] = fb.shape;
  const n = o.nFft;
  const padded = length + 2 * o.center;
  const nFrames = padded < n ? 0 : Math.floor((padded - n) / o.hop) + 1;
  const rows = batch * nFrames;
  const out = output(ctx, rows * nMels);
  if (rows === 0 || nMels === 0) return out;
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  const uniforms = {
    rows,
    n,
    cl,
    bins,
    length,
    hop: o.hop,
    nFrames,
    center: o.center,
    reflect: o.centerMode === 'reflect' ? 1 : 0,
    nMels,
    magnitude: o.magnitude ? 1 : 0,
    db: o.db ? 1 : 0,
    amin: o.db?.amin ?? 0,
    dbScale: o.db?.scale ?? 0,
    dbShift: o.db?.shift ?? 0,
    windowed: window ? 1 : 0,
  };
  const bands = output(ctx, 2 * nMels);
  ctx.dispatch('stft_mel', { entry: 'melBands', uniforms, buffers: { fb: fb.storage, bandsOut: bands }, workgroups: groups(nMels) });
  const shared = sharedConstants(ctx, n);
  if (shared) {
    ctx.dispatch('stft_mel', {
      entry: 'main',
      constants: shared,
      uniforms,
      buffers: { tw: twiddles(ctx, n), x: x.storage, win: window ? window.storage : x.storage, fb: fb.storage, bands, out },
      workgroups: rows,
    });
  } else {
    const frames = frame(ctx, x, n, o.hop, o.center, o.centerMode);
    const power = rfftPower(ctx, { storage: frames, shape: [rows, n], dtype: 'float32' }, n, bins, window);
    ctx.free(frames);
    ctx.dispatch('stft_mel', {
      entry: 'melEpilogue',
      uniforms,
      buffers: { spectrum: power, fb: fb.storage, bands, out },
      workgroups: groups(rows * nMels),
    });
    ctx.free(power);
  }
  ctx.free(bands);
  return out;
}
