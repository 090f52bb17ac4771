/** Optimisers with PyTorch's update rules, running on the parameters' engine. */
export { Adam, type AdamOptions } from './adam.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Optimizer, type ParamRef, type ParamSource, type Grads } from './optimizer.js';
