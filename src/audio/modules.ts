/**
 * The front end as nn modules, so a waveform model is one nn.Sequential whose layers have names:
 *
 *   const model = new nn.Sequential(engine, [
 *     ['logmel', new audio.LogMel(engine, { nMels: 64 })],   // wave [B, L] → [B, 1, 64, frames]
 *     ['norm', new audio.Normalize(engine)],                   // per clip (x - mean) / std
 *     ['cnn', cnn],                                            // → logits [B, C]
 *   ]);
 *
 * Attribution methods that pick a layer by name (Grad-CAM: 'cnn.conv3') then work on the
 * waveform model, and the model's input is the waveform. Neither module has parameters or
 * buffers, so the cnn's state_dict keys only gain the 'cnn.' prefix.
 */
import { affine, checkFloat, fmt, reshape, ShapeError, type Engine, type Tensor, tidy, ValueError } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { parseOptions } from '../util/options.js';
import { normalizePerClip } from './db.js';
import { logMelChecked, parseLogMelOptions, type LogMelOptions } from './logmel.js';

export interface LogMelModuleOptions extends LogMelOptions {
  /** Insert a channel axis: [B, L] → [B, 1, nMels, frames] for a 2-D CNN (default true); false gives [B, nMels, frames]. */
  channelAxis?: boolean;
}

/**
 * audio.logMel as a module: wave [B, L] → [B, 1, nMels, frames] (or [B, nMels, frames] with
 * channelAxis: false), differentiable with respect to the wave. Options as logMel's (torchaudio
 * spellings accepted), checked once here.
 */
export class LogMel extends Module {
  /** The parsed log-mel options (canonical keys). */
  readonly options: Readonly<LogMelOptions>;
  readonly channelAxis: boolean;

  constructor(engine: Engine, options: LogMelModuleOptions = {}) {
    super(engine);
    const { channelAxis, ...rest } = (options ?? {}) as LogMelModuleOptions;
    if (channelAxis !== undefined && typeof channelAxis !== 'boolean')
      throw new ValueError(`LogMel: channelAxis must be true or false, got ${String(channelAxis)}`);
    this.channelAxis = channelAxis ?? true;
    this.options = Object.freeze(parseLogMelOptions(rest, 'LogMel'));
  }

  forward(wave: Tensor): Tensor {
    checkFloat(wave, 'wave', 'LogMel');
    if (wave.rank !== 2)
      throw new ShapeError(
        `LogMel: expected a batch of waveforms [B, samples], got ${fmt(wave.shape)}${wave.rank === 1 ? ' (add a batch axis: reshape(wave, [1, -1]))' : ''}`,
      );
    return tidy(() => {
      const m = logMelChecked(wave, this.options, 'LogMel');
      return this.channelAxis ? reshape(m, [m.shape[0], 1, m.shape[1], m.shape[2]]) : m;
    });
  }
}

export interface NormalizeModuleOptions {
  /** Fixed mean subtracted (e.g. the training set's); omit both mean and std for per-clip statistics. */
  mean?: number;
  /** Fixed standard deviation divided by (> 0). */
  std?: number;
  /** Per-clip mode: added to the standard deviation (default 1e-8). */
  eps?: number;
  /** Per-clip mode: divide the variance by n - 1 (default false). */
  unbiased?: boolean;
}

/**
 * Normalisation as a module: (x - mean) / std with fixed statistics, or per clip
 * (normalizePerClip: over every axis but the batch axis) when neither is given. Note that the
 * per-clip form makes the model scale-invariant: a zero (silence) baseline then sits on a plateau
 * and integrated gradients do not complete; use audio.baselines.noise or a blurred baseline.
 */
export class Normalize extends Module {
  readonly mean: number | null;
  readonly std: number | null;
  readonly eps: number | undefined;
  readonly unbiased: boolean | undefined;

  constructor(engine: Engine, options: NormalizeModuleOptions = {}) {
    super(engine);
    const o = parseOptions<NormalizeModuleOptions>(options, { mean: [], std: [], eps: [], unbiased: [] }, 'Normalize');
    if ((o.mean === undefined) !== (o.std === undefined))
      throw new ValueError('Normalize: give both mean and std (fixed statistics) or neither (per clip)');
    if (o.mean !== undefined && (typeof o.mean !== 'number' || !Number.isFinite(o.mean)))
      throw new ValueError(`Normalize: mean must be a finite number, got ${String(o.mean)}`);
    if (o.std !== undefined && (typeof o.std !== 'number' || !(o.std > 0) || !Number.isFinite(o.std)))
      throw new ValueError(`Normalize: std must be a finite number > 0, got ${String(o.std)}`);
    if (o.mean !== undefined && (o.eps !== undefined || o.unbiased !== undefined))
      throw new ValueError('Normalize: eps and unbiased apply to per-clip statistics, not to a fixed mean and std');
    this.mean = o.mean ?? null;
    this.std = o.std ?? null;
    this.eps = o.eps;
    this.unbiased = o.unbiased;
  }

  forward(x: Tensor): Tensor {
    checkFloat(x, 'x', 'Normalize');
    if (this.mean !== null && this.std !== null) return affine(x, 1 / this.std, -this.mean / this.std);
    if (x.rank < 2) throw new ShapeError(`Normalize: expected a batch [B, ...], got ${fmt(x.shape)}`);
    // Rank 2 ([B, features]) must still be per row, which normalizePerClip does only for rank >= 3.
    return tidy(() => {
      const x3 = x.rank === 2 ? reshape(x, [x.shape[0], 1, x.shape[1]]) : x;
      const y = normalizePerClip(x3, { eps: this.eps, unbiased: this.unbiased });
      return x.rank === 2 ? reshape(y, x.shape) : y;
    });
  }
}
