/**
 * Fitting many CAVs on one stacked activation matrix X [M, D] (every concept and random set of a
 * layer, one block of rows each): one Gram matmul on the device, the Newton solves on the
 * N-dimensional duals (dualSolver.ts), and one matmul Aᵀ·X [R, D] that returns every CAV's
 * weights at once. The 'sgd' method instead runs mini-batch SGD on the device per CAV.
 */
import {
  add,
  concat,
  gather,
  matmul,
  mul,
  reshape,
  sigmoid,
  sub,
  sum,
  type Tensor,
  tidy,
  keep,
  ValueError,
} from "../engine/index.js";
import {
  type RowBlock,
  checkGramFinite,
  permutation,
  stratifiedSplit,
} from "./activationsCheck.js";
import { decisionValues, fitDual, type DualLoss } from "./dualSolver.js";

export const CAV_METHODS = ["logistic", "sgd", "linear_svm"] as const;
/** 'logistic': L2 logistic regression at its exact optimum (scikit-learn's LogisticRegression(C), lbfgs); 'linear_svm': L2 squared hinge (LinearSVC's loss, unpenalised intercept) at its optimum; 'sgd': L2 logistic loss by seeded mini-batch SGD (fast, approximate). */
export type CavMethod = (typeof CAV_METHODS)[number];

/** One CAV to fit: the concept rows (label 1) against the random rows (label 0) of the stack. */
export interface CavJob {
  positive: RowBlock;
  negative: RowBlock;
  /** Seed of the train/test split (and of SGD's batches). */
  seed: number;
}

export interface CavFitOptions {
  C: number;
  method: CavMethod;
  testFraction: number;
}

/** What is known of a fitted CAV on the host. */
export interface CavFitInfo {
  intercept: number;
  /** ‖coef‖. */
  norm: number;
  /** Held-out accuracy in [0, 1], or null with testFraction 0. */
  accuracy: number | null;
  trainAccuracy: number;
  iterations: number;
  converged: boolean;
}

/** Reads K = X·Xᵀ [M, M] (one device matmul, read once) as float64. */
export async function gramMatrix(X: Tensor): Promise<Float64Array> {
  const K = matmul(X, X, { transB: true });
  try {
    return Float64Array.from(await K.read());
  } finally {
    K.dispose();
  }
}

function accuracyOf(f: Float64Array, labels: readonly number[]): number {
  let ok = 0;
  f.forEach((v, i) => (ok += (v > 0 ? 1 : 0) === labels[i] ? 1 : 0));
  return ok / f.length;
}

/** Global row indices and labels of a split of a job. */
function jobRows(
  job: CavJob,
  local: readonly number[],
): { rows: number[]; labels: number[] } {
  const np = job.positive.count;
  return {
    rows: local.map((i) =>
      i < np ? job.positive.start + i : job.negative.start + i - np,
    ),
    labels: local.map((i) => (i < np ? 1 : 0)),
  };
}

/**
 * Fits every job on the stacked activations X [M, D] (blocks lists every named block, for the
 * NaN check). Returns the host facts of each CAV and, on the device, coefs [R, D] and unit
 * vectors [R, D] (the caller disposes both).
 */
export async function fitCavs(
  X: Tensor,
  blocks: readonly RowBlock[],
  jobs: readonly CavJob[],
  opts: CavFitOptions,
  fname: string,
): Promise<{ infos: CavFitInfo[]; coefs: Tensor; vectors: Tensor }> {
  const M = X.shape[0];
  const gram = await gramMatrix(X);
  checkGramFinite(gram, M, blocks, fname);
  if (opts.method === "sgd") return fitCavsSgd(X, gram, jobs, opts);
  const loss: DualLoss =
    opts.method === "logistic" ? "logistic" : "squared_hinge";
  const infos: CavFitInfo[] = [];
  const At = new Float32Array(jobs.length * M);
  const inv: number[] = [];
  jobs.forEach((job, r) => {
    const split = stratifiedSplit(
      job.positive.count,
      job.negative.count,
      opts.testFraction,
      job.seed,
    );
    const train = jobRows(job, split.train);
    const test = jobRows(job, split.test);
    const fit = fitDual(gram, M, train.rows, train.labels, loss, opts.C);
    if (!(fit.norm > 0)) {
      throw new ValueError(
        `${fname}: the CAV of ${job.positive.name} against ${job.negative.name} is zero: the two sets' activations cannot be told apart`,
      );
    }
    train.rows.forEach((row, j) => (At[r * M + row] = fit.a[j]));
    inv.push(1 / fit.norm);
    infos.push({
      intercept: fit.b,
      norm: fit.norm,
      accuracy: test.rows.length
        ? accuracyOf(
            decisionValues(gram, M, train.rows, fit, test.rows),
            test.labels,
          )
        : null,
      trainAccuracy: accuracyOf(
        decisionValues(gram, M, train.rows, fit, train.rows),
        train.labels,
      ),
      iterations: fit.iterations,
      converged: fit.converged,
    });
  });
  const engine = X.engine;
  const { coefs, vectors } = tidy(() => {
    const coefs = matmul(engine.tensor(At, [jobs.length, M]), X);
    return { coefs, vectors: mul(coefs, engine.tensor(inv, [jobs.length, 1])) };
  });
  return { infos, coefs, vectors };
}

const SGD_EPOCHS = 60;
const SGD_BATCH = 16;

/**
 * Mini-batch SGD on the L2 logistic objective (1/n)·Σ log-loss + ‖w‖²/(2·C·n) (the same optimum as
 * 'logistic'), on the device: per step one gather, two matmuls and a few element-wise ops. The
 * step 1/L with L = max‖xᵢ‖²/4 + 1/(C·n) (the loss's curvature bound, from the Gram diagonal)
 * decays as 1/(1 + epoch/10); batches are a seeded shuffle each epoch.
 */
async function fitCavsSgd(
  X: Tensor,
  gram: Float64Array,
  jobs: readonly CavJob[],
  opts: CavFitOptions,
): Promise<{ infos: CavFitInfo[]; coefs: Tensor; vectors: Tensor }> {
  const engine = X.engine;
  const M = X.shape[0];
  const D = X.shape[1];
  const infos: CavFitInfo[] = [];
  const coefRows: Tensor[] = [];
  try {
    for (const job of jobs) {
      const split = stratifiedSplit(
        job.positive.count,
        job.negative.count,
        opts.testFraction,
        job.seed,
      );
      const train = jobRows(job, split.train);
      const test = jobRows(job, split.test);
      const n = train.rows.length;
      let maxSq = 0;
      for (const row of train.rows)
        maxSq = Math.max(maxSq, gram[row * M + row]);
      const lr0 = 1 / (maxSq / 4 + 1 / (opts.C * n));
      let w = engine.zeros([D, 1]);
      let b = engine.zeros([1, 1]);
      let steps = 0;
      for (let epoch = 0; epoch < SGD_EPOCHS; epoch++) {
        const order = permutation(n, job.seed * 7919 + epoch);
        const lr = lr0 / (1 + epoch / 10);
        for (let s = 0; s < n; s += SGD_BATCH) {
          const pick = order.slice(s, s + SGD_BATCH);
          const [nw, nb] = tidy(() => {
            const idx = engine.tensor(
              pick.map((k) => train.rows[k]),
              [pick.length],
              "int32",
            );
            const Xb = gather(X, idx, 0);
            const yb = engine.tensor(
              pick.map((k) => train.labels[k]),
              [pick.length, 1],
            );
            const r = sub(sigmoid(add(matmul(Xb, w), b)), yb); // [B, 1]
            const gw = add(
              mul(matmul(Xb, r, { transA: true }), 1 / pick.length),
              mul(w, 1 / (opts.C * n)),
            );
            const gb = mul(reshape(sum(r), [1, 1]), 1 / pick.length);
            return [keep(sub(w, mul(gw, lr))), keep(sub(b, mul(gb, lr)))];
          });
          w.dispose();
          b.dispose();
          w = nw;
          b = nb;
          steps++;
        }
        // Let the event loop run between epochs (SGD is the slow path).
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const all = [...train.rows, ...test.rows];
      const fT = tidy(() =>
        add(
          matmul(gather(X, engine.tensor(all, [all.length], "int32"), 0), w),
          b,
        ),
      );
      const f = Float64Array.from(await fT.read());
      fT.dispose();
      const bv = (await b.read())[0];
      b.dispose();
      const sq = tidy(() => sum(mul(w, w)));
      const norm = Math.sqrt((await sq.read())[0]);
      sq.dispose();
      infos.push({
        intercept: bv,
        norm,
        accuracy: test.rows.length
          ? accuracyOf(f.subarray(n), test.labels)
          : null,
        trainAccuracy: accuracyOf(f.subarray(0, n), train.labels),
        iterations: steps,
        converged: true,
      });
      coefRows.push(tidy(() => reshape(w, [1, D])));
      w.dispose();
    }
    return tidy(() => {
      const coefs = concat(coefRows, 0);
      const inv = engine.tensor(
        infos.map((i) => 1 / i.norm),
        [jobs.length, 1],
      );
      return { infos, coefs, vectors: mul(coefs, inv) };
    });
  } finally {
    coefRows.forEach((t) => t.dispose());
  }
}
