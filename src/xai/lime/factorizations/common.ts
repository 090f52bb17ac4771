/**
 * Shared checks and builders of the factorizations: the input (one example [1, ...]), the domain
 * it is read in, the component count bounds, and the assembly of a masking factorization from a
 * partition.
 */
import { checkFloat, fmt, keep, mul, reshape, ShapeError, sub, type Tensor, tidy, ValueError } from '../../../engine/index.js';
import { parseLogMelOptions } from '../../../audio/index.js';
import { parseOptions } from '../../shared/index.js';
import { withSnakeCase } from '../../../util/options.js';
import { MAX_COMPONENTS, type ComponentSpan, type Factorization, type FactorizationDomain } from './types.js';

/** Checks the input: a float32 tensor [1, ...] (one example, batch axis 1). */
export function checkInput(input: unknown, fname: string): Tensor {
  const x = checkFloat(input, 'input', fname);
  if (x.rank < 2 || x.shape[0] !== 1)
    throw new ShapeError(
      `${fname}: input must be one example with its batch axis, [1, ...] (e.g. [1, L] or [1, 1, nMels, frames]), got ${fmt(x.shape)}`,
    );
  return x;
}

/** The domain: given, or 'waveform' for [1, L] and 'spectrogram' for [1, ..., F, T]. */
export function resolveDomain(x: Tensor, domain: unknown, fname: string): FactorizationDomain {
  if (domain === undefined) return x.rank === 2 ? 'waveform' : 'spectrogram';
  if (domain !== 'waveform' && domain !== 'spectrogram')
    throw new ValueError(`${fname}: options.domain must be 'waveform' or 'spectrogram', got ${JSON.stringify(domain)}`);
  if (domain === 'spectrogram' && x.rank < 3)
    throw new ShapeError(`${fname}: a spectrogram input must be [1, ..., F, T], got ${fmt(x.shape)}`);
  return domain;
}

/** Checks a component count: an integer in [1, max] (max = what the clip supports). */
export function checkCount(n: unknown, name: string, max: number, what: string, fname: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new ValueError(`${fname}: ${name} must be an integer number of components, got ${JSON.stringify(n)}`);
  if (n < 1) throw new ValueError(`${fname}: ${name} = ${n}: a factorization needs at least one component`);
  if (n > max) throw new ValueError(`${fname}: ${name} = ${n} is more components than the clip supports (${what}: at most ${max})`);
  if (n > MAX_COMPONENTS) throw new ValueError(`${fname}: ${name} = ${n} exceeds the limit of ${MAX_COMPONENTS} components`);
  return n;
}

/** Equal splits of [0, length) into n contiguous ranges (as numpy.array_split: the first ones one longer). */
export function equalSplits(length: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  const q = Math.floor(length / n);
  const r = length % n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = s + q + (i < r ? 1 : 0);
    out.push([s, e]);
    s = e;
  }
  return out;
}

/**
 * A masking factorization from a host partition [M, D] (0/1, each element in one component):
 * sources = (x − baseline) ⊙ P, base = baseline everywhere.
 */
export function maskingFactorization(
  x: Tensor,
  partition: Float32Array,
  m: number,
  baseline: number,
  meta: { kind: string; domain: FactorizationDomain; names: string[]; spans: ComponentSpan[]; sampleRate?: number },
): Factorization {
  const e = x.engine;
  const d = x.size;
  const p = keep(e.tensor(partition, [m, d]));
  const [sources, base] = tidy(() => {
    const flat = reshape(x, [1, d]);
    const s = mul(sub(flat, baseline), p);
    return [keep(s), keep(e.full([d], baseline))];
  });
  return finish({
    kind: meta.kind,
    domain: meta.domain,
    inputShape: x.shape,
    names: meta.names,
    spans: meta.spans,
    sources,
    base,
    partition: p,
    sampleRate: meta.sampleRate,
  });
}

/** Adds dispose() to a factorization's parts. */
export function finish(f: Omit<Factorization, 'dispose'>): Factorization {
  return {
    ...f,
    dispose() {
      f.sources.dispose();
      f.base.dispose();
      f.partition?.dispose();
    },
  };
}

/** Formats seconds for component names. */
export const sec = (s: number) => `${s.toFixed(2)} s`;

/**
 * Strict options of a factorization: `keys` (each also in snake_case, plus `aliases`, e.g. scikit-
 * learn's `n_components`), any other key a ValueError naming the nearest; `frontEnd` is parsed as
 * logMel's options (torchaudio spellings renamed, so `{ hop_length: 256 }` really sets the hop).
 * Returns a new object (the caller's is not mutated); undefined values are dropped.
 */
export function factorizationOptions<T extends object>(
  options: unknown,
  keys: readonly string[],
  fname: string,
  aliases: Readonly<Record<string, readonly string[]>> = {},
): T {
  const o = parseOptions<Record<string, unknown>>(options, withSnakeCase(keys, aliases), fname);
  if (o.frontEnd !== undefined) o.frontEnd = parseLogMelOptions(o.frontEnd, `${fname}: options.frontEnd`);
  return o as T;
}
