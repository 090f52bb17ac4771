/** Shared arrangement and mixing code of the genre recipes: musical context, timing/swing, chords, scales, melodies, voice, strums and the master bus. @internal */
import {
  addCrackle,
  addNoise,
  highpass,
  lowpass,
  normalizePeak,
  peakOf,
  reverb,
  rmsOf,
  saturate,
  smoothRandom,
  type NoiseColor,
} from './effects.js';
import { addNote, addPluck, addVoice, midiToHz, VOWEL_NAMES, type Syllable, type Timbre } from './instruments.js';
import type { Rng } from '../../engine/index.js';

// ---------------------------------------------------------------------------------------------
// Musical context

export interface Ctx {
  sr: number;
  n: number;
  rng: Rng;
  /** Seconds per beat. */
  spb: number;
  /** The clip starts this many seconds into beat 0 (a random point in the first bar). */
  offset: number;
  /** Where the off-beat 8th falls within a beat (0.5 straight, 2/3 triplet shuffle). */
  swing: number;
  /** Key root as a MIDI note in the bass octave. */
  root: number;
  /** Number of bars to render (covering the clip). */
  bars: number;
}

/** Seconds (relative to the clip start) of a position in beats; fractional beats are swung. */
export function at(c: Ctx, beat: number): number {
  const b = Math.floor(beat);
  const f = beat - b;
  const g = f <= 0.5 ? (f / 0.5) * c.swing : c.swing + ((f - 0.5) / 0.5) * (1 - c.swing);
  return (b + g) * c.spb - c.offset;
}

export function newStem(c: Ctx): Float32Array {
  return new Float32Array(c.n);
}

/** A gain around `base` varied by ±db decibels. */
export function vary(rng: Rng, base: number, db = 3): number {
  return base * Math.pow(10, rng.uniform(-db, db) / 20);
}

// Chords as semitone offsets from the key root.
export const CH = {
  I: [0, 4, 7],
  ii: [2, 5, 9],
  iii: [4, 7, 11],
  IV: [5, 9, 12],
  V: [7, 11, 14],
  vi: [9, 12, 16],
  i: [0, 3, 7],
  iv: [5, 8, 12],
  v: [7, 10, 14],
  III: [3, 7, 10],
  VI: [8, 12, 15],
  VII: [10, 14, 17],
  bII: [1, 5, 8],
  I7: [0, 4, 7, 10],
  IV7: [5, 9, 12, 15],
  V7: [7, 11, 14, 17],
  ii7: [2, 5, 9, 12],
  Imaj7: [0, 4, 7, 11],
  VI7: [9, 13, 16, 19],
  i7: [0, 3, 7, 10],
  iv7: [5, 8, 12, 15],
  VImaj7: [8, 12, 15, 19],
} satisfies Record<string, number[]>;

export const SCALES = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  majPent: [0, 2, 4, 7, 9],
  minPent: [0, 3, 5, 7, 10],
  blues: [0, 3, 5, 6, 7, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
};

export interface MNote {
  beat: number;
  len: number;
  midi: number;
}

/** Notes of `scale` (relative to the key root) between lo and hi (MIDI). */
function scalePitches(c: Ctx, scale: readonly number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let m = lo; m <= hi; m++) if (scale.includes((((m - c.root) % 12) + 12) % 12)) out.push(m);
  return out;
}

/** A random-walk melody in [fromBeat, toBeat) with durations drawn from durs (beats). */
export function melody(
  c: Ctx,
  scale: readonly number[],
  lo: number,
  hi: number,
  fromBeat: number,
  toBeat: number,
  durs: readonly number[],
  restP: number,
  leap = 2,
): MNote[] {
  const pitches = scalePitches(c, scale, lo, hi);
  let idx = c.rng.int(Math.floor(pitches.length * 0.3), Math.floor(pitches.length * 0.7));
  const out: MNote[] = [];
  for (let b = fromBeat; b < toBeat - 1e-9;) {
    const d = Math.min(c.rng.pick(durs), toBeat - b);
    if (!c.rng.chance(restP)) out.push({ beat: b, len: d, midi: pitches[idx]! });
    const step = c.rng.int(-leap, leap);
    idx = Math.max(0, Math.min(pitches.length - 1, idx + (step === 0 && c.rng.chance(0.5) ? 1 : step)));
    b += d;
  }
  return out;
}

/** Alternating phrases and gaps (in beats) over the clip: [[start, end], ...]. */
export function phrases(c: Ctx, lens: readonly number[], gaps: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const total = c.bars * 4;
  let b = c.rng.chance(0.5) ? 0 : c.rng.pick(gaps);
  while (b < total) {
    const l = c.rng.pick(lens);
    out.push([b, Math.min(total, b + l)]);
    b += l + c.rng.pick(gaps);
  }
  return out;
}

export const CONSONANTS: ReadonlyArray<Syllable['consonant']> = ['none', 'none', 'plosive', 'plosive', 'fricative', 'sh'];

/** Sings notes with the formant voice (one syllable per note). */
export function sing(
  c: Ctx,
  out: Float32Array,
  notes: readonly MNote[],
  o: { female: boolean; gain: number; breathiness?: number; vibrato?: number; noiseSource?: number; legato?: number },
): void {
  const syl: Syllable[] = notes.map((m) => {
    const t0 = at(c, m.beat);
    const t1 = at(c, m.beat + m.len);
    const f0 = midiToHz(m.midi);
    return {
      start: t0,
      dur: Math.max(0.06, (t1 - t0) * (o.legato ?? 0.92)),
      f0: f0 * Math.pow(2, c.rng.uniform(-0.4, 0) / 12),
      f0End: f0,
      vowel: c.rng.pick(VOWEL_NAMES),
      consonant: c.rng.pick(CONSONANTS),
      level: c.rng.uniform(0.75, 1),
    };
  });
  addVoice(out, c.sr, c.rng, syl, {
    gain: o.gain,
    formantScale: o.female ? c.rng.uniform(1.12, 1.22) : c.rng.uniform(0.95, 1.05),
    breathiness: o.breathiness ?? c.rng.uniform(0.05, 0.3),
    vibratoHz: c.rng.uniform(4.8, 6.2),
    vibratoDepth: o.vibrato ?? c.rng.uniform(0.1, 0.35),
    jitter: 0.006,
    noiseSource: o.noiseSource ?? 0,
  });
}

/** A sung lead: phrases of a random-walk melody in a voice range. */
export function vocalLead(
  c: Ctx,
  out: Float32Array,
  scale: readonly number[],
  durs: readonly number[],
  o: { female?: boolean; gain: number; lens?: number[]; gaps?: number[]; noiseSource?: number; breathiness?: number },
): void {
  const female = o.female ?? c.rng.chance(0.5);
  const [lo, hi] = female ? [57, 74] : [45, 62];
  const notes: MNote[] = [];
  for (const [a, b] of phrases(c, o.lens ?? [4, 6, 8], o.gaps ?? [1, 2, 2, 4])) notes.push(...melody(c, scale, lo, hi, a, b, durs, 0.08));
  sing(c, out, notes, { female, gain: o.gain, noiseSource: o.noiseSource, breathiness: o.breathiness });
}

/** Strums a chord on plucked strings (down-strum: low to high, `spread` s between strings). */
export function strum(
  c: Ctx,
  out: Float32Array,
  t: number,
  midis: readonly number[],
  o: { gain: number; brightness: number; decay: number; mute?: number; spread?: number; up?: boolean },
): void {
  const order = o.up ? [...midis].reverse() : midis;
  const spread = o.spread ?? 0.012;
  order.forEach((m, k) =>
    addPluck(out, c.sr, c.rng, t + k * spread, midiToHz(m), {
      gain: o.gain / Math.sqrt(midis.length),
      brightness: o.brightness,
      decay: o.decay,
      mute: o.mute,
    }),
  );
}

/** A chord as wavetable notes. */
export function chordNotes(
  c: Ctx,
  out: Float32Array,
  t: number,
  dur: number,
  midis: readonly number[],
  timbre: Timbre,
  o: { gain: number; attack?: number; release?: number; decayTau?: number; vibrato?: number; maxHz?: number; sustain?: number },
): void {
  for (const m of midis) {
    addNote(out, c.sr, t, dur, midiToHz(m) * Math.pow(2, c.rng.uniform(-0.06, 0.06) / 12), {
      timbre,
      gain: o.gain / Math.sqrt(midis.length),
      env: { attack: o.attack ?? 0.01, decay: 0.2, sustain: o.sustain ?? 0.7, release: o.release ?? 0.1 },
      decayTau: o.decayTau,
      vibratoHz: 5.5,
      vibratoDepth: o.vibrato ?? 0,
      maxHz: o.maxHz,
    });
  }
}

export function powerChord(root: number): number[] {
  return [root, root + 7, root + 12];
}

/** Chord tones within [lo, lo+12) (close voicing) for a chord built on the key root. */
export function voicing(c: Ctx, chord: readonly number[], lo: number): number[] {
  return chord
    .map((iv) => {
      let m = c.root + iv;
      while (m < lo) m += 12;
      while (m >= lo + 12) m -= 12;
      return m;
    })
    .sort((a, b) => a - b);
}

interface MasterOptions {
  /** Low-pass cutoff range (Hz): brightness. */
  lowpass: [number, number];
  /** Saturation drive range (1 = none): loudness / compression. */
  drive?: [number, number];
  /** Reverb wet range. */
  reverb?: [number, number];
  /** Noise floor: colour and level in dB relative to the mix RMS. */
  noise: { color: NoiseColor; db: [number, number] };
  /** Probability of vinyl crackle. */
  crackle?: number;
}

export function master(c: Ctx, mix: Float32Array, o: MasterOptions): Float32Array {
  const { rng, sr } = c;
  if (o.reverb) reverb(mix, sr, rng.uniform(o.reverb[0], o.reverb[1]), rng.uniform(0.8, 1.6));
  lowpass(mix, sr, rng.logUniform(o.lowpass[0], o.lowpass[1]), 2);
  highpass(mix, sr, 30);
  normalizePeak(mix, 1);
  if (o.drive) {
    const d = rng.uniform(o.drive[0], o.drive[1]);
    if (d > 1) saturate(mix, d);
  }
  const r = rmsOf(mix);
  addNoise(mix, rng, o.noise.color, r * Math.pow(10, rng.uniform(o.noise.db[0], o.noise.db[1]) / 20));
  if (o.crackle && rng.chance(o.crackle)) addCrackle(mix, sr, rng, rng.uniform(4, 15), rng.uniform(0.05, 0.2));
  // slow level drift (a performer / mixing engineer), then the final peak
  const drift = smoothRandom(mix.length, sr, rng, 0.5, rng.uniform(0, 0.15));
  for (let i = 0; i < mix.length; i++) mix[i]! *= drift[i]!;
  if (peakOf(mix) === 0) return mix;
  return normalizePeak(mix, rng.uniform(0.6, 0.98));
}

/** Renders one genre's arrangement for a context: the mastered mix, n samples. */
export type Renderer = (c: Ctx) => Float32Array;
