/**
 * A small lyrics classifier on the engine, so the multimodal MusicLIME example runs end to end
 * without downloads: a bag-of-words (word counts over a fixed vocabulary, divided by the number of
 * words) into one linear layer, trained with fit (Adam, cross-entropy) on a generated corpus of
 * lyric lines. The corpus has two classes with their own word pools plus shared filler words
 * (class 0 'upbeat': dance, night, lights, ...; class 1 'melancholic': rain, alone, tears, ...), so a
 * correct explanation of a lyric's class points at the lines that carry its class's words.
 */
import { type Engine, reshape, softmax, type Tensor, tidy, ValueError } from '../../engine/index.js';
import { Linear } from '../../nn/index.js';
import { fit } from '../../train/fit.js';
import { SeededStream } from './random.js';

/** Class names of the generated corpus. */
export const LYRICS_CLASSES = ['upbeat', 'melancholic'] as const;

const POOLS: readonly (readonly string[])[] = [
  ['dance', 'night', 'lights', 'party', 'shine', 'jump', 'fire', 'summer', 'alive', 'loud', 'sun', 'bright', 'move', 'wild'],
  ['rain', 'alone', 'tears', 'cold', 'grey', 'fading', 'lost', 'empty', 'goodbye', 'broken', 'winter', 'silence', 'ashes', 'sorrow'],
];
const FILLER = [
  'we',
  'the',
  'and',
  'you',
  'i',
  'my',
  'in',
  'on',
  'a',
  'all',
  'to',
  'of',
  'with',
  'your',
  'heart',
  'time',
  'road',
  'city',
  'home',
  'love',
];

/** Lowercase word tokens of a text. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? [];
}

/** One generated lyric line of a class: 4–7 words, 1–3 from the class's pool. */
function line(rng: SeededStream, cls: number): string {
  const words: string[] = [];
  const n = 4 + rng.int(4);
  const k = 1 + rng.int(3);
  for (let i = 0; i < n; i++) words.push(i < k ? POOLS[cls][rng.int(POOLS[cls].length)] : FILLER[rng.int(FILLER.length)]);
  for (let i = words.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [words[i], words[j]] = [words[j], words[i]];
  }
  return words.join(' ');
}

/**
 * A generated corpus: `count` lyrics of 4–8 lines; a lyric of class c has mostly class-c lines and
 * up to two neutral (filler-only) or other-class lines. Deterministic from the seed.
 */
export function lyricsCorpus(options: { count?: number; seed?: number } = {}): { texts: string[]; labels: number[] } {
  const count = options.count ?? 400;
  const rng = new SeededStream(options.seed ?? 0, 7);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const cls = i % 2;
    const n = 4 + rng.int(5);
    const lines: string[] = [];
    for (let j = 0; j < n; j++) lines.push(rng.next() < 0.75 ? line(rng, cls) : line(rng, 1 - cls));
    texts.push(lines.join('\n'));
    labels.push(cls);
  }
  return { texts, labels };
}

/** A trained bag-of-words lyrics classifier. */
export interface LyricsClassifier {
  readonly vocabulary: readonly string[];
  readonly classes: readonly string[];
  /** Bag-of-words features [B, V] of texts (word counts / words; unknown words ignored). */
  features(texts: readonly string[]): Tensor;
  /** Class probabilities [B, C] of texts (softmax of the linear layer). */
  predict(texts: readonly string[]): Tensor;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * Trains the bag-of-words classifier on the generated corpus (or on `corpus`), with fit (Adam).
 * Returns the classifier and its final training accuracy.
 */
export async function trainLyricsClassifier(
  engine: Engine,
  options: { corpus?: { texts: string[]; labels: number[] }; epochs?: number; seed?: number } = {},
): Promise<{ classifier: LyricsClassifier; accuracy: number }> {
  const corpus = options.corpus ?? lyricsCorpus({ seed: options.seed ?? 0 });
  if (corpus.texts.length === 0 || corpus.texts.length !== corpus.labels.length)
    throw new ValueError('trainLyricsClassifier: the corpus needs texts with one label each');
  const vocabulary = [...new Set(corpus.texts.flatMap(tokenize))].sort();
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const nClasses = Math.max(...corpus.labels) + 1;
  const V = vocabulary.length;
  const layer = new Linear(engine, V, nClasses, { seed: options.seed ?? 0 });
  const features = (texts: readonly string[]): Tensor => {
    const out = new Float32Array(texts.length * V);
    texts.forEach((t, b) => {
      const words = tokenize(t);
      for (const w of words) {
        const j = index.get(w);
        if (j !== undefined) out[b * V + j] += 1 / words.length;
      }
    });
    return engine.tensor(out, [texts.length, V]);
  };
  const x = features(corpus.texts);
  const y = engine.tensor(corpus.labels, [corpus.labels.length], 'int32');
  const history = await fit(layer, { x, y }, { epochs: options.epochs ?? 60, batchSize: 32, lr: 0.05, seed: options.seed ?? 0 });
  x.dispose();
  y.dispose();
  layer.eval();
  const classes = nClasses === LYRICS_CLASSES.length ? [...LYRICS_CLASSES] : Array.from({ length: nClasses }, (_, c) => `class ${c}`);
  const classifier: LyricsClassifier = {
    vocabulary,
    classes,
    features,
    predict: (texts) =>
      tidy(() => {
        const f = features(texts);
        return softmax(reshape(layer.call(f), [texts.length, nClasses]), 1);
      }),
    dispose: () => layer.dispose(),
  };
  return { classifier, accuracy: history.at(-1)!.trainAccuracy };
}
