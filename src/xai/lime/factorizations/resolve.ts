/**
 * The factorization option of lime / kernelShap: a factorization the caller built (and owns), or
 * a shortcut name built here with its defaults (owned by the explanation: its dispose() frees it).
 */
import { fmt, ShapeError, type Tensor, ValueError } from '../../../engine/index.js';
import { describeValue } from '../../shared/index.js';
import { melBands, patches, temporalSegments } from './grid.js';
import type { Factorization } from './types.js';

/** Shortcut names: 10 temporal segments, 8 bands, 4 × 4 patches. */
export const FACTORIZATION_SHORTCUTS = ['segments', 'bands', 'patches'] as const;
export type FactorizationShortcut = (typeof FACTORIZATION_SHORTCUTS)[number];

/** The factorization to use for `input`, and whether the call owns it. */
export function resolveFactorization(f: unknown, input: Tensor, fname: string): { factorization: Factorization; owned: boolean } {
  if (f === undefined || typeof f === 'string') {
    const name = f ?? 'segments';
    if (name === 'segments') return { factorization: temporalSegments(input), owned: true };
    if (name === 'bands') return { factorization: melBands(input), owned: true };
    if (name === 'patches') return { factorization: patches(input), owned: true };
    throw new ValueError(
      `${fname}: options.factorization must be a factorization or one of 'segments', 'bands', 'patches', got ${describeValue(f)}`,
    );
  }
  const fz = f as Factorization | null;
  if (fz === null || typeof fz !== 'object' || !fz.sources || !fz.base || !Array.isArray(fz.names)) {
    throw new ValueError(
      `${fname}: options.factorization must be a factorization (xai.temporalSegments, melBands, patches, onsetSegments, hpss, nmf, stems or combine) or a shortcut name, got ${describeValue(f)}`,
    );
  }
  fz.sources.assertLive(`${fname}: options.factorization (disposed?)`);
  if (fz.sources.shape[0] < 1) throw new ValueError(`${fname}: the factorization has zero components`);
  if (fz.inputShape.length !== input.rank || fz.inputShape.some((d, i) => d !== input.shape[i])) {
    throw new ShapeError(`${fname}: the factorization was built for an input ${fmt(fz.inputShape)}, the input is ${fmt(input.shape)}`);
  }
  if (fz.sources.engine !== input.engine) throw new ValueError(`${fname}: the factorization belongs to another engine than the input`);
  return { factorization: fz, owned: false };
}
