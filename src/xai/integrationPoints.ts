/**
 * The quadrature rules of Captum's IntegratedGradients (captum.attr._utils.approximation_methods):
 * Gauss–Legendre (default) and the Riemann rules, as path coefficients α_s in [0, 1] and step
 * sizes w_s, in float64.
 *
 * Cost: Gauss–Legendre nodes come from Newton's iteration on P_n started from Tricomi's
 * approximation (3–4 evaluations a node), each evaluation the O(n) three-term recurrence, four
 * nodes at a time; so O(n²) host work in all: about 0.25 s at the bound MAX_IG_STEPS = 10,000
 * (measured on one core of the CI machine), 10 ms at 1,000, under 1 ms at the usual 50. Rules are
 * memoised per (method, steps), so repeated calls pay it once.
 */
import { ValueError } from '../engine/index.js';
import { positiveInt } from './shared/index.js';

/** The integration rules of Captum's IntegratedGradients. */
export const IG_METHODS = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;
export type IntegratedGradientsMethod = (typeof IG_METHODS)[number];

/**
 * Upper bound of options.steps: each step is a forward and backward pass per example, and the
 * Gauss–Legendre rule costs O(steps²) on the host (see above). Far beyond any useful accuracy
 * (Captum's default is 50).
 */
export const MAX_IG_STEPS = 10_000;

/** numpy.linspace(a, b, n) (float64, the last point exactly b). */
function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  const out = Array.from({ length: n }, (_, i) => a + i * step);
  out[n - 1] = b;
  return out;
}

/**
 * P_n and P_{n−1} at four points at once by the three-term recurrence (a[k] = (2k − 1)/k,
 * b[k] = (k − 1)/k precomputed): four independent chains keep the CPU's pipeline full, about 3×
 * faster than one point at a time. Writes [P_n(z_j), P_{n−1}(z_j)] to out[2j], out[2j + 1].
 */
function legendre4(n: number, z: Float64Array, a: Float64Array, b: Float64Array, out: Float64Array): void {
  const [z0, z1, z2, z3] = [z[0], z[1], z[2], z[3]];
  let [p00, p01, p02, p03] = [1, 1, 1, 1];
  let [p10, p11, p12, p13] = [z0, z1, z2, z3];
  for (let k = 2; k <= n; k++) {
    const ak = a[k];
    const bk = b[k];
    const q0 = ak * z0 * p10 - bk * p00;
    const q1 = ak * z1 * p11 - bk * p01;
    const q2 = ak * z2 * p12 - bk * p02;
    const q3 = ak * z3 * p13 - bk * p03;
    [p00, p01, p02, p03] = [p10, p11, p12, p13];
    [p10, p11, p12, p13] = [q0, q1, q2, q3];
  }
  out.set([p10, p00, p11, p01, p12, p02, p13, p03]);
}

/** Gauss–Legendre nodes (ascending, as numpy.polynomial.legendre.leggauss) and weights on [−1, 1]. */
function legendreGauss(n: number): { nodes: number[]; weights: number[] } {
  const nodes = new Array<number>(n);
  const weights = new Array<number>(n);
  const half = Math.ceil(n / 2);
  const a = new Float64Array(n + 1);
  const b = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) [a[k], b[k]] = [(2 * k - 1) / k, (k - 1) / k];
  const z = new Float64Array(4);
  const p = new Float64Array(8);
  const derivative = (j: number) => (n * (z[j] * p[2 * j] - p[2 * j + 1])) / (z[j] * z[j] - 1);
  for (let i0 = 0; i0 < half; i0 += 4) {
    // Newton's iteration on P_n from Tricomi's initial guess of the i-th largest root, four roots
    // at a time (past `half` the extra lanes compute roots that are not used).
    for (let j = 0; j < 4; j++) z[j] = Math.cos((Math.PI * (i0 + j + 0.75)) / (n + 0.5));
    // Quadratic convergence: once every step is below 1e-12 the next one is at rounding level, so
    // one more step and stop (waiting for |dz| <= 1e-16 can cycle on rounding for many steps).
    for (let it = 0, close = false; it < 20; it++) {
      legendre4(n, z, a, b, p);
      let big = 0;
      for (let j = 0; j < 4; j++) {
        const dz = p[2 * j] / derivative(j);
        z[j] -= dz;
        big = Math.max(big, Number.isFinite(dz) ? Math.abs(dz) : 0);
      }
      if (close) break;
      close = big <= 1e-12;
    }
    // P_n' at the converged roots, for the weights.
    legendre4(n, z, a, b, p);
    for (let j = 0; j < 4 && i0 + j < half; j++) {
      const i = i0 + j;
      const dp = derivative(j);
      const w = 2 / ((1 - z[j] * z[j]) * dp * dp);
      nodes[n - 1 - i] = z[j];
      nodes[i] = -z[j];
      weights[n - 1 - i] = w;
      weights[i] = w;
    }
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  return { nodes, weights };
}

const memo = new Map<string, { alphas: number[]; weights: number[] }>();
const MEMO_SIZE = 16;

/**
 * The path coefficients α_s in [0, 1] and the step sizes w_s of Captum's integration rules
 * (captum.attr._utils.approximation_methods), in float64. steps: 1 ..= MAX_IG_STEPS (2 or more
 * for the Riemann rules, as Captum). The arrays returned are fresh copies.
 */
export function integrationPoints(method: IntegratedGradientsMethod, steps: number): { alphas: number[]; weights: number[] } {
  const fname = 'integratedGradients';
  if (!(IG_METHODS as readonly string[]).includes(method)) {
    throw new ValueError(
      `${fname}: options.method must be one of ${IG_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(String(method)).slice(0, 60)}`,
    );
  }
  const n = positiveInt(steps, 'options.steps', fname, { max: MAX_IG_STEPS });
  if (method !== 'gausslegendre' && n < 2)
    throw new ValueError(`${fname}: options.steps must be >= 2 for method '${method}' (as Captum's Riemann rules), got ${n}`);
  const key = `${method}:${n}`;
  let rule = memo.get(key);
  if (!rule) {
    rule = computeRule(method, n);
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
    memo.set(key, rule);
  }
  return { alphas: rule.alphas.slice(), weights: rule.weights.slice() };
}

function computeRule(method: IntegratedGradientsMethod, n: number): { alphas: number[]; weights: number[] } {
  if (method === 'gausslegendre') {
    const { nodes, weights } = legendreGauss(n);
    return { alphas: nodes.map((z) => 0.5 * (1 + z)), weights: weights.map((w) => 0.5 * w) };
  }
  const weights = new Array<number>(n).fill(1 / n);
  let alphas: number[];
  switch (method) {
    case 'riemann_trapezoid':
      weights[0] /= 2;
      weights[n - 1] /= 2;
      alphas = linspace(0, 1, n);
      break;
    case 'riemann_left':
      alphas = linspace(0, 1 - 1 / n, n);
      break;
    case 'riemann_middle':
      alphas = linspace(1 / (2 * n), 1 - 1 / (2 * n), n);
      break;
    default:
      alphas = linspace(1 / n, 1, n);
  }
  return { alphas, weights };
}
