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
 * The noisy copies of all examples go on the batch axis of one call of the method per chunk of
 * samples (`nSamplesBatchSize` samples per example, default sized from the device limits; between
 * chunks the call yields, reports progress and checks its signal). The noise is drawn on the
 * device from `seed` (engine.randn), all at once, so the result does not depend on the chunking.
 */
import {
  add,
  affine,
  fmt,
  gather,
  keep,
  mul,
  noGrad,
  reshape,
  ShapeError,
  shapesEqual,
  slice,
  square,
  sub,
  sum,
  Tensor,
  tidy,
  ValueError,
} from '../engine/index.js';
import { saliency, type SaliencyOptions } from './saliency.js';
import {
  beginCall,
  checkSeed,
  COMMON_SPEC,
  describeValue,
  forEachChunk,
  nonNegativeNumber,
  oneOf,
  positiveInt,
  rowsPerChunk,
  type AttributionFunction,
  type CommonOptions,
  type Model,
  type WithAliases,
} from './shared/index.js';
import { precompileChunk } from './shared/precompile.js';

/** NoiseTunnel's aggregations. */
export const NOISE_TUNNEL_TYPES = ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const;
export type NoiseTunnelType = (typeof NOISE_TUNNEL_TYPES)[number];

/** Most noisy samples per example (each is a forward and backward pass of the inner method). */
export const MAX_NOISE_SAMPLES = 100_000;

export interface SmoothGradBaseOptions<O extends CommonOptions = SaliencyOptions> extends CommonOptions {
  /** Noisy samples per example (Captum's `nt_samples`, default 5), at most MAX_NOISE_SAMPLES. */
  nSamples?: number;
  /** Standard deviation of the Gaussian noise, absolute, in input units (default 1, as Captum). */
  stdevs?: number;
  /** Aggregation (Captum's `nt_type`, default 'smoothgrad'). */
  type?: NoiseTunnelType;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** The attribution method applied to the noisy inputs (default saliency). */
  method?: AttributionFunction<O, Tensor | { attributions: Tensor }>;
  /**
   * Options of the method besides target (e.g. { abs: false } for saliency, { steps, baseline } for
   * integratedGradients). A tensor option shaped like the inputs (a per-example baseline) is
   * repeated per sample. The call's signal (and warn, when given) are passed on to the method.
   */
  methodOptions?: Omit<O, 'target'>;
  /**
   * Samples per example in one call of the method (Captum's `nt_samples_batch_size`). Default:
   * sized from the device limits (rowsPerChunk), where Captum runs all samples at once.
   */
  nSamplesBatchSize?: number;
}

export const SMOOTHGRAD_SPEC = {
  ...COMMON_SPEC,
  nSamples: ['n_samples', 'ntSamples', 'nt_samples'],
  stdevs: [],
  type: ['ntType', 'nt_type'],
  seed: [],
  method: [],
  methodOptions: [],
  nSamplesBatchSize: ['ntSamplesBatchSize', 'nt_samples_batch_size'],
} as const;

/** SmoothGradBaseOptions, also under Captum's spellings (nt_samples, nt_type, ...). */
export type SmoothGradOptions<O extends CommonOptions = SaliencyOptions> = WithAliases<SmoothGradBaseOptions<O>, typeof SMOOTHGRAD_SPEC>;

/** acc + part, freeing both (running sums stay one tensor each). */
function accumulate(acc: Tensor | null, part: Tensor): Tensor {
  if (!acc) return keep(part);
  const next = noGrad(() => add(acc, part));
  acc.dispose();
  part.dispose();
  return keep(next);
}

/**
 * NoiseTunnel attributions (SmoothGrad by default), shaped like what `method` returns for the
 * inputs (the inputs' shape [B, ...] for the gradient methods). Progress stage: 'samples'.
 */
export async function smoothGrad<O extends CommonOptions = SaliencyOptions>(
  model: Model,
  inputs: Tensor,
  options: SmoothGradOptions<O>,
): Promise<Tensor> {
  const fname = 'smoothGrad';
  const c = await beginCall(model, inputs, options, SMOOTHGRAD_SPEC, fname);
  const { x, o, target } = c;
  const n = positiveInt(o.nSamples, 'options.nSamples', fname, { default: 5, max: MAX_NOISE_SAMPLES });
  const stdev = nonNegativeNumber(o.stdevs, 'options.stdevs', fname, { default: 1 });
  const type = oneOf(o.type, NOISE_TUNNEL_TYPES, 'options.type', fname, 'smoothgrad');
  const seed = checkSeed(o.seed, 'options.seed', fname);
  const method = (o.method ?? saliency) as AttributionFunction<Record<string, unknown>, unknown>;
  if (typeof method !== 'function')
    throw new ValueError(
      `${fname}: options.method must be an attribution function (model, inputs, options) => Promise<Tensor>, got ${describeValue(method)}`,
    );
  const methodOptions = (o.methodOptions ?? {}) as Record<string, unknown>;
  if (methodOptions === null || typeof methodOptions !== 'object')
    throw new ValueError(`${fname}: options.methodOptions must be an object, got ${describeValue(methodOptions)}`);
  if ('target' in methodOptions) throw new ValueError(`${fname}: give the target as options.target, not options.methodOptions.target`);
  if (methodOptions.returnConvergenceDelta || methodOptions.return_convergence_delta) {
    throw new ValueError(
      `${fname}: options.methodOptions.returnConvergenceDelta is not supported (the noise tunnel aggregates attributions only)`,
    );
  }
  const B = x.shape[0];
  const rest = x.shape.slice(1);
  const e = x.engine;
  const chunk =
    o.nSamplesBatchSize === undefined
      ? Math.min(n, Math.max(1, Math.floor(rowsPerChunk(e, x.size / B) / B)))
      : Math.min(n, positiveInt(o.nSamplesBatchSize, 'options.nSamplesBatchSize', fname));
  const passOn: Record<string, unknown> = {};
  if (c.signal) passOn.signal = c.signal;
  if ((options as { warn?: unknown }).warn !== undefined) passOn.warn = (options as { warn?: unknown }).warn;
  let expanded: Tensor | null = null;
  let acc: Tensor | null = null;
  let accSq: Tensor | null = null;
  try {
    // All the noise at once, [B, n, ...]: sample k of example b is row b·n + k (repeat_interleave).
    const noise = () => add(e.randn([B, n, ...rest], { seed, std: stdev }), reshape(x, [B, 1, ...rest]));
    // Compile the noise and the sums' kernels first (the method compiles its own on its first chunk).
    await precompileChunk(e, c.model, () =>
      noGrad(() => {
        const r = reshape(noise(), [B, n, ...rest]);
        const s = sum(r, 1);
        affine(add(s, s), 1 / n, 0);
        if (type !== 'smoothgrad') sub(sum(square(r), 1), mul(s, s));
      }),
    );
    expanded = keep(noGrad(() => tidy(noise)));
    await forEachChunk(
      n,
      chunk,
      async (k0, k1) => {
        const m = k1 - k0;
        const rowExample = Array.from({ length: B * m }, (_, r) => Math.floor(r / m));
        const made: Tensor[] = [];
        const opts: Record<string, unknown> = {
          ...methodOptions,
          ...passOn,
          target: typeof target === 'number' ? target : rowExample.map((b) => target[b]),
        };
        let attr: Tensor | null = null;
        try {
          const noisy = keep(noGrad(() => tidy(() => reshape(m === n ? expanded! : slice(expanded!, [0, k0], [B, m]), [B * m, ...rest]))));
          made.push(noisy);
          // A per-example baseline (or any tensor option shaped like the inputs) follows its example.
          for (const [k, v] of Object.entries(methodOptions)) {
            if (v instanceof Tensor && B > 1 && shapesEqual(v.shape, x.shape)) {
              const g = keep(noGrad(() => tidy(() => gather(v, e.tensor(rowExample, [B * m], 'int32'), 0))));
              made.push(g);
              opts[k] = g;
            }
          }
          let result: unknown;
          try {
            result = await method(c.model, noisy, opts);
          } catch (err) {
            // The method sees the noisy batch: name the example, not the row, in target errors.
            if (err instanceof ValueError && typeof target !== 'number') {
              const msg = err.message.replace(/options\.target\[(\d+)\]/, (_all, r: string) => `options.target[${rowExample[Number(r)]}]`);
              if (msg !== err.message) throw new ValueError(`${fname}: ${msg}`);
            }
            throw err;
          }
          const got = result instanceof Tensor ? result : (result as { attributions?: unknown } | null)?.attributions;
          if (!(got instanceof Tensor))
            throw new ValueError(`${fname}: options.method must return a Tensor of attributions, got ${describeValue(got)}`);
          attr = got;
          if (result !== got) for (const t of Object.values(result as object)) if (t instanceof Tensor && t !== got) made.push(t);
          if (attr.rank < 1 || attr.shape[0] !== B * m)
            throw new ShapeError(`${fname}: options.method returned ${fmt(attr.shape)} for a noisy batch of ${B * m} rows`);
          const a = attr;
          const { s, sq } = noGrad(() =>
            tidy(() => {
              const r = reshape(a, [B, m, ...a.shape.slice(1)]);
              return { s: sum(r, 1), sq: type === 'smoothgrad' ? null : sum(square(r), 1) };
            }),
          );
          acc = accumulate(acc, s);
          if (sq) accSq = accumulate(accSq, sq);
        } finally {
          attr?.dispose();
          for (const t of made) t.dispose();
        }
      },
      { onProgress: c.onProgress, signal: c.signal, stage: 'samples', fname },
    );
    return noGrad(() =>
      tidy(() => {
        const mean = affine(acc!, 1 / n, 0);
        if (type === 'smoothgrad') return mean;
        const meanSq = affine(accSq!, 1 / n, 0);
        return type === 'smoothgrad_sq' ? meanSq : sub(meanSq, mul(mean, mean));
      }),
    );
  } finally {
    for (const t of [expanded, acc, accSq]) t?.dispose();
  }
}
smoothGrad satisfies AttributionFunction<SmoothGradOptions>;
