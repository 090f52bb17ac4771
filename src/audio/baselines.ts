/**
 * Baselines (reference inputs) for integrated gradients, occlusion and feature ablation on
 * audio, each shaped like the input it replaces. Which to use:
 *
 * - `silence(x)`: zeros. The natural "absence of sound" for a model whose input is a waveform or
 *   a linear spectrogram, when the model is not scale-invariant. Avoid it through a log-mel with
 *   per-clip normalisation (or any pipeline that normalises the level): silence maps to a
 *   constant at the dB floor, the model is flat along the path's start and IG does not complete
 *   (the convergence delta says so).
 * - `noise(x, { db: -60, seed })`: white Gaussian noise at a level in dB relative to full scale
 *   (RMS 10^(db/20)). "Almost silence" that a log or normalising front end still sees as a
 *   generic, content-free signal; the usual choice for waveform models with such front ends.
 * - `blurred(spec, { sigma: [freq, time] })`: the spectrogram (log-mel) blurred along frequency
 *   and time (Gaussian, in bins and frames). Keeps the overall level and spectral tilt, removes
 *   the fine structure (onsets, harmonics) the attribution should explain (Sturmfels et al.,
 *   "Visualizing the impact of feature attribution baselines", 2020). For spectrogram inputs.
 * - `uniform(x, { low, high, seed })`: independent uniform values (default between min(x) and
 *   max(x), computed on the device). A random baseline; average attributions over several seeds.
 */
import {
  add,
  affine,
  checkFloat,
  conv2d,
  fmt,
  max,
  min,
  mul,
  pad,
  reshape,
  ShapeError,
  sub,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { checkSeed, finiteNumber, parseOptions } from '../util/options.js';

/** Zeros shaped like x (float32 on x's engine). */
export function silence(x: Tensor): Tensor {
  checkFloat(x, 'x', 'baselines.silence');
  return x.engine.zeros(x.shape);
}

/** White Gaussian noise shaped like x with RMS 10^(db/20) (default db -60 dBFS, seed 0). */
export function noise(x: Tensor, options: { db?: number; seed?: number } = {}): Tensor {
  const fname = 'baselines.noise';
  checkFloat(x, 'x', fname);
  const o = parseOptions<{ db: number; seed: number }>(options, { db: ['dB'], seed: [] }, fname);
  const db = finiteNumber(o.db ?? -60, 'db', fname, { max: 0 });
  const seed = checkSeed(o.seed, 'seed', fname);
  return x.engine.randn(x.shape, { seed, mean: 0, std: 10 ** (db / 20) });
}

/** Normalised Gaussian taps of standard deviation sigma (radius ceil(3 sigma), at most maxRadius). */
function gaussianTaps(sigma: number, maxRadius: number): Float32Array {
  const r = Math.max(0, Math.min(Math.ceil(3 * sigma), maxRadius));
  const taps = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += taps[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * spec [..., freq, time] blurred by a Gaussian of standard deviation sigma = [freq bins, time
 * frames] (default [3, 10]; a number blurs both axes alike; 0 leaves an axis as it is), with
 * reflect padding at the edges. Runs on the device (two 1-D convolutions).
 */
export function blurred(spec: Tensor, options: { sigma?: number | readonly [number, number] } = {}): Tensor {
  const fname = 'baselines.blurred';
  checkFloat(spec, 'spec', fname);
  if (spec.rank < 2) throw new ShapeError(`${fname}: spec must be [..., freq, time], got ${fmt(spec.shape)}`);
  const o = parseOptions<{ sigma: number | [number, number] }>(options, { sigma: [] }, fname);
  const s = o.sigma ?? [3, 10];
  const [sf, st] = typeof s === 'number' ? [s, s] : Array.isArray(s) && s.length === 2 ? s : [NaN, NaN];
  finiteNumber(sf, 'sigma[0] (frequency)', fname, { min: 0, max: 1e4 });
  finiteNumber(st, 'sigma[1] (time)', fname, { min: 0, max: 1e6 });
  const h = spec.shape[spec.rank - 2];
  const w = spec.shape[spec.rank - 1];
  return tidy(() => {
    let y = reshape(spec, [-1, 1, h, w]);
    const e = spec.engine;
    if (sf > 0 && h > 1) {
      const k = gaussianTaps(sf, h - 1);
      const r = (k.length - 1) / 2;
      y = conv2d(
        pad(
          y,
          [
            [0, 0],
            [0, 0],
            [r, r],
            [0, 0],
          ],
          { mode: 'reflect' },
        ),
        e.tensor(k, [1, 1, k.length, 1]),
      );
    }
    if (st > 0 && w > 1) {
      const k = gaussianTaps(st, w - 1);
      const r = (k.length - 1) / 2;
      y = conv2d(
        pad(
          y,
          [
            [0, 0],
            [0, 0],
            [0, 0],
            [r, r],
          ],
          { mode: 'reflect' },
        ),
        e.tensor(k, [1, 1, 1, k.length]),
      );
    }
    return reshape(y, spec.shape);
  });
}

/** Uniform values in [low, high) shaped like x (default: x's own min and max, on the device; seed 0). */
export function uniform(x: Tensor, options: { low?: number; high?: number; seed?: number } = {}): Tensor {
  const fname = 'baselines.uniform';
  checkFloat(x, 'x', fname);
  const o = parseOptions<{ low: number; high: number; seed: number }>(options, { low: [], high: [], seed: [] }, fname);
  const seed = checkSeed(o.seed, 'seed', fname);
  if (o.low !== undefined) finiteNumber(o.low, 'low', fname);
  if (o.high !== undefined) finiteNumber(o.high, 'high', fname);
  if (o.low !== undefined && o.high !== undefined && !(o.high >= o.low))
    throw new ValueError(`${fname}: high (${o.high}) must be ≥ low (${o.low})`);
  return tidy(() => {
    const u = x.engine.rand(x.shape, { seed });
    if (o.low !== undefined && o.high !== undefined) return affine(u, o.high - o.low, o.low);
    const lo = o.low !== undefined ? o.low : min(x);
    const hi = o.high !== undefined ? o.high : max(x);
    const span = typeof lo === 'number' && typeof hi === 'number' ? hi - lo : sub(hi, lo);
    return add(mul(u, span), lo);
  });
}

/** The audio baselines (see the module comment for when to use which). */
export const baselines = { silence, noise, blurred, uniform };
