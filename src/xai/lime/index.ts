/**
 * LIME and KernelSHAP for audio and lyrics (audioLIME / MusicLIME): factorizations of a clip
 * into components, batched perturbation on the device, LIME's surrogate (limeBase, checkable
 * against LIME itself), KernelSHAP, the multimodal MusicLIME with a small lyrics model, and
 * listenable / drawable output.
 */
export {
  limeBase,
  limeKernel,
  limeTabularWidth,
  distancesToFirst,
  DISTANCE_METRICS,
  type DistanceMetric,
  type LimeBaseOptions,
  type LimeBaseResult,
} from './limeBase.js';
export { FEATURE_SELECTIONS, type FeatureSelection } from './featureSelection.js';
export { lime, MAX_SAMPLES, type LimeOptions, type LimeExplanation, type ExplainedComponent } from './lime.js';
export { kernelShap, type KernelShapOptions, type KernelShapExplanation } from './kernelShap.js';
export {
  temporalSegments,
  melBands,
  patches,
  type SegmentOptions,
  type BandOptions,
  type PatchOptions,
  type GridOptions,
} from './factorizations/grid.js';
export { onsetSegments, type OnsetOptions } from './factorizations/onsets.js';
export {
  hpss,
  nmf,
  stems,
  combine,
  type HpssOptions,
  type NmfOptions,
  type StemOptions,
  type SeparationOptions,
} from './factorizations/sources.js';
export { medianFilter } from './factorizations/medianFilter.js';
export { FACTORIZATION_SHORTCUTS, type FactorizationShortcut } from './factorizations/resolve.js';
export { MAX_COMPONENTS, type Factorization, type FactorizationDomain, type ComponentSpan } from './factorizations/types.js';
export {
  musicLime,
  MODALITIES,
  type Modality,
  type MultimodalPredict,
  type PredictOutput,
  type MusicLimeOptions,
  type MusicLimeExplanation,
  type MusicLimeFeature,
  type MusicLimeLabel,
} from './musicLime.js';
export { lyricsLines, type LyricsFactorization } from './text.js';
export { trainLyricsClassifier, lyricsCorpus, tokenize, LYRICS_CLASSES, type LyricsClassifier } from './lyricsModel.js';
export { topComponents, componentAudio, componentOverlayPng, explanationJson } from './output.js';
