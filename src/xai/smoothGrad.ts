/**
 * SmoothGrad and its variants, as Captum's `NoiseTunnel` (0.8) around an attribution method:
 * each example is repeated nSamples times (repeat_interleave: example-major), Gaussian noise of
 * standard deviation `stdevs` (absolute, in the input's units, as Captum; not relative to the
 * input's range) is added, the method explains the noisy batch (each copy for its example's
 * target), and per example
 *
 * - 'smoothgrad':    mean of the samples' attributions,
 * - 'smoothgrad_sq': mean of their squares,
 * - 'vargrad':       mean of squares − square of the mean (the variance).
 *
 * The noisy copies of all examples go on the batch axis of one call of the method (or chunks of
 * `nSamplesBatchSize` samples per example). The noise is drawn on the device from `seed`
 * (engine.randn), all at once, so the result does not depend on the chunking.
 */
import { add, affine, checkNumber, fmt, gather, mul, noGrad, reshape, ShapeError, shapesEqual, slice, square, sub, sum, Tensor, tidy, ValueError } from '../engine/index.js';
import { checkInputs, checkOptions, checkTargetCount, type Model, type Target } from './common.js';
import { saliency, type SaliencyOptions } from './saliency.js';

/** NoiseTunnel's aggregations. */
export const NOISE_TUNNEL_TYPES = ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const;
export type NoiseTunnelType = (typeof NOISE_TUNNEL_TYPES)[number];

/**
 * An attribution function of this module: (model, inputs [B, ...], options with target) →
 * attributions [B, ...] (or { attributions, ... }, of which the noise tunnel uses the attributions).
 */
export type AttributionFunction<O extends { target: Target }> = (model: Model, inputs: Tensor, options: O) => Tensor | { attributions: Tensor };

export interface SmoothGradOptions<O extends { target: Target } = SaliencyOptions> {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /** Noisy samples per example (default 5, as Captum). */
  nSamples?: number;
  /** Standard deviation of the Gaussian noise, absolute (default 1, as Captum). */
  stdevs?: number;
  /** Aggregation (default 'smoothgrad'). */
  type?: NoiseTunnelType;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** The attribution method applied to the noisy inputs (default saliency). */
  method?: AttributionFunction<O>;
  /**
   * Options of the method besides target (e.g. { abs: false } for saliency, { steps, baseline } for
   * integratedGradients). A baseline tensor shaped like the inputs is repeated per sample.
   */
  methodOptions?: Omit<O, 'target'>;
  /** Samples per example in one call of the method (default all nSamples). */
  nSamplesBatchSize?: number;
}

function positiveInt(v: unknown, dflt: number, arg: string, fname: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${fname}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}

/** acc + part, freeing both (running sums stay one tensor each). */
function accumulate(acc: Tensor | null, part: Tensor): Tensor {
  if (!acc) return part;
  const next = noGrad(() => add(acc, part));
  acc.dispose();
  part.dispose();
  return next;
}

/**
 * NoiseTunnel attributions (SmoothGrad by default), shaped like what `method` returns for the
 * inputs (the inputs' shape for the gradient methods).
 */
export function smoothGrad<O extends { target: Target } = SaliencyOptions>(model: Model, inputs: Tensor, options: SmoothGradOptions<O>): Tensor {
  const fname = 'smoothGrad';
  const x = checkInputs(inputs, fname);
  const o = checkOptions(options, fname);
  const n = positiveInt(o.nSamples, 5, 'options.nSamples', fname);
  const stdev = checkNumber(o.stdevs ?? 1, 'options.stdevs', fname);
  if (stdev < 0) throw new ValueError(`${fname}: options.stdevs must be >= 0, got ${stdev}`);
  const type = o.type ?? 'smoothgrad';
  if (!(NOISE_TUNNEL_TYPES as readonly string[]).includes(type)) {
    throw new ValueError(`${fname}: options.type must be one of ${NOISE_TUNNEL_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${fname}: options.seed must be an integer, got ${String(seed)}`);
  const method = (o.method ?? saliency) as unknown as AttributionFunction<O>;
  if (typeof method !== 'function') throw new ValueError(`${fname}: options.method must be an attribution function (model, inputs, options) => Tensor, got ${String(method)}`);
  const methodOptions = (o.methodOptions ?? {}) as Record<string, unknown>;
  if (methodOptions === null || typeof methodOptions !== 'object') throw new ValueError(`${fname}: options.methodOptions must be an object, got ${String(methodOptions)}`);
  if ('target' in methodOptions) throw new ValueError(`${fname}: give the target as options.target, not options.methodOptions.target`);
  if (methodOptions.returnConvergenceDelta) throw new ValueError(`${fname}: options.methodOptions.returnConvergenceDelta is not supported (the noise tunnel aggregates attributions only)`);
  const chunk = Math.min(n, positiveInt(o.nSamplesBatchSize, n, 'options.nSamplesBatchSize', fname));
  checkTargetCount(o.target, x.shape[0], fname);
  const B = x.shape[0];
  const rest = x.shape.slice(1);
  const e = x.engine;
  return tidy(() => {
    // All the noise at once, [B, n, ...]: sample k of example b is row b·n + k (repeat_interleave).
    const noise = e.randn([B, n, ...rest], { seed, std: stdev });
    const expanded = noGrad(() => add(noise, reshape(x, [B, 1, ...rest])));
    noise.dispose();
    let acc: Tensor | null = null;
    let accSq: Tensor | null = null;
    for (let k0 = 0; k0 < n; k0 += chunk) {
      const m = Math.min(chunk, n - k0);
      const rowExample = Array.from({ length: B * m }, (_, r) => Math.floor(r / m));
      const { s, sq } = tidy(() => {
        const noisy = noGrad(() => reshape(m === n ? expanded : slice(expanded, [0, k0], [B, m]), [B * m, ...rest]));
        const target = typeof o.target === 'number' ? o.target : rowExample.map((b) => (o.target as readonly number[])[b]);
        const opts: Record<string, unknown> = { ...methodOptions, target };
        // A per-example baseline (or any tensor option shaped like the inputs) follows its example.
        for (const [k, v] of Object.entries(methodOptions)) {
          if (v instanceof Tensor && B > 1 && shapesEqual(v.shape, x.shape)) {
            opts[k] = noGrad(() => gather(v, e.tensor(rowExample, [B * m], 'int32'), 0));
          }
        }
        let result: unknown;
        try {
          result = method(model, noisy, opts as unknown as O);
        } catch (err) {
          // The method sees the noisy batch: name the example, not the row, in target errors.
          if (err instanceof ValueError && typeof o.target !== 'number') {
            const msg = err.message.replace(/options\.target\[(\d+)\]/, (_all, r: string) => `options.target[${rowExample[Number(r)]}]`);
            if (msg !== err.message) throw new ValueError(`${fname}: ${msg}`);
          }
          throw err;
        }
        const attr = result instanceof Tensor ? result : (result as { attributions?: unknown } | null)?.attributions;
        if (!(attr instanceof Tensor)) throw new ValueError(`${fname}: options.method must return a Tensor of attributions, got ${attr === null ? 'null' : typeof attr}`);
        if (attr.rank < 1 || attr.shape[0] !== B * m) throw new ShapeError(`${fname}: options.method returned ${fmt(attr.shape)} for a noisy batch of ${B * m} rows`);
        return noGrad(() => {
          const a = reshape(attr, [B, m, ...attr.shape.slice(1)]);
          return { s: sum(a, 1), sq: type === 'smoothgrad' ? null : sum(square(a), 1) };
        });
      });
      acc = accumulate(acc, s);
      if (sq) accSq = accumulate(accSq, sq);
    }
    return noGrad(() => {
      const mean = affine(acc!, 1 / n, 0);
      if (type === 'smoothgrad') return mean;
      const meanSq = affine(accSq!, 1 / n, 0);
      return type === 'smoothgrad_sq' ? meanSq : sub(meanSq, mul(mean, mean));
    });
  });
}

