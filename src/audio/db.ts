/**
 * Decibels and per-clip normalisation, differentiable.
 *
 * amplitudeToDb follows torchaudio.functional.amplitude_to_DB / transforms.AmplitudeToDB:
 *   db = multiplier * log10(max(x, amin)) - multiplier * log10(max(amin, ref)),
 * multiplier 10 for power, 20 for magnitude; with topDb, db = max(db, peak - topDb) where the peak
 * is, exactly as torchaudio: the max over the whole tensor for rank <= 3 (a batch [B, mels, frames]
 * is packed as channels of ONE example, so the whole batch shares one peak), and over the last
 * three axes per leading index for rank >= 4 ([B, C, mels, frames]: one peak per example).
 * `topDbPerExample: true` takes one peak per example of a [B, mels, frames] batch instead
 * (librosa's per-clip behaviour).
 */
import { parseOptions, withSnakeCase } from '../util/options.js';
import {
  add,
  affine,
  checkFloat,
  checkNumber,
  clamp,
  div,
  log,
  max,
  maximum,
  mean,
  mul,
  sqrt,
  sub,
  type Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';

export interface AmplitudeToDbOptions {
  /** 'power' (default; multiplier 10) or 'magnitude' (multiplier 20). */
  stype?: 'power' | 'magnitude';
  /** Floor of x before the logarithm (default 1e-10). */
  amin?: number;
  /** Reference value: 0 dB at max(amin, ref) (default 1). */
  ref?: number;
  /** Clip to this many dB below the peak (default: no clipping). */
  topDb?: number;
  /** With topDb: one peak per example (axis 0) for rank >= 3 instead of torchaudio's rule. */
  topDbPerExample?: boolean;
}

/** The axes of the topDb peak (see the module note). */
export function topDbAxes(rank: number, perExample: boolean): number[] {
  const all = Array.from({ length: rank }, (_, i) => i);
  if (perExample) return rank <= 2 ? all : all.slice(1);
  return rank <= 3 ? all : all.slice(rank - 3);
}

/** Checked decibel parameters of AmplitudeToDbOptions (shared with logMel's fused path). */
export interface DbParams {
  /** 10 (power) or 20 (magnitude). */
  multiplier: number;
  amin: number;
  ref: number;
  topDb: number | undefined;
  topDbPerExample: boolean;
}

/** Validates AmplitudeToDbOptions (errors name `fname`). */
export function dbParams(options: AmplitudeToDbOptions, fname: string): DbParams {
  const stype = options.stype ?? 'power';
  if (stype !== 'power' && stype !== 'magnitude')
    throw new ValueError(`${fname}: stype must be 'power' or 'magnitude', got ${String(stype)}`);
  const amin = checkNumber(options.amin ?? 1e-10, 'amin', fname);
  if (!(amin > 0)) throw new ValueError(`${fname}: amin must be > 0, got ${amin}`);
  const ref = checkNumber(options.ref ?? 1, 'ref', fname);
  if (!(ref > 0)) throw new ValueError(`${fname}: ref must be > 0, got ${ref}`);
  const topDb = options.topDb;
  if (topDb !== undefined && checkNumber(topDb, 'topDb', fname) < 0) throw new ValueError(`${fname}: topDb must be >= 0, got ${topDb}`);
  return { multiplier: stype === 'power' ? 10 : 20, amin, ref, topDb, topDbPerExample: !!options.topDbPerExample };
}

/** max(db, peak - topDb) with the peak over topDbAxes (see the module note); db unchanged without topDb. */
export function clipTopDb(db: Tensor, p: DbParams): Tensor {
  if (p.topDb === undefined || db.rank === 0) return db;
  const peak = max(db, topDbAxes(db.rank, p.topDbPerExample), true);
  return maximum(db, affine(peak, 1, -p.topDb));
}

/** Power or magnitude to decibels (torchaudio AmplitudeToDB semantics, differentiable). */
export function amplitudeToDb(x: Tensor, options: AmplitudeToDbOptions = {}): Tensor {
  const fname = 'amplitudeToDb';
  checkFloat(x, 'x', fname);
  // torchaudio's AmplitudeToDB names (top_db) and librosa's ref_value are accepted.
  const o = parseOptions<AmplitudeToDbOptions>(
    options,
    withSnakeCase(['stype', 'amin', 'ref', 'topDb', 'topDbPerExample'], { ref: ['refValue', 'ref_value'] }),
    fname,
  );
  const p = dbParams(o, fname);
  const mult = p.multiplier;
  return tidy(() => {
    // multiplier * log10(v) = (multiplier / ln 10) * ln(v), minus the reference in one affine.
    const db = affine(log(clamp(x, p.amin)), mult / Math.LN10, -mult * Math.log10(Math.max(p.amin, p.ref)));
    return clipTopDb(db, p);
  });
}

export interface NormalizeOptions {
  /** Added to the standard deviation (default 1e-8). */
  eps?: number;
  /** Divide the variance by n - 1 (torch's default std) instead of n (numpy's; default false). */
  unbiased?: boolean;
}

/**
 * (x - mean) / (std + eps) per clip: over all axes for x of rank <= 2 ([mels, frames], one clip),
 * over all axes but the first for rank >= 3 ([B, mels, frames], [B, 1, mels, frames]).
 * Differentiable (the mean and std are functions of x).
 */
export function normalizePerClip(x: Tensor, options: NormalizeOptions = {}): Tensor {
  const fname = 'normalizePerClip';
  checkFloat(x, 'x', fname);
  options = parseOptions<NormalizeOptions>(options, { eps: [], unbiased: [] }, fname);
  const eps = checkNumber(options.eps ?? 1e-8, 'eps', fname);
  if (eps < 0) throw new ValueError(`${fname}: eps must be >= 0, got ${eps}`);
  const all = Array.from({ length: x.rank }, (_, i) => i);
  const axes = x.rank <= 2 ? all : all.slice(1);
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  return tidy(() => {
    const c = sub(x, mean(x, axes, true));
    let v = mean(mul(c, c), axes, true);
    if (options.unbiased && n > 1) v = affine(v, n / (n - 1), 0);
    return div(c, add(sqrt(v), eps));
  });
}
