/**
 * Building blocks of the synthetic audio generators: band-limited wavetable notes, plucked
 * strings (Karplus–Strong), drums, a formant voice, filters, noise, a small reverb, and mixing.
 * Everything writes into Float32Array buffers at a given sample rate, draws its randomness from
 * an Rng (so output is a pure function of the seed), and runs in Node and the browser.
 *
 * Conventions: times in seconds, frequencies in Hz, `add*` functions mix into `out` (never
 * overwrite), in-place filters return their argument.
 * @internal (used by genres.ts and concepts.ts; not part of the public API)
 */
import type { Rng } from './rng.js';

export const TWO_PI = 2 * Math.PI;

export const midiToHz = (m: number): number => 440 * Math.pow(2, (m - 69) / 12);

// ---------------------------------------------------------------------------------------------
// Wavetables

const TABLE_SIZE = 2048;

/** Harmonic amplitude profiles (index k-1 → amplitude of harmonic k). */
export type Timbre = 'sine' | 'saw' | 'square' | 'triangle' | 'organ' | 'piano' | 'epiano' | 'flute' | 'reed' | 'brass' | 'glottal' | 'bass';

function harmonicAmp(timbre: Timbre, k: number): number {
  switch (timbre) {
    case 'sine':
      return k === 1 ? 1 : 0;
    case 'saw':
      return 1 / k;
    case 'square':
      return k % 2 === 1 ? 1 / k : 0;
    case 'triangle':
      return k % 2 === 1 ? (((k - 1) / 2) % 2 === 0 ? 1 : -1) / (k * k) : 0;
    case 'organ': // drawbar-like: 1, 2, 3, 4, 6, 8
      return ({ 1: 1, 2: 0.8, 3: 0.6, 4: 0.5, 6: 0.35, 8: 0.3 } as Record<number, number>)[k] ?? 0;
    case 'piano':
      return Math.pow(k, -1.4) * (k === 7 ? 0.2 : 1);
    case 'epiano':
      return k === 1 ? 1 : k === 2 ? 0.25 : k === 3 ? 0.12 : k <= 8 ? 0.3 / (k * k) : 0;
    case 'flute':
      return k === 1 ? 1 : k === 2 ? 0.3 : k === 3 ? 0.12 : k <= 5 ? 0.04 : 0;
    case 'reed': // clarinet/sax-like: strong odd harmonics, weaker even ones
      return (k % 2 === 1 ? 1 : 0.35) / Math.pow(k, 0.9);
    case 'brass':
      return k <= 3 ? 1 / k + 0.2 : 1.2 / Math.pow(k, 1.1);
    case 'glottal': // glottal flow derivative after lip radiation: about -6 dB/octave
      return 1 / Math.pow(k, 1.05);
    case 'bass':
      return k === 1 ? 1 : k === 2 ? 0.5 : k === 3 ? 0.25 : k <= 6 ? 0.1 / k : 0;
  }
}

/** Wavetables of timbres, band-limited to `harmonics` partials, cached by key (pure data). */
const tableCache = new Map<string, Float32Array>();

export function wavetable(timbre: Timbre, harmonics: number): Float32Array {
  const nh = Math.max(1, Math.min(64, Math.floor(harmonics)));
  const key = `${timbre}:${nh}`;
  let t = tableCache.get(key);
  if (t) return t;
  t = new Float32Array(TABLE_SIZE + 1);
  let peak = 0;
  for (let k = 1; k <= nh; k++) {
    const a = harmonicAmp(timbre, k);
    if (a === 0) continue;
    for (let i = 0; i < TABLE_SIZE; i++) t[i]! += a * Math.sin((TWO_PI * k * i) / TABLE_SIZE);
  }
  for (let i = 0; i < TABLE_SIZE; i++) peak = Math.max(peak, Math.abs(t[i]!));
  for (let i = 0; i < TABLE_SIZE; i++) t[i]! /= peak || 1;
  t[TABLE_SIZE] = t[0]!;
  tableCache.set(key, t);
  return t;
}

/** How many harmonics of f0 fit under `maxHz` (and the Nyquist frequency). */
export function harmonicsBelow(f0: number, sampleRate: number, maxHz = Infinity): number {
  return Math.max(1, Math.floor(Math.min(0.45 * sampleRate, maxHz) / Math.max(f0, 1)));
}

export interface Envelope {
  /** Attack time (s). */
  attack: number;
  /** Decay time to the sustain level (s). */
  decay: number;
  /** Sustain level (0..1). */
  sustain: number;
  /** Release time after the note's duration (s). */
  release: number;
}

/** ADSR value at time t (s) after note-on, for a note held `dur` seconds. */
export function adsr(env: Envelope, t: number, dur: number): number {
  const level = (u: number): number => {
    if (u < env.attack) return u / Math.max(env.attack, 1e-4);
    const d = u - env.attack;
    if (d < env.decay) return 1 - (1 - env.sustain) * (d / Math.max(env.decay, 1e-4));
    return env.sustain;
  };
  if (t < 0) return 0;
  if (t < dur) return level(t);
  const r = t - dur;
  if (r >= env.release) return 0;
  return level(dur) * (1 - r / Math.max(env.release, 1e-4));
}

export interface NoteOptions {
  timbre: Timbre;
  /** Peak gain. */
  gain: number;
  env: Envelope;
  /** Exponential decay time constant (s) multiplied onto the ADSR (percussive tones); 0 = none. */
  decayTau?: number;
  /** Vibrato rate (Hz) and depth (semitones). */
  vibratoHz?: number;
  vibratoDepth?: number;
  /** Highest partial frequency (Hz); limits brightness. */
  maxHz?: number;
  /** Glide: frequency ratio at note-on relative to f0, relaxing to 1 over `glideTime` (s). */
  glideFrom?: number;
  glideTime?: number;
}

/** Adds one wavetable note (band-limited, with envelope, optional vibrato and glide) into out. */
export function addNote(out: Float32Array, sr: number, start: number, dur: number, f0: number, o: NoteOptions): void {
  const total = dur + o.env.release;
  const i0 = Math.max(0, Math.round(start * sr));
  const i1 = Math.min(out.length, Math.round((start + total) * sr));
  if (i1 <= i0 || f0 <= 0) return;
  const table = wavetable(o.timbre, harmonicsBelow(f0 * (o.glideFrom ?? 1), sr, o.maxHz));
  const vibHz = o.vibratoHz ?? 0;
  const vibDepth = o.vibratoDepth ?? 0;
  const tau = o.decayTau ?? 0;
  const glide = o.glideFrom ?? 1;
  const glideTime = o.glideTime ?? 0.05;
  let phase = 0;
  for (let i = i0; i < i1; i++) {
    const t = i / sr - start;
    let f = f0;
    if (vibDepth > 0) f *= Math.pow(2, (vibDepth / 12) * Math.sin(TWO_PI * vibHz * t) * Math.min(1, t / 0.3));
    if (glide !== 1 && t < glideTime) f *= Math.pow(glide, 1 - t / glideTime);
    phase += f / sr;
    phase -= Math.floor(phase);
    const x = phase * TABLE_SIZE;
    const j = x | 0;
    const frac = x - j;
    const s = table[j]! + (table[j + 1]! - table[j]!) * frac;
    let e = adsr(o.env, t, dur);
    if (tau > 0) e *= Math.exp(-t / tau);
    out[i]! += o.gain * e * s;
  }
}

// ---------------------------------------------------------------------------------------------
// Plucked strings

export interface PluckOptions {
  gain: number;
  /** 0..1: brightness of the excitation (low-passed noise) and of the loop filter. */
  brightness: number;
  /** Approximate T60-ish decay time (s) of the string. */
  decay: number;
  /** Mute (stop) the string after this many seconds (palm mute / damped). */
  mute?: number;
}

/** Adds a Karplus–Strong plucked string into out. */
export function addPluck(out: Float32Array, sr: number, rng: Rng, start: number, f0: number, o: PluckOptions): void {
  const i0 = Math.max(0, Math.round(start * sr));
  if (i0 >= out.length || f0 <= 0) return;
  const period = sr / f0;
  const n = Math.max(2, Math.floor(period));
  const frac = period - n; // first-order allpass-free fractional delay by linear interpolation
  const line = new Float32Array(n + 1);
  // Excitation: noise low-passed by brightness.
  let lp = 0;
  const a = 0.15 + 0.85 * o.brightness;
  let mean = 0;
  for (let i = 0; i <= n; i++) {
    lp += a * (rng.uniform(-1, 1) - lp);
    line[i] = lp;
    mean += lp;
  }
  mean /= n + 1;
  let pk = 0;
  for (let i = 0; i <= n; i++) pk = Math.max(pk, Math.abs((line[i]! -= mean)));
  for (let i = 0; i <= n; i++) line[i]! /= pk || 1;
  // Loop gain from the decay time: amplitude falls by 60 dB (1e-3) after `decay` seconds.
  const loops = o.decay * f0;
  const g = Math.pow(1e-3, 1 / Math.max(loops, 1));
  const damp = 0.5 * (0.35 + 0.65 * o.brightness); // weight of the previous sample in the loop filter
  const len = Math.min(out.length - i0, Math.ceil((o.mute ?? o.decay * 1.2) * sr));
  const muteFade = Math.min(len, Math.round(0.01 * sr));
  let idx = 0;
  let prev = 0;
  for (let k = 0; k < len; k++) {
    const cur = line[idx]!;
    const nextIdx = idx === n ? 0 : idx + 1;
    const y = cur + frac * (line[nextIdx]! - cur);
    const filtered = g * ((1 - damp) * y + damp * prev);
    prev = y;
    line[idx] = filtered;
    idx = nextIdx;
    const fade = k > len - muteFade ? (len - k) / muteFade : 1;
    out[i0 + k]! += o.gain * y * fade;
  }
}

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

/** Biquad band-pass state (RBJ cookbook, constant 0 dB peak gain). */
class BandPass {
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

/** Filtered-noise burst: band-pass at f (Q), exponential decay tau (s), into out. */
export function addNoiseBurst(out: Float32Array, sr: number, rng: Rng, start: number, f: number, q: number, tau: number, gain: number, attack = 0.0005): void {
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
  addNote(out, sr, start, 0.02, 190 * tune, { timbre: 'triangle', gain: o.gain * 0.6, env: { attack: 0.001, decay: 0.01, sustain: 1, release: 0.05 }, decayTau: 0.04 * ds });
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
      addNote(out, sr, start, 0.01, 620 * r * (o.tune ?? 1), { timbre: 'sine', gain: o.gain * 0.12, env: { attack: 0.001, decay: 0.01, sustain: 1, release: 0.4 * ds }, decayTau: 0.2 * ds });
    }
    return;
  }
  addNoiseBurst(out, sr, rng, start, Math.min(0.42 * sr, 5000), 0.6, 0.6 * ds, o.gain, 0.002);
}

// ---------------------------------------------------------------------------------------------
// A formant voice (parallel resonators on a glottal pulse train, with consonant noise)

/** Vowel formants F1..F3 (Hz) of an adult male (Peterson & Barney averages). */
export const VOWELS: Record<string, [number, number, number]> = {
  i: [270, 2290, 3010],
  I: [390, 1990, 2550],
  e: [530, 1840, 2480],
  ae: [660, 1720, 2410],
  a: [730, 1090, 2440],
  o: [570, 840, 2410],
  U: [440, 1020, 2240],
  u: [300, 870, 2240],
  V: [640, 1190, 2390],
  er: [490, 1350, 1690],
};
export const VOWEL_NAMES = Object.keys(VOWELS);

export interface Syllable {
  start: number;
  dur: number;
  /** Pitch at the start and end of the syllable (Hz), glided linearly. */
  f0: number;
  f0End?: number;
  vowel: string;
  /** Consonant before the vowel: fricative (hiss), plosive (burst), nasal/none. */
  consonant?: 'fricative' | 'sh' | 'plosive' | 'none';
  /** Loudness 0..1. */
  level?: number;
}

export interface VoiceOptions {
  gain: number;
  /** Formant scale (1 male, ~1.17 female, ~1.3 child-like). */
  formantScale: number;
  /** Aspiration noise mix 0..1 (0.05 clear, 0.5 breathy, 1 whisper/growl). */
  breathiness: number;
  /** Vibrato (sung) rate and depth in semitones. */
  vibratoHz?: number;
  vibratoDepth?: number;
  /** Pitch jitter (fraction, e.g. 0.01). */
  jitter?: number;
  /** Replace the glottal source with noise (growl / whisper) by this fraction. */
  noiseSource?: number;
  /** Bandwidth scale of the formants (1 = typical). */
  bandwidthScale?: number;
}

/** Two-pole resonator with unit gain at its centre frequency; coefficients can be retuned. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private b0 = 0;
  private a1 = 0;
  private a2 = 0;
  set(sr: number, f: number, bw: number): void {
    const r = Math.exp((-Math.PI * bw) / sr);
    const th = (TWO_PI * Math.min(f, 0.48 * sr)) / sr;
    this.a1 = 2 * r * Math.cos(th);
    this.a2 = -r * r;
    this.b0 = (1 - r) * Math.sqrt(1 - 2 * r * Math.cos(2 * th) + r * r);
  }
  step(x: number): number {
    const y = this.b0 * x + this.a1 * this.y1 + this.a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Renders syllables with a formant voice into out. */
export function addVoice(out: Float32Array, sr: number, rng: Rng, syllables: readonly Syllable[], o: VoiceOptions): void {
  if (syllables.length === 0) return;
  const reson = [new Resonator(), new Resonator(), new Resonator(), new Resonator()];
  const fricBp = new BandPass(sr, Math.min(0.4 * sr, 5500), 1.5);
  const shBp = new BandPass(sr, Math.min(0.4 * sr, 3000), 1.5);
  const formantGain = [1, 1.2, 1.0, 0.5];
  const bwScale = o.bandwidthScale ?? 1;
  const jitter = o.jitter ?? 0.01;
  const noiseSrc = o.noiseSource ?? 0;
  const block = 32;
  let phase = 0;
  let jit = 0;
  for (let s = 0; s < syllables.length; s++) {
    const syl = syllables[s]!;
    const next = syllables[s + 1];
    const level = syl.level ?? 1;
    const cons = syl.consonant ?? 'none';
    const consDur = cons === 'none' ? 0 : cons === 'plosive' ? 0.025 : 0.07;
    const i0 = Math.max(0, Math.round(syl.start * sr));
    const i1 = Math.min(out.length, Math.round((syl.start + syl.dur) * sr));
    const [v1, v2, v3] = VOWELS[syl.vowel] ?? VOWELS.a!;
    const target = [v1 * o.formantScale, v2 * o.formantScale, v3 * o.formantScale, 3500 * Math.min(o.formantScale, 1.1)];
    const nv = next ? (VOWELS[next.vowel] ?? VOWELS.a!) : [v1, v2, v3];
    const nextTarget = [nv[0]! * o.formantScale, nv[1]! * o.formantScale, nv[2]! * o.formantScale, target[3]!];
    const bws = [80 * bwScale, 110 * bwScale, 160 * bwScale, 250 * bwScale];
    const glottal = wavetable('glottal', harmonicsBelow(Math.max(syl.f0, syl.f0End ?? 0) * 1.08, sr));
    for (let i = i0; i < i1; i++) {
      const t = Math.max(0, i / sr - syl.start);
      const u = t / syl.dur;
      if ((i - i0) % block === 0) {
        // formant transitions: glide from a schwa-like onset into the vowel, and towards the next vowel at the end
        for (let k = 0; k < 4; k++) {
          const onset = 500 * (k + 1) * 1.0 * o.formantScale;
          let f = target[k]!;
          if (u < 0.15) f = onset + (f - onset) * (u / 0.15);
          else if (u > 0.8) f = f + (nextTarget[k]! - f) * 0.5 * ((u - 0.8) / 0.2);
          reson[k]!.set(sr, f, bws[k]!);
        }
        jit = rng.normal(0, jitter);
      }
      const f0 = syl.f0 + ((syl.f0End ?? syl.f0) - syl.f0) * u;
      let f = f0 * (1 + jit);
      if (o.vibratoDepth) f *= Math.pow(2, (o.vibratoDepth / 12) * Math.sin(TWO_PI * (o.vibratoHz ?? 5.5) * (i / sr)));
      phase += f / sr;
      phase -= Math.floor(phase);
      const x = phase * TABLE_SIZE;
      const j = x | 0;
      const g = glottal[j]! + (glottal[j + 1]! - glottal[j]!) * (x - j);
      const noise = rng.uniform(-1, 1);
      // voicing envelope: voiced part after the consonant, smooth 15 ms ramps
      const tv = t - consDur;
      const dv = syl.dur - consDur;
      const venv = tv < 0 ? 0 : Math.min(1, tv / 0.015, Math.max(0, (dv - tv) / 0.04));
      const src = venv * ((1 - noiseSrc) * g * (1 + 0.15 * noise * o.breathiness) + (noiseSrc + 0.3 * o.breathiness) * noise * 0.8);
      let y = 0;
      for (let k = 0; k < 4; k++) y += formantGain[k]! * reson[k]!.step(src);
      y *= 3;
      // consonant noise
      if (consDur > 0 && t < consDur) {
        const ce = cons === 'plosive' ? Math.exp(-t / 0.006) * 1.5 : Math.sin((Math.PI * t) / consDur);
        const cn = cons === 'sh' ? shBp.step(noise) : cons === 'fricative' ? fricBp.step(noise) : noise * 0.5;
        y += 0.5 * ce * cn;
      }
      out[i]! += o.gain * level * y;
    }
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
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
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
