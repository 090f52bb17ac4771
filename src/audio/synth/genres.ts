/**
 * Synthetic genre-like music clips for training and explaining genre classifiers without a
 * dataset (GTZAN's ten genre names). Each genre is a seeded arrangement (tempo, key, chord
 * progression, bass line, drum pattern, lead or voice) rendered with the instruments of dsp.ts:
 *
 * | genre     | bpm     | feel              | harmony / instruments                                  | drums                         | master               |
 * |-----------|---------|-------------------|--------------------------------------------------------|-------------------------------|----------------------|
 * | blues     | 66–100  | shuffle (triplet) | 12-bar I7–IV7–V7, boogie guitar riff, walking bass      | soft backbeat, swung ride     | dark, hiss           |
 * | classical | 54–96   | straight, rubato  | strings pad + melody, or piano arpeggios; reverb       | none                          | soft, very quiet     |
 * | country   | 96–140  | straight          | I–IV–V, boom-chick bass, strummed guitar, twang/fiddle  | light backbeat (brushes)      | mid-bright           |
 * | disco     | 112–130 | straight 16ths    | minor loop, octave bass, bright strings, stabs         | four-on-the-floor, open hats  | bright, compressed   |
 * | hiphop    | 76–98   | lazy 16th swing   | dark 2-bar Rhodes loop, 808 sub bass, rapped syllables | boom-bap kick/snare, hats     | dark, vinyl crackle  |
 * | jazz      | 100–180 | swing             | ii7–V7–Imaj7 comping, walking bass, horn line           | ride "ding ding-a", brushes   | mid, small room      |
 * | metal     | 140–200 | straight 16ths    | distorted palm-muted power chords, growl               | double kick, crashes          | bright, loud, hiss   |
 * | pop       | 94–128  | straight          | I–V–vi–IV piano/synth, 8th bass, sung melody            | kick/clap backbeat, 8th hats  | bright, compressed   |
 * | reggae    | 62–90   | one drop          | offbeat skank + organ bubble, deep melodic bass        | kick+rim on beat 3 only       | mid, warm            |
 * | rock      | 104–150 | straight 8ths     | overdriven power chords, 8th bass, sung melody          | backbeat, crashes             | mid-bright           |
 *
 * Within a genre, tempo, key, progression, instrument choices, mix levels, brightness, noise and
 * the clip's start within the bar are drawn from the seed, and ranges overlap between genres, so
 * the classes are learnable (tempo, rhythm pattern, timbre, harmony) but no single feature gives
 * them away. Every clip is peak-normalised to a random peak in [0.6, 0.98].
 */
import { ValueError } from '../../engine/errors.js';
import {
  add808,
  addClap,
  addCrackle,
  addCymbal,
  addHat,
  addKick,
  addNoise,
  addNote,
  addPluck,
  addSnare,
  addVoice,
  highpass,
  lowpass,
  midiToHz,
  mixInto,
  normalizePeak,
  peakOf,
  reverb,
  rmsOf,
  saturate,
  smoothRandom,
  VOWEL_NAMES,
  type NoiseColor,
  type Syllable,
  type Timbre,
} from './dsp.js';
import { checkSeed, createRng, deriveSeed, type Rng } from './rng.js';

/** The ten genres (GTZAN's names), in label order. */
export const GENRES = ['blues', 'classical', 'country', 'disco', 'hiphop', 'jazz', 'metal', 'pop', 'reggae', 'rock'] as const;
export type Genre = (typeof GENRES)[number];

export interface SynthClipOptions {
  /** Integer seed: the same seed gives the same samples. */
  seed: number;
  /** Sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Clip length in seconds (default 3). */
  duration?: number;
}

/** Validates sampleRate and duration; returns [sampleRate, duration, length in samples]. */
export function checkClipOptions(options: { sampleRate?: number; duration?: number }, where: string): [number, number, number] {
  const sr = options.sampleRate ?? 16000;
  const dur = options.duration ?? 3;
  if (typeof sr !== 'number' || !Number.isInteger(sr) || sr < 4000 || sr > 192000) {
    throw new ValueError(`${where}: sampleRate must be an integer in [4000, 192000] Hz, got ${String(sr)}`);
  }
  if (typeof dur !== 'number' || !Number.isFinite(dur) || dur <= 0 || dur > 600) {
    throw new ValueError(`${where}: duration must be a number of seconds in (0, 600], got ${String(dur)}`);
  }
  const n = Math.round(sr * dur);
  if (n < 1) throw new ValueError(`${where}: duration ${dur} s at ${sr} Hz gives no samples`);
  return [sr, dur, n];
}

// ---------------------------------------------------------------------------------------------
// Musical context

interface Ctx {
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
function at(c: Ctx, beat: number): number {
  const b = Math.floor(beat);
  const f = beat - b;
  const g = f <= 0.5 ? (f / 0.5) * c.swing : c.swing + ((f - 0.5) / 0.5) * (1 - c.swing);
  return (b + g) * c.spb - c.offset;
}

function newStem(c: Ctx): Float32Array {
  return new Float32Array(c.n);
}

/** A gain around `base` varied by ±db decibels. */
function vary(rng: Rng, base: number, db = 3): number {
  return base * Math.pow(10, rng.uniform(-db, db) / 20);
}

// Chords as semitone offsets from the key root.
const CH = {
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

const SCALES = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  majPent: [0, 2, 4, 7, 9],
  minPent: [0, 3, 5, 7, 10],
  blues: [0, 3, 5, 6, 7, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
};

interface MNote {
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
function melody(c: Ctx, scale: readonly number[], lo: number, hi: number, fromBeat: number, toBeat: number, durs: readonly number[], restP: number, leap = 2): MNote[] {
  const pitches = scalePitches(c, scale, lo, hi);
  let idx = c.rng.int(Math.floor(pitches.length * 0.3), Math.floor(pitches.length * 0.7));
  const out: MNote[] = [];
  for (let b = fromBeat; b < toBeat - 1e-9; ) {
    const d = Math.min(c.rng.pick(durs), toBeat - b);
    if (!c.rng.chance(restP)) out.push({ beat: b, len: d, midi: pitches[idx]! });
    const step = c.rng.int(-leap, leap);
    idx = Math.max(0, Math.min(pitches.length - 1, idx + (step === 0 && c.rng.chance(0.5) ? 1 : step)));
    b += d;
  }
  return out;
}

/** Alternating phrases and gaps (in beats) over the clip: [[start, end], ...]. */
function phrases(c: Ctx, lens: readonly number[], gaps: readonly number[]): Array<[number, number]> {
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

const CONSONANTS: ReadonlyArray<Syllable['consonant']> = ['none', 'none', 'plosive', 'plosive', 'fricative', 'sh'];

/** Sings notes with the formant voice (one syllable per note). */
function sing(c: Ctx, out: Float32Array, notes: readonly MNote[], o: { female: boolean; gain: number; breathiness?: number; vibrato?: number; noiseSource?: number; legato?: number }): void {
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
function vocalLead(c: Ctx, out: Float32Array, scale: readonly number[], durs: readonly number[], o: { female?: boolean; gain: number; lens?: number[]; gaps?: number[]; noiseSource?: number; breathiness?: number }): void {
  const female = o.female ?? c.rng.chance(0.5);
  const [lo, hi] = female ? [57, 74] : [45, 62];
  const notes: MNote[] = [];
  for (const [a, b] of phrases(c, o.lens ?? [4, 6, 8], o.gaps ?? [1, 2, 2, 4])) notes.push(...melody(c, scale, lo, hi, a, b, durs, 0.08));
  sing(c, out, notes, { female, gain: o.gain, noiseSource: o.noiseSource, breathiness: o.breathiness });
}

/** Strums a chord on plucked strings (down-strum: low to high, `spread` s between strings). */
function strum(c: Ctx, out: Float32Array, t: number, midis: readonly number[], o: { gain: number; brightness: number; decay: number; mute?: number; spread?: number; up?: boolean }): void {
  const order = o.up ? [...midis].reverse() : midis;
  const spread = o.spread ?? 0.012;
  order.forEach((m, k) => addPluck(out, c.sr, c.rng, t + k * spread, midiToHz(m), { gain: o.gain / Math.sqrt(midis.length), brightness: o.brightness, decay: o.decay, mute: o.mute }));
}

/** A chord as wavetable notes. */
function chordNotes(c: Ctx, out: Float32Array, t: number, dur: number, midis: readonly number[], timbre: Timbre, o: { gain: number; attack?: number; release?: number; decayTau?: number; vibrato?: number; maxHz?: number; sustain?: number }): void {
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

function powerChord(root: number): number[] {
  return [root, root + 7, root + 12];
}

/** Chord tones within [lo, lo+12) (close voicing) for a chord built on the key root. */
function voicing(c: Ctx, chord: readonly number[], lo: number): number[] {
  return chord.map((iv) => {
    let m = c.root + iv;
    while (m < lo) m += 12;
    while (m >= lo + 12) m -= 12;
    return m;
  }).sort((a, b) => a - b);
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

function master(c: Ctx, mix: Float32Array, o: MasterOptions): Float32Array {
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

// ---------------------------------------------------------------------------------------------
// The genres

type Renderer = (c: Ctx) => Float32Array;

const TEMPO: Record<Genre, [number, number]> = {
  blues: [66, 100],
  classical: [54, 96],
  country: [96, 140],
  disco: [112, 130],
  hiphop: [76, 98],
  jazz: [100, 180],
  metal: [140, 200],
  pop: [94, 128],
  reggae: [62, 90],
  rock: [104, 150],
};

const SWING: Record<Genre, [number, number]> = {
  blues: [0.64, 0.68],
  classical: [0.5, 0.5],
  country: [0.5, 0.53],
  disco: [0.5, 0.52],
  hiphop: [0.5, 0.6],
  jazz: [0.6, 0.68],
  metal: [0.5, 0.5],
  pop: [0.5, 0.52],
  reggae: [0.5, 0.58],
  rock: [0.5, 0.52],
};

const blues: Renderer = (c) => {
  const { rng, sr } = c;
  const twelve = [CH.I7, CH.I7, CH.I7, CH.I7, CH.IV7, CH.IV7, CH.I7, CH.I7, CH.V7, CH.IV7, CH.I7, CH.V7];
  const start = rng.int(0, 11);
  const gtr = newStem(c), bass = newStem(c), keys = newStem(c), drums = newStem(c), lead = newStem(c);
  const riff = rng.pick([
    [7, 7, 9, 9, 10, 10, 9, 9],
    [7, 7, 9, 9, 7, 7, 9, 9],
    [7, 9, 7, 9, 10, 9, 7, 9],
  ]);
  const hasKeys = rng.chance(0.5);
  const bright = rng.uniform(0.45, 0.75);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = twelve[(start + bar) % 12]!;
    const r = c.root + 12 + ch[0]!;
    for (let k = 0; k < 8; k++) {
      const beat = bar * 4 + k / 2;
      const t = at(c, beat);
      const eighth = at(c, beat + 0.5) - t;
      addPluck(gtr, sr, rng, t, midiToHz(r), { gain: 0.5, brightness: bright, decay: 1.2, mute: eighth * 0.95 });
      addPluck(gtr, sr, rng, t + 0.004, midiToHz(r + riff[k]!), { gain: 0.4, brightness: bright, decay: 1.2, mute: eighth * 0.95 });
    }
    const walk = [0, 4, 7, 9];
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      addPluck(bass, sr, rng, t, midiToHz(c.root + ch[0]! - 12 + walk[b]! + 12), { gain: 0.8, brightness: 0.25, decay: 1.2, mute: c.spb * 0.9 });
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.6, decayScale: 0.8 });
      else addSnare(drums, sr, rng, t, { gain: 0.35, brush: rng.chance(0.3) });
      addCymbal(drums, sr, rng, t, { gain: 0.12, ride: true, decayScale: 0.5 });
      if (rng.chance(0.8)) addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.12 });
    }
    if (hasKeys) chordNotes(c, keys, at(c, bar * 4 + rng.pick([0, 0.5, 1.5])), c.spb * rng.uniform(1, 3), voicing(c, ch, 60), 'organ', { gain: 0.25, attack: 0.02 });
  }
  if (rng.chance(0.55)) vocalLead(c, lead, SCALES.blues, [0.5, 1, 1, 1.5, 2], { female: rng.chance(0.3), gain: 0.45, lens: [4, 6], gaps: [2, 4] });
  else {
    const notes = melody(c, SCALES.blues, 64, 84, 0, c.bars * 4, [0.5, 0.5, 1, 1.5], 0.25);
    for (const m of notes) addPluck(lead, sr, rng, at(c, m.beat), midiToHz(m.midi), { gain: 0.4, brightness: 0.8, decay: 1.5, mute: (at(c, m.beat + m.len) - at(c, m.beat)) * 1.1 });
    saturate(lead, 2);
  }
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, keys, vary(rng, 0.5));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, lead, vary(rng, 0.7));
  return master(c, mix, { lowpass: [2500, 4500], drive: [1, 1.8], reverb: [0.08, 0.25], noise: { color: 'pink', db: [-38, -26] }, crackle: 0.3 });
};

const classical: Renderer = (c) => {
  const { rng, sr } = c;
  const minor = rng.chance(0.4);
  const prog = rng.pick(minor ? [[CH.i, CH.iv, CH.V, CH.i], [CH.i, CH.VI, CH.III, CH.VII], [CH.i, CH.iv, CH.VII, CH.III]] : [[CH.I, CH.vi, CH.IV, CH.V], [CH.I, CH.IV, CH.V, CH.I], [CH.I, CH.ii, CH.V, CH.I]]);
  const scale = minor ? SCALES.minor : SCALES.major;
  const ensemble = rng.pick(['strings', 'piano', 'winds'] as const);
  const pad = newStem(c), mel = newStem(c), low = newStem(c);
  const dyn = smoothRandom(c.n, sr, rng, 0.4, 0.35);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const t = at(c, bar * 4);
    const barDur = 4 * c.spb;
    if (ensemble === 'piano') {
      const arp = [...voicing(c, ch, 48), ...voicing(c, ch, 60)];
      const sub = rng.pick([0.5, 0.5, 0.25]);
      const pattern = rng.chance(0.5) ? arp : [...arp, ...arp.slice(1, -1).reverse()];
      let k = 0;
      for (let b = 0; b < 4 - 1e-9; b += sub, k++) {
        const m = pattern[k % pattern.length]!;
        addNote(pad, sr, at(c, bar * 4 + b), sub * c.spb * 1.5, midiToHz(m), { timbre: 'piano', gain: rng.uniform(0.25, 0.4), env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.4 }, decayTau: rng.uniform(0.5, 1.2) });
      }
      addNote(low, sr, t, barDur, midiToHz(c.root + ch[0]!), { timbre: 'piano', gain: 0.45, env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.5 }, decayTau: 1.5 });
    } else {
      chordNotes(c, pad, t, barDur, voicing(c, ch, 55), 'saw', { gain: 0.35, attack: rng.uniform(0.15, 0.4), release: 0.4, vibrato: 0.12, maxHz: 3500 });
      addNote(low, sr, t, barDur, midiToHz(c.root + ch[0]!), { timbre: 'saw', gain: 0.4, env: { attack: 0.2, decay: 0.3, sustain: 0.8, release: 0.4 }, vibratoHz: 5, vibratoDepth: 0.08, maxHz: 2000 });
    }
  }
  const timbre: Timbre = ensemble === 'winds' ? rng.pick(['flute', 'reed'] as const) : ensemble === 'strings' ? 'saw' : 'piano';
  const notes = melody(c, scale, 67, 88, 0, c.bars * 4, ensemble === 'piano' ? [0.5, 1, 1, 2] : [1, 1, 2, 2, 3], 0.1, 2);
  for (const m of notes) {
    const t0 = at(c, m.beat);
    const d = at(c, m.beat + m.len) - t0;
    addNote(mel, sr, t0, d * 0.95, midiToHz(m.midi), {
      timbre,
      gain: 0.4,
      env: timbre === 'piano' ? { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.3 } : { attack: rng.uniform(0.05, 0.15), decay: 0.1, sustain: 0.85, release: 0.2 },
      decayTau: timbre === 'piano' ? 0.9 : 0,
      vibratoHz: 5.5,
      vibratoDepth: timbre === 'piano' ? 0 : rng.uniform(0.1, 0.25),
      maxHz: 4000,
    });
  }
  const mix = newStem(c);
  mixInto(mix, pad, vary(rng, 0.5));
  mixInto(mix, low, vary(rng, 0.5));
  mixInto(mix, mel, vary(rng, 0.6));
  for (let i = 0; i < mix.length; i++) mix[i]! *= dyn[i]!;
  return master(c, mix, { lowpass: [2500, 6000], reverb: [0.25, 0.45], noise: { color: 'pink', db: [-55, -40] } });
};

const country: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.I, CH.IV, CH.V, CH.I], [CH.I, CH.I, CH.IV, CH.V], [CH.I, CH.V, CH.IV, CH.I]]);
  const gtr = newStem(c), bass = newStem(c), drums = newStem(c), lead = newStem(c);
  const brush = rng.chance(0.4);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const shape = voicing(c, ch, 52).concat(voicing(c, ch, 64));
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      // boom (bass on 1 and 3, root then fifth) – chick (strum on 2 and 4)
      if (b % 2 === 0) addPluck(bass, sr, rng, t, midiToHz(c.root + ch[0]! + (b === 2 ? 7 : 0)), { gain: 0.8, brightness: 0.3, decay: 1, mute: c.spb * 0.9 });
      else strum(c, gtr, t, shape, { gain: 0.6, brightness: 0.8, decay: 1, mute: c.spb * 0.45 });
      if (rng.chance(0.5)) strum(c, gtr, at(c, bar * 4 + b + 0.5), shape.slice(2), { gain: 0.3, brightness: 0.8, decay: 0.8, mute: c.spb * 0.3, up: true });
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.5, decayScale: 0.7 });
      else addSnare(drums, sr, rng, t, { gain: 0.35, brush });
      addHat(drums, sr, rng, t, { gain: 0.07 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.05 });
    }
  }
  const fiddle = rng.chance(0.4);
  const lick = melody(c, SCALES.majPent, 64, 86, 0, c.bars * 4, [0.25, 0.5, 0.5, 1], 0.3);
  if (rng.chance(0.7)) vocalLead(c, lead, SCALES.majPent, [0.5, 1, 1, 1.5, 2], { gain: 0.5 });
  for (const m of lick) {
    const t0 = at(c, m.beat);
    const d = at(c, m.beat + m.len) - t0;
    if (fiddle) addNote(lead, sr, t0, d * 0.9, midiToHz(m.midi), { timbre: 'saw', gain: 0.18, env: { attack: 0.03, decay: 0.1, sustain: 0.8, release: 0.08 }, vibratoHz: 6, vibratoDepth: 0.25, maxHz: 5000 });
    else addPluck(lead, sr, rng, t0, midiToHz(m.midi), { gain: 0.25, brightness: 0.95, decay: 0.8, mute: d * 1.2 });
  }
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, drums, vary(rng, 0.5));
  mixInto(mix, lead, vary(rng, 0.6));
  return master(c, mix, { lowpass: [4000, 6500], drive: [1, 1.5], reverb: [0.08, 0.2], noise: { color: 'pink', db: [-50, -36] } });
};

const disco: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.i7, CH.iv7], [CH.i, CH.VII, CH.VI, CH.VII], [CH.ii7, CH.V7], [CH.i7, CH.VImaj7]]);
  const bass = newStem(c), drums = newStem(c), str = newStem(c), stabs = newStem(c), voc = newStem(c);
  const strings = rng.chance(0.7);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const r = c.root + ch[0]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      addKick(drums, sr, rng, t, { gain: 0.9, decayScale: 0.9 });
      if (b % 2 === 1) (rng.chance(0.5) ? addClap : addSnare)(drums, sr, rng, t, { gain: 0.45 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.25, open: true, decayScale: 0.8 });
      for (const s of [0.25, 0.75]) if (rng.chance(0.7)) addHat(drums, sr, rng, at(c, bar * 4 + b + s), { gain: 0.1 });
      for (const [h, oct] of [[0, 0], [0.5, 12]] as const) {
        addNote(bass, sr, at(c, bar * 4 + b + h), c.spb * 0.4, midiToHz(r + oct), { timbre: 'saw', gain: 0.5, env: { attack: 0.003, decay: 0.1, sustain: 0.6, release: 0.04 }, decayTau: 0.2, maxHz: 1500 });
      }
    }
    if (strings) chordNotes(c, str, at(c, bar * 4), 4 * c.spb, voicing(c, ch, 72), 'saw', { gain: 0.3, attack: 0.08, release: 0.2, vibrato: 0.15 });
    for (const s of rng.pick([[0.5, 1.5, 2.5, 3.5], [1.5, 3.5], [0.75, 2.5]])) {
      chordNotes(c, stabs, at(c, bar * 4 + s), c.spb * 0.35, voicing(c, ch, 60), rng.pick(['epiano', 'brass', 'square'] as const), { gain: 0.35, attack: 0.005, release: 0.05, maxHz: 6000 });
    }
  }
  if (rng.chance(0.6)) vocalLead(c, voc, SCALES.minPent, [0.5, 0.5, 1, 2], { female: rng.chance(0.75), gain: 0.45 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, str, vary(rng, 0.4));
  mixInto(mix, stabs, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.5));
  return master(c, mix, { lowpass: [5500, 7800], drive: [1.4, 2.6], reverb: [0.05, 0.15], noise: { color: 'white', db: [-55, -42] } });
};

const hiphop: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.i7, CH.iv7], [CH.i7, CH.VImaj7], [CH.i7, CH.i7, CH.VImaj7, CH.v], [CH.ii7, CH.Imaj7]]);
  const drums = newStem(c), bass = newStem(c), loop = newStem(c), rap = newStem(c);
  const kicks = rng.pick([[0, 7, 10], [0, 3, 8, 10], [0, 6, 9, 11], [0, 10, 11]]);
  const use808 = rng.chance(0.6);
  const hats16 = rng.chance(0.4);
  const epiano = rng.chance(0.6);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[Math.floor(bar / 2) % prog.length]!;
    for (let s = 0; s < 16; s++) {
      const beat = bar * 4 + s / 4;
      const t = at(c, beat);
      if (kicks.includes(s)) {
        addKick(drums, sr, rng, t, { gain: 1, decayScale: 1.3, tune: 0.85 });
        if (use808) add808(bass, sr, t, midiToHz(c.root + ch[0]! - 12 + 12 * Number(c.root < 43)), c.spb * rng.uniform(0.8, 1.6), 0.7);
      }
      if (s === 4 || s === 12) {
        addSnare(drums, sr, rng, t, { gain: 0.8, decayScale: 1.3, tune: 0.9 });
        if (rng.chance(0.5)) addClap(drums, sr, rng, t, { gain: 0.4 });
      }
      if (hats16 ? true : s % 2 === 0) addHat(drums, sr, rng, t, { gain: s % 4 === 0 ? 0.2 : rng.uniform(0.06, 0.14), decayScale: 0.8 });
    }
    if (!use808) for (const s of kicks) addPluck(bass, sr, rng, at(c, bar * 4 + s / 4), midiToHz(c.root + ch[0]!), { gain: 0.7, brightness: 0.2, decay: 1.2, mute: c.spb * 0.7 });
    if (bar % 2 === 0 || rng.chance(0.3)) {
      const t = at(c, bar * 4 + rng.pick([0, 0, 0.5, 1.75]));
      chordNotes(c, loop, t, c.spb * rng.uniform(1.5, 3.5), voicing(c, prog[Math.floor(bar / 2) % prog.length]!, 55), epiano ? 'epiano' : 'piano', { gain: 0.5, attack: 0.01, release: 0.3, decayTau: 1.2, maxHz: 2500 });
    }
  }
  lowpass(loop, sr, rng.uniform(900, 2000), 2);
  // rap: syllables on the 16th grid in phrases
  if (rng.chance(0.85)) {
    const syl: Syllable[] = [];
    const base = rng.uniform(95, 140);
    for (const [a, b] of phrases(c, [4, 8], [1, 2, 4])) {
      for (let s = a * 4; s < b * 4; s++) {
        if (rng.chance(0.35)) continue;
        const t0 = at(c, s / 4);
        const len = (at(c, (s + rng.pick([1, 1, 2])) / 4) - t0) * 0.9;
        const f0 = base * Math.pow(2, rng.uniform(-2, 3) / 12);
        syl.push({ start: t0, dur: Math.max(0.05, len), f0, f0End: f0 * Math.pow(2, rng.uniform(-2, 0.5) / 12), vowel: rng.pick(VOWEL_NAMES), consonant: rng.pick(CONSONANTS), level: rng.uniform(0.6, 1) });
      }
    }
    addVoice(rap, sr, rng, syl, { gain: 0.6, formantScale: rng.uniform(0.95, 1.08), breathiness: rng.uniform(0.1, 0.35), jitter: 0.01 });
  }
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.7));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, loop, vary(rng, 0.5));
  mixInto(mix, rap, vary(rng, 0.6));
  return master(c, mix, { lowpass: [3000, 5500], drive: [1.2, 2], reverb: [0.02, 0.1], noise: { color: 'pink', db: [-45, -32] }, crackle: 0.65 });
};

const jazz: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.ii7, CH.V7, CH.Imaj7, CH.VI7], [CH.Imaj7, CH.VI7, CH.ii7, CH.V7], [CH.i7, CH.iv7, CH.V7, CH.i7]]);
  const drums = newStem(c), bass = newStem(c), comp = newStem(c), horn = newStem(c);
  const brushes = rng.chance(0.5);
  const compTimbre = rng.pick(['epiano', 'piano'] as const);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const nextRoot = c.root + prog[(bar + 1) % prog.length]![0]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      // ride "ding, ding-a": every beat, plus the swung 8th after beats 2 and 4
      addCymbal(drums, sr, rng, t, { gain: 0.22, ride: true, decayScale: 0.8 });
      if (b % 2 === 1) {
        addCymbal(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.14, ride: true, decayScale: 0.6 });
        addHat(drums, sr, rng, t, { gain: 0.1, decayScale: 0.6 });
      }
      if (rng.chance(0.5)) addKick(drums, sr, rng, t, { gain: 0.15, decayScale: 0.7 });
      for (const h of [0, 0.5]) if (rng.chance(0.18)) addSnare(drums, sr, rng, at(c, bar * 4 + b + h), { gain: rng.uniform(0.1, 0.25), brush: brushes });
      // walking bass: chord tones, chromatic approach on beat 4
      let m: number;
      if (b === 0) m = c.root + ch[0]!;
      else if (b === 3) m = nextRoot + rng.pick([-1, 1, -2]);
      else m = c.root + rng.pick(ch.slice(1));
      while (m > c.root + 14) m -= 12;
      addPluck(bass, sr, rng, t, midiToHz(m), { gain: 0.8, brightness: 0.3, decay: 1.5, mute: c.spb * 0.95 });
    }
    const shell = voicing(c, ch.slice(1), 58);
    for (let k = rng.int(1, 3); k > 0; k--) {
      const pos = rng.int(0, 7) / 2;
      chordNotes(c, comp, at(c, bar * 4 + pos), c.spb * rng.uniform(0.3, 1.2), [...shell, shell[0]! + 14], compTimbre, { gain: 0.3, attack: 0.005, release: 0.15, decayTau: 0.8 });
    }
  }
  const hornOn = rng.chance(0.65);
  if (hornOn) {
    const timbre = rng.pick(['reed', 'brass', 'flute'] as const);
    const notes = melody(c, rng.pick([SCALES.dorian, SCALES.mixolydian, SCALES.blues]), 60, 82, 0, c.bars * 4, [0.5, 0.5, 0.5, 1, 1.5], 0.18);
    for (const m of notes) {
      const t0 = at(c, m.beat);
      const d = at(c, m.beat + m.len) - t0;
      addNote(horn, sr, t0, d * 0.9, midiToHz(m.midi), { timbre, gain: 0.3, env: { attack: 0.03, decay: 0.1, sustain: 0.8, release: 0.06 }, vibratoHz: 5, vibratoDepth: 0.15, maxHz: 4500 });
    }
  } else if (rng.chance(0.3)) vocalLead(c, horn, SCALES.mixolydian, [0.5, 1, 1, 2], { female: true, gain: 0.4 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.5));
  mixInto(mix, bass, vary(rng, 0.8));
  mixInto(mix, comp, vary(rng, 0.5));
  mixInto(mix, horn, vary(rng, 0.5));
  return master(c, mix, { lowpass: [3000, 5500], reverb: [0.12, 0.3], noise: { color: 'pink', db: [-50, -36] } });
};

const metal: Renderer = (c) => {
  const { rng, sr } = c;
  const shape = rng.pick([[0, 1, 0, 10], [0, 0, 3, 5], [0, 5, 3, 1], [0, 0, 8, 7]]);
  const gtrA = newStem(c), gtrB = newStem(c), bass = newStem(c), drums = newStem(c), voc = newStem(c);
  const doubleKick = rng.chance(0.65);
  const blast = !doubleKick && rng.chance(0.4);
  const chug = rng.pick([[1, 1, 1, 1], [1, 1, 0, 1], [1, 0, 1, 1], [1, 1, 1, 0]]);
  for (let bar = 0; bar < c.bars; bar++) {
    const r = c.root + shape[bar % shape.length]!;
    for (let s = 0; s < 16; s++) {
      const beat = bar * 4 + s / 4;
      const t = at(c, beat);
      const accent = s % 4 === 0;
      if (chug[s % 4] || accent) {
        const d = accent && rng.chance(0.3) ? c.spb * 0.9 : c.spb * 0.2;
        for (const [stem, det] of [[gtrA, -0.08], [gtrB, 0.08]] as const) {
          chordNotes(c, stem, t, d, powerChord(r + 12).map((m) => m + det), 'saw', { gain: accent ? 0.7 : 0.5, attack: 0.002, release: 0.03, sustain: 0.9 });
        }
        addNote(bass, sr, t, c.spb * 0.2, midiToHz(r), { timbre: 'saw', gain: 0.6, env: { attack: 0.002, decay: 0.1, sustain: 0.8, release: 0.03 }, maxHz: 1200 });
      }
      if (doubleKick || (s % 2 === 0 && (blast || s % 8 === 0 || rng.chance(0.3)))) addKick(drums, sr, rng, t, { gain: 0.7, decayScale: 0.5, tune: 1.1 });
      if (blast ? s % 2 === 1 : s === 4 || s === 12) addSnare(drums, sr, rng, t, { gain: 0.7, decayScale: 0.8 });
      if (s % 2 === 0) addHat(drums, sr, rng, t, { gain: 0.12 });
    }
    addCymbal(drums, sr, rng, at(c, bar * 4), { gain: 0.45, decayScale: 1.2 });
    if (rng.chance(0.4)) addCymbal(drums, sr, rng, at(c, bar * 4 + 2), { gain: 0.35 });
  }
  for (const g of [gtrA, gtrB]) {
    highpass(g, sr, 90);
    saturate(g, rng.uniform(8, 18));
    lowpass(g, sr, rng.uniform(3500, 5200), 2);
  }
  saturate(bass, 2);
  if (rng.chance(0.6)) {
    const growl = rng.chance(0.6);
    const notes: MNote[] = [];
    for (const [a, b] of phrases(c, [2, 4], [2, 4])) notes.push(...melody(c, SCALES.phrygian, growl ? 40 : 54, growl ? 50 : 64, a, b, [0.5, 1, 1, 2], 0.1, 1));
    sing(c, voc, notes, { female: false, gain: 0.5, noiseSource: growl ? rng.uniform(0.6, 0.85) : rng.uniform(0.3, 0.5), breathiness: 0.8, vibrato: 0.05 });
    saturate(voc, 3);
  }
  const mix = newStem(c);
  mixInto(mix, gtrA, vary(rng, 0.45));
  mixInto(mix, gtrB, vary(rng, 0.45));
  mixInto(mix, bass, vary(rng, 0.35));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, voc, vary(rng, 0.35));
  return master(c, mix, { lowpass: [4500, 7000], drive: [2, 3.5], reverb: [0.03, 0.12], noise: { color: 'white', db: [-40, -28] } });
};

const pop: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.I, CH.V, CH.vi, CH.IV], [CH.vi, CH.IV, CH.I, CH.V], [CH.I, CH.vi, CH.IV, CH.V], [CH.IV, CH.I, CH.V, CH.vi]]);
  const drums = newStem(c), bass = newStem(c), keys = newStem(c), arp = newStem(c), voc = newStem(c);
  const keysTimbre = rng.pick(['piano', 'saw', 'epiano'] as const);
  const keysRhythm = rng.pick([[0, 1, 2, 3], [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5], [0, 1.5, 3]]);
  const hasArp = rng.chance(0.35);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.85 });
      else (rng.chance(0.5) ? addClap : addSnare)(drums, sr, rng, t, { gain: 0.6 });
      if (b === 1 && rng.chance(0.5)) addKick(drums, sr, rng, at(c, bar * 4 + 1.5), { gain: 0.6 });
      addHat(drums, sr, rng, t, { gain: 0.12 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.1 });
      for (const h of [0, 0.5]) addNote(bass, sr, at(c, bar * 4 + b + h), c.spb * 0.45, midiToHz(c.root + ch[0]!), { timbre: 'bass', gain: 0.6, env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.04 } });
    }
    for (const p of keysRhythm) {
      chordNotes(c, keys, at(c, bar * 4 + p), c.spb * 0.9, voicing(c, ch, 60), keysTimbre, { gain: 0.35, attack: 0.005, release: 0.1, decayTau: keysTimbre === 'saw' ? 0 : 0.8, maxHz: 5000 });
    }
    if (hasArp) {
      const tones = voicing(c, ch, 72);
      for (let s = 0; s < 16; s++) addNote(arp, sr, at(c, bar * 4 + s / 4), c.spb * 0.2, midiToHz(tones[s % tones.length]!), { timbre: 'square', gain: 0.15, env: { attack: 0.002, decay: 0.05, sustain: 0.5, release: 0.03 }, maxHz: 5000 });
    }
  }
  if (rng.chance(0.92)) vocalLead(c, voc, rng.chance(0.5) ? SCALES.majPent : SCALES.major, [0.5, 0.5, 1, 1, 1.5, 2], { gain: 0.6, lens: [4, 8], gaps: [0.5, 1, 2] });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, keys, vary(rng, 0.4));
  mixInto(mix, arp, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.7));
  return master(c, mix, { lowpass: [5000, 7800], drive: [1.3, 2.4], reverb: [0.08, 0.22], noise: { color: 'white', db: [-60, -45] } });
};

const reggae: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[CH.i, CH.iv], [CH.I, CH.IV], [CH.I, CH.V], [CH.i, CH.VII], [CH.I, CH.IV, CH.V, CH.IV]]);
  const drums = newStem(c), bass = newStem(c), skank = newStem(c), organ = newStem(c), voc = newStem(c);
  const bassPattern = rng.pick([
    [[0, 0, 1], [1.5, 7, 0.5], [2, 12, 0.5], [2.5, 10, 1]],
    [[0, 0, 1.5], [1.5, 0, 0.5], [2.5, 7, 0.5], [3, 5, 1]],
    [[0.5, 0, 1], [1.5, 3, 0.5], [2, 5, 1], [3.5, 7, 0.5]],
  ]);
  const allOffbeats = rng.chance(0.4);
  const hasOrgan = rng.chance(0.6);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[Math.floor(bar / (prog.length > 2 ? 1 : 2)) % prog.length]!;
    // one drop: kick and rim shot together on beat 3 only
    const t3 = at(c, bar * 4 + 2);
    addKick(drums, sr, rng, t3, { gain: 0.8, decayScale: 1.1 });
    addSnare(drums, sr, rng, t3, { gain: 0.5, decayScale: 0.4, tune: 1.6 });
    for (let e = 0; e < 8; e++) addHat(drums, sr, rng, at(c, bar * 4 + e / 2), { gain: e % 2 ? 0.1 : 0.06, decayScale: 0.8 });
    for (const [pos, iv, len] of bassPattern) {
      addNote(bass, sr, at(c, bar * 4 + pos!), c.spb * len! * 0.9, midiToHz(c.root + ch[0]! + iv!), { timbre: 'bass', gain: 0.9, env: { attack: 0.01, decay: 0.2, sustain: 0.8, release: 0.05 }, maxHz: 700 });
    }
    const shape = voicing(c, ch, 62);
    for (let b = 0; b < 4; b++) {
      if (!allOffbeats && b % 2 === 0) continue;
      const t = at(c, bar * 4 + b + (allOffbeats ? 0.5 : 0));
      strum(c, skank, t, shape, { gain: 0.55, brightness: 0.95, decay: 0.5, mute: c.spb * 0.18, spread: 0.004 });
      if (hasOrgan) for (const h of [0.25, 0.75]) chordNotes(c, organ, at(c, bar * 4 + b + h), c.spb * 0.15, shape, 'organ', { gain: 0.2, attack: 0.004, release: 0.03 });
    }
  }
  highpass(skank, sr, 400);
  if (rng.chance(0.6)) vocalLead(c, voc, SCALES.majPent, [0.5, 1, 1, 1.5], { gain: 0.5 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.9));
  mixInto(mix, skank, vary(rng, 0.6));
  mixInto(mix, organ, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.6));
  return master(c, mix, { lowpass: [3500, 5500], drive: [1, 1.6], reverb: [0.1, 0.3], noise: { color: 'pink', db: [-55, -40] } });
};

const rock: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([[0, 5, 7, 5], [0, 10, 5, 0], [9, 5, 0, 7], [0, 0, 5, 7], [0, 3, 5, 5]]);
  const gtr = newStem(c), bass = newStem(c), drums = newStem(c), voc = newStem(c);
  const ride = rng.chance(0.3);
  for (let bar = 0; bar < c.bars; bar++) {
    const r = c.root + prog[bar % prog.length]!;
    for (let e = 0; e < 8; e++) {
      const beat = bar * 4 + e / 2;
      const t = at(c, beat);
      chordNotes(c, gtr, t, c.spb * 0.45, powerChord(r + 12), 'saw', { gain: e % 2 ? 0.45 : 0.55, attack: 0.003, release: 0.04, sustain: 0.85 });
      addNote(bass, sr, t, c.spb * 0.45, midiToHz(r), { timbre: 'bass', gain: 0.6, env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.04 } });
      if (ride) addCymbal(drums, sr, rng, t, { gain: 0.12, ride: true, decayScale: 0.6 });
      else addHat(drums, sr, rng, t, { gain: e % 2 ? 0.1 : 0.15, open: rng.chance(0.1) });
    }
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.85 });
      else addSnare(drums, sr, rng, t, { gain: 0.7 });
      if (b === 2 && rng.chance(0.4)) addKick(drums, sr, rng, at(c, bar * 4 + 2.5), { gain: 0.6 });
    }
    if (bar % 4 === 0 || rng.chance(0.15)) addCymbal(drums, sr, rng, at(c, bar * 4), { gain: 0.4 });
  }
  highpass(gtr, sr, 90);
  saturate(gtr, rng.uniform(2.5, 6));
  lowpass(gtr, sr, rng.uniform(3800, 5500), 2);
  if (rng.chance(0.7)) vocalLead(c, voc, SCALES.minPent, [0.5, 1, 1, 1.5, 2], { gain: 0.55 });
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.55));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, voc, vary(rng, 0.55));
  return master(c, mix, { lowpass: [4200, 6800], drive: [1.3, 2.3], reverb: [0.05, 0.18], noise: { color: 'white', db: [-52, -38] } });
};

const RENDERERS: Record<Genre, Renderer> = { blues, classical, country, disco, hiphop, jazz, metal, pop, reggae, rock };

function checkGenre(genre: unknown, where: string): Genre {
  if (typeof genre !== 'string' || !(GENRES as readonly string[]).includes(genre)) {
    throw new ValueError(`${where}: genre must be one of ${GENRES.join(', ')}, got ${JSON.stringify(genre)}`);
  }
  return genre as Genre;
}

/**
 * One synthetic clip of `genre`: Float32Array of round(duration · sampleRate) samples, peak ≤ 1,
 * a pure function of (genre, seed, sampleRate, duration).
 */
export function synthGenreClip(genre: Genre, options: SynthClipOptions): Float32Array {
  const g = checkGenre(genre, 'synthGenreClip');
  if (options === null || typeof options !== 'object') throw new ValueError('synthGenreClip: options { seed } are required');
  const seed = checkSeed(options.seed, 'synthGenreClip: seed');
  const [sr, , n] = checkClipOptions(options, 'synthGenreClip');
  const rng = createRng(seed, 'genre', g);
  const [bLo, bHi] = TEMPO[g];
  const bpm = rng.uniform(bLo, bHi);
  const spb = 60 / bpm;
  const offset = rng.uniform(0, 4 * spb);
  const root = rng.int(g === 'metal' ? 38 : 40, g === 'metal' ? 45 : 51);
  const [sLo, sHi] = SWING[g];
  const c: Ctx = { sr, n, rng, spb, offset, swing: rng.uniform(sLo, sHi), root, bars: Math.ceil((n / sr + offset) / (4 * spb)) + 1 };
  const out = RENDERERS[g](c);
  // guard: the result must be finite with peak ≤ 1
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) out[i] = 0;
  if (peakOf(out) > 1) normalizePeak(out, 1);
  return out;
}

export interface GenreDatasetOptions {
  /** Clips per genre. */
  perGenre: number;
  /** Integer seed of the whole dataset. */
  seed: number;
  /** Sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Clip length in seconds (default 3). */
  duration?: number;
  /** Which genres (default all ten, in GENRES order); labels index into this list. */
  genres?: readonly Genre[];
}

export interface GenreDataset {
  /** The clips, interleaved by genre (clip i has label i mod genres.length), so any prefix is balanced. */
  clips: Float32Array[];
  /** Label of each clip: an index into `genres`. */
  labels: Int32Array;
  /** The genre names, in label order. */
  genres: Genre[];
  sampleRate: number;
}

/** perGenre clips of each genre, with labels. Clip k of genre g uses seed deriveSeed(seed, 'dataset', g, k). */
export function synthGenreDataset(options: GenreDatasetOptions): GenreDataset {
  if (options === null || typeof options !== 'object') throw new ValueError('synthGenreDataset: options { perGenre, seed } are required');
  const seed = checkSeed(options.seed, 'synthGenreDataset: seed');
  const per = options.perGenre;
  if (typeof per !== 'number' || !Number.isInteger(per) || per < 1) throw new ValueError(`synthGenreDataset: perGenre must be a positive integer, got ${String(per)}`);
  const [sr, dur] = checkClipOptions(options, 'synthGenreDataset');
  const genres = (options.genres ?? GENRES).map((g) => checkGenre(g, 'synthGenreDataset'));
  if (genres.length === 0) throw new ValueError('synthGenreDataset: genres must not be empty');
  if (new Set(genres).size !== genres.length) throw new ValueError(`synthGenreDataset: genres must not repeat, got ${genres.join(', ')}`);
  const clips: Float32Array[] = [];
  const labels = new Int32Array(per * genres.length);
  for (let k = 0; k < per; k++) {
    genres.forEach((g, gi) => {
      labels[clips.length] = gi;
      clips.push(synthGenreClip(g, { seed: deriveSeed(seed, 'dataset', g, k), sampleRate: sr, duration: dur }));
    });
  }
  return { clips, labels, genres, sampleRate: sr };
}
