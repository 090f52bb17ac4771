/**
 * Attribution methods with Captum's semantics, on any classifier (an nn Module or a function from
 * inputs [B, ...] to logits [B, C], such as waveform → logMel → CNN). Each is async and satisfies
 * `AttributionFunction`: `await method(model, inputs, options)` with `options.target` a class
 * index, one per example or an int32 tensor [B]; returns attributions shaped like the inputs.
 * Options are strict (unknown keys throw, naming the nearest) and accept Captum's spellings as
 * aliases; every method takes `onProgress`, `signal` (AbortSignal → CancelledError) and `warn`.
 * The shared contracts live in ./shared (see its index).
 */
export type { Model, Target, Progress, LongRunOptions, AttributionFunction, CommonOptions } from './shared/index.js';

// Gradient methods: saliency, input × gradient, integrated gradients, noise tunnel, guided backprop.
export { saliency, inputXGradient, type SaliencyOptions, type InputXGradientOptions } from './saliency.js';
export {
  integratedGradients,
  integrationPoints,
  IG_METHODS,
  IG_DELTA_WARN_FRACTION,
  MAX_IG_STEPS,
  type IntegratedGradientsMethod,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
} from './integratedGradients.js';
export { smoothGrad, NOISE_TUNNEL_TYPES, MAX_NOISE_SAMPLES, type NoiseTunnelType, type SmoothGradOptions } from './smoothGrad.js';
export { guidedBackprop, deconvolution, guidedReluRule, deconvReluRule, type GuidedOptions } from './guided.js';

// Layer and perturbation methods (Grad-CAM, guided Grad-CAM, occlusion, feature ablation).
export { gradCam, guidedGradCam, type GradCamOptions, type GradCamResult, type GuidedGradCamOptions, type CamUpsample } from './gradCam.js';
export { occlusion, type OcclusionOptions } from './occlusion.js';
export { MAX_PERTURBATIONS } from './shared/index.js';
export { featureAblation, MAX_FEATURES, type FeatureAblationOptions } from './featureAblation.js';

// LIME, KernelSHAP and MusicLIME for audio and lyrics (factorizations, batched perturbation, surrogate).
export * from './lime/index.js';
