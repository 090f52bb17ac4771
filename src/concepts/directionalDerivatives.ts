/**
 * Directional derivatives S = ∇ₕ f_target(x) · v for every input x and every CAV v at a layer h:
 * the target logits' gradient w.r.t. the layers for the whole batch in one forward and one
 * backward pass (all layers at once), then one matmul per layer, gradients [N, D] × CAVs [D, R].
 */
import { fmt, gradientTape, keep, matmul, mul, reshape, ShapeError, stack, sum, Tensor, tidy, ValueError } from '../engine/index.js';
import type { Module } from '../nn/index.js';
import {
  checkInputs,
  checkModule,
  checkSignal,
  parseOptions,
  type Progress,
  readTargets,
  resolveLayer,
  resolveTargets,
  type Target,
  targetRows,
  warnIfTraining,
} from '../xai/shared/index.js';
import { chunkRows, collectPerLayer, rowSlice, type ChunkPassOptions } from './layerChunks.js';
import { columnScores } from './stats.js';
import type { Cav } from './trainCav.js';

export interface DirectionalDerivativesOptions {
  /** Module name of the layer h. */
  layer: string;
  /** Target class: one for all inputs, one per input, or an int32 tensor [N]. */
  target: Target;
  /** CAVs: a Cav, a vector [D], vectors [R, D] (one per row), or a list of Cavs / [D] vectors. */
  cavs: Cav | Tensor | readonly (Cav | Tensor)[];
  /** Inputs per forward/backward pass (default: sized from the device limits). */
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** The CAVs as one [R, D] matrix on the device (a new tensor the caller disposes). */
function cavMatrix(cavs: unknown, fname: string): Tensor {
  const asVec = (c: unknown, where: string): Tensor => {
    const t = c instanceof Tensor ? c : (c as Cav | null)?.vector;
    if (!(t instanceof Tensor)) throw new ValueError(`${fname}: ${where} must be a Cav (from trainCav) or a vector tensor [D]`);
    t.assertLive(`${fname}: ${where}`);
    if (t.dtype !== 'float32') throw new ValueError(`${fname}: ${where} must be float32, got ${t.dtype}`);
    return t;
  };
  if (Array.isArray(cavs)) {
    if (cavs.length === 0) throw new ValueError(`${fname}: options.cavs is empty`);
    const vs = cavs.map((c, i) => asVec(c, `options.cavs[${i}]`));
    vs.forEach((v, i) => {
      if (v.rank !== 1 || v.shape[0] !== vs[0].shape[0])
        throw new ShapeError(`${fname}: options.cavs[${i}] must be a vector [D] like the first, got ${fmt(v.shape)}`);
    });
    return tidy(() => stack(vs, 0));
  }
  const v = asVec(cavs, 'options.cavs');
  if (v.rank === 1) return tidy(() => reshape(v, [1, v.shape[0]]));
  if (v.rank === 2) return tidy(() => mul(v, 1));
  throw new ShapeError(`${fname}: options.cavs as a tensor must be [D] or [R, D], got ${fmt(v.shape)}`);
}

/**
 * For each layer, S [N, R_layer] = (∂ Σᵢ logits[i, targetᵢ] / ∂ layer)[i] · vectors[layer]ᵀ: in
 * chunks of rows, one forward and one backward per chunk for all layers together. Unchecked
 * arguments (tcav and directionalDerivatives check them). Returns new tensors.
 */
export async function sensitivities(
  m: Module,
  x: Tensor,
  targets: number | readonly number[],
  vectors: Record<string, Tensor>,
  chunk: number,
  opts: ChunkPassOptions,
): Promise<Record<string, Tensor>> {
  const layers = Object.keys(vectors);
  const N = x.shape[0];
  return collectPerLayer(
    layers,
    N,
    chunk,
    (start, end) => {
      const n = end - start;
      const out = gradientTape((tape) => {
        const { output, activations } = m.forwardWithActivations(rowSlice(x, start, end), layers);
        if (output.rank !== 2 || output.shape[0] !== n)
          throw new ShapeError(`${opts.fname}: the model must return logits [B, nClasses], got ${fmt(output.shape)}`);
        const all = resolveTargets(targets, N, output.shape[1], opts.fname);
        const selected = sum(mul(output, targetRows(output, all.slice(start, end))));
        const grads = tape.gradient(
          selected,
          layers.map((l) => activations[l]),
        );
        return layers.map((l, i) => {
          const g = reshape(grads[i], [n, grads[i].size / n]);
          if (g.shape[1] !== vectors[l].shape[1]) {
            throw new ShapeError(
              `${opts.fname}: the CAVs of layer '${l}' have ${vectors[l].shape[1]} features, the layer outputs ${g.shape[1]} per example`,
            );
          }
          return matmul(g, vectors[l], { transB: true });
        });
      });
      return out.map((t) => keep(t));
    },
    { ...opts, stage: opts.stage ?? 'gradients' },
  );
}

/**
 * Directional derivatives of the target logit along CAVs at a layer: S [N, R] with
 * S[i, r] = ∇_h logit_{target_i}(x_i) · cav_r (logit units per activation unit along the unit
 * CAV when the CAV is a Cav's vector). One batched forward + backward per chunk of inputs and one
 * [n, D] × [D, R] matmul. Inputs [N, ...] are not modified; the caller disposes S.
 */
export async function directionalDerivatives(model: Module, inputs: Tensor, options: DirectionalDerivativesOptions): Promise<Tensor> {
  const fname = 'directionalDerivatives';
  const o = parseOptions(
    options,
    {
      layer: [],
      target: ['targets'],
      cavs: ['cav'],
      maxBatch: ['batchSize'],
      onProgress: [],
      signal: [],
    },
    fname,
  );
  const m = checkModule(model, fname);
  const layer = resolveLayer(m, o.layer, fname);
  const x = checkInputs(inputs, fname);
  warnIfTraining(m, fname);
  const signal = checkSignal(o.signal, fname);
  const target = await readTargets(o.target, x.shape[0], fname);
  const chunk = chunkRows(o.maxBatch, x, fname);
  const V = cavMatrix(o.cavs, fname);
  try {
    const out = await sensitivities(m, x, target, { [layer]: V }, chunk, {
      onProgress: o.onProgress as DirectionalDerivativesOptions['onProgress'],
      signal,
      fname,
    });
    return out[layer];
  } finally {
    V.dispose();
  }
}

/**
 * TCAV scores of directional derivatives S [N, R] (one column per CAV): per column the fraction
 * of rows with S > 0 (unitless, in [0, 1]) and the magnitude mean(S) (S's units). One read of S.
 */
export async function tcavScores(S: Tensor): Promise<{ scores: number[]; magnitudes: number[] }> {
  if (!(S instanceof Tensor) || S.rank !== 2)
    throw new ShapeError(`tcavScores: S must be directional derivatives [N, R], got ${S instanceof Tensor ? fmt(S.shape) : typeof S}`);
  const [N, R] = S.shape;
  return columnScores(
    await S.read(),
    N,
    R,
    Array.from({ length: R }, (_, r) => r),
  );
}
