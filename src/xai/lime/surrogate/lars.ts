/**
 * The LARS-lasso regularisation path (scikit-learn's lars_path(X, y, method='lasso') with
 * Gram=None, alpha_min 0), which LIME's 'lasso_path' feature selection walks back along. Only the
 * supports of the path's knots matter to LIME (the features are refitted by ridge), but the knots
 * are followed as sklearn does — the same equiangular steps, the same rounding of the
 * correlations to 15 decimals, the same stopping rule (alpha ≤ float32 eps), the same handling of
 * a coefficient that crosses zero (it leaves the active set at that knot) — so that the supports
 * agree on ties as far as float64 allows.
 */
import { cholesky, choSolve } from './linalg.js';

const TINY32 = 1.1754943508222875e-38; // np.finfo(np.float32).tiny: keeps divisions finite
const EQ_TOL = 1.1920928955078125e-7; // np.finfo(np.float32).eps: the early-stopping tolerance

/** Smallest strictly positive entry (Infinity when there is none), as sklearn's min_pos. */
function minPos(v: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > 0 && v[i] < m) m = v[i];
  return m;
}

const round15 = (v: number) => Math.round(v * 1e15) / 1e15;

/**
 * The coefficients at every knot of the lasso path of y [n] on x [n, d] (row-major), the first
 * all zeros and the last the least-squares end of the path (or where the correlations vanish).
 */
export function larsLassoPath(x: Float64Array, y: Float64Array, n: number, d: number): Float64Array[] {
  const col = (j: number, v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j] * v[i];
    return s;
  };
  // Correlation of each feature with the current residual (kept only for inactive features).
  const cov = new Float64Array(d);
  for (let j = 0; j < d; j++) cov[j] = col(j, y);
  const inactive = new Set<number>(Array.from({ length: d }, (_, j) => j));
  const active: number[] = [];
  let signs: number[] = [];
  const path: Float64Array[] = [new Float64Array(d)];
  let drop = false;
  let prevAlpha = Infinity;
  const maxIter = 500;
  while (true) {
    let cIdx = -1;
    let cMax = 0;
    for (const j of inactive) {
      if (cIdx < 0 || Math.abs(cov[j]) > cMax) {
        cIdx = j;
        cMax = Math.abs(cov[j]);
      }
    }
    const C = cIdx < 0 ? 0 : cMax;
    const alpha = C / n;
    if (alpha <= EQ_TOL) break;
    const nIter = path.length - 1;
    if (nIter >= maxIter || active.length >= d) break;
    if (!drop) {
      // Admit the most correlated feature unless it makes the active Gram matrix singular
      // (sklearn then zeroes its correlation and tries the next).
      const trial = [...active, cIdx];
      const l = cholesky(gram(x, n, d, trial), trial.length);
      const k = trial.length - 1;
      if (!l || l[k * trial.length + k] < 1e-7) {
        cov[cIdx] = 0;
        continue;
      }
      signs.push(Math.sign(cov[cIdx]));
      active.push(cIdx);
      inactive.delete(cIdx);
    }
    if (nIter > 0 && prevAlpha < alpha) break; // degenerate path: alpha grew
    prevAlpha = alpha;
    const na = active.length;
    const l = cholesky(gram(x, n, d, active), na);
    if (!l) break;
    const ls = choSolve(l, Float64Array.from(signs), na);
    let dot = 0;
    for (let i = 0; i < na; i++) dot += ls[i] * signs[i];
    const AA = 1 / Math.sqrt(dot);
    for (let i = 0; i < na; i++) ls[i] *= AA;
    // Equiangular direction and its correlation with every inactive feature.
    const eqDir = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < na; i++) s += x[r * d + active[i]] * ls[i];
      eqDir[r] = s;
    }
    const inact = [...inactive];
    const corr = inact.map((j) => round15(col(j, eqDir)));
    const g1 = minPos(inact.map((j, i) => (C - cov[j]) / (AA - corr[i] + TINY32)));
    const g2 = minPos(inact.map((j, i) => (C + cov[j]) / (AA + corr[i] + TINY32)));
    let gamma = Math.min(g1, g2, C / AA);
    const prev = path[path.length - 1];
    const z = active.map((j, i) => -prev[j] / (ls[i] + TINY32));
    const zPos = minPos(z);
    let dropIdx: number[] = [];
    drop = false;
    if (zPos < gamma) {
      dropIdx = z.map((v, i) => (v === zPos ? i : -1)).filter((i) => i >= 0).reverse();
      gamma = zPos;
      drop = true;
    }
    const coef = new Float64Array(d);
    active.forEach((j, i) => (coef[j] = prev[j] + gamma * ls[i]));
    path.push(coef);
    inact.forEach((j, i) => (cov[j] -= gamma * corr[i]));
    if (drop) {
      // The crossing coefficient leaves the active set; its correlation with the residual of the
      // remaining active features is recomputed, as sklearn does.
      const dropped = dropIdx.map((i) => active[i]);
      for (const i of dropIdx) {
        active.splice(i, 1);
        signs.splice(i, 1);
      }
      const residual = Float64Array.from(y);
      for (let r = 0; r < n; r++) for (const j of active) residual[r] -= x[r * d + j] * coef[j];
      for (const j of dropped) {
        cov[j] = col(j, residual);
        inactive.add(j);
      }
      signs = signs.slice();
    }
  }
  return path;
}

/** The Gram matrix XᵀX of the columns `cols`. */
function gram(x: Float64Array, n: number, d: number, cols: readonly number[]): Float64Array {
  const k = cols.length;
  const g = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[r * d + cols[a]] * x[r * d + cols[b]];
      g[a * k + b] = s;
      g[b * k + a] = s;
    }
  }
  return g;
}
