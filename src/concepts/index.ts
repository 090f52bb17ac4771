/**
 * Concept-based explanations: TCAV (Kim et al., 2018) done with batched gradients and one matmul
 * for many CAVs — layerActivations, trainCav, directionalDerivatives, ttest, tcav, relativeTcav
 * and the result chart.
 */
export { layerActivations, type LayerActivationsOptions } from './layerActivations.js';
export { trainCav, type Cav, type TrainCavOptions } from './trainCav.js';
export { CAV_METHODS, type CavMethod } from './cavFit.js';
export { directionalDerivatives, tcavScores, type DirectionalDerivativesOptions } from './directionalDerivatives.js';
export { ttest, type TTestResult } from './ttest.js';
export {
  tcav,
  relativeTcav,
  type TcavOptions,
  type TcavResult,
  type TcavEntry,
  type TcavBaseline,
  type RunStats,
  type TestResult,
} from './tcav.js';
export { tcavChartSvg, type TcavChartOptions } from './chart.js';
