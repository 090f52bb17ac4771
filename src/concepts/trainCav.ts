/**
 * trainCav: one concept activation vector — the normal of a linear classifier separating a
 * concept's activations (label 1) from a random set's (label 0) at one layer.
 */
import { fmt, reshape, ShapeError, type Tensor, tidy, ValueError } from '../engine/index.js';
import { checkSeed, finiteNumber, oneOf, parseOptions } from '../xai/shared/index.js';
import { activationRows } from './activationsCheck.js';
import { CAV_METHODS, fitCavs, type CavMethod } from './cavFit.js';

export interface TrainCavOptions {
  /** Inverse L2 penalty (scikit-learn's C), > 0. Default 1. */
  C?: number;
  /** Classifier, default 'logistic' (see CavMethod). */
  method?: CavMethod;
  /** Seed of the stratified train/test split (and of SGD's batches). Default 0. */
  seed?: number;
  /** Fraction of each set held out to measure accuracy, in [0, 0.9]. 0 fits on every row. Default 0.33 (as tensorflow/tcav and Captum). */
  testFraction?: number;
}

/** A fitted CAV. coef and vector live on the device: dispose them (or call dispose()) when done. */
export interface Cav {
  /** Classifier weights w [D] (D = features per example, flattened), in activation units⁻¹. */
  coef: Tensor;
  /** Classifier intercept b (decision f = acts·w + b > 0 means concept). */
  intercept: number;
  /** coef / ‖coef‖ [D]: the concept direction. */
  vector: Tensor;
  /** Accuracy on the held-out rows, in [0, 1]; null when testFraction is 0. */
  accuracy: number | null;
  /** Accuracy on the training rows, in [0, 1]. */
  trainAccuracy: number;
  method: CavMethod;
  /** Newton iterations (logistic, linear_svm) or SGD steps. */
  iterations: number;
  converged: boolean;
  /** Frees coef and vector. */
  dispose(): void;
}

export const CAV_OPTION_SPEC = {
  C: ['c'],
  method: [],
  seed: [],
  testFraction: ['test_fraction', 'testSplit'],
} as const;

/** Parses and checks the CAV options shared by trainCav and tcav. */
export function cavOptions(o: { C?: unknown; method?: unknown; seed?: unknown; testFraction?: unknown }, fname: string) {
  const C = o.C === undefined ? 1 : finiteNumber(o.C, 'options.C', fname);
  if (!(C > 0)) throw new ValueError(`${fname}: options.C must be > 0 (the inverse penalty), got ${C}`);
  return {
    C,
    method: oneOf(o.method, CAV_METHODS, 'options.method', fname, 'logistic'),
    seed: checkSeed(o.seed, 'options.seed', fname, 0),
    testFraction: finiteNumber(o.testFraction, 'options.testFraction', fname, {
      min: 0,
      max: 0.9,
      default: 0.33,
    }),
  };
}

/**
 * Fits a CAV separating conceptActs [Nc, ...] (label 1) from randomActs [Nr, ...] (label 0);
 * rows are examples, the rest is flattened to D features (both sets the same D, each ≥ 2 rows,
 * finite). The default fits L2 logistic regression to its exact optimum, which is scikit-learn's
 * LogisticRegression(C=1, solver='lbfgs') on the same rows: the Gram matrix is one matmul on the
 * engine and Newton runs on the N-dimensional dual (N = training rows). Inputs are not modified.
 */
export async function trainCav(conceptActs: Tensor, randomActs: Tensor, options: TrainCavOptions = {}): Promise<Cav> {
  const fname = 'trainCav';
  const opts = cavOptions(parseOptions(options, CAV_OPTION_SPEC, fname), fname);
  const c = activationRows(conceptActs, 'conceptActs', fname);
  const r = activationRows(randomActs, 'randomActs', fname);
  const own = [c !== conceptActs ? c : null, r !== randomActs ? r : null];
  try {
    if (c.shape[1] !== r.shape[1]) {
      throw new ShapeError(
        `${fname}: conceptActs and randomActs must have the same features per example, got ${fmt(conceptActs.shape)} and ${fmt(randomActs.shape)}`,
      );
    }
    if (c.engine !== r.engine) throw new ShapeError(`${fname}: conceptActs and randomActs live on different engines`);
    const D = c.shape[1];
    const blocks = [
      { name: 'conceptActs', start: 0, count: c.shape[0] },
      { name: 'randomActs', start: c.shape[0], count: r.shape[0] },
    ];
    const { infos, coefs, vectors } = await fitCavs(
      [c, r],
      blocks,
      [{ positive: blocks[0], negative: blocks[1], seed: opts.seed }],
      opts,
      fname,
    );
    const [coef, vector] = tidy(() => [reshape(coefs, [D]), reshape(vectors, [D])]);
    coefs.dispose();
    vectors.dispose();
    const info = infos[0];
    return {
      coef,
      vector,
      intercept: info.intercept,
      accuracy: info.accuracy,
      trainAccuracy: info.trainAccuracy,
      method: opts.method,
      iterations: info.iterations,
      converged: info.converged,
      dispose: () => {
        coef.dispose();
        vector.dispose();
      },
    };
  } finally {
    own.forEach((t) => t?.dispose());
  }
}
