/**
 * Recomposition factorizations (audioLIME's source separation): the input as a sum of sources,
 * each switched on or off as a whole — harmonic/percussive separation (median-filter HPSS),
 * NMF components (multiplicative updates), and stems the user supplies from any separator. All
 * computed on the engine.
 *
 * Waveform inputs [1, L]: the separation works on the STFT magnitude; every source is the wave
 * filtered by its soft mask through the front end (audio.maskToAudio), so the sources add up to
 * the STFT round trip of the wave. Spectrogram inputs [1, ..., F, T] (e.g. a log-mel in dB): the
 * separation works on S = x − min(x) ≥ 0 and source j is mask_j ⊙ S, with base min(x), so the
 * sources plus the base add up to x exactly and "all off" is the quietest value everywhere.
 */
import {
  add,
  concat,
  div,
  keep,
  matmul,
  maximum,
  min,
  mul,
  pow,
  reshape,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  tidy,
  transpose,
  ValueError,
  fmt,
  ShapeError,
  checkFloat,
} from '../../../engine/index.js';
import { LOG_MEL_DEFAULTS, maskToAudio, stft, type LogMelOptions } from '../../../audio/index.js';
import { checkCount, checkInput, factorizationOptions, finish, resolveDomain } from './common.js';
import { medianFilter } from './medianFilter.js';
import type { ComponentSpan, Factorization, FactorizationDomain } from './types.js';

const WHOLE: ComponentSpan = { t0: 0, t1: 1, f0: 0, f1: 1 };
const EPS = 1e-10;

export interface SeparationOptions {
  domain?: 'waveform' | 'spectrogram';
  /** Front end of a waveform input (sampleRate, nFft, hop; defaults 16 kHz, 400, 160). */
  frontEnd?: LogMelOptions;
}

/** The non-negative [F, T] matrix to separate, and how to turn soft masks [k, F, T] into sources. */
function separable(
  x: Tensor,
  domain: FactorizationDomain,
  fe: Required<Pick<LogMelOptions, 'sampleRate' | 'nFft' | 'hop'>> & LogMelOptions,
) {
  if (domain === 'waveform') {
    const L = x.shape[1];
    const mag = keep(
      tidy(() => {
        const { re, im } = stft(x, { nFft: fe.nFft, hop: fe.hop });
        const [bins, T] = re.shape.slice(-2);
        return reshape(sqrt(add(square(re), square(im))), [bins, T]);
      }),
    );
    return {
      v: mag,
      toSources: (masks: Tensor) => reshape(maskToAudio(reshape(x, [1, L]), masks, { ...fe, maskScale: 'linear' }), [masks.shape[0], L]),
      base: () => x.engine.zeros([L]),
    };
  }
  const F = x.shape[x.rank - 2];
  const T = x.shape[x.rank - 1];
  const lead = x.size / (F * T);
  if (lead !== 1)
    throw new ShapeError(`separation: a spectrogram input must hold one channel ([1, 1, F, T] or [1, F, T]), got ${fmt(x.shape)}`);
  const lo = keep(tidy(() => min(x)));
  const s = keep(tidy(() => reshape(sub(x, lo), [F, T])));
  return {
    v: s,
    toSources: (masks: Tensor) => reshape(mul(masks, s), [masks.shape[0], F * T]),
    base: () => tidy(() => add(x.engine.zeros([F * T]), lo)),
    extra: lo,
  };
}

type Separable = ReturnType<typeof separable>;
type FrontEnd = Parameters<typeof separable>[2];

/**
 * Runs `body` on the separable matrix of x (front end from options.frontEnd) and frees that
 * matrix afterwards, whether body returns or throws: hpss and nmf share this lifetime.
 */
function withSeparable(
  x: Tensor,
  domain: FactorizationDomain,
  options: SeparationOptions,
  body: (sep: Separable, fe: FrontEnd) => Factorization,
): Factorization {
  const fe = { ...LOG_MEL_DEFAULTS, ...options.frontEnd };
  const sep = separable(x, domain, fe);
  try {
    return body(sep, fe);
  } finally {
    sep.v.dispose();
    sep.extra?.dispose();
  }
}

/**
 * The factorization whose components are the soft masks [k, F, T] that `masks` builds (inside a
 * tidy) applied to the separable input, each spanning the whole input: the common ending of
 * hpss and nmf.
 */
function maskedSources(
  x: Tensor,
  domain: FactorizationDomain,
  sep: Separable,
  fe: FrontEnd,
  kind: Factorization['kind'],
  names: string[],
  masks: () => Tensor,
): Factorization {
  const [sources, base] = tidy(() => {
    const m = masks();
    return [keep(sep.toSources(m)), keep(sep.base())];
  });
  return finish({
    kind,
    domain,
    inputShape: x.shape,
    names,
    spans: names.map(() => WHOLE),
    sources,
    base,
    sampleRate: domain === 'waveform' ? fe.sampleRate : undefined,
  });
}

export interface HpssOptions extends SeparationOptions {
  /** Median filter length in frames (harmonic) and bins/rows (percussive), odd (default 17). */
  kernel?: number;
  /** Exponent of the soft masks (default 2, librosa's). */
  power?: number;
}

/**
 * Harmonic / percussive separation by median filtering (Fitzgerald 2010, librosa.decompose.hpss
 * with soft masks): H = median over time, P = median over frequency of the magnitude,
 * mask_H = H^p / (H^p + P^p), mask_P = 1 − mask_H. Two components: 'harmonic', 'percussive'.
 */
export function hpss(input: Tensor, options: HpssOptions = {}): Factorization {
  const fname = 'hpss';
  const x = checkInput(input, fname);
  // kernel_size is librosa's name (decompose.hpss).
  options = factorizationOptions<HpssOptions>(options, ['domain', 'frontEnd', 'kernel', 'power'], fname, {
    kernel: ['kernelSize', 'kernel_size'],
  });
  const domain = resolveDomain(x, options.domain, fname);
  const kernel = options.kernel ?? 17;
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0)
    throw new ValueError(`${fname}: options.kernel must be an odd positive integer, got ${JSON.stringify(kernel)}`);
  const power = options.power ?? 2;
  if (typeof power !== 'number' || !(power > 0))
    throw new ValueError(`${fname}: options.power must be a positive number, got ${JSON.stringify(power)}`);
  return withSeparable(x, domain, options, (sep, fe) => {
    const [F, T] = sep.v.shape;
    if (kernel > 2 * Math.min(F, T) - 1)
      throw new ValueError(
        `${fname}: options.kernel = ${kernel} is too long for a ${F} × ${T} spectrogram (at most ${2 * Math.min(F, T) - 1})`,
      );
    return maskedSources(x, domain, sep, fe, 'hpss', ['harmonic', 'percussive'], () => {
      const h = pow(maximum(medianFilter(sep.v, kernel, 1), 0), power);
      const p = pow(maximum(medianFilter(sep.v, kernel, 0), 0), power);
      const total = add(add(h, p), EPS);
      const mh = div(add(h, EPS / 2), total);
      return concat([reshape(mh, [1, F, T]), reshape(sub(1, mh), [1, F, T])], 0);
    });
  });
}

export interface NmfOptions extends SeparationOptions {
  /** Number of components (default 4). */
  components?: number;
  /** Multiplicative-update iterations (default 100). */
  iterations?: number;
  /** Seed of the random initialisation (default 0). */
  seed?: number;
}

/**
 * NMF components: V ≈ W H (W [F, k], H [k, T] ≥ 0) by Lee & Seung's multiplicative updates for
 * the Euclidean loss (H ← H ⊙ WᵀV / WᵀWH, W ← W ⊙ VHᵀ / WHHᵀ), seeded uniform init scaled to V's
 * mean, on the engine; component j is the soft mask W_j H_j / WH of the input.
 */
export function nmf(input: Tensor, options: NmfOptions = {}): Factorization {
  const fname = 'nmf';
  const x = checkInput(input, fname);
  // scikit-learn's NMF names: n_components, max_iter, random_state.
  options = factorizationOptions<NmfOptions>(options, ['domain', 'frontEnd', 'components', 'iterations', 'seed'], fname, {
    components: ['nComponents', 'n_components'],
    iterations: ['maxIter', 'max_iter'],
    seed: ['randomState', 'random_state'],
  });
  const domain = resolveDomain(x, options.domain, fname);
  const iterations = options.iterations ?? 100;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new ValueError(`${fname}: options.iterations must be a positive integer, got ${JSON.stringify(iterations)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${fname}: options.seed must be an integer, got ${JSON.stringify(seed)}`);
  return withSeparable(x, domain, options, (sep, fe) => {
    const [F, T] = sep.v.shape;
    const k = checkCount(options.components ?? 4, 'options.components', Math.min(F, T), `a ${F} × ${T} spectrogram`, fname);
    const e = x.engine;
    let w = keep(tidy(() => mul(e.rand([F, k], { seed, low: 0.1, high: 1 }), sqrt(div(sum(sep.v), F * T * k)))));
    let h = keep(tidy(() => mul(e.rand([k, T], { seed: seed + 1, low: 0.1, high: 1 }), sqrt(div(sum(sep.v), F * T * k)))));
    for (let it = 0; it < iterations; it++) {
      const h2 = keep(tidy(() => mul(h, div(matmul(w, sep.v, { transA: true }), add(matmul(matmul(w, w, { transA: true }), h), EPS)))));
      h.dispose();
      h = h2;
      const w2 = keep(tidy(() => mul(w, div(matmul(sep.v, h, { transB: true }), add(matmul(w, matmul(h, h, { transB: true })), EPS)))));
      w.dispose();
      w = w2;
    }
    try {
      const names = Array.from({ length: k }, (_, j) => `nmf ${j}`);
      return maskedSources(x, domain, sep, fe, 'nmf', names, () => {
        const parts = mul(reshape(transpose(w), [k, F, 1]), reshape(h, [k, 1, T])); // [k, F, T]
        return div(add(parts, EPS / k), add(sum(parts, 0), EPS));
      });
    } finally {
      w.dispose();
      h.dispose();
    }
  });
}

export interface StemOptions {
  /** Stem names (default 'stem 0', 'stem 1', ...; e.g. Open-Unmix's vocals, drums, bass, other). */
  names?: readonly string[];
  /** Add the residual input − Σ stems as one more component (default false). */
  residual?: boolean;
  /** Sample rate of waveform stems (Hz, for WAV output; default 16000). */
  sampleRate?: number;
}

/**
 * Stems from any external separator: stems [S, ...] shaped like one input without its batch axis
 * (e.g. [S, L] for a [1, L] wave), each a component; the perturbed input is the sum of the active
 * stems (plus the residual component when asked).
 */
export function stems(input: Tensor, stemTensor: Tensor, options: StemOptions = {}): Factorization {
  const fname = 'stems';
  const x = checkInput(input, fname);
  options = factorizationOptions<StemOptions>(options, ['names', 'residual', 'sampleRate'], fname);
  const s = checkFloat(stemTensor, 'stems', fname);
  const inner = x.shape.slice(1);
  if (s.rank !== inner.length + 1 || s.shape.slice(1).some((d, i) => d !== inner[i])) {
    throw new ShapeError(
      `${fname}: stems must be [S, ${inner.join(', ')}] (one input per stem, without the batch axis), got ${fmt(s.shape)}`,
    );
  }
  const n = checkCount(s.shape[0], 'stems.shape[0]', Infinity, '', fname);
  const names = options.names ? [...options.names] : Array.from({ length: n }, (_, j) => `stem ${j}`);
  if (names.length !== n) throw new ValueError(`${fname}: options.names lists ${names.length} names for ${n} stems`);
  const d = x.size;
  const sources = keep(
    tidy(() => {
      const flat = reshape(s, [n, d]);
      if (!options.residual) return add(flat, 0);
      const rest = sub(reshape(x, [1, d]), sum(flat, 0, true));
      return concat([flat, rest], 0);
    }),
  );
  if (options.residual) names.push('residual');
  const base = keep(x.engine.zeros([d]));
  return finish({
    kind: 'stems',
    domain: x.rank === 2 ? 'waveform' : 'spectrogram',
    inputShape: x.shape,
    names,
    spans: names.map(() => WHOLE),
    sources,
    base,
    sampleRate: options.sampleRate ?? (x.rank === 2 ? LOG_MEL_DEFAULTS.sampleRate : undefined),
  });
}

/**
 * The product of a factorization by a partition (audioLIME's "sources × temporal segments"):
 * component (i, j) is source i of `a` restricted to part j of `b` (b must be a masking
 * factorization such as temporalSegments of the same input). Names 'a_i × b_j'; row-major by a.
 */
export function combine(a: Factorization, b: Factorization): Factorization {
  const fname = 'combine';
  if (!b.partition)
    throw new ValueError(
      `${fname}: the second factorization must be a masking one (temporalSegments, melBands or patches of a spectrogram), got '${b.kind}'`,
    );
  if (a.sources.shape[1] !== b.partition.shape[1] || a.domain !== b.domain) {
    throw new ShapeError(
      `${fname}: the factorizations are of different inputs (${a.domain} ${fmt(a.inputShape)} vs ${b.domain} ${fmt(b.inputShape)})`,
    );
  }
  const m1 = a.sources.shape[0];
  const m2 = b.partition.shape[0];
  const d = a.sources.shape[1];
  checkCount(m1 * m2, 'components', Infinity, '', fname);
  const sources = keep(tidy(() => reshape(mul(reshape(a.sources, [m1, 1, d]), reshape(b.partition!, [1, m2, d])), [m1 * m2, d])));
  const base = keep(tidy(() => add(a.base, 0)));
  const names: string[] = [];
  const spans: ComponentSpan[] = [];
  for (let i = 0; i < m1; i++) {
    for (let j = 0; j < m2; j++) {
      names.push(`${a.names[i]} × ${b.names[j]}`);
      const p = a.spans[i];
      const q = b.spans[j];
      spans.push({ t0: Math.max(p.t0, q.t0), t1: Math.min(p.t1, q.t1), f0: Math.max(p.f0, q.f0), f1: Math.min(p.f1, q.f1) });
    }
  }
  return finish({
    kind: `${a.kind} × ${b.kind}`,
    domain: a.domain,
    inputShape: a.inputShape,
    names,
    spans,
    sources,
    base,
    sampleRate: a.sampleRate,
  });
}
