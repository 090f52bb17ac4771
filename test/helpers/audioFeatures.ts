/**
 * Simple audio features for the synthetic-audio tests, computed independently of the generators:
 * RMS, STFT-based spectral centroid / flatness, band energy ratios, a spectral-flux onset envelope
 * with onset rate and onset periodicity (autocorrelation of the envelope), envelope roughness,
 * YIN pitch, and AUC / nearest-centroid helpers.
 */

/** In-place iterative radix-2 FFT of (re, im); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

export interface Spectrogram {
  /** Power spectra, one Float64Array of nFft/2+1 bins per frame. */
  frames: Float64Array[];
  nFft: number;
  hop: number;
  sampleRate: number;
}

/** Hann-windowed power STFT. */
export function stft(x: Float32Array, sampleRate: number, nFft = 512, hop = 256): Spectrogram {
  const win = new Float64Array(nFft);
  for (let i = 0; i < nFft; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft);
  const frames: Float64Array[] = [];
  const re = new Float64Array(nFft);
  const im = new Float64Array(nFft);
  for (let s = 0; s + nFft <= x.length; s += hop) {
    for (let i = 0; i < nFft; i++) {
      re[i] = x[s + i]! * win[i]!;
      im[i] = 0;
    }
    fft(re, im);
    const p = new Float64Array(nFft / 2 + 1);
    for (let k = 0; k <= nFft / 2; k++) p[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    frames.push(p);
  }
  return { frames, nFft, hop, sampleRate };
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

export function peak(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Energy-weighted mean spectral centroid (Hz). */
export function spectralCentroid(S: Spectrogram): number {
  let num = 0;
  let den = 0;
  const df = S.sampleRate / S.nFft;
  for (const p of S.frames)
    for (let k = 0; k < p.length; k++) {
      num += k * df * p[k]!;
      den += p[k]!;
    }
  return den > 0 ? num / den : 0;
}

/** Mean over frames of the spectral flatness (geometric / arithmetic mean of power), 0..1. */
export function spectralFlatness(S: Spectrogram, loHz = 50, hiHz = 7000): number {
  const df = S.sampleRate / S.nFft;
  const k0 = Math.max(1, Math.round(loHz / df));
  const k1 = Math.min(S.nFft / 2, Math.round(hiHz / df));
  let total = 0;
  let count = 0;
  for (const p of S.frames) {
    let lg = 0;
    let ar = 0;
    for (let k = k0; k <= k1; k++) {
      lg += Math.log(p[k]! + 1e-12);
      ar += p[k]!;
    }
    const n = k1 - k0 + 1;
    ar /= n;
    if (ar < 1e-10) continue;
    total += Math.exp(lg / n) / ar;
    count++;
  }
  return count ? total / count : 0;
}

/** Fraction of the total energy in [loHz, hiHz). */
export function bandRatio(S: Spectrogram, loHz: number, hiHz: number): number {
  const df = S.sampleRate / S.nFft;
  let band = 0;
  let tot = 0;
  for (const p of S.frames)
    for (let k = 0; k < p.length; k++) {
      tot += p[k]!;
      const f = k * df;
      if (f >= loHz && f < hiHz) band += p[k]!;
    }
  return tot > 0 ? band / tot : 0;
}

/** Half-wave-rectified log-power spectral flux per frame (the onset strength envelope). */
export function onsetEnvelope(S: Spectrogram): Float64Array {
  const env = new Float64Array(S.frames.length);
  let prev: Float64Array | null = null;
  S.frames.forEach((p, t) => {
    const lg = new Float64Array(p.length);
    for (let k = 0; k < p.length; k++) lg[k] = Math.log10(p[k]! + 1e-8);
    if (prev) {
      let s = 0;
      for (let k = 0; k < p.length; k++) s += Math.max(0, lg[k]! - prev[k]!);
      env[t] = s / p.length;
    }
    prev = lg;
  });
  return env;
}

/** Onsets per second: local maxima of the onset envelope above mean + 1.0·std (and 3 frames apart). */
export function onsetRate(S: Spectrogram): number {
  const env = onsetEnvelope(S);
  const n = env.length;
  let mean = 0;
  for (const v of env) mean += v;
  mean /= n;
  let sd = 0;
  for (const v of env) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / n);
  const thr = mean + 1.0 * sd;
  let count = 0;
  let last = -10;
  for (let t = 1; t < n - 1; t++) {
    if (env[t]! > thr && env[t]! >= env[t - 1]! && env[t]! >= env[t + 1]! && t - last >= 3) {
      count++;
      last = t;
    }
  }
  return count / ((n * S.hop) / S.sampleRate);
}

/**
 * Onset periodicity: the highest normalised autocorrelation of the mean-removed onset envelope
 * over lags of minLag..maxLag seconds (1 = perfectly periodic beat).
 */
export function onsetPeriodicity(S: Spectrogram, minLag = 0.2, maxLag = 1.2): number {
  const env = onsetEnvelope(S);
  const n = env.length;
  let mean = 0;
  for (const v of env) mean += v;
  mean /= n;
  const e = Array.from(env, (v) => v - mean);
  let r0 = 0;
  for (const v of e) r0 += v * v;
  if (r0 <= 0) return 0;
  const fps = S.sampleRate / S.hop;
  let best = 0;
  for (let lag = Math.max(1, Math.round(minLag * fps)); lag <= Math.min(n - 2, Math.round(maxLag * fps)); lag++) {
    let r = 0;
    for (let t = 0; t + lag < n; t++) r += e[t]! * e[t + lag]!;
    r /= r0 * ((n - lag) / n);
    best = Math.max(best, r);
  }
  return best;
}

/** Area under the ROC curve: P(a > b) for a random a from `pos` and b from `neg` (ties count half). */
export function auc(pos: readonly number[], neg: readonly number[]): number {
  let s = 0;
  for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

/** Leave-one-out nearest-centroid accuracy on z-scored feature vectors. */
export function nearestCentroidLOO(X: number[][], y: number[]): number {
  const d = X[0]!.length;
  const mu = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const x of X) x.forEach((v, j) => (mu[j]! += v / X.length));
  for (const x of X) x.forEach((v, j) => (sd[j]! += (v - mu[j]!) ** 2 / X.length));
  const Z = X.map((x) => x.map((v, j) => (v - mu[j]!) / (Math.sqrt(sd[j]!) || 1)));
  const classes = [...new Set(y)];
  let correct = 0;
  Z.forEach((z, i) => {
    let best = -1;
    let bestD = Infinity;
    for (const c of classes) {
      const cent = new Array<number>(d).fill(0);
      let n = 0;
      Z.forEach((w, j) => {
        if (j === i || y[j] !== c) return;
        w.forEach((v, k) => (cent[k]! += v));
        n++;
      });
      if (n === 0) continue;
      let dist = 0;
      for (let k = 0; k < d; k++) dist += (z[k]! - cent[k]! / n) ** 2;
      if (dist < bestD) {
        bestD = dist;
        best = c;
      }
    }
    if (best === y[i]) correct++;
  });
  return correct / X.length;
}

/**
 * Envelope roughness: Hann-weighted RMS envelope in `winSec` windows every `hopSec`; mean absolute
 * step between consecutive windows divided by the mean envelope. ~0 for steady or slowly swelling
 * sounds, large for beats, syllables and note attacks.
 */
export function envelopeRoughness(x: Float32Array, sampleRate: number, winSec = 0.1, hopSec = 0.025): number {
  const w = Math.round(winSec * sampleRate);
  const h = Math.round(hopSec * sampleRate);
  const win = new Float64Array(w);
  let wsum = 0;
  for (let i = 0; i < w; i++) wsum += win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / w);
  const env: number[] = [];
  for (let s = 0; s + w <= x.length; s += h) {
    let e = 0;
    for (let i = 0; i < w; i++) e += win[i]! * x[s + i]! * x[s + i]!;
    env.push(Math.sqrt(e / wsum));
  }
  const mean = env.reduce((a, b) => a + b, 0) / env.length;
  if (mean === 0) return 0;
  let d = 0;
  for (let t = 1; t < env.length; t++) d += Math.abs(env[t]! - env[t - 1]!);
  return d / (env.length - 1) / mean;
}

/**
 * Frame pitch by YIN (de Cheveigné & Kawahara 2002): the first lag whose cumulative-mean-normalised
 * difference dips below `threshold` (then its local minimum), searched for F0 in [fMin, fMax] Hz.
 * Returns one F0 (Hz) per frame, or 0 for frames without a clear period (unvoiced / noise / silence).
 */
export function yinPitch(
  x: Float32Array,
  sampleRate: number,
  fMin = 60,
  fMax = 1000,
  frameSec = 0.04,
  hopSec = 0.02,
  threshold = 0.15,
): number[] {
  const W = Math.round(frameSec * sampleRate);
  const hop = Math.round(hopSec * sampleRate);
  const tauMin = Math.max(2, Math.floor(sampleRate / fMax));
  const tauMax = Math.ceil(sampleRate / fMin);
  let globalRms = 0;
  for (let i = 0; i < x.length; i++) globalRms += x[i]! * x[i]!;
  globalRms = Math.sqrt(globalRms / x.length);
  const out: number[] = [];
  const d = new Float64Array(tauMax + 1);
  for (let s = 0; s + W + tauMax < x.length; s += hop) {
    let e = 0;
    for (let i = s; i < s + W; i++) e += x[i]! * x[i]!;
    if (Math.sqrt(e / W) < 0.1 * globalRms) {
      out.push(0);
      continue;
    }
    for (let tau = 1; tau <= tauMax; tau++) {
      let acc = 0;
      for (let i = s; i < s + W; i++) {
        const diff = x[i]! - x[i + tau]!;
        acc += diff * diff;
      }
      d[tau] = acc;
    }
    let running = 0;
    let f0 = 0;
    const cmnd = new Float64Array(tauMax + 1);
    cmnd[0] = 1;
    for (let tau = 1; tau <= tauMax; tau++) {
      running += d[tau]!;
      cmnd[tau] = running > 0 ? (d[tau]! * tau) / running : 1;
    }
    for (let tau = tauMin; tau <= tauMax; tau++) {
      if (cmnd[tau]! < threshold) {
        while (tau + 1 <= tauMax && cmnd[tau + 1]! < cmnd[tau]!) tau++;
        f0 = sampleRate / tau;
        break;
      }
    }
    out.push(f0);
  }
  return out;
}
