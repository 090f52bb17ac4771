/**
 * Synthetic concept audio for TCAV: the six concepts of the TCAV genre notebook, made varied
 * (every clip its own seed) and separable by the feature that defines each concept, plus random
 * counterexample sets (TCAV trains each CAV against random examples and tests the concept's
 * scores against CAVs of random-vs-random sets).
 *
 * - high_energy  (notebook: 2 kHz tone with 4 Hz AM + 3 kHz): 2–4 bright partials (1.5–4 kHz)
 *   with irregular fast AM, a distorted saw chord, dense hats and hiss, compressed and loud.
 *   Defining feature: high RMS (low crest factor).
 * - low_energy   (notebook: 0.1·(60 Hz + 80 Hz)): 2–3 low sines (40–130 Hz) with slow swells,
 *   peak 0.02–0.06. Defining feature: low RMS.
 * - vocal_heavy  (notebook: 250 + 750 + 2500 Hz "formants"): formant-synthesised syllables (F1–F3
 *   of ten vowels, male or female formant scale) on a glottal pulse source, spoken or sung, F0
 *   85–345 Hz, with consonant noise. Defining feature: voiced frames with a voice-range F0 whose
 *   harmonics carry F2–F3 energy (formant structure).
 * - instrumental (notebook: 440 Hz + 3 harmonics, 1/n): legato melodies (Eb4–F6) of a harmonic
 *   instrument (piano, organ, reed, flute, brass, plucked string, ...), often doubled an octave up.
 *   Defining feature: sustained harmonic tones at instrument pitch (F0 250–1000 Hz).
 * - rhythmic     (notebook: 1 kHz bursts of 0.1 s every 0.5 s): drum, knock or tone-burst events
 *   on a steady period of 0.3–0.7 s with accents. Defining feature: onset periodicity.
 * - ambient      (notebook: 0.1·(30 Hz + 0.5·100 Hz), smooth): a low pad of harmonics of 30–110 Hz,
 *   each partial slowly swelling, faint low-passed wind noise, long fades, reverb, moderate level.
 *   Defining features: low spectral centroid and a smooth envelope (and louder than low_energy).
 *
 * Every clip is finite and peak-normalised (peak ≤ 1); low_energy keeps a low peak by design.
 */
import { parseOptions, withSnakeCase } from '../../util/options.js';
import { ValueError } from '../../engine/index.js';
import { addHat, addKick, addNoiseBurst, addSnare } from './drums.js';
import { addNoise, highpass, lowpass, mixInto, normalizePeak, peakOf, reverb, saturate, smoothRandom, TWO_PI } from './effects.js';
import { addNote, addPluck, addVoice, midiToHz, VOWEL_NAMES, type Syllable, type Timbre } from './instruments.js';
import { checkClipOptions } from './genres.js';
import { checkSeed, createRng, deriveSeed, type Rng } from '../../engine/index.js';

/** The six concepts of the TCAV genre notebook. */
export const CONCEPTS = ['high_energy', 'low_energy', 'vocal_heavy', 'instrumental', 'rhythmic', 'ambient'] as const;
export type Concept = (typeof CONCEPTS)[number];

export interface ConceptClipOptions {
  /** Number of clips. */
  count: number;
  /** Integer seed of the set: clip k uses deriveSeed(seed, concept, k). */
  seed: number;
  /** Sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Clip length in seconds (default 3, the genre clips' length). */
  duration?: number;
}

interface Clip {
  sr: number;
  n: number;
  dur: number;
  rng: Rng;
}

function highEnergy(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  // bright partials (the notebook's 2 kHz + 3 kHz, generalised) with fast irregular amplitude motion
  const nPartials = rng.int(2, 4);
  for (let p = 0; p < nPartials; p++) {
    const f = Math.min(0.42 * sr, rng.uniform(1500, 4000));
    const amp = rng.uniform(0.2, 0.4);
    const am = smoothRandom(n, sr, rng, rng.uniform(6, 14), 0.3);
    const ph = rng.uniform(0, TWO_PI);
    for (let i = 0; i < n; i++) x[i]! += amp * am[i]! * Math.sin(ph + (TWO_PI * f * i) / sr);
  }
  // a dense distorted saw chord (power chord in a mid/high register)
  const chord = new Float32Array(n);
  const root = rng.int(52, 64);
  for (const iv of [0, 7, 12, rng.pick([3, 4, 5])]) {
    addNote(chord, sr, 0, c.dur, midiToHz(root + iv) * Math.pow(2, rng.uniform(-0.1, 0.1) / 12), {
      timbre: 'saw',
      gain: 0.5,
      env: { attack: 0.005, decay: 0.1, sustain: 1, release: 0.01 },
    });
  }
  saturate(chord, rng.uniform(4, 10));
  mixInto(x, chord, rng.uniform(0.3, 0.6));
  // dense bright noise (hats / cymbals at random times), broadband hiss
  const events = Math.round(c.dur * rng.uniform(6, 14));
  for (let k = 0; k < events; k++) addHat(x, sr, rng, rng.uniform(0, c.dur), { gain: rng.uniform(0.2, 0.5), open: rng.chance(0.5) });
  addNoise(x, rng, 'white', rng.uniform(0.05, 0.12));
  // loud: compress hard, then normalise near full scale
  normalizePeak(x, 1);
  saturate(x, rng.uniform(2, 3.5));
  return normalizePeak(x, rng.uniform(0.9, 1));
}

function lowEnergy(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  const k = rng.int(2, 3);
  const swell = smoothRandom(n, sr, rng, rng.uniform(0.3, 1), 0.3);
  for (let j = 0; j < k; j++) {
    const f = rng.uniform(40, 130);
    const ph = rng.uniform(0, TWO_PI);
    const a = rng.uniform(0.5, 1);
    for (let i = 0; i < n; i++) x[i]! += a * Math.sin(ph + (TWO_PI * f * i) / sr);
  }
  for (let i = 0; i < n; i++) x[i]! *= swell[i]!;
  fade(x, sr, 0.05);
  addNoise(x, rng, 'pink', 0.003);
  return normalizePeak(x, rng.uniform(0.02, 0.06));
}

const CONSONANTS: ReadonlyArray<Syllable['consonant']> = ['none', 'plosive', 'plosive', 'fricative', 'sh'];

function vocalHeavy(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  const female = rng.chance(0.5);
  const base = female ? rng.uniform(165, 230) : rng.uniform(85, 145);
  const sung = rng.chance(0.5);
  const syl: Syllable[] = [];
  let t = rng.uniform(0, 0.15);
  while (t < c.dur - 0.05) {
    const dur = sung ? rng.uniform(0.2, 0.6) : rng.uniform(0.12, 0.3);
    const f0 = base * Math.pow(2, (sung ? rng.pick([0, 2, 4, 5, 7]) : rng.uniform(-2, 3)) / 12);
    syl.push({
      start: t,
      dur,
      f0,
      f0End: sung ? f0 : f0 * Math.pow(2, rng.uniform(-3, 1) / 12),
      vowel: rng.pick(VOWEL_NAMES),
      consonant: rng.pick(CONSONANTS),
      level: rng.uniform(0.7, 1),
    });
    t += dur + (rng.chance(0.15) ? rng.uniform(0.05, 0.3) : rng.uniform(0, 0.03));
  }
  addVoice(x, sr, rng, syl, {
    gain: 1,
    formantScale: female ? rng.uniform(1.12, 1.25) : rng.uniform(0.92, 1.06),
    breathiness: rng.uniform(0.03, 0.3),
    vibratoHz: rng.uniform(4.5, 6.5),
    vibratoDepth: sung ? rng.uniform(0.1, 0.4) : 0,
    jitter: rng.uniform(0.003, 0.012),
  });
  reverb(x, sr, rng.uniform(0, 0.15), rng.uniform(0.6, 1.2));
  addNoise(x, rng, 'pink', 0.002);
  return normalizePeak(x, rng.uniform(0.5, 0.95));
}

function instrumental(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  const timbres: Timbre[] = ['piano', 'organ', 'reed', 'flute', 'brass', 'epiano', 'triangle'];
  const lead = rng.pick<Timbre | 'pluck'>([...timbres, 'pluck', 'pluck']);
  // a second instrument doubling the line an octave up (or in unison): richer harmonics, but the
  // texture stays monophonic, so the only pitch is the melody's (no low "virtual pitch" of chords)
  const double = rng.chance(0.6) ? rng.pick<Timbre>(['organ', 'flute', 'triangle', 'saw', 'reed']) : null;
  const doubleOct = rng.chance(0.6) ? 2 : 1;
  const scale = rng.pick([
    [0, 2, 4, 5, 7, 9, 11],
    [0, 2, 3, 5, 7, 8, 10],
    [0, 2, 4, 7, 9],
  ]);
  const key = rng.int(63, 70); // Eb4..Bb4: notes stay above the voice-pitch range
  const pitches: number[] = [];
  for (let m = key; m <= key + 19; m++) if (scale.includes((m - key) % 12)) pitches.push(m);
  let idx = rng.int(0, pitches.length - 1);
  let t = 0;
  // legato melody with irregular note lengths (so it is not "rhythmic")
  while (t < c.dur) {
    const d = rng.pick([0.15, 0.25, 0.3, 0.45, 0.6, 0.9]) * rng.uniform(0.85, 1.2);
    const f0 = midiToHz(pitches[idx]!);
    const struck = lead === 'piano' || lead === 'epiano';
    if (lead === 'pluck') addPluck(x, sr, rng, t, f0, { gain: 0.6, brightness: rng.uniform(0.4, 0.8), decay: 1.5, mute: d });
    else
      addNote(x, sr, t, d * 0.95, f0, {
        timbre: lead,
        gain: 0.5,
        env: { attack: struck ? 0.004 : 0.03, decay: 0.15, sustain: 0.8, release: 0.05 },
        decayTau: struck ? 1 : 0,
        vibratoHz: 5.5,
        vibratoDepth: lead === 'reed' || lead === 'flute' ? 0.12 : 0,
        maxHz: 5000,
      });
    if (double)
      addNote(x, sr, t, d * 0.95, f0 * doubleOct, {
        timbre: double,
        gain: 0.2,
        env: { attack: 0.03, decay: 0.15, sustain: 0.8, release: 0.05 },
        maxHz: 5000,
      });
    idx = Math.max(0, Math.min(pitches.length - 1, idx + rng.pick([-2, -1, -1, 1, 1, 2, 3, -3])));
    t += d;
  }
  reverb(x, sr, rng.uniform(0.03, 0.12), 0.8);
  fade(x, sr, 0.02);
  addNoise(x, rng, 'pink', 0.001);
  return normalizePeak(x, rng.uniform(0.5, 0.95));
}

function rhythmic(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  const period = rng.uniform(0.3, 0.7);
  const kind = rng.pick(['tone', 'click', 'drums', 'drums'] as const);
  const toneHz = rng.uniform(500, 2000);
  const burst = rng.uniform(0.05, 0.12);
  const phase = rng.uniform(0, period);
  let k = 0;
  for (let t = phase - period; t < c.dur; t += period, k++) {
    if (t < -0.3) continue;
    const accent = k % 4 === 0 ? 1 : rng.uniform(0.65, 0.85);
    if (kind === 'tone')
      addNote(x, sr, t, burst, toneHz, { timbre: 'sine', gain: accent, env: { attack: 0.002, decay: 0.02, sustain: 0.9, release: 0.01 } });
    else if (kind === 'click') {
      // a woodblock-like knock: a short decaying tone plus a noise transient
      addNote(x, sr, t, 0.005, toneHz, {
        timbre: 'sine',
        gain: accent,
        env: { attack: 0.001, decay: 0.004, sustain: 1, release: 0.12 },
        decayTau: 0.05,
      });
      addNoiseBurst(x, sr, rng, t, toneHz * 2, 2, 0.015, 0.5 * accent);
    } else {
      if (k % 2 === 0) addKick(x, sr, rng, t, { gain: accent });
      else addSnare(x, sr, rng, t, { gain: 0.7 * accent });
      addHat(x, sr, rng, t + period / 2, { gain: 0.25 });
    }
  }
  addNoise(x, rng, 'pink', rng.uniform(0.001, 0.01));
  return normalizePeak(x, rng.uniform(0.6, 0.95));
}

function ambient(c: Clip): Float32Array {
  const { sr, n, rng } = c;
  const x = new Float32Array(n);
  // low pad (the notebook's 30 Hz + 100 Hz, widened to a few harmonic partials), each partial
  // swelling on its own slow curve: no detuned pairs, so no beating
  const root = rng.uniform(30, 110);
  const ratios = rng.pick([
    [1, 2, 3],
    [1, 1.5, 2],
    [1, 2, 3, 4],
    [1, 3, 5],
  ]);
  for (const r of ratios) {
    const f = root * r;
    const ph = rng.uniform(0, TWO_PI);
    const a = rng.uniform(0.4, 1) / r;
    const lfo = smoothRandom(n, sr, rng, rng.uniform(0.08, 0.2), 0.3);
    for (let i = 0; i < n; i++) x[i]! += a * lfo[i]! * Math.sin(ph + (TWO_PI * f * i) / sr);
  }
  // soft wind: low-passed noise with a very slow swell
  const wind = new Float32Array(n);
  addNoise(wind, rng, 'pink', 1);
  lowpass(wind, sr, rng.uniform(300, 900), 2);
  highpass(wind, sr, 40);
  const ws = smoothRandom(n, sr, rng, rng.uniform(0.2, 0.5), 0.5);
  for (let i = 0; i < n; i++) wind[i]! *= ws[i]!;
  normalizePeak(wind, 1);
  mixInto(x, wind, rng.uniform(0.06, 0.15) * (peakOf(x) || 1));
  const swell = smoothRandom(n, sr, rng, rng.uniform(0.1, 0.25), 0.3);
  for (let i = 0; i < n; i++) x[i]! *= swell[i]!;
  reverb(x, sr, rng.uniform(0.3, 0.5), 1.6);
  fade(x, sr, 0.3);
  return normalizePeak(x, rng.uniform(0.3, 0.6));
}

/** Linear fade-in and fade-out of `sec` seconds, in place. */
function fade(x: Float32Array, sr: number, sec: number): void {
  const m = Math.min(Math.floor(x.length / 2), Math.round(sec * sr));
  for (let i = 0; i < m; i++) {
    const g = i / m;
    x[i]! *= g;
    x[x.length - 1 - i]! *= g;
  }
}

const MAKERS: Record<Concept, (c: Clip) => Float32Array> = {
  high_energy: highEnergy,
  low_energy: lowEnergy,
  vocal_heavy: vocalHeavy,
  instrumental,
  rhythmic,
  ambient,
};

function finish(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) x[i] = 0;
  if (peakOf(x) > 1) normalizePeak(x, 1);
  return x;
}

function checkCount(count: unknown, where: string): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new ValueError(`${where}: count must be a non-negative integer, got ${String(count)}`);
  return count;
}

/**
 * `count` clips of a concept (Float32Array each, round(duration · sampleRate) samples, peak ≤ 1),
 * a pure function of (concept, seed, k, sampleRate, duration).
 */
export function synthConceptClips(concept: Concept, options: ConceptClipOptions): Float32Array[] {
  if (typeof concept !== 'string' || !(CONCEPTS as readonly string[]).includes(concept)) {
    throw new ValueError(`synthConceptClips: concept must be one of ${CONCEPTS.join(', ')}, got ${JSON.stringify(concept)}`);
  }
  if (options === null || typeof options !== 'object') throw new ValueError('synthConceptClips: options { count, seed } are required');
  options = parseOptions<ConceptClipOptions>(options, withSnakeCase(CLIP_KEYS), 'synthConceptClips') as ConceptClipOptions;
  const count = checkCount(options.count, 'synthConceptClips');
  const seed = checkSeed(options.seed, 'synthConceptClips: seed');
  const [sr, dur, n] = checkClipOptions(options, 'synthConceptClips');
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++)
    out.push(finish(MAKERS[concept]({ sr, n, dur, rng: createRng(deriveSeed(seed, 'concept', concept, k)) })));
  return out;
}

/** Kinds of random counterexample. */
export const RANDOM_KINDS = ['noise', 'tones', 'mixture'] as const;
export type RandomKind = (typeof RANDOM_KINDS)[number];

/** The option keys of ConceptClipOptions (unknown ones are refused, naming the nearest). */
const CLIP_KEYS = ['count', 'seed', 'sampleRate', 'duration'];

export interface RandomClipOptions extends ConceptClipOptions {
  /** Which kinds to draw from (default all three, chosen per clip at random). */
  kinds?: readonly RandomKind[];
}

/**
 * Random counterexamples for TCAV: each clip is one of
 * - 'noise': white, pink or brown noise at a random level (RMS 0.01–0.3);
 * - 'tones': the notebook's random tone (100–500 Hz) widened to 1–3 random sines (60–4000 Hz) plus noise;
 * - 'mixture': a random collage of short events (sine blips, chirps, noise bursts) at random
 *   times and levels over a faint noise bed.
 * Call it with different seeds for the several random sets of TCAV's significance test.
 */
export function randomConceptClips(options: RandomClipOptions): Float32Array[] {
  if (options === null || typeof options !== 'object') throw new ValueError('randomConceptClips: options { count, seed } are required');
  options = parseOptions<RandomClipOptions>(options, withSnakeCase([...CLIP_KEYS, 'kinds']), 'randomConceptClips') as RandomClipOptions;
  const count = checkCount(options.count, 'randomConceptClips');
  const seed = checkSeed(options.seed, 'randomConceptClips: seed');
  const [sr, dur, n] = checkClipOptions(options, 'randomConceptClips');
  const kinds = options.kinds ?? RANDOM_KINDS;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !(RANDOM_KINDS as readonly string[]).includes(k))) {
    throw new ValueError(`randomConceptClips: kinds must be a non-empty array of ${RANDOM_KINDS.join(', ')}, got ${JSON.stringify(kinds)}`);
  }
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const rng = createRng(deriveSeed(seed, 'random', k));
    const kind = rng.pick(kinds);
    const x = new Float32Array(n);
    if (kind === 'noise') {
      addNoise(x, rng, rng.pick(['white', 'pink', 'brown'] as const), rng.logUniform(0.01, 0.3));
    } else if (kind === 'tones') {
      for (let j = rng.int(1, 3); j > 0; j--) {
        const f = rng.logUniform(60, 4000);
        const a = rng.logUniform(0.03, 0.3);
        const ph = rng.uniform(0, TWO_PI);
        for (let i = 0; i < n; i++) x[i]! += a * Math.sin(ph + (TWO_PI * f * i) / sr);
      }
      addNoise(x, rng, rng.pick(['white', 'pink'] as const), rng.logUniform(0.005, 0.08));
    } else {
      addNoise(x, rng, 'pink', rng.logUniform(0.002, 0.02));
      const events = rng.int(2, Math.max(3, Math.round(8 * dur)));
      for (let e = 0; e < events; e++) {
        const t = rng.uniform(-0.1, dur);
        const len = rng.uniform(0.03, 0.6);
        const g = rng.logUniform(0.05, 0.6);
        const type = rng.int(0, 2);
        if (type === 0)
          addNote(x, sr, t, len, rng.logUniform(80, 4000), {
            timbre: rng.pick(['sine', 'triangle', 'square'] as const),
            gain: g,
            env: { attack: rng.uniform(0.002, 0.1), decay: 0.05, sustain: 0.8, release: rng.uniform(0.01, 0.2) },
          });
        else if (type === 1) addNoiseBurst(x, sr, rng, t, rng.logUniform(200, 6000), rng.uniform(0.5, 4), len / 3, g);
        else {
          // a chirp (linear sweep)
          const f0 = rng.logUniform(100, 3000);
          const f1 = rng.logUniform(100, 3000);
          const i0 = Math.max(0, Math.round(t * sr));
          const i1 = Math.min(n, Math.round((t + len) * sr));
          let ph = 0;
          for (let i = i0; i < i1; i++) {
            const u = (i / sr - t) / len;
            ph += (f0 + (f1 - f0) * u) / sr;
            x[i]! += g * Math.sin(TWO_PI * ph) * Math.sin(Math.PI * u);
          }
        }
      }
    }
    // random counterexamples keep random levels: only clip to peak ≤ 1
    if (peakOf(x) > 1) normalizePeak(x, rng.uniform(0.5, 1));
    out.push(finish(x));
  }
  return out;
}
