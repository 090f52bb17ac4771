/**
 * Masking factorizations on a grid (audioLIME's temporal segmentation, and its spectrogram
 * counterparts): n equal temporal segments, mel-band groups, and time × frequency patches. A
 * switched-off component takes the baseline value (default 0: silence for a waveform).
 *
 * - Spectrogram inputs [1, ..., F, T] (e.g. a log-mel [1, 1, 64, frames]) are masked directly:
 *   segments split the frames, bands split the F rows, patches both.
 * - Waveform inputs [1, L]: segments split the samples (rectangular windows: Σ components = x
 *   exactly). Bands and patches are time-frequency regions of the STFT of the wave (bands: linear
 *   bins grouped at mel-spaced edges); each component is the wave filtered by its region's
 *   mask (audio.maskToAudio, through the front end), so Σ components = the STFT round trip of x.
 */
import { keep, reshape, type Tensor, tidy, ValueError } from '../../../engine/index.js';
import { hzToMel, LOG_MEL_DEFAULTS, maskToAudio, melToHz, stft, type LogMelOptions } from '../../../audio/index.js';
import { checkCount, checkInput, equalSplits, factorizationOptions, finish, maskingFactorization, resolveDomain, sec } from './common.js';
import type { ComponentSpan, Factorization } from './types.js';

/** Options shared by the grid factorizations. */
export interface GridOptions {
  /** 'waveform' for [1, L] inputs, 'spectrogram' for [1, ..., F, T] (default from the rank). */
  domain?: 'waveform' | 'spectrogram';
  /** Value of a switched-off element (default 0). Masking only. */
  baseline?: number;
  /** Front end of a waveform input (sampleRate, nFft, hop; defaults 16 kHz, 400, 160). */
  frontEnd?: LogMelOptions;
}

/** The option keys of GridOptions. */
export const GRID_KEYS = ['domain', 'baseline', 'frontEnd'] as const;

export interface SegmentOptions extends GridOptions {
  /** Number of equal temporal segments (default 10, as audioLIME and MusicLIME). */
  n?: number;
  /** Segment boundaries instead of n equal ones: start of each segment (frames or samples), ascending, the first 0. */
  starts?: readonly number[];
}

export function checkBaseline(v: unknown, fname: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${fname}: options.baseline must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Temporal segments: n equal ones (default 10) or from `starts`. Works on waveforms (samples) and
 * spectrograms (frames, the last axis). Returns a masking factorization; dispose it when done.
 */
export function temporalSegments(input: Tensor, options: SegmentOptions = {}): Factorization {
  const fname = 'temporalSegments';
  const x = checkInput(input, fname);
  options = factorizationOptions<SegmentOptions>(options, [...GRID_KEYS, 'n', 'starts'], fname);
  const domain = resolveDomain(x, options.domain, fname);
  const baseline = checkBaseline(options.baseline, fname);
  const T = x.shape[x.rank - 1];
  const unit = domain === 'waveform' ? 'samples' : 'frames';
  let ranges: [number, number][];
  if (options.starts !== undefined) {
    const s = options.starts;
    if (!Array.isArray(s) || s.length === 0 || s[0] !== 0)
      throw new ValueError(`${fname}: options.starts must be a non-empty ascending list of segment starts beginning at 0`);
    checkCount(s.length, 'options.starts.length', T, `${T} ${unit}`, fname);
    s.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= T || (i > 0 && v <= s[i - 1]))
        throw new ValueError(`${fname}: options.starts[${i}] = ${v} must be an integer in [0, ${T}) above the previous start`);
    });
    ranges = s.map((v, i) => [v, i + 1 < s.length ? s[i + 1] : T] as [number, number]);
  } else {
    const n = checkCount(options.n ?? 10, 'options.n', T, `${T} ${unit}`, fname);
    ranges = equalSplits(T, n);
  }
  const m = ranges.length;
  const rows = x.size / T; // elements per time step
  const part = new Float32Array(m * x.size);
  ranges.forEach(([a, b], j) => {
    for (let r = 0; r < rows; r++) part.fill(1, j * x.size + r * T + a, j * x.size + r * T + b);
  });
  const sr = domain === 'waveform' ? (options.frontEnd?.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate) : undefined;
  const names = ranges.map(([a, b], j) => {
    if (sr) return `segment ${j} (${sec(a / sr)}–${sec(b / sr)})`;
    return `segment ${j} (frames ${a}–${b - 1})`;
  });
  const spans: ComponentSpan[] = ranges.map(([a, b]) => ({ t0: a / T, t1: b / T, f0: 0, f1: 1 }));
  return maskingFactorization(x, part, m, baseline, { kind: options.starts ? 'onsets' : 'segments', domain, names, spans, sampleRate: sr });
}

export interface BandOptions extends GridOptions {
  /** Number of frequency bands (default 8). */
  n?: number;
}

export interface PatchOptions extends GridOptions {
  /** Temporal divisions (default 4). */
  time?: number;
  /** Frequency divisions (default 4). */
  freq?: number;
}

/** Mel-spaced band edges over nBins linear bins: n contiguous non-empty groups. */
function melBinEdges(nBins: number, n: number, sampleRate: number): [number, number][] {
  const top = hzToMel(sampleRate / 2);
  const edges = [0];
  for (let k = 1; k < n; k++) {
    const hz = melToHz((top * k) / n);
    let bin = Math.round((hz / (sampleRate / 2)) * (nBins - 1));
    bin = Math.max(bin, edges[k - 1] + 1);
    bin = Math.min(bin, nBins - (n - k));
    edges.push(bin);
  }
  edges.push(nBins);
  return edges.slice(0, -1).map((a, k) => [a, edges[k + 1]] as [number, number]);
}

/**
 * A time-frequency grid factorization: freq ranges × time ranges. Spectrograms are masked
 * directly; waveforms through their STFT (see the module comment).
 */
function tfGrid(
  x: Tensor,
  fname: string,
  kind: string,
  nf: number | null,
  nt: number | null,
  options: GridOptions,
  fromCount: (F: number) => void,
): Factorization {
  const domain = resolveDomain(x, options.domain, fname);
  const baseline = checkBaseline(options.baseline, fname);
  if (domain === 'spectrogram') {
    const F = x.shape[x.rank - 2];
    const T = x.shape[x.rank - 1];
    fromCount(F);
    const fr = equalSplits(F, checkCount(nf ?? 1, kind === 'bands' ? 'options.n' : 'options.freq', F, `${F} frequency rows`, fname));
    const tr = equalSplits(T, checkCount(nt ?? 1, 'options.time', T, `${T} frames`, fname));
    const lead = x.size / (F * T);
    const m = fr.length * tr.length;
    const part = new Float32Array(m * x.size);
    const names: string[] = [];
    const spans: ComponentSpan[] = [];
    fr.forEach(([f0, f1], i) =>
      tr.forEach(([t0, t1], j) => {
        const c = i * tr.length + j;
        for (let l = 0; l < lead; l++)
          for (let f = f0; f < f1; f++) part.fill(1, c * x.size + l * F * T + f * T + t0, c * x.size + l * F * T + f * T + t1);
        names.push(kind === 'bands' ? `band ${i} (rows ${f0}–${f1 - 1})` : `patch ${c} (rows ${f0}–${f1 - 1}, frames ${t0}–${t1 - 1})`);
        spans.push({ t0: t0 / T, t1: t1 / T, f0: f0 / F, f1: f1 / F });
      }),
    );
    return maskingFactorization(x, part, m, baseline, { kind, domain, names, spans });
  }
  // Waveform: regions of the STFT, each filtered back to audio.
  const fe = { ...LOG_MEL_DEFAULTS, ...options.frontEnd };
  const L = x.shape[1];
  const re = tidy(() => stft(x, { nFft: fe.nFft, hop: fe.hop }).re);
  const bins = re.shape[re.rank - 2];
  const T = re.shape[re.rank - 1];
  re.dispose();
  fromCount(bins);
  const fr = melBinEdges(
    bins,
    checkCount(nf ?? 1, kind === 'bands' ? 'options.n' : 'options.freq', bins, `${bins} STFT bins`, fname),
    fe.sampleRate,
  );
  const tr = equalSplits(T, checkCount(nt ?? 1, 'options.time', T, `${T} STFT frames`, fname));
  const m = fr.length * tr.length;
  const masks = new Float32Array(m * bins * T);
  const names: string[] = [];
  const spans: ComponentSpan[] = [];
  const binHz = fe.sampleRate / 2 / (bins - 1);
  fr.forEach(([f0, f1], i) =>
    tr.forEach(([t0, t1], j) => {
      const c = i * tr.length + j;
      for (let f = f0; f < f1; f++) masks.fill(1, c * bins * T + f * T + t0, c * bins * T + f * T + t1);
      const hz = `${Math.round(f0 * binHz)}–${Math.round(Math.min(f1 * binHz, fe.sampleRate / 2))} Hz`;
      names.push(
        nt === null
          ? `band ${i} (${hz})`
          : `patch ${c} (${hz}, ${sec((t0 * fe.hop) / fe.sampleRate)}–${sec(Math.min(L, t1 * fe.hop) / fe.sampleRate)})`,
      );
      spans.push({ t0: t0 / T, t1: t1 / T, f0: f0 / bins, f1: f1 / bins });
    }),
  );
  const sources = keep(
    tidy(() => {
      const mk = x.engine.tensor(masks, [m, bins, T]);
      const audio = maskToAudio(reshape(x, [1, L]), mk, { ...fe, maskScale: 'linear' }); // [m, L]
      return reshape(audio, [m, L]);
    }),
  );
  const base = keep(x.engine.zeros([L]));
  return finish({ kind, domain, inputShape: x.shape, names, spans, sources, base, sampleRate: fe.sampleRate });
}

/**
 * Frequency bands: n groups (default 8) of a spectrogram's rows (equal; a log-mel's rows are
 * already mel-spaced) or of a waveform's STFT bins (at mel-spaced edges).
 */
export function melBands(input: Tensor, options: BandOptions = {}): Factorization {
  const fname = 'melBands';
  const x = checkInput(input, fname);
  options = factorizationOptions<BandOptions>(options, [...GRID_KEYS, 'n'], fname);
  return tfGrid(
    x,
    fname,
    'bands',
    options.n ?? 8,
    options.domain === 'waveform' || (options.domain === undefined && x.rank === 2) ? null : 1,
    options,
    () => {},
  );
}

/** Time × frequency patches: freq × time equal rectangles (default 4 × 4), row-major by band. */
export function patches(input: Tensor, options: PatchOptions = {}): Factorization {
  const fname = 'patches';
  const x = checkInput(input, fname);
  options = factorizationOptions<PatchOptions>(options, [...GRID_KEYS, 'time', 'freq'], fname);
  return tfGrid(x, fname, 'patches', options.freq ?? 4, options.time ?? 4, options, () => {});
}
