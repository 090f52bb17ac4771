/** Synth building blocks, part 3: filters (biquad band-pass, low/high-pass), saturation, mixing, reverb and noise; in-place filters return their argument. @internal */
import type { Rng } from '../../engine/index.js';

export const TWO_PI = 2 * Math.PI;

/** Biquad band-pass state (RBJ cookbook, constant 0 dB peak gain). */
export class BandPass {
  private b0: number;
  private b2: number;
  private a1: number;
  private a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  constructor(sr: number, f: number, q: number) {
    const w = (TWO_PI * Math.min(f, 0.49 * sr)) / sr;
    const alpha = Math.sin(w) / (2 * q);
    const a0 = 1 + alpha;
    this.b0 = alpha / a0;
    this.b2 = -alpha / a0;
    this.a1 = (-2 * Math.cos(w)) / a0;
    this.a2 = (1 - alpha) / a0;
  }
  step(x: number): number {
    const y = this.b0 * x + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

// ---------------------------------------------------------------------------------------------
// Filters and effects (in place)

/** One-pole low-pass at cutoff Hz, in place. */
export function lowpass(x: Float32Array, sr: number, cutoff: number, passes = 1): Float32Array {
  const a = 1 - Math.exp((-TWO_PI * Math.min(cutoff, 0.49 * sr)) / sr);
  for (let p = 0; p < passes; p++) {
    let y = 0;
    for (let i = 0; i < x.length; i++) x[i] = y += a * (x[i]! - y);
  }
  return x;
}

/** One-pole high-pass at cutoff Hz, in place. */
export function highpass(x: Float32Array, sr: number, cutoff: number): Float32Array {
  const a = Math.exp((-TWO_PI * cutoff) / sr);
  let yPrev = 0;
  let xPrev = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const y = a * (yPrev + xi - xPrev);
    xPrev = xi;
    yPrev = y;
    x[i] = y;
  }
  return x;
}

/** Soft clipping tanh(drive·x)/tanh(drive) style saturation, in place. */
export function saturate(x: Float32Array, drive: number): Float32Array {
  const norm = 1 / Math.tanh(drive);
  for (let i = 0; i < x.length; i++) x[i] = Math.tanh(drive * x[i]!) * norm;
  return x;
}

/** Scales so that the peak is at most `peak` (no gain when silent). */
export function normalizePeak(x: Float32Array, peak: number): Float32Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  if (m > 0) {
    const g = peak / m;
    for (let i = 0; i < x.length; i++) x[i]! *= g;
  }
  return x;
}

/** Peak of |x|. */
export function peakOf(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Mixes src·gain into dst. */
export function mixInto(dst: Float32Array, src: Float32Array, gain: number): void {
  for (let i = 0; i < dst.length; i++) dst[i]! += gain * src[i]!;
}

/** A small Schroeder reverb (4 combs, 2 allpasses); wet in 0..1, size scales the delays. */
export function reverb(x: Float32Array, sr: number, wet: number, size = 1): Float32Array {
  if (wet <= 0) return x;
  const combs = [0.0297, 0.0371, 0.0411, 0.0437].map((d) => Math.max(2, Math.round(d * size * sr)));
  const feedback = 0.72 + 0.12 * Math.min(1, size / 1.5);
  const y = new Float32Array(x.length);
  for (const d of combs) {
    const buf = new Float32Array(d);
    let idx = 0;
    let lp = 0;
    for (let i = 0; i < x.length; i++) {
      const out = buf[idx]!;
      lp += 0.4 * (out - lp);
      buf[idx] = x[i]! + feedback * lp;
      idx = idx + 1 === d ? 0 : idx + 1;
      y[i]! += out * 0.25;
    }
  }
  for (const d0 of [0.005, 0.0017]) {
    const d = Math.max(2, Math.round(d0 * sr));
    const buf = new Float32Array(d);
    let idx = 0;
    for (let i = 0; i < y.length; i++) {
      const bufOut = buf[idx]!;
      const v = y[i]! + 0.5 * bufOut;
      buf[idx] = v;
      y[i] = bufOut - 0.5 * v;
      idx = idx + 1 === d ? 0 : idx + 1;
    }
  }
  for (let i = 0; i < x.length; i++) x[i] = (1 - wet) * x[i]! + wet * y[i]!;
  return x;
}

// ---------------------------------------------------------------------------------------------
// Noise

export type NoiseColor = 'white' | 'pink' | 'brown';

/** Adds noise of a colour at RMS = level into out. */
export function addNoise(out: Float32Array, rng: Rng, color: NoiseColor, level: number): void {
  if (level <= 0) return;
  const tmp = new Float32Array(out.length);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  let brown = 0;
  let ss = 0;
  for (let i = 0; i < out.length; i++) {
    const w = rng.uniform(-1, 1);
    let v: number;
    if (color === 'white') v = w;
    else if (color === 'pink') {
      // Paul Kellet's refined pink filter
      b0 = 0.99886 * b0 + w * 0.0555179;
      b1 = 0.99332 * b1 + w * 0.0750759;
      b2 = 0.969 * b2 + w * 0.153852;
      b3 = 0.8665 * b3 + w * 0.3104856;
      b4 = 0.55 * b4 + w * 0.5329522;
      b5 = -0.7616 * b5 - w * 0.016898;
      v = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
      b6 = w * 0.115926;
    } else {
      brown = 0.995 * brown + 0.1 * w;
      v = brown;
    }
    tmp[i] = v;
    ss += v * v;
  }
  const g = level / Math.sqrt(ss / Math.max(1, out.length) || 1);
  for (let i = 0; i < out.length; i++) out[i]! += g * tmp[i]!;
}

/** Root mean square of x. */
export function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Vinyl crackle: sparse clicks (rate per second) with random amplitudes, plus a faint hiss. */
export function addCrackle(out: Float32Array, sr: number, rng: Rng, rate: number, level: number): void {
  const n = Math.round((rate * out.length) / sr);
  for (let k = 0; k < n; k++) {
    const i = rng.int(0, out.length - 1);
    const a = level * rng.uniform(0.2, 1) * (rng.chance(0.5) ? 1 : -1);
    for (let j = 0; j < 6 && i + j < out.length; j++) out[i + j]! += a * Math.exp(-j / 1.5);
  }
}

/** A smooth random curve (values around 1 ± depth) changing at `rate` Hz: slow dynamics / wobble. */
export function smoothRandom(n: number, sr: number, rng: Rng, rate: number, depth: number): Float32Array {
  const out = new Float32Array(n);
  const step = Math.max(1, Math.round(sr / Math.max(rate, 1e-3)));
  let a = rng.uniform(-1, 1);
  let b = rng.uniform(-1, 1);
  for (let i = 0; i < n; i++) {
    const k = i % step;
    if (k === 0 && i > 0) {
      a = b;
      b = rng.uniform(-1, 1);
    }
    const u = k / step;
    const s = a + (b - a) * (0.5 - 0.5 * Math.cos(Math.PI * u));
    out[i] = 1 + depth * s;
  }
  return out;
}
