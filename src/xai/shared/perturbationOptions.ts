/**
 * The options occlusion and featureAblation share (baseline and how many perturbed copies run
 * per forward pass), declared once so both methods accept the same keys, aliases and docs.
 */
import type { Tensor } from '../../engine/index.js';
import { COMMON_SPEC, type CommonOptions } from './call.js';

export interface PerturbationOptions extends CommonOptions {
  /** Replacement value (Captum's `baselines`): a number (default 0) or a tensor, see shared/baselines.ts. */
  baseline?: number | Tensor;
  /**
   * Perturbed (occluded or ablated) copies of each example per forward pass (Captum's
   * `perturbations_per_eval`). Default: sized from the device limits, where Captum's default is 1;
   * the result does not depend on it.
   */
  perturbationsPerEval?: number;
  /** Most examples in one forward pass (perturbed copies × batch), instead of perturbationsPerEval. */
  maxBatch?: number;
}

/** Option keys and Captum aliases of PerturbationOptions (spread into each method's spec). */
export const PERTURBATION_SPEC = {
  ...COMMON_SPEC,
  baseline: ['baselines'],
  perturbationsPerEval: ['perturbations_per_eval'],
  maxBatch: [],
} as const;
