/**
 * Synthetic genre-like music clips for training and explaining genre classifiers without a
 * dataset (GTZAN's ten genre names). Each genre is a seeded arrangement (tempo, key, chord
 * progression, bass line, drum pattern, lead or voice) rendered with the instruments of instruments.ts, drums.ts and effects.ts:
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
import { parseOptions, withSnakeCase } from '../../util/options.js';
import { ValueError } from '../../engine/index.js';
import type { Ctx } from './arrangement.js';
import { normalizePeak, peakOf } from './effects.js';
import { RENDERERS, SWING, TEMPO } from './genreRecipes.js';
import { checkSeed, createRng, deriveSeed } from '../../engine/index.js';

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
  options = parseOptions<SynthClipOptions>(
    options,
    withSnakeCase(['seed', 'sampleRate', 'duration']),
    'synthGenreClip',
  ) as SynthClipOptions;
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
  options = parseOptions<GenreDatasetOptions>(
    options,
    withSnakeCase(['perGenre', 'seed', 'sampleRate', 'duration', 'genres']),
    'synthGenreDataset',
  ) as GenreDatasetOptions;
  const seed = checkSeed(options.seed, 'synthGenreDataset: seed');
  const per = options.perGenre;
  if (typeof per !== 'number' || !Number.isInteger(per) || per < 1)
    throw new ValueError(`synthGenreDataset: perGenre must be a positive integer, got ${String(per)}`);
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
