/**
 * Occlusion (Captum's Occlusion): a window slides over the non-batch dims of the input with the
 * given strides; each position replaces the window by the baseline, and every element receives
 * the average, over the windows covering it, of f(x)[t] − f(occluded x)[t].
 *
 * Window positions per dim, as Captum: 1 + ceil((D − w) / s), starting at 0, s, 2s, …; a last
 * window that runs past the end is cut at the edge. (With a stride larger than the window some
 * elements are never covered: they get 0, where Captum divides 0 by 0.)
 *
 * The masks are built on the device from the window grid (each window is a product of 1-D
 * indicators, one per dim; dims the window spans whole stay broadcast), and the occluded copies
 * are batched: see maskAttribution in shared/perturbation.ts (chunks sized from the device limits,
 * a yield to the event loop, progress and an abort check between chunks).
 */
import { fmt, greaterEqual, less, mul, reshape, sub, type Tensor, ValueError } from '../engine/index.js';
import {
  beginCall,
  PERTURBATION_SPEC,
  describeValue,
  maskAttribution,
  MAX_PERTURBATIONS,
  perturbationBatch,
  resolveBaseline,
  type AttributionFunction,
  type PerturbationOptions,
  type Model,
  type PerturbationPlan,
  type WithAliases,
} from './shared/index.js';

export interface OcclusionBaseOptions extends PerturbationOptions {
  /**
   * Required: the window shape over the non-batch dims (Captum's `sliding_window_shapes`), e.g.
   * [1, 8, 12] for [B, 1, H, W]. (Optional in the type only so that the alias may be used.)
   */
  window?: readonly number[];
  /** Step of the window per non-batch dim, or one number for all (default 1, as Captum). */
  strides?: number | readonly number[];
}

export const OCCLUSION_SPEC = {
  ...PERTURBATION_SPEC,
  window: ['slidingWindowShapes', 'sliding_window_shapes'],
  strides: [],
} as const;

/** OcclusionBaseOptions, also under Captum's spellings (sliding_window_shapes, baselines, ...). */
export type OcclusionOptions = WithAliases<OcclusionBaseOptions, typeof OCCLUSION_SPEC>;

/** Window positions per dim (1 + ceil((D − w) / s)) after checking window and strides against the input. */
export function occlusionGrid(
  dims: readonly number[],
  window: unknown,
  strides: unknown,
  fname: string,
): { window: number[]; strides: number[]; counts: number[] } {
  const r = dims.length;
  const want = `an array of ${r} positive integers (one per non-batch dim of the input [B, ${dims.join(', ')}])`;
  if (!Array.isArray(window) || window.length !== r || !window.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValueError(`${fname}: options.window must be ${want}, got ${describeValue(window)}`);
  }
  const w = window as number[];
  w.forEach((v, i) => {
    if (v > dims[i])
      throw new ValueError(
        `${fname}: options.window ${fmt(w)} exceeds the input's non-batch dims ${fmt(dims)} (dim ${i}: ${v} > ${dims[i]})`,
      );
  });
  let s: number[];
  if (strides === undefined) s = dims.map(() => 1);
  else if (typeof strides === 'number') s = dims.map(() => strides);
  else if (Array.isArray(strides)) s = strides.slice();
  else throw new ValueError(`${fname}: options.strides must be a positive integer or ${want}, got ${describeValue(strides)}`);
  if (s.length !== r || !s.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValueError(`${fname}: options.strides must be a positive integer or ${want}, got ${describeValue(strides)}`);
  }
  const counts = dims.map((d, i) => 1 + Math.ceil((d - w[i]) / s[i]));
  return { window: w, strides: s, counts };
}

/**
 * Occlusion attributions, shaped like x [B, ...] (units: logit). All occluded copies are built and
 * run on the device in chunks, without recording a tape. Progress stage: 'occlusion' (windows).
 */
export async function occlusion(model: Model, inputs: Tensor, options: OcclusionOptions): Promise<Tensor> {
  const fname = 'occlusion';
  const c = await beginCall(model, inputs, options, OCCLUSION_SPEC, fname);
  const { x, o } = c;
  const dims = x.shape.slice(1);
  const { window, strides, counts } = occlusionGrid(dims, o.window, o.strides, fname);
  const baseline = resolveBaseline(o.baseline, x, fname);
  const maxBatch = perturbationBatch(o, x.shape[0], fname);
  const e = x.engine;
  const r = dims.length;
  const total = counts.reduce((a, b) => a * b, 1);
  if (total > MAX_PERTURBATIONS) {
    throw new ValueError(
      `${fname}: ${total} window positions (${counts.join(' × ')}) exceed the limit of ${MAX_PERTURBATIONS}; use larger options.strides or options.window`,
    );
  }
  const plan: PerturbationPlan = {
    count: total,
    masks: (k0, k1) => {
      const c = k1 - k0;
      // Window coordinates of k0 .. k1-1 (row-major over the grid), as window starts per dim.
      const starts = dims.map(() => new Float32Array(c));
      for (let j = 0; j < c; j++) {
        let k = k0 + j;
        for (let d = r - 1; d >= 0; d--) {
          starts[d][j] = (k % counts[d]) * strides[d];
          k = Math.floor(k / counts[d]);
        }
      }
      let mask: Tensor | null = null;
      for (let d = 0; d < r; d++) {
        if (window[d] === dims[d]) continue; // one position covering the whole dim: broadcast
        const shape = new Array<number>(r + 2).fill(1);
        shape[0] = c;
        const st = e.tensor(starts[d], shape);
        shape[0] = 1;
        shape[d + 2] = dims[d];
        const rel = sub(reshape(e.arange(dims[d]), shape), st); // index − start: [c, 1, .., D_d, ..]
        const md = mul(greaterEqual(rel, 0), less(rel, window[d]));
        mask = mask ? mul(mask, md) : md;
      }
      return mask ?? e.ones([c, ...new Array<number>(r + 1).fill(1)]);
    },
  };
  return maskAttribution(c.model, x, c.target, baseline, plan, {
    maxBatch,
    weighted: true,
    onProgress: c.onProgress,
    signal: c.signal,
    stage: fname,
    fname,
  });
}
occlusion satisfies AttributionFunction<OcclusionOptions>;
