/**
 * Attribution methods with Captum's semantics, on any classifier (an nn Module or a function from
 * inputs [B, ...] to logits [B, C], such as waveform → logMel → CNN). Each takes
 * `(model, inputs, options)` with `options.target` a class index or one per example and returns
 * attributions shaped like the inputs.
 */
export type { Model, Target } from './common.js';

// Gradient methods: saliency, input × gradient, integrated gradients, noise tunnel, guided backprop.
export { saliency, inputXGradient, type SaliencyOptions, type InputXGradientOptions } from './saliency.js';
export {
  integratedGradients,
  integrationPoints,
  IG_METHODS,
  type IntegratedGradientsMethod,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
} from './integratedGradients.js';
export { smoothGrad, NOISE_TUNNEL_TYPES, type NoiseTunnelType, type SmoothGradOptions, type AttributionFunction } from './smoothGrad.js';
export { guidedBackprop, deconvolution, guidedReluRule, deconvReluRule, type GuidedOptions } from './guided.js';

// Layer and perturbation methods (Grad-CAM, guided Grad-CAM, occlusion, feature ablation).
export { gradCam, guidedGradCam, type GradCamOptions, type GradCamResult, type GuidedGradCamOptions, type CamUpsample } from './gradCam.js';
export { occlusion, type OcclusionOptions } from './occlusion.js';
export { featureAblation, type FeatureAblationOptions } from './featureAblation.js';

// LIME, KernelSHAP and MusicLIME for audio and lyrics (factorizations, batched perturbation, surrogate).
export * from './lime/index.js';
