/**
 * Real DFTs of the last axis, two interchangeable implementations:
 * - 'fft': the engine's FFT ops (src/engine/ops/signal.ts: the backend's rfft primitive, WebGPU
 *   Stockham FFT / CPU fft.js), whose backward rule is rfftAdjoint (the same kernels run the
 *   other way);
 * - 'matmul': a product with a cos / -sin basis [n, bins] computed once per (engine, n, bins,
 *   window) in float64 and cached; its gradient is matmul's.
 * Both compute X[k] = sum_j x[j] e^(-2 pi i j k / n) for k < bins, unnormalised.
 */
import {
  add,
  checkFloat,
  type Engine,
  engineOf,
  fmt,
  matmul,
  mul,
  rfft as fftRfft,
  rfftAdjoint as fftAdjoint,
  rfftPower as fftPower,
  ShapeError,
  shapesEqual,
  square,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { cachedConstant } from './cache.js';

/** How a DFT is computed: the FFT primitive, or a matmul with a cached basis. */
export type DftMethod = 'fft' | 'matmul';

/**
 * The default DFT method of stft / logMel / istft: 'fft'. Measured with bench/suites/frontend.mjs
 * on lavapipe (2 shared cores), log-mel of 30 s at 16 kHz: FFT 51 ms, DFT-matmul 148 ms (6.5
 * GFLOP/s, near the WGSL matmul ceiling); 64 clips of 3 s: FFT 302 ms, DFT-matmul 865 ms. (Those
 * FFT figures are the unfused chain; logMel's fused stftMel kernel takes about a third of that
 * time, see logmel.ts.)
 */
export const DEFAULT_DFT_METHOD: DftMethod = 'fft';

export function checkMethod(m: unknown, fname: string): DftMethod {
  const v = m ?? DEFAULT_DFT_METHOD;
  if (v !== 'fft' && v !== 'matmul') throw new ValueError(`${fname}: method must be 'fft' or 'matmul', got ${String(m)}`);
  return v;
}

/** cos(2 pi j k / n) and sin(2 pi j k / n), with j k reduced modulo n first (exact angles). */
function cosSin(n: number): [Float64Array, Float64Array] {
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    c[m] = Math.cos((2 * Math.PI * m) / n);
    s[m] = Math.sin((2 * Math.PI * m) / n);
  }
  return [c, s];
}

/**
 * A DFT basis, cached per engine and key. Forward ('cos' / 'msin'): [n, bins] with
 * B[j, k] = rowScale[j] * colScale[k] * (cos | -sin)(2 pi j k / n). Transposed (kind ending in 'T'):
 * [bins, n] with the same entries. rowScale folds a window (forward) or colScale per-bin weights
 * (inverse) into the basis; both default to 1. 'cs' is [n, 2 bins]: the cos columns then the -sin
 * columns.
 */
export function dftBasis(
  engine: Engine,
  kind: 'cos' | 'msin' | 'cs' | 'cosT' | 'msinT',
  n: number,
  bins: number,
  scales: { key: string; row?: ArrayLike<number>; col?: ArrayLike<number>; colIm?: ArrayLike<number> } = { key: '' },
): Tensor {
  const key = `dft:${kind}:${n}:${bins}:${scales.key}`;
  const cols = kind === 'cs' ? 2 * bins : bins;
  const transposed = kind.endsWith('T');
  const shape = transposed ? [bins, n] : [n, cols];
  return cachedConstant(engine, key, shape, () => {
    const [c, s] = cosSin(n);
    const out = new Float64Array(n * cols);
    for (let j = 0; j < n; j++) {
      const rs = scales.row ? scales.row[j] : 1;
      for (let k = 0; k < bins; k++) {
        const m = (j * k) % n;
        const cv = rs * c[m] * (scales.col ? scales.col[k] : 1);
        const sv = -rs * s[m] * (scales.colIm ? scales.colIm[k] : scales.col ? scales.col[k] : 1);
        if (transposed) out[k * n + j] = kind === 'cosT' ? cv : sv;
        else if (kind === 'cs') {
          out[j * cols + k] = cv;
          out[j * cols + bins + k] = sv;
        } else out[j * cols + k] = kind === 'cos' ? cv : sv;
      }
    }
    return out;
  });
}

function checkBins(bins: number, n: number, fname: string): void {
  if (!Number.isInteger(bins) || bins < 1 || bins > n)
    throw new ValueError(`${fname}: bins must be an integer in [1, ${n}], got ${String(bins)}`);
}

/**
 * The power spectrum |rfft(x)|^2 [..., bins] in one kernel ('fft'; the FFT primitive's rfftPower)
 * or as re^2 + im^2 ('matmul'). Its backward rule recomputes re and im (one more FFT) and applies
 * the adjoint to (2 re g, 2 im g).
 */
export function rfftPower(x: Tensor, options: RfftOptions = {}): Tensor {
  const fname = 'rfftPower';
  checkFloat(x, 'x', fname);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis, got a scalar`);
  const n = x.shape[x.rank - 1];
  if (n < 1) throw new ShapeError(`${fname}: the last axis of x ${fmt(x.shape)} is empty`);
  const bins = options.bins ?? Math.floor(n / 2) + 1;
  checkBins(bins, n, fname);
  const method = checkMethod(options.method, fname);
  const w = checkWindow(options.window, n, x, fname);
  if (method === 'matmul') {
    return tidy(() => {
      const r = rfft(x, { bins, method, window: w ?? undefined });
      return add(square(r.re), square(r.im));
    });
  }
  return fftPower(x, { bins, window: w });
}

function checkWindow(w: Tensor | undefined, n: number, like: Tensor, fname: string): Tensor | null {
  if (w === undefined) return null;
  checkFloat(w, 'window', fname);
  engineOf(fname, like, w);
  if (w.rank !== 1 || w.shape[0] !== n) throw new ShapeError(`${fname}: window must be [${n}], got ${fmt(w.shape)}`);
  return w;
}

export interface RfftOptions {
  /** Bins to keep (default n/2 + 1, the onesided spectrum; at most n). */
  bins?: number;
  method?: DftMethod;
  /** A window [n] multiplied into every row first (fused into the FFT kernel; differentiable). */
  window?: Tensor;
}

/**
 * Real DFT of the last axis: x [..., n] → { re, im } [..., bins], X[k] = sum_j x[j] e^(-2 pi i j k / n),
 * unnormalised. Differentiable with respect to x by either method.
 */
export function rfft(x: Tensor, options: RfftOptions = {}): { re: Tensor; im: Tensor } {
  const fname = 'rfft';
  checkFloat(x, 'x', fname);
  if (x.rank < 1) throw new ShapeError(`${fname}: x must have at least one axis, got a scalar`);
  const n = x.shape[x.rank - 1];
  if (n < 1) throw new ShapeError(`${fname}: the last axis of x ${fmt(x.shape)} is empty`);
  const bins = options.bins ?? Math.floor(n / 2) + 1;
  checkBins(bins, n, fname);
  const method = checkMethod(options.method, fname);
  const w = checkWindow(options.window, n, x, fname);
  if (method === 'fft') {
    const [re, im] = fftRfft(x, { bins, window: w });
    return { re, im };
  }
  return tidy(() => {
    const xw = w ? mul(x, w) : x;
    return { re: matmul(xw, dftBasis(x.engine, 'cos', n, bins)), im: matmul(xw, dftBasis(x.engine, 'msin', n, bins)) };
  });
}

/**
 * The adjoint of rfft (the transpose of the real DFT): re, im [..., bins] → y [..., n] with
 * y[j] = w[j] sum_{k < bins} re[k] cos(2 pi j k / n) - im[k] sin(2 pi j k / n) (w: options.window,
 * else 1; fused into the FFT kernel). With the onesided
 * weights of an inverse real DFT folded into re and im it is irfft (see istft).
 */
export function rfftAdjoint(re: Tensor, im: Tensor, n: number, options: { method?: DftMethod; window?: Tensor } = {}): Tensor {
  const fname = 'rfftAdjoint';
  checkFloat(re, 're', fname);
  checkFloat(im, 'im', fname);
  engineOf(fname, re, im);
  if (!shapesEqual(re.shape, im.shape))
    throw new ShapeError(`${fname}: re ${fmt(re.shape)} and im ${fmt(im.shape)} must have the same shape`);
  if (re.rank < 1) throw new ShapeError(`${fname}: re must have at least one axis, got a scalar`);
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`${fname}: n must be a positive integer, got ${String(n)}`);
  const bins = re.shape[re.rank - 1];
  checkBins(bins, n, fname);
  const method = checkMethod(options.method, fname);
  const w = checkWindow(options.window, n, re, fname);
  if (method === 'fft') return fftAdjoint(re, im, n, { window: w });
  return tidy(() => {
    const y = add(matmul(re, dftBasis(re.engine, 'cosT', n, bins)), matmul(im, dftBasis(re.engine, 'msinT', n, bins)));
    return w ? mul(y, w) : y;
  });
}
