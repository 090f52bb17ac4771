/**
 * Structural similarity as Quantus's `ssim` similarity function computes it: scikit-image's
 * structural_similarity with its defaults (a uniform win_size⁷ⁿ window over every axis, sample
 * covariance, K1 = 0.01, K2 = 0.03) and data_range = max − min over both arrays together. The
 * mean is taken over the positions whose window lies inside the array (scikit-image crops
 * (win_size − 1)/2 from each border), so no border mode enters. Host-side: attribution maps are
 * read once per metric call and compared here.
 */
import { fmt, ShapeError, Tensor, ValueError } from '../engine/index.js';

export interface SsimOptions {
  /** Side of the uniform window, odd, >= 3 (default 7, scikit-image's default). */
  winSize?: number;
  /** The data range; default max − min over both arrays (as Quantus passes it). */
  dataRange?: number;
}

/** Box means of `v` (shape `shape`) over windows of `w` along every axis ("valid" positions only). */
function boxMean(v: Float64Array, shape: readonly number[], w: number): { data: Float64Array; shape: number[] } {
  let data = v;
  let cur = [...shape];
  for (let ax = 0; ax < cur.length; ax++) {
    const n = cur[ax];
    const m = n - w + 1;
    const inner = cur.slice(ax + 1).reduce((p, q) => p * q, 1);
    const outer = cur.slice(0, ax).reduce((p, q) => p * q, 1);
    const out = new Float64Array(outer * m * inner);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        for (let i = 0; i < m; i++) {
          let s = 0;
          for (let j = 0; j < w; j++) s += data[(o * n + i + j) * inner + k];
          out[(o * m + i) * inner + k] = s / w;
        }
      }
    }
    data = out;
    cur = cur.map((c, i) => (i === ax ? m : c));
  }
  return { data, shape: cur };
}

/**
 * SSIM of two host arrays of the same `shape` (any rank, every side >= winSize). Returns a number
 * in [−1, 1]; NaN when both arrays are one constant (data range 0), as scikit-image.
 */
export function ssimHost(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: readonly number[],
  options: SsimOptions = {},
  fname = 'ssim',
): number {
  const w = options.winSize ?? 7;
  if (!Number.isInteger(w) || w < 3 || w % 2 === 0) throw new ValueError(`${fname}: winSize must be an odd integer >= 3, got ${String(w)}`);
  if (shape.some((s) => s < w)) throw new ShapeError(`${fname}: every side of the maps must be >= winSize ${w}, got ${fmt(shape)}`);
  const n = a.length;
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  let range = options.dataRange;
  if (range === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, x[i], y[i]);
      hi = Math.max(hi, x[i], y[i]);
    }
    range = Math.abs(hi - lo);
  }
  const np = w ** shape.length;
  const covNorm = np / (np - 1);
  const prod = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
  const ux = boxMean(x, shape, w).data;
  const uy = boxMean(y, shape, w).data;
  const uxx = boxMean(prod(x, x), shape, w).data;
  const uyy = boxMean(prod(y, y), shape, w).data;
  const uxy = boxMean(prod(x, y), shape, w).data;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  let s = 0;
  for (let i = 0; i < ux.length; i++) {
    const vx = covNorm * (uxx[i] - ux[i] * ux[i]);
    const vy = covNorm * (uyy[i] - uy[i] * uy[i]);
    const vxy = covNorm * (uxy[i] - ux[i] * uy[i]);
    const a1 = 2 * ux[i] * uy[i] + c1;
    const a2 = 2 * vxy + c2;
    const b1 = ux[i] * ux[i] + uy[i] * uy[i] + c1;
    const b2 = vx + vy + c2;
    s += (a1 * a2) / (b1 * b2);
  }
  return s / ux.length;
}

/**
 * SSIM of two maps (Tensors of the same shape, any rank, e.g. [H, W] attributions), as Quantus's
 * `ssim` similarity function (scikit-image defaults, data range of both maps together). Reads
 * both maps to the host. Returns a number in [−1, 1].
 */
export async function ssim(a: Tensor, b: Tensor, options: SsimOptions = {}): Promise<number> {
  const fname = 'ssim';
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new ValueError(`${fname}: a and b must be Tensors`);
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(`${fname}: a and b must have the same shape, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  return ssimHost(await a.read(), await b.read(), a.shape, options, fname);
}
