/**
 * Fitting many CAVs on the activation sets of one layer (every concept and random set, [n_s, D]
 * each; together the rows of X [M, D], never concatenated on the device): the Gram matrix K = X·Xᵀ
 * from one matmul per pair of sets, the Newton solves on the N-dimensional duals (dualSolver.ts),
 * and the weights Aᵀ·X [R, D] of every CAV at once, one matmul per set. The 'sgd' method instead
 * runs mini-batch SGD on the device per CAV.
 */
import { add, concat, gather, matmul, mul, reshape, sigmoid, sub, sum, type Tensor, tidy, keep, ValueError } from '../engine/index.js';
import { type RowBlock, checkGramFinite, permutation, stratifiedSplit } from './activationsCheck.js';
import { decisionValues, fitDual, type DualLoss } from './dualSolver.js';
import { yieldToEventLoop } from '../xai/shared/index.js';

export const CAV_METHODS = ['logistic', 'sgd', 'linear_svm'] as const;
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

/**
 * K = X·Xᵀ [M, M] as float64 for the row blocks sets[s] [n_s, D] of X (M = Σ n_s). Consecutive
 * sets are joined into as few groups as fit half a storage binding (usually one group, so K is one
 * matmul: a Gram of skinny blocks [8, D]·[D, 8] would leave the device nearly idle); the blocks of
 * every pair of groups are assembled on the device and read once.
 */
export async function gramMatrix(sets: readonly Tensor[]): Promise<Float64Array> {
  const D = sets[0].shape[1];
  const maxRows = Math.max(1, Math.floor(sets[0].engine.info().limits.maxBindingBytes / 2 / (4 * D)));
  const grouped: Tensor[][] = [];
  let rows = Infinity;
  for (const x of sets) {
    if (rows + x.shape[0] > maxRows) {
      grouped.push([]);
      rows = 0;
    }
    grouped[grouped.length - 1].push(x);
    rows += x.shape[0];
  }
  const K = tidy(() => {
    const groups = grouped.map((g) => (g.length === 1 ? g[0] : concat(g, 0)));
    const blockRows = groups.map((a) => {
      const blocks = groups.map((b) => matmul(a, b, { transB: true }));
      return blocks.length === 1 ? blocks[0] : concat(blocks, 1);
    });
    return blockRows.length === 1 ? blockRows[0] : concat(blockRows, 0);
  });
  try {
    return Float64Array.from(await K.read());
  } finally {
    K.dispose();
  }
}

/** Rows of the stacked X by global index, gathered from the sets (a new [rows.length, D] tensor). */
function gatherRows(sets: readonly Tensor[], rows: readonly number[]): Tensor {
  const engine = sets[0].engine;
  return tidy(() => {
    // Gather each set's rows (in set order), then put them back in the order asked for.
    const parts: Tensor[] = [];
    const position = new Map<number, number>();
    let offset = 0;
    for (const x of sets) {
      const n = x.shape[0];
      const local = rows.filter((r) => r >= offset && r < offset + n);
      local.forEach((r) => position.set(r, position.size));
      if (local.length)
        parts.push(
          gather(
            x,
            engine.tensor(
              local.map((r) => r - offset),
              [local.length],
              'int32',
            ),
            0,
          ),
        );
      offset += n;
    }
    const grouped = parts.length === 1 ? parts[0] : concat(parts, 0);
    return gather(
      grouped,
      engine.tensor(
        rows.map((r) => position.get(r)!),
        [rows.length],
        'int32',
      ),
      0,
    );
  });
}

function accuracyOf(f: Float64Array, labels: readonly number[]): number {
  let ok = 0;
  f.forEach((v, i) => (ok += (v > 0 ? 1 : 0) === labels[i] ? 1 : 0));
  return ok / f.length;
}

/** Global row indices and labels of a split of a job. */
function jobRows(job: CavJob, local: readonly number[]): { rows: number[]; labels: number[] } {
  const np = job.positive.count;
  return {
    rows: local.map((i) => (i < np ? job.positive.start + i : job.negative.start + i - np)),
    labels: local.map((i) => (i < np ? 1 : 0)),
  };
}

/**
 * Fits every job on the activation sets (sets[s] [n_s, D] are the rows of blocks[s], in order;
 * names serve the NaN check's errors). Returns the host facts of each CAV and, on the device,
 * coefs [R, D] and unit vectors [R, D] (the caller disposes both).
 */
export async function fitCavs(
  sets: readonly Tensor[],
  blocks: readonly RowBlock[],
  jobs: readonly CavJob[],
  opts: CavFitOptions,
  fname: string,
): Promise<{ infos: CavFitInfo[]; coefs: Tensor; vectors: Tensor }> {
  const gram = await gramMatrix(sets);
  const M = Math.round(Math.sqrt(gram.length));
  checkGramFinite(gram, M, blocks, fname);
  if (opts.method === 'sgd') return fitCavsSgd(sets, gram, jobs, opts);
  const loss: DualLoss = opts.method === 'logistic' ? 'logistic' : 'squared_hinge';
  const infos: CavFitInfo[] = [];
  const At = new Float32Array(jobs.length * M);
  const inv: number[] = [];
  // One job's fit at a time with an event-loop turn between them: a TCAV call fits concepts ×
  // (randoms + 1) × layers CAVs on the host, which together held a browser's thread for ~150–200 ms.
  for (let r = 0; r < jobs.length; r++) {
    if (r > 0) await yieldToEventLoop();
    const job = jobs[r];
    const split = stratifiedSplit(job.positive.count, job.negative.count, opts.testFraction, job.seed);
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
      accuracy: test.rows.length ? accuracyOf(decisionValues(gram, M, train.rows, fit, test.rows), test.labels) : null,
      trainAccuracy: accuracyOf(decisionValues(gram, M, train.rows, fit, train.rows), train.labels),
      iterations: fit.iterations,
      converged: fit.converged,
    });
  }
  const engine = sets[0].engine;
  const { coefs, vectors } = tidy(() => {
    // Aᵀ·X = Σ_s Aᵀ[:, block s]·sets[s]: one matmul per set, no stacked copy of X.
    let coefs: Tensor | null = null;
    let offset = 0;
    for (const x of sets) {
      const n = x.shape[0];
      const part = new Float32Array(jobs.length * n);
      let any = false;
      for (let r = 0; r < jobs.length; r++) {
        for (let i = 0; i < n; i++) {
          part[r * n + i] = At[r * M + offset + i];
          any ||= part[r * n + i] !== 0;
        }
      }
      offset += n;
      if (!any) continue;
      const term = matmul(engine.tensor(part, [jobs.length, n]), x);
      coefs = coefs ? add(coefs, term) : term;
    }
    const c = coefs as Tensor;
    return { coefs: c, vectors: mul(c, engine.tensor(inv, [jobs.length, 1])) };
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
  sets: readonly Tensor[],
  gram: Float64Array,
  jobs: readonly CavJob[],
  opts: CavFitOptions,
): Promise<{ infos: CavFitInfo[]; coefs: Tensor; vectors: Tensor }> {
  const engine = sets[0].engine;
  const M = Math.round(Math.sqrt(gram.length));
  const D = sets[0].shape[1];
  const infos: CavFitInfo[] = [];
  const coefRows: Tensor[] = [];
  try {
    for (const job of jobs) {
      const split = stratifiedSplit(job.positive.count, job.negative.count, opts.testFraction, job.seed);
      const train = jobRows(job, split.train);
      const test = jobRows(job, split.test);
      const n = train.rows.length;
      let maxSq = 0;
      for (const row of train.rows) maxSq = Math.max(maxSq, gram[row * M + row]);
      const lr0 = 1 / (maxSq / 4 + 1 / (opts.C * n));
      // This job's rows (train then test) as one [n + nTest, D] tensor; batches index into it.
      const all = [...train.rows, ...test.rows];
      const X = gatherRows(sets, all);
      let w = engine.zeros([D, 1]);
      let b = engine.zeros([1, 1]);
      let steps = 0;
      for (let epoch = 0; epoch < SGD_EPOCHS; epoch++) {
        const order = permutation(n, job.seed * 7919 + epoch);
        const lr = lr0 / (1 + epoch / 10);
        for (let s = 0; s < n; s += SGD_BATCH) {
          const pick = order.slice(s, s + SGD_BATCH);
          const [nw, nb] = tidy(() => {
            const idx = engine.tensor(pick, [pick.length], 'int32');
            const Xb = gather(X, idx, 0);
            const yb = engine.tensor(
              pick.map((k) => train.labels[k]),
              [pick.length, 1],
            );
            const r = sub(sigmoid(add(matmul(Xb, w), b)), yb); // [B, 1]
            const gw = add(mul(matmul(Xb, r, { transA: true }), 1 / pick.length), mul(w, 1 / (opts.C * n)));
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
      const fT = tidy(() => add(matmul(X, w), b));
      X.dispose();
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
        accuracy: test.rows.length ? accuracyOf(f.subarray(n), test.labels) : null,
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
