/**
 * Real DFT kernels of the CPU reference backend, on fft.js (a radix-4 FFT of power-of-two
 * sizes), in float64. Other sizes go through Bluestein's chirp-z identity
 *   X[k] = w[k] * sum_j (x[j] w[j]) conj(w[k - j]),  w[m] = e^(-i pi m^2 / n),
 * a linear convolution evaluated with power-of-two fft.js transforms. fft.js is used here only:
 * the WebGPU backend has its own Stockham kernels (shaders/fft.wgsl).
 */
import FFT from 'fft.js';

const isPow2 = (n: number) => n > 1 && (n & (n - 1)) === 0;

/** fft.js instances by size (their twiddle tables are the expensive part). */
const ffts = new Map<number, FFT>();
function fftOf(size: number): FFT {
  let f = ffts.get(size);
  if (!f) ffts.set(size, (f = new FFT(size)));
  return f;
}

interface Bluestein {
  m: number;
  /** The chirp w[j] = e^(-i pi j^2 / n), j < n (interleaved). */
  chirp: Float64Array;
  /** The FFT of the convolution kernel conj(w[j]) wrapped around a length-m circle (interleaved). */
  kernelHat: Float64Array;
}

const bluesteins = new Map<number, Bluestein>();
function bluesteinOf(n: number): Bluestein {
  let b = bluesteins.get(n);
  if (b) return b;
  let m = 2;
  while (m < 2 * n - 1) m *= 2;
  const chirp = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    // j^2 mod 2n keeps the angle small (exact in float64 for the sizes tensors can have).
    const a = (Math.PI * ((j * j) % (2 * n))) / n;
    chirp[2 * j] = Math.cos(a);
    chirp[2 * j + 1] = -Math.sin(a);
  }
  const kernel = new Float64Array(2 * m);
  for (let j = 0; j < n; j++) {
    kernel[2 * j] = chirp[2 * j];
    kernel[2 * j + 1] = -chirp[2 * j + 1];
    if (j > 0) {
      kernel[2 * (m - j)] = chirp[2 * j];
      kernel[2 * (m - j) + 1] = -chirp[2 * j + 1];
    }
  }
  const kernelHat = new Float64Array(2 * m);
  fftOf(m).transform(kernelHat, kernel);
  b = { m, chirp, kernelHat };
  bluesteins.set(n, b);
  return b;
}

/**
 * Forward complex DFT of one length-n sequence: `inp` and `out` are interleaved [re, im] arrays
 * of 2n (out may not alias inp). `work` is scratch of at least 4 * bluestein size.
 */
class ComplexDft {
  private readonly a: Float64Array;
  private readonly aHat: Float64Array;
  private readonly conv: Float64Array;
  private readonly bs: Bluestein | null;

  constructor(readonly n: number) {
    this.bs = n === 1 || isPow2(n) ? null : bluesteinOf(n);
    const m = this.bs?.m ?? 0;
    this.a = new Float64Array(2 * m);
    this.aHat = new Float64Array(2 * m);
    this.conv = new Float64Array(2 * m);
  }

  run(out: Float64Array, inp: Float64Array): void {
    const n = this.n;
    if (n === 1) {
      out[0] = inp[0];
      out[1] = inp[1];
      return;
    }
    if (!this.bs) {
      fftOf(n).transform(out, inp);
      return;
    }
    const { m, chirp, kernelHat } = this.bs;
    const a = this.a;
    a.fill(0);
    for (let j = 0; j < n; j++) {
      const xr = inp[2 * j];
      const xi = inp[2 * j + 1];
      const wr = chirp[2 * j];
      const wi = chirp[2 * j + 1];
      a[2 * j] = xr * wr - xi * wi;
      a[2 * j + 1] = xr * wi + xi * wr;
    }
    const f = fftOf(m);
    f.transform(this.aHat, a);
    const h = this.aHat;
    for (let k = 0; k < m; k++) {
      const ar = h[2 * k];
      const ai = h[2 * k + 1];
      const br = kernelHat[2 * k];
      const bi = kernelHat[2 * k + 1];
      h[2 * k] = ar * br - ai * bi;
      h[2 * k + 1] = ar * bi + ai * br;
    }
    f.inverseTransform(this.conv, h);
    const c = this.conv;
    for (let k = 0; k < n; k++) {
      const cr = c[2 * k];
      const ci = c[2 * k + 1];
      const wr = chirp[2 * k];
      const wi = chirp[2 * k + 1];
      out[2 * k] = cr * wr - ci * wi;
      out[2 * k + 1] = cr * wi + ci * wr;
    }
  }
}

/** rows of x [rows, n] → [re, im] [rows, bins]: X[k] = sum_j w[j] x[j] e^(-2 pi i j k / n) (w: window or ones). */
export function rfftKernel(
  x: ArrayLike<number>,
  n: number,
  bins: number,
  w: ArrayLike<number> | null = null,
): [Float64Array, Float64Array] {
  const rows = n === 0 ? 0 : x.length / n;
  const re = new Float64Array(rows * bins);
  const im = new Float64Array(rows * bins);
  const out = new Float64Array(2 * Math.max(n, 2));
  if (isPow2(n) && bins <= n / 2 + 1) {
    // fft.js's real transform fills bins 0..n/2.
    const f = fftOf(n);
    const row = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) row[j] = x[r * n + j] * (w ? w[j] : 1);
      f.realTransform(out, row);
      for (let k = 0; k < bins; k++) {
        re[r * bins + k] = out[2 * k];
        im[r * bins + k] = out[2 * k + 1];
      }
    }
    return [re, im];
  }
  const dft = new ComplexDft(n);
  const inp = new Float64Array(2 * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) inp[2 * j] = x[r * n + j] * (w ? w[j] : 1);
    dft.run(out, inp);
    for (let k = 0; k < bins; k++) {
      re[r * bins + k] = out[2 * k];
      im[r * bins + k] = out[2 * k + 1];
    }
  }
  return [re, im];
}

/**
 * The adjoint of rfftKernel: y[j] = w[j] sum_{k < bins} re[k] cos(2 pi j k / n) - im[k] sin(2 pi j k / n)
 * = w[j] Re(DFT(conj(G)))[j], G the spectrum zero-padded to n bins.
 */
export function rfftAdjointKernel(
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  n: number,
  bins: number,
  w: ArrayLike<number> | null = null,
): Float64Array {
  const rows = bins === 0 ? 0 : re.length / bins;
  const y = new Float64Array(rows * n);
  if (n === 0) return y;
  const dft = new ComplexDft(n);
  const inp = new Float64Array(2 * n);
  const out = new Float64Array(2 * Math.max(n, 2));
  for (let r = 0; r < rows; r++) {
    inp.fill(0);
    for (let k = 0; k < bins; k++) {
      inp[2 * k] = re[r * bins + k];
      inp[2 * k + 1] = -im[r * bins + k];
    }
    dft.run(out, inp);
    for (let j = 0; j < n; j++) y[r * n + j] = out[2 * j] * (w ? w[j] : 1);
  }
  return y;
}
