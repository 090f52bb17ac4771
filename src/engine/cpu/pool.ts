/**
 * Pooling and upsampling kernels of the CPU reference (PyTorch semantics, NCHW, float64).
 *
 * All functions take contiguous [N, C, H, W] data and return a new contiguous result; output
 * sizes follow src/engine/nnShapes.ts. Backward passes are the exact adjoints of the forwards
 * (scatter formulation here; the WebGPU kernels gather).
 *
 * - maxPool2d: padding never wins (PyTorch's loop over the in-bounds window positions, starting
 *   from -inf with the index of the first in-bounds position). A candidate replaces the running
 *   maximum when it is strictly greater or NaN (`val > max || isnan(val)`, PyTorch's rule): ties
 *   go to the first position in row-major window order, a NaN always wins over numbers, and
 *   among several NaNs the LAST one is taken (exactly as PyTorch's CPU and CUDA kernels do).
 *   The argmax is the flat index h * W + w in the input plane. One deliberate difference: a
 *   window with no in-bounds tap (all padding, which dilation makes possible, e.g. kernel 2,
 *   dilation 2, padding 1 on a size-1 axis) gives -inf with index -1, so it routes no gradient;
 *   PyTorch reports h0 * W + w0 there, an index outside the window that can alias another
 *   element, and its backward sends the gradient of that constant -inf to it.
 * - avgPool2d: zero padding. With countIncludePad the divisor is the window clipped to the padded
 *   input (PyTorch: (min(hs + kh, H + ph) - hs) * (...)), else the number of in-bounds positions;
 *   a window with no in-bounds position gives 0. PyTorch's AvgPool2d has no dilation; a dilation
 *   here is honoured the natural way (window positions hs + k * d; the divisor counts positions
 *   inside the padded / real input), which is PyTorch's rule when dilation is 1.
 * - adaptiveAvgPool2d: window i spans [floor(i * H / oh), ceil((i + 1) * H / oh)).
 * - upsample2d 'nearest': src = min(floor(dst * scale), in - 1) with scale = float32(in / out)
 *   and the product rounded to float32, as PyTorch computes it (legacy 'nearest').
 * - upsample2d 'bilinear': src = (dst + 0.5) * in / out - 0.5 clamped at 0 (alignCorners false)
 *   or dst * (in - 1) / (out - 1) (true; 0 when out == 1), i0 = floor(src), i1 = min(i0 + 1,
 *   in - 1), weight of i1 = src - i0. Positions are computed exactly as rationals (PyTorch rounds
 *   them to float32, a difference of ~1e-7 in the weights).
 */
import type { Pool2dParams, UpsampleMode } from '../backend.js';
import type { Shape } from '../shape.js';
import { pool2dOutHW } from '../nnShapes.js';

type F = Float64Array | Int32Array;

function dims(shape: Shape): [number, number, number] {
  return [shape[0] * shape[1], shape[2], shape[3]];
}

/** ceil(a / b) for b > 0. */
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Window positions hs + k*d (k < kernel) inside [-pad, size + pad): PyTorch's countIncludePad divisor factor. */
export function paddedCount(hs: number, kernel: number, d: number, size: number, pad: number): number {
  return Math.max(0, Math.min(kernel, ceilDiv(size + pad - hs, d)));
}

/** [k0, k1): the window taps k whose position hs + k*d lies in [0, size). */
function inRange(hs: number, kernel: number, d: number, size: number): [number, number] {
  const k0 = hs >= 0 ? 0 : ceilDiv(-hs, d);
  const k1 = Math.min(kernel, Math.max(0, ceilDiv(size - hs, d)));
  return [k0, Math.max(k0, k1)];
}

// ---- max pooling --------------------------------------------------------------------------

export function maxPool2d(x: F, xShape: Shape, p: Pool2dParams): [Float64Array, Int32Array] {
  const [planes, H, W] = dims(xShape);
  const [OH, OW] = pool2dOutHW(H, W, p);
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const out = new Float64Array(planes * OH * OW);
  const arg = new Int32Array(planes * OH * OW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sh - ph;
      const h1 = Math.min(h0 + (kh - 1) * dh + 1, H);
      while (h0 < 0) h0 += dh;
      for (let ow = 0; ow < OW; ow++, o++) {
        let w0 = ow * sw - pw;
        const w1 = Math.min(w0 + (kw - 1) * dw + 1, W);
        while (w0 < 0) w0 += dw;
        let best = -Infinity;
        // An all-padding window (possible with dilation) gives -inf and index -1 (routes no
        // gradient); PyTorch returns h0 * W + w0 there, which can alias another element.
        let bestIdx = h0 < h1 && w0 < w1 ? h0 * W + w0 : -1;
        for (let h = h0; h < h1; h += dh) {
          for (let w = w0; w < w1; w += dw) {
            const idx = h * W + w;
            const v = x[base + idx];
            if (v > best || v !== v) {
              best = v;
              bestIdx = idx;
            }
          }
        }
        out[o] = best;
        arg[o] = bestIdx;
      }
    }
  }
  return [out, arg];
}

export function maxPool2dBackward(gy: F, gyShape: Shape, argmax: F, xShape: Shape, _p: Pool2dParams): Float64Array {
  const [planes, H, W] = dims(xShape);
  const per = gyShape[2] * gyShape[3];
  const plane = H * W;
  const gx = new Float64Array(planes * plane);
  for (let pl = 0; pl < planes; pl++) {
    for (let j = 0; j < per; j++) {
      const o = pl * per + j;
      const idx = argmax[o];
      // -1: an all-padding window.
      if (idx >= 0 && idx < plane) gx[pl * plane + idx] += gy[o];
    }
  }
  return gx;
}

// ---- average pooling ----------------------------------------------------------------------

/** Divisor of the window starting at (hs, ws); 0 when it holds no in-bounds position. */
function avgDivisor(hs: number, ws: number, H: number, W: number, p: Pool2dParams): number {
  const [hk0, hk1] = inRange(hs, p.kernel[0], p.dilation[0], H);
  const [wk0, wk1] = inRange(ws, p.kernel[1], p.dilation[1], W);
  const inCount = (hk1 - hk0) * (wk1 - wk0);
  if (inCount === 0) return 0;
  if (!p.countIncludePad) return inCount;
  return paddedCount(hs, p.kernel[0], p.dilation[0], H, p.padding[0]) * paddedCount(ws, p.kernel[1], p.dilation[1], W, p.padding[1]);
}

export function avgPool2d(x: F, xShape: Shape, p: Pool2dParams): Float64Array {
  const [planes, H, W] = dims(xShape);
  const [OH, OW] = pool2dOutHW(H, W, p);
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const out = new Float64Array(planes * OH * OW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * sh - p.padding[0];
      const [hk0, hk1] = inRange(hs, p.kernel[0], dh, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const ws = ow * sw - p.padding[1];
        const [wk0, wk1] = inRange(ws, p.kernel[1], dw, W);
        const div = avgDivisor(hs, ws, H, W, p);
        if (div === 0) continue;
        let s = 0;
        for (let a = hk0; a < hk1; a++) {
          const row = base + (hs + a * dh) * W + ws;
          for (let b = wk0; b < wk1; b++) s += x[row + b * dw];
        }
        out[o] = s / div;
      }
    }
  }
  return out;
}

export function avgPool2dBackward(gy: F, gyShape: Shape, xShape: Shape, p: Pool2dParams): Float64Array {
  const [planes, H, W] = dims(xShape);
  const OH = gyShape[2];
  const OW = gyShape[3];
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const gx = new Float64Array(planes * H * W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * sh - p.padding[0];
      const [hk0, hk1] = inRange(hs, p.kernel[0], dh, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const ws = ow * sw - p.padding[1];
        const [wk0, wk1] = inRange(ws, p.kernel[1], dw, W);
        const div = avgDivisor(hs, ws, H, W, p);
        if (div === 0) continue;
        const g = gy[o] / div;
        for (let a = hk0; a < hk1; a++) {
          const row = base + (hs + a * dh) * W + ws;
          for (let b = wk0; b < wk1; b++) gx[row + b * dw] += g;
        }
      }
    }
  }
  return gx;
}

// ---- adaptive average pooling -------------------------------------------------------------

/** [start, end) of adaptive window i of n over a size-`size` axis. */
export function adaptiveWindow(i: number, n: number, size: number): [number, number] {
  return [Math.floor((i * size) / n), Math.ceil(((i + 1) * size) / n)];
}

export function adaptiveAvgPool2d(x: F, xShape: Shape, outH: number, outW: number): Float64Array {
  const [planes, H, W] = dims(xShape);
  const out = new Float64Array(planes * outH * outW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = adaptiveWindow(oh, outH, H);
      for (let ow = 0; ow < outW; ow++, o++) {
        const [w0, w1] = adaptiveWindow(ow, outW, W);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[base + h * W + w];
        out[o] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return out;
}

export function adaptiveAvgPool2dBackward(gy: F, gyShape: Shape, xShape: Shape): Float64Array {
  const [planes, H, W] = dims(xShape);
  const outH = gyShape[2];
  const outW = gyShape[3];
  const gx = new Float64Array(planes * H * W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = adaptiveWindow(oh, outH, H);
      for (let ow = 0; ow < outW; ow++, o++) {
        const [w0, w1] = adaptiveWindow(ow, outW, W);
        const g = gy[o] / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) gx[base + h * W + w] += g;
      }
    }
  }
  return gx;
}

// ---- upsampling ---------------------------------------------------------------------------

/**
 * The taps of one output coordinate: reads in[i0] with weight 1 - lam and in[i1] with weight lam
 * (nearest: i0 == i1, lam == 0).
 */
export interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  lam: Float64Array;
}

/** Source taps of every output coordinate along one axis (in -> out). */
export function upsampleTaps(inSize: number, outSize: number, mode: UpsampleMode, alignCorners: boolean): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const lam = new Float64Array(outSize);
  if (mode === 'nearest') {
    const scale = Math.fround(inSize / outSize);
    for (let d = 0; d < outSize; d++) {
      i0[d] = i1[d] = Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
    }
    return { i0, i1, lam };
  }
  for (let d = 0; d < outSize; d++) {
    // src = num / den exactly.
    let num: number;
    let den: number;
    if (alignCorners) {
      num = outSize > 1 ? d * (inSize - 1) : 0;
      den = Math.max(outSize - 1, 1);
    } else {
      num = Math.max((2 * d + 1) * inSize - outSize, 0);
      den = 2 * outSize;
    }
    const q = Math.floor(num / den);
    i0[d] = q;
    i1[d] = q < inSize - 1 ? q + 1 : q;
    lam[d] = (num - q * den) / den;
  }
  return { i0, i1, lam };
}

export function upsample2d(x: F, xShape: Shape, outH: number, outW: number, mode: UpsampleMode, alignCorners: boolean): Float64Array {
  const [planes, H, W] = dims(xShape);
  const th = upsampleTaps(H, outH, mode, alignCorners);
  const tw = upsampleTaps(W, outW, mode, alignCorners);
  const out = new Float64Array(planes * outH * outW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const r0 = base + th.i0[oh] * W;
      const r1 = base + th.i1[oh] * W;
      const lh = th.lam[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const c0 = tw.i0[ow];
        const c1 = tw.i1[ow];
        const lw = tw.lam[ow];
        if (mode === 'nearest') {
          out[o] = x[r0 + c0];
        } else {
          const top = (1 - lw) * x[r0 + c0] + lw * x[r0 + c1];
          const bot = (1 - lw) * x[r1 + c0] + lw * x[r1 + c1];
          out[o] = (1 - lh) * top + lh * bot;
        }
      }
    }
  }
  return out;
}

export function upsample2dBackward(gy: F, gyShape: Shape, xShape: Shape, mode: UpsampleMode, alignCorners: boolean): Float64Array {
  const [planes, H, W] = dims(xShape);
  const outH = gyShape[2];
  const outW = gyShape[3];
  const th = upsampleTaps(H, outH, mode, alignCorners);
  const tw = upsampleTaps(W, outW, mode, alignCorners);
  const gx = new Float64Array(planes * H * W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const r0 = base + th.i0[oh] * W;
      const r1 = base + th.i1[oh] * W;
      const lh = th.lam[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const g = gy[o];
        const c0 = tw.i0[ow];
        const c1 = tw.i1[ow];
        if (mode === 'nearest') {
          gx[r0 + c0] += g;
        } else {
          // All four taps, even at weight 0 (as PyTorch: a NaN gradient reaches them all).
          const lw = tw.lam[ow];
          gx[r0 + c0] += (1 - lh) * (1 - lw) * g;
          gx[r0 + c1] += (1 - lh) * lw * g;
          gx[r1 + c0] += lh * (1 - lw) * g;
          gx[r1 + c1] += lh * lw * g;
        }
      }
    }
  }
  return gx;
}
