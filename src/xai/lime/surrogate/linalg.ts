/**
 * Small dense float64 linear algebra on the host for the surrogate fits: the systems are
 * d × d with d the number of interpretable components (tens, at most a few hundred), so the
 * host solves them exactly in double precision, as scikit-learn does, while the expensive part
 * (thousands of model evaluations) runs batched on the device.
 *
 * Matrices are row-major Float64Array with an explicit size.
 */

/** Solves the symmetric positive (semi)definite system A x = b (A is n × n). Cholesky first;
 * on a non-positive pivot (a singular or collinear design) the minimum-norm least-squares solution
 * through a Jacobi eigendecomposition, as scikit-learn falls back to lstsq. */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  if (l) return choSolve(l, b, n);
  return pinvSolve(a, b, n);
}

/** Lower Cholesky factor of A, or null when a pivot is not clearly positive. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]));
  const tol = Math.max(scale, 1e-300) * n * 1e-13;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > tol)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L Lᵀ x = b for a Cholesky factor L. */
export function choSolve(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Minimum-norm solution of A x = b for symmetric A: x = V diag(1/λ, λ > tol) Vᵀ b. */
function pinvSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const { values, vectors } = jacobiEigen(a, n);
  const lmax = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const tol = lmax * n * 2.220446049250313e-16;
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (Math.abs(values[k]) <= tol) continue;
    let proj = 0;
    for (let i = 0; i < n; i++) proj += vectors[i * n + k] * b[i];
    proj /= values[k];
    for (let i = 0; i < n; i++) x[i] += proj * vectors[i * n + k];
  }
  return x;
}

/** Cyclic Jacobi eigendecomposition of a symmetric matrix: values and column eigenvectors. */
function jacobiEigen(a0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(a0);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}
