/**
 * Backward rules of the signal ops (src/engine/ops/signal.ts): frame and overlapAdd are each
 * other's adjoint, and so are rfft and rfftAdjoint; rfftPower's rule recomputes the spectrum
 * and applies the adjoint to (2 re g, 2 im g).
 */
import { add, affine, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { flip, pad, reshape, slice } from '../ops/shape_ops.js';
import { frame, overlapAdd, rfft, rfftAdjoint } from '../ops/signal.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GradTable } from './types.js';

/** Sums a [..., n] tensor over its leading axes → [n] (the gradient of a per-column window). */
function sumRows(t: Tensor): Tensor {
  return t.rank === 1
    ? t
    : sum(
        t,
        Array.from({ length: t.rank - 1 }, (_, i) => i),
      );
}

export const SIGNAL_GRADS = {
  frame: ([g], _i, _o, _n, { hop, length }) => [overlapAdd(g, hop, length)],
  // overlapAdd of the output gradient with the padding folded back onto the samples it mirrors.
  frameCentered: ([g], [x], _o, _n, { hop, center, mode }) => {
    const length = x.shape[x.rank - 1];
    const batch = sizeOf(x.shape.slice(0, -1));
    const paddedLength = length + 2 * center;
    const flat = reshape(overlapAdd(g, hop, paddedLength), [batch, paddedLength]);
    let gx = slice(flat, [0, center], [batch, length]);
    if (mode === 'reflect' && center > 0) {
      // Padded sample i < center mirrors x[center - i]; i >= center + L mirrors x[2 (L - 1) - (i - center)].
      const left = flip(slice(flat, [0, 0], [batch, center]), 1);
      const right = flip(slice(flat, [0, center + length], [batch, center]), 1);
      gx = add(
        add(
          gx,
          pad(left, [
            [0, 0],
            [1, length - 1 - center],
          ]),
        ),
        pad(right, [
          [0, 0],
          [length - 1 - center, 1],
        ]),
      );
    }
    return [reshape(gx, x.shape)];
  },
  // Frames the output gradient over exactly the span the frames cover (zeros past `length`).
  overlapAdd: ([g], [fr], _o, _n, { hop, length }) => {
    const nFrames = fr.shape[fr.rank - 2];
    const frameLength = fr.shape[fr.rank - 1];
    if (nFrames === 0 || frameLength === 0) return [fr.engine.zeros(fr.shape)];
    const covered = (nFrames - 1) * hop + frameLength;
    const axis = g.rank - 1;
    let gs = g;
    if (length > covered) {
      const begin = new Array<number>(g.rank).fill(0);
      const size = g.shape.slice();
      size[axis] = covered;
      gs = slice(g, begin, size);
    } else if (length < covered) {
      const pads = g.shape.map((_, i): [number, number] => (i === axis ? [0, covered - length] : [0, 0]));
      gs = pad(g, pads);
    }
    return [frame(gs, frameLength, hop)];
  },
  // inputs [x, window?]
  rfft: ([gr, gi], [xi, wi], _o, needs, { n }) => [
    needs[0] ? rfftAdjoint(gr, gi, n, { window: wi ?? null }) : null,
    wi && needs[1] ? sumRows(mul(xi, rfftAdjoint(gr, gi, n))) : null,
  ],
  // inputs [re, im, window?]
  rfftAdjoint: ([g], [ri, ii, wi], _o, needs, { n }) => {
    const bins = ri.shape[ri.rank - 1];
    const r = needs[0] || needs[1] ? rfft(g, { bins, window: wi ?? null }) : null;
    return [needs[0] ? r![0] : null, needs[1] ? r![1] : null, wi && needs[2] ? sumRows(mul(g, rfftAdjoint(ri, ii, n))) : null];
  },
  // inputs [x, window?]
  rfftPower: ([g], [xi, wi], _o, needs, { n }) => {
    const bins = g.shape[g.rank - 1];
    const [re, im] = rfft(xi, { bins, window: wi ?? null });
    const g2 = affine(g, 2, 0);
    const gr = mul(re, g2);
    const gi = mul(im, g2);
    return [
      needs[0] ? rfftAdjoint(gr, gi, n, { window: wi ?? null }) : null,
      wi && needs[1] ? sumRows(mul(xi, rfftAdjoint(gr, gi, n))) : null,
    ];
  },
} satisfies Partial<GradTable>;
