/** Output sizes of convolution and pooling, as PyTorch computes them. */
import type { Conv2dParams, Pool2dParams } from './backend.js';

/** floor((in + 2p - d(k-1) - 1) / s) + 1 */
export function convOutSize(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Output [Ho, Wo] of a conv2d on an [H, W] plane with kernel [kh, kw]. */
export function conv2dOutHW(h: number, w: number, kh: number, kw: number, p: Conv2dParams): [number, number] {
  return [convOutSize(h, kh, p.stride[0], p.padding[0], p.dilation[0]), convOutSize(w, kw, p.stride[1], p.padding[1], p.dilation[1])];
}

/** Pooling output size with PyTorch's ceil_mode rule (the last window must start inside the input or left padding). */
export function poolOutSize(size: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + padding) out--;
  return out;
}

export function pool2dOutHW(h: number, w: number, p: Pool2dParams): [number, number] {
  return [
    poolOutSize(h, p.kernel[0], p.stride[0], p.padding[0], p.dilation[0], p.ceilMode),
    poolOutSize(w, p.kernel[1], p.stride[1], p.padding[1], p.dilation[1], p.ceilMode),
  ];
}
