/**
 * Backward rules of the signal ops (src/engine/ops/signal.ts): frame and overlapAdd are each
 * other's adjoint, and so are rfft and rfftAdjoint; rfftPower's rule recomputes the spectrum
 * and applies the adjoint to (2 re g, 2 im g); stftMel's (ops/stftMel.ts) composes those of the
 * unfused steps it stands for.
 */
import { add, affine, clamp, div, greaterEqual, mul, sqrt, square } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { flip, pad, permute, reshape, slice } from '../ops/shape_ops.js';
import { frame, frameCentered, overlapAdd, rfft, rfftAdjoint } from '../ops/signal.js';
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

/**
 * frameCentered's adjoint: frame gradients g [..., nFrames, frameLength] → the gradient of x
 * (shape xShape [..., L]): overlapAdd over the padded length, then each padded sample's gradient
 * folded back onto the sample it mirrors ('reflect') or dropped ('constant').
 */
function frameCenteredAdjoint(g: Tensor, xShape: readonly number[], hop: number, center: number, mode: 'reflect' | 'constant'): Tensor {
  const length = xShape[xShape.length - 1];
  const batch = sizeOf(xShape.slice(0, -1));
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
  return reshape(gx, xShape);
}

export const SIGNAL_GRADS = {
  frame: ([g], _i, _o, _n, { hop, length }) => [overlapAdd(g, hop, length)],
  // overlapAdd of the output gradient with the padding folded back onto the samples it mirrors.
  frameCentered: ([g], [x], _o, _n, { hop, center, mode }) => [frameCenteredAdjoint(g, x.shape, hop, center, mode)],
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
  // inputs [x, window?, filterbank]: the unfused steps' rules in reverse, recomputing the frames
  // and their spectrum (the fused forward keeps neither): decibels, the filterbank product, the
  // magnitude, rfftPower's (2 re g, 2 im g) through rfftAdjoint, the framing.
  stftMel: ([g], ins, _o, needs, a) => {
    const [xi, wi, fbi] = a.windowed ? ins : [ins[0], null, ins[1]];
    const [needX, needW, needFb] = a.windowed ? needs : [needs[0], false, needs[1]];
    const n = a.nFft;
    const [bins, nMels] = fbi.shape;
    const x2 = reshape(xi, [a.batch, a.length]);
    const frames = a.center > 0 ? frameCentered(x2, n, a.hop, a.center, a.mode) : frame(x2, n, a.hop);
    const [re, im] = rfft(frames, { bins, window: wi });
    const p2 = add(square(re), square(im));
    const level = a.power === 2 ? p2 : sqrt(p2);
    // [B, nMels, nFrames] → [B, nFrames, nMels], the layout of level @ filterbank.
    let gMel = permute(reshape(g, [a.batch, nMels, a.nFrames]), [0, 2, 1]);
    if (a.db) {
      // d/dv scale * ln(clamp(v, amin)) = scale / clamp(v, amin) where v >= amin (clamp's rule passes the gradient there).
      const mel = matmul(level, fbi);
      gMel = mul(gMel, div(affine(greaterEqual(mel, a.db.amin), a.db.scale, 0), clamp(mel, a.db.amin)));
    }
    const rows = a.batch * a.nFrames;
    const gFb = needFb ? matmul(reshape(level, [rows, bins]), reshape(gMel, [rows, nMels]), { transA: true }) : null;
    if (!needX && !needW) return a.windowed ? [null, null, gFb] : [null, gFb];
    const gLevel = matmul(gMel, fbi, { transB: true });
    const gPower = a.power === 2 ? gLevel : div(affine(gLevel, 0.5, 0), level);
    const g2 = affine(gPower, 2, 0);
    const gr = mul(re, g2);
    const gi = mul(im, g2);
    let gx: Tensor | null = null;
    if (needX) {
      const gFrames = rfftAdjoint(gr, gi, n, { window: wi });
      const flat =
        a.center > 0 ? frameCenteredAdjoint(gFrames, [a.batch, a.length], a.hop, a.center, a.mode) : overlapAdd(gFrames, a.hop, a.length);
      gx = reshape(flat, xi.shape);
    }
    const gw = wi && needW ? sumRows(mul(frames, rfftAdjoint(gr, gi, n))) : null;
    return a.windowed ? [gx, gw, gFb] : [gx, gFb];
  },
} satisfies Partial<GradTable>;
