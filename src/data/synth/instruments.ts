/** Synth building blocks, part 1: tones (band-limited wavetable notes with ADSR), plucked strings (Karplus–Strong) and a formant voice; `add*` functions mix into `out`. @internal */
import { BandPass, TWO_PI } from './effects.js';
import type { Rng } from '../../engine/index.js';

export const midiToHz = (m: number): number => 440 * Math.pow(2, (m - 69) / 12);

// ---------------------------------------------------------------------------------------------
// Wavetables

const TABLE_SIZE = 2048;

/** Harmonic amplitude profiles (index k-1 → amplitude of harmonic k). */
export type Timbre =
  'sine' | 'saw' | 'square' | 'triangle' | 'organ' | 'piano' | 'epiano' | 'flute' | 'reed' | 'brass' | 'glottal' | 'bass';

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
