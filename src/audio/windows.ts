/**
 * Analysis windows, as torch.hann_window / torch.hamming_window: `periodic` (the default, for
 * spectral analysis: the window of length N + 1 without its last sample) or symmetric. Values are
 * computed in float64 on the host.
 */
import { parseOptions } from '../util/options.js';
import { Tensor, ValueError } from '../engine/index.js';

export type WindowName = 'hann' | 'hamming' | 'rectangular';

/** A window: a name, host values (length winLength), or a tensor [winLength] (differentiable). */
export type WindowSpec = WindowName | ArrayLike<number> | Tensor;

export interface WindowOptions {
  /** Periodic (default, true) or symmetric (false) window, as torch's `periodic` argument. */
  periodic?: boolean;
}

function checkLength(length: number, fname: string): void {
  if (!Number.isInteger(length) || length < 0)
    throw new ValueError(`${fname}: length must be a non-negative integer, got ${String(length)}`);
}

/** Generalised cosine window alpha - beta cos(2 pi i / N'), N' = length (periodic) or length - 1. */
function cosineWindow(length: number, alpha: number, beta: number, periodic: boolean): Float64Array {
  const w = new Float64Array(length);
  if (length === 1) {
    w[0] = 1;
    return w;
  }
  const denom = periodic ? length : length - 1;
  for (let i = 0; i < length; i++) w[i] = alpha - beta * Math.cos((2 * Math.PI * i) / denom);
  return w;
}

/** Hann window: 0.5 - 0.5 cos(2 pi i / N') (torch.hann_window). */
export function hannWindow(length: number, options: WindowOptions = {}): Float64Array {
  checkLength(length, 'hannWindow');
  options = parseOptions<WindowOptions>(options, { periodic: [] }, 'hannWindow');
  return cosineWindow(length, 0.5, 0.5, options.periodic ?? true);
}

/** Hamming window: alpha - beta cos(2 pi i / N'), alpha 0.54, beta 0.46 (torch.hamming_window). */
export function hammingWindow(length: number, options: WindowOptions & { alpha?: number; beta?: number } = {}): Float64Array {
  checkLength(length, 'hammingWindow');
  options = parseOptions<WindowOptions & { alpha?: number; beta?: number }>(
    options,
    { periodic: [], alpha: [], beta: [] },
    'hammingWindow',
  );
  return cosineWindow(length, options.alpha ?? 0.54, options.beta ?? 0.46, options.periodic ?? true);
}

/** Rectangular window (all ones). */
export function rectangularWindow(length: number): Float64Array {
  checkLength(length, 'rectangularWindow');
  return new Float64Array(length).fill(1);
}

/** The values of a named window. */
export function namedWindow(name: WindowName, length: number, periodic: boolean): Float64Array {
  switch (name) {
    case 'hann':
      return hannWindow(length, { periodic });
    case 'hamming':
      return hammingWindow(length, { periodic });
    case 'rectangular':
      return rectangularWindow(length);
    default:
      throw new ValueError(`window: expected 'hann', 'hamming', 'rectangular', an array or a Tensor, got ${String(name)}`);
  }
}

/**
 * A window of winLength zero-padded to nFft, centred as torch.stft does (left padding
 * floor((nFft - winLength) / 2)).
 */
export function padWindow(w: ArrayLike<number>, nFft: number): Float64Array {
  const out = new Float64Array(nFft);
  const left = Math.floor((nFft - w.length) / 2);
  for (let i = 0; i < w.length; i++) out[left + i] = w[i];
  return out;
}

/** True for a window given by name or host values (a constant), false for a Tensor. */
export function isHostWindow(w: WindowSpec): w is WindowName | ArrayLike<number> {
  return !(w instanceof Tensor);
}
