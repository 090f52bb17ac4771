/**
 * MusicLIME and the output of explanations, on the CPU reference and on WebGPU (small shapes): the
 * generated-corpus lyrics classifier learns its classes; a planted multimodal predict function
 * that listens to one audio segment and to the lines with one word is explained by those features
 * first, in every modality; bad predict outputs (wrong shape, NaN) and zero lyrics lines give
 * clear errors; WAVs of the top components and of the rest decode and add up to the clip; the
 * overlay PNG and the seed-shaped JSON are well formed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { affine, concat, mul, reshape, slice, sum, type Engine, type Tensor } from '../src/engine/index.js';
import { decodeWav } from '../src/audio/index.js';
import {
  componentAudio,
  componentOverlayPng,
  explanationJson,
  lime,
  lyricsCorpus,
  lyricsLines,
  musicLime,
  temporalSegments,
  trainLyricsClassifier,
} from '../src/xai/lime/index.js';
import { enginePair } from './helpers/gpu.js';
import { randArray } from './helpers/random.js';

const { cpu, gpu, dispose } = await enginePair();
afterAll(dispose);

const LYRICS = ['we dance all night', 'the road goes home', 'cold rain on my window', 'you and i', 'time moves on'].join('\n');

/** Audio [k, 800]: the energy of samples 400..479 (segment 5 of 10) plus 1 per kept 'rain' line → p(class 1). */
function planted(audio: Tensor, texts: string[]): Tensor {
  const k = audio.shape[0];
  const a = reshape(sum(mul(slice(audio, [0, 400], [k, 80]), slice(audio, [0, 400], [k, 80])), 1), [k, 1]);
  const t = audio.engine.tensor(
    texts.map((s) => (s.includes('rain') ? 1 : 0)),
    [k, 1],
  );
  const s = affine(concat([a, t], 1), 0.5, 0);
  const p = sum(s, 1, true);
  return concat([affine(p, -0.1, 1), affine(p, 0.1, 0)], 1);
}

for (const [where, engine] of [
  ['cpu', cpu],
  ['webgpu', gpu],
] as [string, Engine | null][]) {
  describe.skipIf(!engine)(`MusicLIME and output on ${where}`, () => {
    const e = engine!;
    const wave = () => e.tensor(randArray(800, 21, -0.9, 0.9), [1, 800]);

    it('the lyrics classifier learns the generated corpus and tells its classes apart', async () => {
      const { classifier, accuracy } = await trainLyricsClassifier(e, { corpus: lyricsCorpus({ count: 120, seed: 3 }), epochs: 25 });
      expect(accuracy).toBeGreaterThan(0.9);
      const p = await classifier.predict(['dance dance party lights tonight', 'rain and tears alone in winter']).readFloat();
      expect(p[0]).toBeGreaterThan(0.5);
      expect(p[3]).toBeGreaterThan(0.5);
      classifier.dispose();
    });

    it('a planted multimodal model: its segment and its lyrics line come first, in every modality', async () => {
      const x = wave();
      const f = temporalSegments(x, { n: 10 });
      const both = await musicLime(planted, { audio: f, lyrics: LYRICS, numSamples: 200, labels: [1], seed: 2 });
      const top2 = both.labels[1].features
        .slice(0, 2)
        .map((q) => q.feature)
        .sort();
      expect(top2).toEqual(['cold rain on my window', f.names[5]].sort());
      expect(both.nAudio + both.nText).toBe(15);
      const audioOnly = await musicLime(planted, { audio: f, lyrics: LYRICS, modality: 'audio', numSamples: 150, labels: [1] });
      expect(audioOnly.labels[1].features[0]).toMatchObject({ type: 'audio', feature: f.names[5] });
      expect(audioOnly.labels[1].features.every((q) => q.type === 'audio')).toBe(true);
      const lyr = await musicLime(planted, { audio: f, lyrics: LYRICS, modality: 'lyrical', numSamples: 100, labels: [1] });
      expect(lyr.labels[1].features[0]).toMatchObject({ type: 'lyrics', feature: 'cold rain on my window' });
      const json = explanationJson(both, { numFeatures: 5, classNames: ['AI-Generated', 'Human-Composed'] }) as {
        metadata: { model_info: Record<string, number> };
        explanations: Record<string, { prediction_label: string; top_features: { rank: number; type: string }[] }>;
      };
      expect(json.metadata.model_info).toEqual({ total_audio_components: 10, total_text_lines: 5, total_features: 15 });
      expect(json.explanations.label_1.prediction_label).toBe('Human-Composed');
      expect(json.explanations.label_1.top_features.map((q) => q.rank)).toEqual([1, 2, 3, 4, 5]);
      f.dispose();
      x.dispose();
    });

    it('bad predict outputs and empty lyrics give clear errors', async () => {
      const x = wave();
      const f = temporalSegments(x, { n: 4 });
      await expect(musicLime((a) => reshape(sum(a, 1), [a.shape[0]]), { audio: f, lyrics: LYRICS, numSamples: 8 })).rejects.toThrow(
        /predict must return probabilities \[8, nClasses\]/,
      );
      await expect(
        musicLime((a) => Array.from({ length: a.shape[0] - 1 }, () => [0.5, 0.5]), { audio: f, lyrics: LYRICS, numSamples: 8 }),
      ).rejects.toThrow(/8 rows/);
      await expect(
        musicLime((a) => Array.from({ length: a.shape[0] }, () => [NaN, 0.5]), { audio: f, lyrics: LYRICS, numSamples: 8 }),
      ).rejects.toThrow(/NaN/);
      await expect(musicLime(planted, { audio: f, lyrics: '\n  \n', numSamples: 8 })).rejects.toThrow(/zero components/);
      await expect(musicLime(planted, { audio: f, lyrics: LYRICS, modality: 'video' as never })).rejects.toThrow(
        /'both', 'audio', 'lyrical'/,
      );
      expect(lyricsLines('a\n\nb').compose([0, 1])).toBe('b');
      f.dispose();
      x.dispose();
    });

    it('WAVs of the top components and of the rest decode and add up to the clip; PNG and JSON', async () => {
      const x = wave();
      const host = await x.readFloat();
      const f = temporalSegments(x, { n: 10 });
      const model = (a: Tensor) => planted(a, new Array<string>(a.shape[0]).fill(''));
      const ex = await lime(model, x, { factorization: f, numSamples: 150, target: 1, output: 'logits' });
      const { top, rest, components } = await componentAudio(ex, { topK: 2, sampleRate: 8000 });
      expect(components[0].index).toBe(5);
      const a = decodeWav(top);
      const b = decodeWav(rest);
      expect(a.sampleRate).toBe(8000);
      expect(a.channels[0].length).toBe(800);
      let worst = 0;
      for (let i = 0; i < 800; i++) worst = Math.max(worst, Math.abs(a.channels[0][i] + b.channels[0][i] - host[i]));
      expect(worst).toBeLessThan(2e-4); // two 16-bit quantisations
      const png = await componentOverlayPng(ex, { frontEnd: { sampleRate: 8000, nFft: 128, hop: 32, nMels: 16 } });
      expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      const json = explanationJson(ex) as { explanations: Record<string, { top_features: { feature: string }[] }> };
      expect(json.explanations.label_1.top_features[0].feature).toBe(f.names[5]);
      f.dispose();
      x.dispose();
    });
  });
}
