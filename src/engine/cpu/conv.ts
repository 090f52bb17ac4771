/**
 * 2-D convolution of the CPU reference (PyTorch Conv2d semantics: NCHW, weights [O, C/groups, kh, kw],
 * zero padding, stride, dilation, groups), forward and both backward passes, accumulated in float64.
 *
 * All three share one loop nest: for each (image, block of up to 4 output channels of a group,
 * input channel, tap) the valid output rows and columns (those whose tap lands inside the input)
 * are known in advance, so the inner loop runs over a contiguous output row without bounds checks
 * and each load of x (or of gx) serves the 4 channels of the block:
 *   forward          out[n, o, ho, wo] += w[o, c, ki, kj] * x[n, g*Cg + c, hi, wi]
 *   backward input   gx[n, g*Cg + c, hi, wi] += w[o, c, ki, kj] * gy[n, o, ho, wo]
 *   backward weight  gw[o, c, ki, kj] += gy[n, o, ho, wo] * x[n, g*Cg + c, hi, wi]
 * with hi = ho*sh - ph + ki*dh, wi = wo*sw - pw + kj*dw and g = floor(o / (O / groups)).
 */
import type { Conv2dParams } from '../backend.js';
import { conv2dOutHW } from '../nnShapes.js';
import type { Shape } from '../shape.js';
import type { CpuArray } from './storage.js';

/** Output channels processed together (they share each load of the other operand). */
const BLOCK = 4;

/** Sizes of one convolution. */
interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  ho: number;
  wo: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  /** Input / output channels per group. */
  cg: number;
  og: number;
  /** Valid output ranges per tap: rows [hoLo[ki], hoHi[ki]) and columns [woLo[kj], woHi[kj]). */
  hoLo: Int32Array;
  hoHi: Int32Array;
  woLo: Int32Array;
  woHi: Int32Array;
}

/** [lo, hi) of the outputs o in [0, out) whose input o*s - p + k*d lies in [0, size). */
function validRange(out: number, size: number, s: number, p: number, kd: number): [number, number] {
  const off = kd - p; // input = o*s + off
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(out, Math.floor((size - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

function geometry(xShape: Shape, wShape: Shape, p: Conv2dParams): Geometry {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const [ho, wo] = conv2dOutHW(h, w, kh, kw, p);
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const hoLo = new Int32Array(kh),
    hoHi = new Int32Array(kh),
    woLo = new Int32Array(kw),
    woHi = new Int32Array(kw);
  for (let ki = 0; ki < kh; ki++) [hoLo[ki], hoHi[ki]] = validRange(Math.max(0, ho), h, sh, ph, ki * dh);
  for (let kj = 0; kj < kw; kj++) [woLo[kj], woHi[kj]] = validRange(Math.max(0, wo), w, sw, pw, kj * dw);
  return {
    n,
    c,
    h,
    w,
    o,
    kh,
    kw,
    ho: Math.max(0, ho),
    wo: Math.max(0, wo),
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    cg,
    og: o / p.groups,
    hoLo,
    hoHi,
    woLo,
    woHi,
  };
}

/** x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null → [N, O, Ho, Wo]. */
export function conv2d(x: CpuArray, xShape: Shape, w: CpuArray, wShape: Shape, bias: CpuArray | null, p: Conv2dParams): Float64Array {
  const G = geometry(xShape, wShape, p);
  const { n, c, h, o, kh, kw, ho, wo, sh, sw, ph, pw, dh, dw, cg, og, hoLo, hoHi, woLo, woHi } = G;
  const W = G.w;
  const hw = h * W;
  const khw = kh * kw;
  const plane = ho * wo;
  const wSt = cg * khw; // between output channels in w
  const out = new Float64Array(n * o * plane);
  if (bias) for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) out.fill(bias[oc], (b * o + oc) * plane, (b * o + oc + 1) * plane);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < p.groups; g++) {
      // Blocks of up to 4 output channels of the group share each input load.
      for (let m = 0; m < og; m += BLOCK) {
        const nb = Math.min(BLOCK, og - m);
        const oc = g * og + m;
        const o0 = (b * o + oc) * plane,
          o1 = o0 + plane,
          o2 = o1 + plane,
          o3 = o2 + plane;
        for (let ci = 0; ci < cg; ci++) {
          const xPlane = (b * c + g * cg + ci) * hw;
          for (let ki = 0; ki < kh; ki++) {
            const h0 = hoLo[ki],
              h1 = hoHi[ki];
            for (let kj = 0; kj < kw; kj++) {
              const wi = oc * wSt + ci * khw + ki * kw + kj;
              const w0 = w[wi],
                w1 = nb > 1 ? w[wi + wSt] : 0,
                w2 = nb > 2 ? w[wi + 2 * wSt] : 0,
                w3 = nb > 3 ? w[wi + 3 * wSt] : 0;
              const q0 = woLo[kj],
                q1 = woHi[kj];
              for (let r = h0; r < h1; r++) {
                const xRow = xPlane + (r * sh - ph + ki * dh) * W - pw + kj * dw + q0 * sw;
                const oRow = r * wo;
                if (nb === BLOCK) {
                  for (let q = q0, xi = xRow; q < q1; q++, xi += sw) {
                    const xv = x[xi];
                    const j = oRow + q;
                    out[o0 + j] += w0 * xv;
                    out[o1 + j] += w1 * xv;
                    out[o2 + j] += w2 * xv;
                    out[o3 + j] += w3 * xv;
                  }
                } else {
                  for (let t = 0; t < nb; t++) {
                    const wv = w[wi + t * wSt];
                    const ot = o0 + t * plane + oRow;
                    for (let q = q0, xi = xRow; q < q1; q++, xi += sw) out[ot + q] += wv * x[xi];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * conv2d with fusedConv2d's per-channel epilogue, in float64:
 * y[n, o, ., .] = relu?(scale[o] * (conv + bias[o]) + shift[o]); scale / shift absent = 1 / 0.
 * (The reference applies it after the convolution; the GPU kernel before its store.)
 */
export function fusedConv2d(
  x: CpuArray,
  xShape: Shape,
  w: CpuArray,
  wShape: Shape,
  bias: CpuArray | null,
  scale: CpuArray | null,
  shift: CpuArray | null,
  relu: boolean,
  p: Conv2dParams,
): Float64Array {
  const out = conv2d(x, xShape, w, wShape, bias, p);
  const o = wShape[0];
  const plane = out.length / Math.max(1, xShape[0] * o);
  for (let i = 0, b = 0; b < xShape[0]; b++) {
    for (let oc = 0; oc < o; oc++) {
      const sc = scale ? scale[oc] : 1;
      const sf = shift ? shift[oc] : 0;
      for (let j = 0; j < plane; j++, i++) {
        const v = sc * out[i] + sf;
        // Math.max propagates NaN, as the relu op.
        out[i] = relu ? Math.max(v, 0) : v;
      }
    }
  }
  return out;
}

/** d loss / d x of conv2d from gy [N, O, Ho, Wo]; result has xShape. */
export function conv2dBackwardInput(
  gy: CpuArray,
  gyShape: Shape,
  w: CpuArray,
  wShape: Shape,
  xShape: Shape,
  p: Conv2dParams,
): Float64Array {
  const G = geometry(xShape, wShape, p);
  const { n, c, h, o, kh, kw, ho, wo, sh, sw, ph, pw, dh, dw, cg, og, hoLo, hoHi, woLo, woHi } = G;
  const W = G.w;
  const hw = h * W;
  const khw = kh * kw;
  const plane = ho * wo;
  const wSt = cg * khw;
  if (gyShape[2] !== ho || gyShape[3] !== wo)
    throw new Error(`conv2dBackwardInput: gy shape [${gyShape}] does not match the output size [${ho}, ${wo}]`);
  const gx = new Float64Array(n * c * hw);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < p.groups; g++) {
      // Blocks of up to 4 output channels scatter into the same input row together.
      for (let m = 0; m < og; m += BLOCK) {
        const nb = Math.min(BLOCK, og - m);
        const oc = g * og + m;
        const o0 = (b * o + oc) * plane,
          o1 = o0 + plane,
          o2 = o1 + plane,
          o3 = o2 + plane;
        for (let ci = 0; ci < cg; ci++) {
          const xPlane = (b * c + g * cg + ci) * hw;
          for (let ki = 0; ki < kh; ki++) {
            const h0 = hoLo[ki],
              h1 = hoHi[ki];
            for (let kj = 0; kj < kw; kj++) {
              const wi = oc * wSt + ci * khw + ki * kw + kj;
              const w0 = w[wi],
                w1 = nb > 1 ? w[wi + wSt] : 0,
                w2 = nb > 2 ? w[wi + 2 * wSt] : 0,
                w3 = nb > 3 ? w[wi + 3 * wSt] : 0;
              const q0 = woLo[kj],
                q1 = woHi[kj];
              for (let r = h0; r < h1; r++) {
                const xRow = xPlane + (r * sh - ph + ki * dh) * W - pw + kj * dw + q0 * sw;
                const oRow = r * wo;
                if (nb === BLOCK) {
                  for (let q = q0, xi = xRow; q < q1; q++, xi += sw) {
                    const j = oRow + q;
                    gx[xi] += w0 * gy[o0 + j] + w1 * gy[o1 + j] + w2 * gy[o2 + j] + w3 * gy[o3 + j];
                  }
                } else {
                  for (let t = 0; t < nb; t++) {
                    const wv = w[wi + t * wSt];
                    const ot = o0 + t * plane + oRow;
                    for (let q = q0, xi = xRow; q < q1; q++, xi += sw) gx[xi] += wv * gy[ot + q];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return gx;
}

/** d loss / d w of conv2d from x and gy [N, O, Ho, Wo]; result has wShape. */
export function conv2dBackwardWeight(
  x: CpuArray,
  xShape: Shape,
  gy: CpuArray,
  gyShape: Shape,
  wShape: Shape,
  p: Conv2dParams,
): Float64Array {
  const G = geometry(xShape, wShape, p);
  const { n, c, h, o, kh, kw, ho, wo, sh, sw, ph, pw, dh, dw, cg, og, hoLo, hoHi, woLo, woHi } = G;
  const W = G.w;
  const hw = h * W;
  const khw = kh * kw;
  const plane = ho * wo;
  const wSt = cg * khw;
  if (gyShape[2] !== ho || gyShape[3] !== wo)
    throw new Error(`conv2dBackwardWeight: gy shape [${gyShape}] does not match the output size [${ho}, ${wo}]`);
  const gw = new Float64Array(o * wSt);
  for (let g = 0; g < p.groups; g++) {
    // Blocks of up to 4 output channels share each input load.
    for (let m = 0; m < og; m += BLOCK) {
      const nb = Math.min(BLOCK, og - m);
      const oc = g * og + m;
      for (let ci = 0; ci < cg; ci++) {
        for (let ki = 0; ki < kh; ki++) {
          const h0 = hoLo[ki],
            h1 = hoHi[ki];
          for (let kj = 0; kj < kw; kj++) {
            const q0 = woLo[kj],
              q1 = woHi[kj];
            let s0 = 0,
              s1 = 0,
              s2 = 0,
              s3 = 0;
            for (let b = 0; b < n; b++) {
              const o0 = (b * o + oc) * plane,
                o1 = o0 + plane,
                o2 = o1 + plane,
                o3 = o2 + plane;
              const xPlane = (b * c + g * cg + ci) * hw;
              for (let r = h0; r < h1; r++) {
                const xRow = xPlane + (r * sh - ph + ki * dh) * W - pw + kj * dw + q0 * sw;
                const oRow = r * wo;
                if (nb === BLOCK) {
                  for (let q = q0, xi = xRow; q < q1; q++, xi += sw) {
                    const xv = x[xi];
                    const j = oRow + q;
                    s0 += gy[o0 + j] * xv;
                    s1 += gy[o1 + j] * xv;
                    s2 += gy[o2 + j] * xv;
                    s3 += gy[o3 + j] * xv;
                  }
                } else {
                  for (let q = q0, xi = xRow; q < q1; q++, xi += sw) {
                    const xv = x[xi];
                    const j = oRow + q;
                    s0 += gy[o0 + j] * xv;
                    if (nb > 1) s1 += gy[o1 + j] * xv;
                    if (nb > 2) s2 += gy[o2 + j] * xv;
                  }
                }
              }
            }
            const wi = oc * wSt + ci * khw + ki * kw + kj;
            gw[wi] = s0;
            if (nb > 1) gw[wi + wSt] = s1;
            if (nb > 2) gw[wi + 2 * wSt] = s2;
            if (nb > 3) gw[wi + 3 * wSt] = s3;
          }
        }
      }
    }
  }
  return gw;
}
