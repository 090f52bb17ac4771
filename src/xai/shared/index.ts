/**
 * Shared contracts of the attribution methods (and of LIME, TCAV and the metrics built on them):
 * the attribution contract, strict options, baselines, chunked cancellable execution, the
 * perturbation core and layer selection. See each file's comment.
 */
export * from './contract.js';
export * from './options.js';
export * from './baselines.js';
export * from './batching.js';
export * from './perturbation.js';
export * from './layers.js';
export * from './call.js';
export * from './perturbationOptions.js';
export * from './precompile.js';
