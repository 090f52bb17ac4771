/**
 * Synthetic audio generators (src/data/synth): genre clips, TCAV concept clips, random
 * counterexamples and the seeded RNG.
 * - determinism: the same seed gives identical samples, another seed different ones;
 * - shape and hygiene: round(duration · sampleRate) samples, finite, 0 < peak ≤ 1;
 * - genres differ by simple features computed here (RMS, spectral centroid / flatness, band
 *   energies, onset rate and periodicity, envelope roughness, cepstral pitch): for almost every
 *   pair of genres some feature separates them (AUC ≥ 0.9), and a nearest-centroid classifier on
 *   the features is far above chance (learnable, yet no single feature separates all ten);
 * - each concept separates from the others by its defining feature (AUC ≥ 0.95–1): RMS (high /
 *   low energy), onset periodicity (rhythmic), pitched frames at instrument pitch (instrumental),
 *   voice-range pitch × F2–F3 formant energy (vocal_heavy), low spectral centroid + smooth
 *   envelope + not quiet (ambient); against the random counterexamples with lower bounds;
 * - the sources import nothing from Node (they run in the browser).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../src/engine/errors.js';
import {
  CONCEPTS,
  GENRES,
  RANDOM_KINDS,
  createRng,
  deriveSeed,
  randomConceptClips,
  synthConceptClips,
  synthGenreClip,
  synthGenreDataset,
  type Concept,
} from '../src/data/synth/index.js';
import * as F from './helpers/audioFeatures.js';

const SR = 16000;

function expectClean(x: Float32Array, length: number): void {
  expect(x).toBeInstanceOf(Float32Array);
  expect(x.length).toBe(length);
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new Error(`sample ${i} is ${x[i]}`);
    peak = Math.max(peak, Math.abs(x[i]!));
  }
  expect(peak).toBeLessThanOrEqual(1);
  expect(peak).toBeGreaterThan(0);
}

function equalArrays(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('Rng', () => {
  it('is deterministic, seed-sensitive and uniform', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 1000 }, () => a.next());
    const xb = Array.from({ length: 1000 }, () => b.next());
    const xc = Array.from({ length: 1000 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(Math.min(...xa)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xa)).toBeLessThan(1);
    const mean = xa.reduce((s, v) => s + v, 0) / xa.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    const r = createRng(7);
    const nrm = Array.from({ length: 4000 }, () => r.normal());
    const m = nrm.reduce((s, v) => s + v, 0) / nrm.length;
    const sd = Math.sqrt(nrm.reduce((s, v) => s + (v - m) ** 2, 0) / nrm.length);
    expect(Math.abs(m)).toBeLessThan(0.06);
    expect(sd).toBeGreaterThan(0.95);
    expect(sd).toBeLessThan(1.05);
    const ints = Array.from({ length: 500 }, () => r.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
  });

  it('derives independent seeds from keys and rejects bad seeds', () => {
    expect(deriveSeed(1, 'a', 2)).toBe(deriveSeed(1, 'a', 2));
    const seeds = new Set([deriveSeed(1, 'a', 2), deriveSeed(1, 'a', 3), deriveSeed(1, 'b', 2), deriveSeed(2, 'a', 2), deriveSeed(1)]);
    expect(seeds.size).toBe(5);
    expect(createRng(2 ** 40).next()).not.toBe(createRng(2 ** 40 + 1).next());
    expect(() => createRng(1.5)).toThrow(ValueError);
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });
});

describe('synthGenreClip', () => {
  it.each(GENRES)('%s: deterministic, 3 s at 16 kHz, finite, peak ≤ 1', (genre) => {
    const a = synthGenreClip(genre, { seed: 3 });
    const b = synthGenreClip(genre, { seed: 3 });
    const c = synthGenreClip(genre, { seed: 4 });
    expectClean(a, 3 * SR);
    expectClean(c, 3 * SR);
    expect(equalArrays(a, b)).toBe(true);
    expect(equalArrays(a, c)).toBe(false);
    expect(F.rms(a)).toBeGreaterThan(0.02);
  });

  it('honours sampleRate and duration, and different genres with one seed differ', () => {
    const x = synthGenreClip('jazz', { seed: 1, sampleRate: 22050, duration: 1.5 });
    expectClean(x, Math.round(22050 * 1.5));
    const y = synthGenreClip('rock', { seed: 1, sampleRate: 8000, duration: 0.25 });
    expectClean(y, 2000);
    expect(equalArrays(synthGenreClip('pop', { seed: 9, duration: 1 }), synthGenreClip('rock', { seed: 9, duration: 1 }))).toBe(false);
  });

  it('rejects bad arguments with named errors', () => {
    expect(() => synthGenreClip('polka' as never, { seed: 1 })).toThrow(/genre must be one of blues, classical/);
    expect(() => synthGenreClip('pop', { seed: 0.5 })).toThrow(ValueError);
    expect(() => synthGenreClip('pop', { seed: 1, sampleRate: 100 })).toThrow(/sampleRate/);
    expect(() => synthGenreClip('pop', { seed: 1, duration: 0 })).toThrow(/duration/);
    expect(() => synthGenreClip('pop', undefined as never)).toThrow(/seed/);
  });
});

describe('synthGenreDataset', () => {
  it('interleaves balanced labels, is deterministic, and takes a genre subset', () => {
    const ds = synthGenreDataset({ perGenre: 2, seed: 11, duration: 0.5 });
    expect(ds.genres).toEqual([...GENRES]);
    expect(ds.sampleRate).toBe(SR);
    expect(ds.clips).toHaveLength(20);
    expect(Array.from(ds.labels)).toEqual(Array.from({ length: 20 }, (_, i) => i % 10));
    ds.clips.forEach((x) => expectClean(x, SR / 2));
    const again = synthGenreDataset({ perGenre: 2, seed: 11, duration: 0.5 });
    ds.clips.forEach((x, i) => expect(equalArrays(x, again.clips[i]!)).toBe(true));
    const other = synthGenreDataset({ perGenre: 2, seed: 12, duration: 0.5 });
    expect(equalArrays(ds.clips[0]!, other.clips[0]!)).toBe(false);
    // all clips distinct
    for (let i = 0; i < ds.clips.length; i++)
      for (let j = i + 1; j < ds.clips.length; j++) expect(equalArrays(ds.clips[i]!, ds.clips[j]!)).toBe(false);
    const sub = synthGenreDataset({ perGenre: 3, seed: 11, duration: 0.5, genres: ['metal', 'classical'] });
    expect(sub.genres).toEqual(['metal', 'classical']);
    expect(Array.from(sub.labels)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(() => synthGenreDataset({ perGenre: 0, seed: 1 })).toThrow(/perGenre/);
    expect(() => synthGenreDataset({ perGenre: 1, seed: 1, genres: ['pop', 'pop'] })).toThrow(/repeat/);
    expect(() => synthGenreDataset({ perGenre: 1, seed: 1, genres: [] })).toThrow(/empty/);
  });
});

const GENRE_FEATURES = ['rms', 'centroid', 'flatness', 'low<200Hz', 'high>2kHz', 'onsetRate', 'periodicity', 'roughness'] as const;

function genreFeatures(x: Float32Array): number[] {
  const S = F.stft(x, SR);
  return [
    F.rms(x),
    F.spectralCentroid(S),
    F.spectralFlatness(S),
    F.bandRatio(S, 0, 200),
    F.bandRatio(S, 2000, SR / 2),
    F.onsetRate(S),
    F.onsetPeriodicity(S),
    F.envelopeRoughness(x, SR),
  ];
}

describe('genres differ by simple audio features', () => {
  it('some feature separates almost every pair, and nearest-centroid is far above chance', () => {
    const per = 8;
    const feats = new Map<string, number[][]>();
    const X: number[][] = [];
    const y: number[] = [];
    GENRES.forEach((g, gi) => {
      const rows: number[][] = [];
      for (let k = 0; k < per; k++) {
        const f = genreFeatures(synthGenreClip(g, { seed: 1000 + k }));
        rows.push(f);
        X.push(f);
        y.push(gi);
      }
      feats.set(g, rows);
    });
    let separated = 0;
    const weak: string[] = [];
    for (let a = 0; a < GENRES.length; a++) {
      for (let b = a + 1; b < GENRES.length; b++) {
        let best = 0;
        let name = '';
        GENRE_FEATURES.forEach((fname, j) => {
          const u = F.auc(
            feats.get(GENRES[a])!.map((r) => r[j]!),
            feats.get(GENRES[b])!.map((r) => r[j]!),
          );
          const s = Math.max(u, 1 - u);
          if (s > best) [best, name] = [s, fname];
        });
        if (best >= 0.9) separated++;
        else weak.push(`${GENRES[a]}/${GENRES[b]} ${best.toFixed(2)} (${name})`);
      }
    }
    // 45 pairs: require at least 40 separated by a single feature
    expect(separated, `pairs not separated by any single feature: ${weak.join(', ')}`).toBeGreaterThanOrEqual(40);
    // no single feature separates all pairs (the task is not trivial)
    for (let j = 0; j < GENRE_FEATURES.length; j++) {
      let n = 0;
      for (let a = 0; a < GENRES.length; a++) {
        for (let b = a + 1; b < GENRES.length; b++) {
          const u = F.auc(
            feats.get(GENRES[a])!.map((r) => r[j]!),
            feats.get(GENRES[b])!.map((r) => r[j]!),
          );
          if (Math.max(u, 1 - u) >= 0.9) n++;
        }
      }
      expect(n, `feature ${GENRE_FEATURES[j]} alone separates ${n} of 45 pairs`).toBeLessThan(45);
    }
    const acc = F.nearestCentroidLOO(X, y);
    expect(acc).toBeGreaterThan(0.6); // chance is 0.1
    // characteristic differences that the recipes put in
    const mean = (g: string, j: number): number => feats.get(g)!.reduce((s, r) => s + r[j]!, 0) / per;
    const iRms = GENRE_FEATURES.indexOf('rms');
    const iPer = GENRE_FEATURES.indexOf('periodicity');
    const iLow = GENRE_FEATURES.indexOf('low<200Hz');
    expect(mean('metal', iRms)).toBeGreaterThan(mean('classical', iRms)); // loud, compressed vs soft
    expect(mean('disco', iPer)).toBeGreaterThan(mean('classical', iPer)); // four-on-the-floor vs no drums
    expect(mean('hiphop', iLow)).toBeGreaterThan(mean('jazz', iLow)); // 808 sub bass vs walking bass
  });
});

describe('synthConceptClips', () => {
  it.each(CONCEPTS)('%s: count, length, determinism, finite, peak ≤ 1', (concept) => {
    const a = synthConceptClips(concept, { count: 3, seed: 5 });
    const b = synthConceptClips(concept, { count: 3, seed: 5 });
    const c = synthConceptClips(concept, { count: 3, seed: 6 });
    expect(a).toHaveLength(3);
    a.forEach((x, i) => {
      expectClean(x, 3 * SR);
      expect(equalArrays(x, b[i]!)).toBe(true);
      expect(equalArrays(x, c[i]!)).toBe(false);
    });
    expect(equalArrays(a[0]!, a[1]!)).toBe(false);
    // a prefix of a larger set is the smaller set
    const more = synthConceptClips(concept, { count: 4, seed: 5 });
    expect(equalArrays(more[2]!, a[2]!)).toBe(true);
    expectClean(synthConceptClips(concept, { count: 1, seed: 1, sampleRate: 22050, duration: 1 })[0]!, 22050);
  });

  it('rejects bad arguments', () => {
    expect(() => synthConceptClips('loud' as Concept, { count: 1, seed: 1 })).toThrow(/concept must be one of high_energy/);
    expect(() => synthConceptClips('ambient', { count: -1, seed: 1 })).toThrow(/count/);
    expect(() => synthConceptClips('ambient', { count: 1, seed: 'x' as never })).toThrow(/seed/);
    expect(synthConceptClips('ambient', { count: 0, seed: 1 })).toEqual([]);
  });
});

describe('randomConceptClips', () => {
  it('is deterministic, varied in kind and level, and validates kinds', () => {
    const a = randomConceptClips({ count: 12, seed: 3 });
    const b = randomConceptClips({ count: 12, seed: 3 });
    const c = randomConceptClips({ count: 12, seed: 4 });
    a.forEach((x, i) => {
      expectClean(x, 3 * SR);
      expect(equalArrays(x, b[i]!)).toBe(true);
      expect(equalArrays(x, c[i]!)).toBe(false);
    });
    const levels = a.map((x) => F.rms(x));
    expect(Math.max(...levels) / Math.min(...levels)).toBeGreaterThan(3);
    for (const kind of RANDOM_KINDS) {
      const k = randomConceptClips({ count: 2, seed: 1, kinds: [kind], duration: 1 });
      k.forEach((x) => expectClean(x, SR));
    }
    // noise is spectrally flat compared with tones
    const noise = randomConceptClips({ count: 4, seed: 2, kinds: ['noise'] }).map((x) => F.spectralFlatness(F.stft(x, SR)));
    const tones = randomConceptClips({ count: 4, seed: 2, kinds: ['tones'] }).map((x) => F.spectralFlatness(F.stft(x, SR)));
    expect(F.auc(noise, tones)).toBeGreaterThanOrEqual(0.75);
    expect(() => randomConceptClips({ count: 1, seed: 1, kinds: ['silence' as never] })).toThrow(/kinds/);
    expect(() => randomConceptClips({ count: 1, seed: 1, kinds: [] })).toThrow(/kinds/);
  });
});

describe('concepts separate by their defining features', () => {
  const per = 10;
  const sets: Record<string, Float32Array[]> = Object.fromEntries(
    CONCEPTS.map((c) => [c, synthConceptClips(c, { count: per, seed: 2024 })]),
  );
  sets.random = randomConceptClips({ count: 2 * per, seed: 2024 });
  const memo = new Map<string, number[]>();
  const feature = (set: string, name: string, f: (x: Float32Array, S: F.Spectrogram) => number): number[] => {
    const key = `${set}:${name}`;
    if (!memo.has(key))
      memo.set(
        key,
        sets[set]!.map((x) => f(x, F.stft(x, SR, 1024, 256))),
      );
    return memo.get(key)!;
  };
  const rmsF = (x: Float32Array): number => F.rms(x);
  const periodicity = (_: Float32Array, S: F.Spectrogram): number => F.onsetPeriodicity(S);
  const pitchMemo = new Map<Float32Array, number[]>();
  const pitched = (x: Float32Array, lo: number, hi: number): number => {
    if (!pitchMemo.has(x)) pitchMemo.set(x, F.yinPitch(x, SR, 60, 1000, 0.04, 0.03));
    const f0 = pitchMemo.get(x)!;
    return f0.filter((f) => f >= lo && f <= hi).length / f0.length;
  };
  // instrumental: sustained harmonic tones with a musical pitch (periodic frames, F0 250–1000 Hz)
  const instrumentPitch = (x: Float32Array): number => pitched(x, 250, 1000);
  // vocal_heavy: formant-shaped voiced sound: periodic frames with a voice F0 (80–300 Hz) times
  // the share of energy in the F2–F3 region (700–3500 Hz); a low tone or pad has no F2/F3 energy,
  // an instrument or a bright tone no voice-range period
  const formantVoice = (x: Float32Array, S: F.Spectrogram): number => pitched(x, 80, 300) * F.bandRatio(S, 700, 3500);
  const centroid = (_: Float32Array, S: F.Spectrogram): number => F.spectralCentroid(S);
  const roughness = (x: Float32Array): number => F.envelopeRoughness(x, SR);
  const others = (c: string): string[] => CONCEPTS.filter((o) => o !== c);

  /**
   * Asserts that `concept` lies above (direction 1) or below (-1) each set in `against` on a
   * feature with AUC ≥ min, and above the random set with AUC ≥ minRandom (random clips may
   * contain anything, so that bound is lower).
   */
  function separates(
    concept: string,
    name: string,
    f: (x: Float32Array, S: F.Spectrogram) => number,
    direction: 1 | -1,
    against: string[],
    min: number,
    minRandom?: number,
  ): void {
    const mine = feature(concept, name, f).map((v) => direction * v);
    const sets = minRandom === undefined ? against : [...against, 'random'];
    for (const o of sets) {
      const theirs = feature(o, name, f).map((v) => direction * v);
      const u = F.auc(mine, theirs);
      expect(u, `${concept} vs ${o} on ${name}: AUC ${u.toFixed(3)}`).toBeGreaterThanOrEqual(o === 'random' ? minRandom! : min);
    }
  }

  it('high_energy: louder (RMS) than every other concept and the random set', () => {
    separates('high_energy', 'rms', rmsF, 1, others('high_energy'), 1, 0.95);
  });

  it('low_energy: quieter (RMS) than every other concept and most random clips', () => {
    separates('low_energy', 'rms', rmsF, -1, others('low_energy'), 0.97, 0.85);
  });

  it('rhythmic: highest onset periodicity', () => {
    separates('rhythmic', 'periodicity', periodicity, 1, others('rhythmic'), 0.97, 0.9);
  });

  it('instrumental: sustained pitched harmonic tones (periodic frames with F0 250–1000 Hz)', () => {
    separates('instrumental', 'instrumentPitch', instrumentPitch, 1, others('instrumental'), 0.97, 0.75);
  });

  it('vocal_heavy: formant-shaped voiced sound (voice-range F0 × F2–F3 energy)', () => {
    separates('vocal_heavy', 'formantVoice', formantVoice, 1, others('vocal_heavy'), 0.95, 0.75);
  });

  it('ambient: low-frequency, smooth, and not quiet', () => {
    separates('ambient', 'centroid', centroid, -1, ['high_energy', 'vocal_heavy', 'instrumental', 'rhythmic'], 0.97);
    separates('ambient', 'roughness', roughness, -1, ['vocal_heavy', 'rhythmic', 'instrumental'], 0.9);
    separates('ambient', 'rms', rmsF, 1, ['low_energy'], 1);
  });

  it('a nearest-centroid classifier on these features tells the six concepts apart', () => {
    const X: number[][] = [];
    const y: number[] = [];
    CONCEPTS.forEach((c, ci) => {
      const cols = [
        feature(c, 'rms', rmsF).map((v) => Math.log(v)),
        feature(c, 'periodicity', periodicity),
        feature(c, 'instrumentPitch', instrumentPitch),
        feature(c, 'formantVoice', formantVoice),
        feature(c, 'centroid', centroid).map((v) => Math.log(v + 1)),
        feature(c, 'roughness', roughness),
      ];
      for (let k = 0; k < per; k++) {
        X.push(cols.map((col) => col[k]!));
        y.push(ci);
      }
    });
    expect(F.nearestCentroidLOO(X, y)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('browser safety', () => {
  it('the generator sources import nothing from Node', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const files = [
      ...readdirSync(join(here, '../src/data/synth')).map((f) => join(here, '../src/data/synth', f)),
      join(here, '../src/data/digitGlyphs.ts'),
    ].filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:|fs|path|os|child_process|url)['"/]/);
      expect(src, f).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
    }
  });
});
