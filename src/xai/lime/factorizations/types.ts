/**
 * What a factorization is: M interpretable components of one input, such that switching
 * components on and off is one matmul on the device. For a binary row z ∈ {0,1}^M the perturbed
 * input is
 *
 *     base + z · sources        (sources [M, D], base [D], D = elements of one input)
 *
 * which covers both kinds of audioLIME factorization: masking (sources_j = (x − b) ⊙ P_j for a
 * partition P of the input, base = b, so z = 1 gives x and z_j = 0 puts the baseline b in region
 * j) and recomposition (sources_j = the j-th separated source, base = 0, so z = 1 gives the
 * sum of the sources). N rows of z therefore become N perturbed inputs in one [N, M] × [M, D]
 * matmul, with no host round trip per sample.
 */
import type { Tensor } from '../../../engine/index.js';

/** Which model input the components add up to. */
export type FactorizationDomain = 'waveform' | 'spectrogram';

/**
 * Where a component lies on the time × frequency plane, as fractions of the clip ([0, 1] each;
 * f0 = 0 is the lowest frequency). Whole-clip sources (HPSS, NMF, stems) span everything.
 */
export interface ComponentSpan {
  t0: number;
  t1: number;
  f0: number;
  f1: number;
}

/** One input split into M components (see the module comment). Dispose it when done. */
export interface Factorization {
  /** What built it ('segments', 'onsets', 'bands', 'patches', 'hpss', 'nmf', 'stems', 'a × b'). */
  readonly kind: string;
  readonly domain: FactorizationDomain;
  /** Shape of one model input, with its batch axis of 1 (e.g. [1, L] or [1, 1, nMels, frames]). */
  readonly inputShape: readonly number[];
  /** One name per component, e.g. 'segment 3 (0.90–1.20 s)'. */
  readonly names: readonly string[];
  /** Where each component lies (for drawing). */
  readonly spans: readonly ComponentSpan[];
  /** sources [M, D] (float32, on the input's engine). */
  readonly sources: Tensor;
  /** base [D]: the input with every component off. */
  readonly base: Tensor;
  /**
   * For masking factorizations, the 0/1 partition [M, D] in the input domain (each element in
   * exactly one component), which lets `combine` cut another factorization's sources by it.
   */
  readonly partition?: Tensor;
  /** Sample rate of a waveform-domain input (Hz), for names and WAV output. */
  readonly sampleRate?: number;
  /** Frees sources, base and partition. */
  dispose(): void;
}

/** Most components a factorization may have (a documented bound: the surrogate solves M × M). */
export const MAX_COMPONENTS = 4096;
