/** Synth building blocks, part 2: drums (kick, 808, snare, clap, hats, cymbals) and band-passed noise bursts, mixed into `out`. @internal */
import { BandPass, TWO_PI } from './effects.js';
import { addNote } from './instruments.js';
import type { Rng } from '../../engine/index.js';

// ---------------------------------------------------------------------------------------------
// Drums

export interface DrumOptions {
  gain: number;
  /** Multiplies decay times (0.5 = tight, 2 = boomy). */
  decayScale?: number;
  /** Tone / tuning scale. */
  tune?: number;
}

export function addKick(out: Float32Array, sr: number, rng: Rng, start: number, o: DrumOptions): void {
  const tune = o.tune ?? 1;
  const ds = o.decayScale ?? 1;
  const len = Math.round(0.5 * ds * sr);
  const i0 = Math.round(start * sr);
  let phase = 0;
  const fEnd = 48 * tune;
  const fStart = 150 * tune;
  for (let k = 0; k < len; k++) {
    const i = i0 + k;
    if (i < 0) continue;
    if (i >= out.length) break;
    const t = k / sr;
    const f = fEnd + (fStart - fEnd) * Math.exp(-t / 0.03);
    phase += f / sr;
    const body = Math.sin(TWO_PI * phase) * Math.exp(-t / (0.16 * ds));
    const click = t < 0.004 ? rng.uniform(-1, 1) * (1 - t / 0.004) * 0.5 : 0;
    out[i]! += o.gain * (body + click);
  }
}

/** An 808-style sub-bass kick with a long tail at pitch f0. */
export function add808(out: Float32Array, sr: number, start: number, f0: number, dur: number, gain: number): void {
  const i0 = Math.max(0, Math.round(start * sr));
  const i1 = Math.min(out.length, Math.round((start + dur) * sr));
  let phase = 0;
  for (let i = i0; i < i1; i++) {
    const t = i / sr - start;
    const f = f0 * (1 + 1.5 * Math.exp(-t / 0.02));
    phase += f / sr;
    const env = Math.exp(-t / (dur * 0.45)) * Math.min(1, (dur - t) / 0.02);
    out[i]! += gain * Math.tanh(1.5 * Math.sin(TWO_PI * phase)) * env;
  }
}

/** Filtered-noise burst: band-pass at f (Q), exponential decay tau (s), into out. */
export function addNoiseBurst(
  out: Float32Array,
  sr: number,
  rng: Rng,
  start: number,
  f: number,
  q: number,
  tau: number,
  gain: number,
  attack = 0.0005,
): void {
  const len = Math.round(Math.min(6 * tau + attack, 2.5) * sr);
  const i0 = Math.round(start * sr);
  const bp = new BandPass(sr, f, q);
  const norm = Math.sqrt(q) * 1.2;
  for (let k = 0; k < len; k++) {
    const i = i0 + k;
    if (i >= out.length) break;
    const t = k / sr;
    const env = (t < attack ? t / attack : 1) * Math.exp(-t / tau);
    const y = bp.step(rng.uniform(-1, 1));
    if (i >= 0) out[i]! += gain * norm * y * env;
  }
}

export function addSnare(out: Float32Array, sr: number, rng: Rng, start: number, o: DrumOptions & { brush?: boolean }): void {
  const ds = o.decayScale ?? 1;
  const tune = o.tune ?? 1;
  if (o.brush) {
    addNoiseBurst(out, sr, rng, start, 3000 * tune, 0.7, 0.09 * ds, o.gain * 0.7, 0.01);
    return;
  }
  addNote(out, sr, start, 0.02, 190 * tune, {
    timbre: 'triangle',
    gain: o.gain * 0.6,
    env: { attack: 0.001, decay: 0.01, sustain: 1, release: 0.05 },
    decayTau: 0.04 * ds,
  });
  addNoiseBurst(out, sr, rng, start, 2800 * tune, 0.8, 0.07 * ds, o.gain);
}

export function addClap(out: Float32Array, sr: number, rng: Rng, start: number, o: DrumOptions): void {
  for (let r = 0; r < 3; r++) addNoiseBurst(out, sr, rng, start + r * 0.011, 1500, 1.2, 0.008, o.gain * 0.7);
  addNoiseBurst(out, sr, rng, start + 0.033, 1500, 1.2, 0.09 * (o.decayScale ?? 1), o.gain);
}

export function addHat(out: Float32Array, sr: number, rng: Rng, start: number, o: DrumOptions & { open?: boolean }): void {
  const f = Math.min(0.42 * sr, 7000 * (o.tune ?? 1));
  const tau = (o.open ? 0.18 : 0.025) * (o.decayScale ?? 1);
  addNoiseBurst(out, sr, rng, start, f, 1.1, tau, o.gain);
}

export function addCymbal(out: Float32Array, sr: number, rng: Rng, start: number, o: DrumOptions & { ride?: boolean }): void {
  const ds = o.decayScale ?? 1;
  if (o.ride) {
    addNoiseBurst(out, sr, rng, start, Math.min(0.42 * sr, 5500), 1.5, 0.25 * ds, o.gain * 0.6);
    // the bell: a few inharmonic partials
    for (const r of [1, 1.48, 2.13]) {
      addNote(out, sr, start, 0.01, 620 * r * (o.tune ?? 1), {
        timbre: 'sine',
        gain: o.gain * 0.12,
        env: { attack: 0.001, decay: 0.01, sustain: 1, release: 0.4 * ds },
        decayTau: 0.2 * ds,
      });
    }
    return;
  }
  addNoiseBurst(out, sr, rng, start, Math.min(0.42 * sr, 5000), 0.6, 0.6 * ds, o.gain, 0.002);
}
