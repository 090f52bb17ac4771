/**
 * Integrated Gradients, as Captum's `IntegratedGradients` (0.8):
 *
 *   IG_i(x) = (x_i − x'_i) · Σ_s w_s ∂F_target(x' + α_s (x − x')) / ∂x_i
 *
 * with the quadrature (α_s, w_s) of `method` (see integrationPoints.ts). The weights are applied
 * in float32, as Captum does (`torch.tensor(step_sizes).float()`).
 *
 * The path points of all examples go on the batch axis: the rows [steps · B, ...] (step-major, as
 * Captum) are evaluated in chunks of rows (one forward and one backward pass each), sized from the
 * device limits or by `internalBatchSize`; the weighted sum of the gradients is one matmul per
 * chunk on the device. Nothing loops over steps or examples on the host; between chunks the call
 * yields to the event loop, reports progress and checks its AbortSignal.
 *
 * The convergence delta is Captum's: Σ_i IG_i(x) − (F_target(x) − F_target(x')) per example. It
 * is computed on every call (one extra forward pass over 2B rows) unless `warn: false` and no
 * delta is asked for, and a warning is given when |delta| > IG_DELTA_WARN_FRACTION ·
 * |F(x) − F(x')| for some example (see there).
 */
import { add, concat, gather, keep, matmul, mul, noGrad, reshape, slice, sub, sum, type Tensor, tidy } from '../engine/index.js';
import { IG_METHODS, integrationPoints, MAX_IG_STEPS, type IntegratedGradientsMethod } from './integrationPoints.js';
import {
  beginCall,
  checkBoolean,
  COMMON_SPEC,
  chunksToTrace,
  forEachChunk,
  materializeBaseline,
  oneOf,
  positiveInt,
  predictInChunks,
  resolveBaseline,
  rowsPerChunk,
  targetGradientOfRows,
  type AttributionFunction,
  type CommonOptions,
  type Model,
  type WithAliases,
} from './shared/index.js';
import { precompileChunk } from './shared/precompile.js';

export { IG_METHODS, integrationPoints, MAX_IG_STEPS, type IntegratedGradientsMethod };

/**
 * The convergence warning's threshold: integratedGradients warns when, for some example,
 * |delta| > 0.1 · |F(x) − F(x')| (and |delta| > 1e-3 · max(1, |F(x)|, |F(x')|), so float32
 * rounding on a tiny difference does not warn). 10 % is far beyond quadrature error at the default
 * 50 Gauss–Legendre steps on a smooth model; a larger delta means the attributions do not add up
 * to the output change they claim to explain.
 */
export const IG_DELTA_WARN_FRACTION = 0.1;

export interface IntegratedGradientsBaseOptions extends CommonOptions {
  /** The baseline x' (Captum's `baselines`): a number (default 0) or a tensor, see shared/baselines.ts. */
  baseline?: number | Tensor;
  /** Integration steps (Captum's `n_steps`, default 50), at most MAX_IG_STEPS; the Riemann rules need at least 2. */
  steps?: number;
  /** Integration rule (default 'gausslegendre', as Captum). */
  method?: IntegratedGradientsMethod;
  /**
   * Rows (path points, over all examples) per forward/backward pass (Captum's
   * `internal_batch_size`). Default: sized from the device limits (rowsPerChunk), where Captum runs
   * all rows at once; the result does not depend on it (up to float32 rounding).
   */
  internalBatchSize?: number;
  /** Also return the convergence delta per example (default false, as Captum). */
  returnConvergenceDelta?: boolean;
}

export const IG_SPEC = {
  ...COMMON_SPEC,
  baseline: ['baselines'],
  steps: ['nSteps', 'n_steps'],
  method: [],
  internalBatchSize: ['internal_batch_size'],
  returnConvergenceDelta: ['return_convergence_delta'],
} as const;

/** IntegratedGradientsBaseOptions, also under Captum's spellings (n_steps, baselines, ...). */
export type IntegratedGradientsOptions = WithAliases<IntegratedGradientsBaseOptions, typeof IG_SPEC>;

export interface IntegratedGradientsResult {
  /** Attributions, shaped like the inputs [B, ...] (units: logit). */
  attributions: Tensor;
  /** Σ attributions − (F(x) − F(x')) per example, [B] (units: logit). */
  delta: Tensor;
}

/**
 * Integrated Gradients attributions, shaped like the inputs [B, ...]; with
 * `returnConvergenceDelta`, { attributions, delta } with delta [B]. Progress stages:
 * 'integrate' (rows of path points) then 'delta'.
 */
export function integratedGradients(
  model: Model,
  inputs: Tensor,
  options: IntegratedGradientsOptions & { returnConvergenceDelta: true },
): Promise<IntegratedGradientsResult>;
export function integratedGradients(
  model: Model,
  inputs: Tensor,
  options: IntegratedGradientsOptions & { returnConvergenceDelta?: false },
): Promise<Tensor>;
export function integratedGradients(
  model: Model,
  inputs: Tensor,
  options: IntegratedGradientsOptions,
): Promise<Tensor | IntegratedGradientsResult>;
export async function integratedGradients(
  model: Model,
  inputs: Tensor,
  options: IntegratedGradientsOptions,
): Promise<Tensor | IntegratedGradientsResult> {
  const fname = 'integratedGradients';
  const c = await beginCall(model, inputs, options, IG_SPEC, fname);
  const { x, o, target } = c;
  const steps = positiveInt(o.steps, 'options.steps', fname, { default: 50, max: MAX_IG_STEPS });
  const method = oneOf(o.method, IG_METHODS, 'options.method', fname, 'gausslegendre');
  const withDelta = checkBoolean(o.returnConvergenceDelta, 'options.returnConvergenceDelta', fname, false);
  const baseline = resolveBaseline(o.baseline, x, fname);
  const B = x.shape[0];
  const N = x.size / B;
  const e = x.engine;
  const chunk = rowsPerChunk(e, N, { maxBatch: o.internalBatchSize, fname, name: 'options.internalBatchSize' });
  const { alphas, weights } = integrationPoints(method, steps);
  const owned: Tensor[] = [];
  const own = (t: Tensor) => (owned.push(keep(t)), t);
  try {
    // Σ_s w_s grad(s, b) over the path rows r0 .. r1-1, for every example b: [B, N].
    const chunkSum = (base: Tensor, diff: Tensor, r0: number, r1: number): { part: Tensor; targets: number[] } => {
      const n = r1 - r0;
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
      let targets: number[] = [];
      const part = tidy(() => {
        const rows = noGrad(() => {
          const idx = e.tensor(rowExample, [n], 'int32');
          const a = e.tensor(rowAlpha, [n, ...x.shape.slice(1).map(() => 1)]);
          return add(gather(base, idx, 0), mul(a, gather(diff, idx, 0)));
        });
        const g = targetGradientOfRows(c.model, rows, target, B, rowExample, fname);
        targets = g.targets;
        return noGrad(() => matmul(e.tensor(select, [B, n]), reshape(g.grad, [n, N])));
      });
      return { part, targets };
    };
    // Compile every kernel of the call first (the baseline, one chunk, the delta's concat).
    await precompileChunk(e, c.model, () => {
      const b0 = noGrad(() => materializeBaseline(baseline, x));
      noGrad(() => concat([x, b0], 0));
      const d0 = noGrad(() => sub(x, b0));
      for (const [r0, r1] of chunksToTrace(steps * B, chunk)) {
        const { part } = chunkSum(b0, d0, r0, r1);
        noGrad(() => sum(reshape(mul(reshape(add(part, part), x.shape), d0), [B, N]), 1));
      }
    });
    const base = own(noGrad(() => materializeBaseline(baseline, x)));
    const diff = own(noGrad(() => sub(x, base)));
    let total: Tensor | null = null;
    let targets: number[] = [];
    await forEachChunk(
      steps * B,
      chunk,
      (r0, r1) => {
        const { part, targets: t } = chunkSum(base, diff, r0, r1);
        targets = t;
        const next: Tensor = total === null ? part : noGrad(() => add(total!, part));
        if (total !== null) {
          owned.splice(owned.indexOf(total), 1);
          total.dispose();
          part.dispose();
        }
        total = own(next); // owned, so an abort between chunks frees it
      },
      { onProgress: c.onProgress, signal: c.signal, stage: 'integrate', fname },
    );
    const attributions = noGrad(() => tidy(() => mul(reshape(total!, x.shape), diff)));
    const warnOff = (options as { warn?: unknown }).warn === false;
    if (!withDelta && warnOff) return attributions;
    owned.push(attributions);
    // F_target at x and at the baseline: one forward pass over [x; x'] (2B rows, in chunks).
    const both = own(noGrad(() => concat([x, base], 0)));
    const f = own(
      await predictInChunks(c.model, 2 * B, (k0, k1) => slice(both, [k0], [k1 - k0]), {
        engine: e,
        elementsPerRow: N,
        maxBatch: chunk,
        target: [...targets, ...targets],
        onProgress: c.onProgress,
        signal: c.signal,
        stage: 'delta',
        fname,
      }),
    );
    const [delta, change] = noGrad(() =>
      tidy(() => {
        const fd = sub(slice(f, [0], [B]), slice(f, [B], [B]));
        return [sub(sum(reshape(attributions, [B, N]), 1), fd), fd] as const;
      }),
    );
    owned.push(change);
    if (!warnOff) warnConvergence(Array.from(await delta.read()), Array.from(await f.read()), B, c.warn, fname);
    owned.splice(owned.indexOf(attributions), 1);
    if (withDelta) return { attributions, delta };
    delta.dispose();
    return attributions;
  } finally {
    for (const t of owned) t.dispose();
  }
}
integratedGradients satisfies AttributionFunction<IntegratedGradientsOptions & { returnConvergenceDelta?: false }>;

/** The convergence warning (see IG_DELTA_WARN_FRACTION); f holds F(x) for B examples, then F(x'). */
function warnConvergence(delta: number[], f: number[], B: number, warn: (m: string) => void, fname: string): void {
  let worst = -1;
  let worstRatio = 0;
  for (let b = 0; b < B; b++) {
    const change = Math.abs(f[b] - f[B + b]);
    const d = Math.abs(delta[b]);
    if (d <= 1e-3 * Math.max(1, Math.abs(f[b]), Math.abs(f[B + b]))) continue;
    const ratio = d / Math.max(change, 1e-30);
    if (ratio > IG_DELTA_WARN_FRACTION && ratio > worstRatio) [worst, worstRatio] = [b, ratio];
  }
  if (worst < 0) return;
  const pct = worstRatio >= 100 ? '> 10,000 %' : `${(worstRatio * 100).toPrecision(3)} %`;
  warn(
    `${fname}: the attributions of example ${worst} miss F(x) − F(baseline) = ${fmtNum(f[worst] - f[B + worst])} by ${fmtNum(delta[worst])} (${pct}; warned above ${IG_DELTA_WARN_FRACTION * 100} %). ` +
      'Likely causes: too few steps; scale-invariant preprocessing on the path (e.g. logMel with normalize: true maps x and α·x to the same features, so a zero baseline explains nothing: use another baseline or normalize: false); ' +
      'a baseline on a plateau of the model; a model with sharp kinks. Check with returnConvergenceDelta: true, or pass warn: false',
  );
}

const fmtNum = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3));
