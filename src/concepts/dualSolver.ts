/**
 * The CAV solver: L2-regularised linear classifiers fitted to their exact optimum through the Gram
 * matrix K = X·Xᵀ of the activations. By the representer theorem the optimal weights are
 * w = Xᵀ·a for training rows X, so after one device matmul (K, [N, N] for N rows of any width D)
 * the whole problem is N-dimensional: a damped Newton (IRLS) iteration on (a, b) in float64 on the
 * host, which reaches scikit-learn's lbfgs optimum to ~1e-10 in a dozen steps. The weights come
 * back from the device as Aᵀ·X — one matmul for every CAV of a layer at once.
 *
 * Objective (scikit-learn's LogisticRegression(C) and, for 'linear_svm', LinearSVC's squared hinge
 * with an unpenalised intercept):  0.5·‖w‖² + C·Σᵢ loss(yᵢ, fᵢ),  f = X·w + b,  y ∈ {0, 1}.
 */

/** The losses the Newton solver fits: logistic (log-loss) and squared hinge (L2-SVM). */
export type DualLoss = 'logistic' | 'squared_hinge';

export interface DualFit {
  /** Dual coefficients, one per training row (w = Σᵢ aᵢ·xᵢ). */
  a: Float64Array;
  /** Intercept b. */
  b: number;
  /** ‖w‖ = sqrt(aᵀ·K·a). */
  norm: number;
  iterations: number;
  converged: boolean;
}

const MAX_ITER = 100;

/** Per-row loss, its first derivative r = ∂loss/∂f and (generalised) second derivative w. */
function lossTerms(loss: DualLoss, f: number, y: number): [number, number, number] {
  if (loss === 'logistic') {
    // log(1 + e^f) − y·f, computed without overflow.
    const sp = f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f));
    const p = f >= 0 ? 1 / (1 + Math.exp(-f)) : Math.exp(f) / (1 + Math.exp(f));
    return [sp - y * f, p - y, p * (1 - p)];
  }
  const s = 2 * y - 1;
  const m = 1 - s * f;
  return m > 0 ? [m * m, -2 * s * m, 2] : [0, 0, 0];
}

/** Solves A·x = rhs in place (A n×n row-major, destroyed) by Gaussian elimination with partial pivoting. */
function solveInPlace(A: Float64Array, rhs: Float64Array, n: number): Float64Array {
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[piv * n + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < n; k++) {
        const t = A[c * n + k];
        A[c * n + k] = A[piv * n + k];
        A[piv * n + k] = t;
      }
      const t = rhs[c];
      rhs[c] = rhs[piv];
      rhs[piv] = t;
    }
    // A zero pivot only arises with no active rows of the squared hinge; a tiny ridge keeps the step finite.
    const d = A[c * n + c] === 0 ? 1e-12 : A[c * n + c];
    A[c * n + c] = d;
    for (let r = c + 1; r < n; r++) {
      const factor = A[r * n + c] / d;
      if (factor === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k] -= factor * A[c * n + k];
      rhs[r] -= factor * rhs[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = rhs[c];
    for (let k = c + 1; k < n; k++) s -= A[c * n + k] * rhs[k];
    rhs[c] = s / A[c * n + c];
  }
  return rhs;
}

/**
 * Fits one classifier on the training rows `rows` (indices into the M×M Gram matrix `gram`,
 * row-major float64) with labels y (0/1, one per training row) and penalty C > 0.
 */
export function fitDual(gram: Float64Array, M: number, rows: readonly number[], y: readonly number[], loss: DualLoss, C: number): DualFit {
  const n = rows.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = gram[rows[i] * M + rows[j]];
  let a: Float64Array = new Float64Array(n);
  let b = 0;
  const f = new Float64Array(n);
  const r = new Float64Array(n);
  const w = new Float64Array(n);
  const Ka = new Float64Array(n);

  /** Objective at (a, b), filling f, r, w and Ka for that point. */
  const evaluate = (av: Float64Array, bv: number): number => {
    let quad = 0;
    let sumLoss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j] * av[j];
      Ka[i] = s;
      quad += av[i] * s;
      f[i] = s + bv;
      const [l, ri, wi] = lossTerms(loss, f[i], y[i]);
      sumLoss += l;
      r[i] = ri;
      w[i] = wi;
    }
    return 0.5 * quad + C * sumLoss;
  };

  let J = evaluate(a, b);
  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITER) {
    iterations++;
    // Newton system with K cancelled from the first block row (see the file comment's objective):
    // [I + C·W·K, C·W·1; 1ᵀ·W·K, 1ᵀ·W·1] [Δa; Δb] = [−(a + C·r); −1ᵀ·r].
    const N1 = n + 1;
    const A = new Float64Array(N1 * N1);
    const rhs = new Float64Array(N1);
    let sumR = 0;
    let sumW = 0;
    for (let i = 0; i < n; i++) {
      const cw = C * w[i];
      for (let j = 0; j < n; j++) {
        A[i * N1 + j] = cw * K[i * n + j];
        A[n * N1 + j] += w[i] * K[i * n + j];
      }
      A[i * N1 + i] += 1;
      A[i * N1 + n] = cw;
      rhs[i] = -(a[i] + C * r[i]);
      sumR += r[i];
      sumW += w[i];
    }
    A[n * N1 + n] = sumW;
    rhs[n] = -sumR;
    const step = solveInPlace(A, rhs, N1);
    // Directional derivative of J along the step: ∇_a J = K·(a + C·r), ∇_b J = C·Σr.
    let slope = C * sumR * step[n];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j] * (a[j] + C * r[j]);
      slope += s * step[i];
    }
    if (!(slope < 0) || -slope <= 1e-13 * Math.max(1, Math.abs(J))) {
      converged = true;
      break;
    }
    // Backtracking (Armijo): the full Newton step is taken near the optimum.
    let t = 1;
    const trial = new Float64Array(n);
    let Jt = Infinity;
    let bt = b;
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < n; i++) trial[i] = a[i] + t * step[i];
      bt = b + t * step[n];
      Jt = evaluate(trial, bt);
      if (Jt <= J + 1e-4 * t * slope) break;
      t /= 2;
    }
    const decrease = J - Jt;
    a = trial;
    b = bt;
    J = Jt;
    if (!(decrease > 1e-15 * Math.max(1, Math.abs(J)))) {
      converged = true;
      break;
    }
  }
  evaluate(a, b);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += a[i] * Ka[i];
  return { a, b, norm: Math.sqrt(Math.max(0, quad)), iterations, converged };
}

/** Decision values f = K[rows, train]·a + b of a fit for the given rows. */
export function decisionValues(
  gram: Float64Array,
  M: number,
  train: readonly number[],
  fit: DualFit,
  rows: readonly number[],
): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((row, t) => {
    let s = fit.b;
    for (let j = 0; j < train.length; j++) s += gram[row * M + train[j]] * fit.a[j];
    out[t] = s;
  });
  return out;
}
