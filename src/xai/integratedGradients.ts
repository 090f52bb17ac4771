/**
 * Integrated Gradients, as Captum's `IntegratedGradients` (0.8):
 *
 *   IG_i(x) = (x_i − x'_i) · Σ_s w_s ∂F_target(x' + α_s (x − x')) / ∂x_i
 *
 * with the quadrature (α_s, w_s) of `method`: Gauss–Legendre nodes and weights mapped from
 * [−1, 1] to [0, 1] (default), or a Riemann rule (left, right, middle: weights 1/n; trapezoid:
 * weights 1/n with the two end weights halved, α = linspace(0, 1, n), exactly as Captum).
 * The weights are applied in float32, as Captum does (`torch.tensor(step_sizes).float()`).
 *
 * The path points of all examples go on the batch axis: the rows [steps · B, ...] (step-major,
 * as Captum) are evaluated with one forward and one backward pass, or in chunks of
 * `internalBatchSize` rows; the weighted sum of the gradients is one matmul per chunk on the
 * device. Nothing loops over steps or examples on the host.
 *
 * The convergence delta is Captum's: Σ_i IG_i(x) − (F_target(x) − F_target(x')) per example.
 */
import { add, broadcastTo, checkFloat, checkNumber, concat, fmt, gather, matmul, mul, noGrad, reshape, ShapeError, shapesEqual, slice, sub, sum, type Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInputs, checkOptions, checkTargetCount, forwardLogits, targetGradientOfRows, targetRows, type Model, type Target } from './common.js';

/** The integration rules of Captum's IntegratedGradients. */
export const IG_METHODS = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;
export type IntegratedGradientsMethod = (typeof IG_METHODS)[number];

/**
 * Input elements per chunk when `internalBatchSize` is not given: rows = max(1, floor(2^20 /
 * elements per example)), e.g. 163 rows of a [1, 64, 100] log-mel, 682 of [1, 32, 48]. A CNN's
 * first activations are typically 16–64× its input, so a chunk's largest tensor stays around
 * 64–256 MB.
 */
export const IG_DEFAULT_CHUNK_ELEMENTS = 1 << 20;

export interface IntegratedGradientsOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /**
   * The baseline x': a number (default 0), a tensor shaped like the inputs [B, ...], or one
   * example's shape ([...] or [1, ...]), broadcast over the batch.
   */
  baseline?: number | Tensor;
  /** Integration steps (default 50); the Riemann rules need at least 2 (as Captum). */
  steps?: number;
  /** Integration rule (default 'gausslegendre'). */
  method?: IntegratedGradientsMethod;
  /**
   * Rows (path points, over all examples) per forward/backward pass. Default: from the input
   * size (see IG_DEFAULT_CHUNK_ELEMENTS). The result does not depend on it (up to rounding).
   */
  internalBatchSize?: number;
  /** Also return the convergence delta per example (default false). */
  returnConvergenceDelta?: boolean;
}

export interface IntegratedGradientsResult {
  /** Attributions, shaped like the inputs. */
  attributions: Tensor;
  /** Σ attributions − (F(x) − F(x')) per example, [B]. */
  delta: Tensor;
}

/** numpy.linspace(a, b, n) (float64, the last point exactly b). */
function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  const out = Array.from({ length: n }, (_, i) => a + i * step);
  out[n - 1] = b;
  return out;
}

/** Gauss–Legendre nodes (ascending, as numpy.polynomial.legendre.leggauss) and weights on [−1, 1]. */
function legendreGauss(n: number): { nodes: number[]; weights: number[] } {
  const nodes = new Array<number>(n);
  const weights = new Array<number>(n);
  const half = Math.ceil(n / 2);
  for (let i = 0; i < half; i++) {
    // Newton's iteration on P_n from Tricomi's initial guess of the i-th largest root.
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? z : p1;
      const pm = n === 1 ? 1 : p0;
      dp = (n * (z * pn - pm)) / (z * z - 1);
      const dz = pn / dp;
      z -= dz;
      if (Math.abs(dz) <= 1e-16 * Math.max(1, Math.abs(z))) break;
    }
    // Recompute P_n' at the converged root for the weight.
    let p0 = 1;
    let p1 = z;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    const pn = n === 1 ? z : p1;
    const pm = n === 1 ? 1 : p0;
    dp = (n * (z * pn - pm)) / (z * z - 1);
    const w = 2 / ((1 - z * z) * dp * dp);
    nodes[n - 1 - i] = z;
    nodes[i] = -z;
    weights[n - 1 - i] = w;
    weights[i] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  return { nodes, weights };
}

/**
 * The path coefficients α_s in [0, 1] and the step sizes w_s of Captum's integration rules
 * (captum.attr._utils.approximation_methods), in float64.
 */
export function integrationPoints(method: IntegratedGradientsMethod, steps: number): { alphas: number[]; weights: number[] } {
  const fname = 'integratedGradients';
  if (!(IG_METHODS as readonly string[]).includes(method)) {
    throw new ValueError(`${fname}: options.method must be one of ${IG_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(method)}`);
  }
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1) throw new ValueError(`${fname}: options.steps must be an integer >= 1, got ${String(steps)}`);
  if (method === 'gausslegendre') {
    const { nodes, weights } = legendreGauss(steps);
    return { alphas: nodes.map((z) => 0.5 * (1 + z)), weights: weights.map((w) => 0.5 * w) };
  }
  if (steps < 2) throw new ValueError(`${fname}: options.steps must be >= 2 for method '${method}' (as Captum's Riemann rules), got ${steps}`);
  const n = steps;
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

/** The baseline materialised as [B, ...] (the inputs' shape). */
export function resolveBaseline(baseline: number | Tensor | undefined, x: Tensor, fname: string): Tensor {
  const rest = x.shape.slice(1);
  if (baseline === undefined || typeof baseline === 'number') {
    return x.engine.full(x.shape, checkNumber(baseline ?? 0, 'options.baseline', fname));
  }
  const b = checkFloat(baseline, 'options.baseline', fname);
  if (b.engine !== x.engine) throw new ValueError(`${fname}: options.baseline belongs to another engine than the inputs`);
  if (shapesEqual(b.shape, x.shape)) return reshape(b, x.shape);
  if (shapesEqual(b.shape, rest) || shapesEqual(b.shape, [1, ...rest])) return broadcastTo(reshape(b, [1, ...rest]), x.shape);
  throw new ShapeError(
    `${fname}: options.baseline must be a number, a tensor shaped like the inputs ${fmt(x.shape)} or like one example (${fmt(rest)} or ${fmt([1, ...rest])}), got ${fmt(b.shape)}`,
  );
}

/** Positive integer option or its default. */
function positiveInt(v: unknown, dflt: number, arg: string, fname: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Each example's target logit, F_target(x) [B], forward only, in chunks of `chunk` rows. */
function targetLogits(model: Model, x: Tensor, targets: readonly number[], chunk: number, fname: string): Tensor {
  return noGrad(() =>
    tidy(() => {
      const parts: Tensor[] = [];
      const n = x.shape[0];
      for (let r0 = 0; r0 < n; r0 += chunk) {
        const rows = r0 === 0 && chunk >= n ? x : slice(x, [r0], [Math.min(chunk, n - r0)]);
        const logits = forwardLogits(model, rows, fname);
        parts.push(sum(mul(logits, targetRows(logits, targets.slice(r0, r0 + rows.shape[0]))), 1));
      }
      return parts.length === 1 ? parts[0] : concat(parts, 0);
    }),
  );
}

/**
 * Integrated Gradients attributions, shaped like the inputs; with `returnConvergenceDelta`,
 * { attributions, delta } with delta [B].
 */
export function integratedGradients(model: Model, inputs: Tensor, options: IntegratedGradientsOptions & { returnConvergenceDelta: true }): IntegratedGradientsResult;
export function integratedGradients(model: Model, inputs: Tensor, options: IntegratedGradientsOptions & { returnConvergenceDelta?: false }): Tensor;
export function integratedGradients(model: Model, inputs: Tensor, options: IntegratedGradientsOptions): Tensor | IntegratedGradientsResult;
export function integratedGradients(model: Model, inputs: Tensor, options: IntegratedGradientsOptions): Tensor | IntegratedGradientsResult {
  const fname = 'integratedGradients';
  const x = checkInputs(inputs, fname);
  const o = checkOptions(options, fname);
  const steps = o.steps ?? 50;
  const method = o.method ?? 'gausslegendre';
  const { alphas, weights } = integrationPoints(method, steps);
  const withDelta = o.returnConvergenceDelta ?? false;
  if (typeof withDelta !== 'boolean') throw new ValueError(`${fname}: options.returnConvergenceDelta must be a boolean, got ${String(withDelta)}`);
  checkTargetCount(o.target, x.shape[0], fname);
  const B = x.shape[0];
  const N = x.size / B;
  const chunk = positiveInt(o.internalBatchSize, Math.max(1, Math.floor(IG_DEFAULT_CHUNK_ELEMENTS / Math.max(1, N))), 'options.internalBatchSize', fname);
  const e = x.engine;
  return tidy(() => {
    const base = resolveBaseline(o.baseline, x, fname);
    const diff = noGrad(() => sub(x, base));
    const R = steps * B;
    let total: Tensor | null = null;
    let targets: number[] = [];
    for (let r0 = 0; r0 < R; r0 += chunk) {
      const n = Math.min(chunk, R - r0);
      // Row r is step floor(r / B) of example r % B (Captum's step-major order).
      const rowExample = new Array<number>(n);
      const rowAlpha = new Float32Array(n);
      const select = new Float32Array(B * n);
      for (let i = 0; i < n; i++) {
        const s = Math.floor((r0 + i) / B);
        const b = (r0 + i) % B;
        rowExample[i] = b;
        rowAlpha[i] = alphas[s];
        select[b * n + i] = weights[s];
      }
      const part = tidy(() => {
        const rows = noGrad(() => {
          const idx = e.tensor(rowExample, [n], 'int32');
          const a = e.tensor(rowAlpha, [n, ...x.shape.slice(1).map(() => 1)]);
          return add(gather(base, idx, 0), mul(a, gather(diff, idx, 0)));
        });
        const g = targetGradientOfRows(model, rows, o.target, B, rowExample, fname);
        targets = g.targets;
        // Σ_s w_s grad(s, b) for every example b: [B, n] @ [n, N].
        return noGrad(() => matmul(e.tensor(select, [B, n]), reshape(g.grad, [n, N])));
      });
      if (total === null) {
        total = part;
      } else {
        const next: Tensor = noGrad(() => add(total!, part));
        total.dispose();
        part.dispose();
        total = next;
      }
    }
    const attributions = noGrad(() => mul(reshape(total!, x.shape), diff));
    if (!withDelta) return attributions;
    const delta = noGrad(() => {
      const both = concat([x, base], 0);
      const f = targetLogits(model, both, [...targets, ...targets], chunk, fname);
      const fx = slice(f, [0], [B]);
      const fb = slice(f, [B], [B]);
      return sub(sum(reshape(attributions, [B, N]), 1), sub(fx, fb));
    });
    return { attributions, delta };
  });
}
