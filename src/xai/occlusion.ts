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
 * are batched: see perturbationAttribution in featureAblation.ts.
 */
import { fmt, greaterEqual, less, mul, reshape, sub, type Tensor, ValueError } from '../engine/index.js';
import { checkInputs, type Model, type Target } from './common.js';
import { checkBaseline, perturbationAttribution, resolveMaxBatch, type PerturbationPlan } from './featureAblation.js';

export interface OcclusionOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /** Window shape over the non-batch dims (Captum's sliding_window_shapes), e.g. [1, 8, 12] for [B, 1, H, W]. */
  window: readonly number[];
  /** Step of the window per non-batch dim, or one number for all (default 1). */
  strides?: number | readonly number[];
  /** Replacement value: a number (default 0) or a float32 tensor broadcastable to the input. */
  baseline?: number | Tensor;
  /** Most examples in one forward pass (occluded copies × batch); default from the input size. */
  maxBatch?: number;
}

/** Window positions per dim (1 + ceil((D − w) / s)) after checking window and strides against the input. */
export function occlusionGrid(dims: readonly number[], window: unknown, strides: unknown, fname: string): { window: number[]; strides: number[]; counts: number[] } {
  const r = dims.length;
  const want = `an array of ${r} positive integers (one per non-batch dim of the input [B, ${dims.join(', ')}])`;
  if (!Array.isArray(window) || window.length !== r || !window.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValueError(`${fname}: options.window must be ${want}, got ${JSON.stringify(window)}`);
  }
  const w = window as number[];
  w.forEach((v, i) => {
    if (v > dims[i]) throw new ValueError(`${fname}: options.window ${fmt(w)} exceeds the input's non-batch dims ${fmt(dims)} (dim ${i}: ${v} > ${dims[i]})`);
  });
  let s: number[];
  if (strides === undefined) s = dims.map(() => 1);
  else if (typeof strides === 'number') s = dims.map(() => strides);
  else if (Array.isArray(strides)) s = strides.slice();
  else throw new ValueError(`${fname}: options.strides must be a positive integer or ${want}, got ${JSON.stringify(strides)}`);
  if (s.length !== r || !s.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValueError(`${fname}: options.strides must be a positive integer or ${want}, got ${JSON.stringify(strides)}`);
  }
  const counts = dims.map((d, i) => 1 + Math.ceil((d - w[i]) / s[i]));
  return { window: w, strides: s, counts };
}

/**
 * Occlusion attributions, shaped like x. All occluded copies are built and run on the device in
 * chunks of at most maxBatch examples per forward pass, without recording a tape.
 */
export function occlusion(model: Model, inputs: Tensor, options: OcclusionOptions): Tensor {
  const fname = 'occlusion';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options { target, window, strides?, baseline? } are required`);
  const x = checkInputs(inputs, fname);
  if (x.rank < 2) throw new ValueError(`${fname}: inputs must have non-batch dims to slide a window over, got ${fmt(x.shape)}`);
  const dims = x.shape.slice(1);
  const { window, strides, counts } = occlusionGrid(dims, options.window, options.strides, fname);
  const baseline = checkBaseline(options.baseline, x, fname);
  const maxBatch = resolveMaxBatch(options.maxBatch, x, fname);
  const e = x.engine;
  const r = dims.length;
  const total = counts.reduce((a, b) => a * b, 1);
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
  return perturbationAttribution(model, x, options.target, baseline, plan, maxBatch, true, fname);
}
