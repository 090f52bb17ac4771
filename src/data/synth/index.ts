/**
 * Synthetic audio for training and explaining classifiers without datasets: genre-like music
 * clips (ten GTZAN genre names), TCAV concept clips (the six concepts of the TCAV genre notebook)
 * and random counterexamples. Pure TypeScript, deterministic from a seed, Node and browser.
 */
export {
  GENRES,
  synthGenreClip,
  synthGenreDataset,
  type Genre,
  type SynthClipOptions,
  type GenreDataset,
  type GenreDatasetOptions,
} from './genres.js';
export {
  CONCEPTS,
  RANDOM_KINDS,
  synthConceptClips,
  randomConceptClips,
  type Concept,
  type ConceptClipOptions,
  type RandomClipOptions,
  type RandomKind,
} from './concepts.js';
export { Rng, createRng, deriveSeed } from '../../engine/index.js';
