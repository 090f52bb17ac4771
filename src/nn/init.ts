/** Parameter initialisation shared by the layers (PyTorch's defaults, from seeds). */
import { type Engine, type Tensor, ValueError } from '../engine/index.js';
import { deriveSeed, nextAutoSeed } from './module.js';

export type Pair = number | readonly [number, number];

/** [a, b] from a number or a pair of integers >= min. */
export function toPair(v: Pair | undefined, dflt: number, arg: string, cls: string, min = 1): [number, number] {
  const p = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ValueError(`${cls}: ${arg} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export function checkInt(v: unknown, arg: string, cls: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValueError(`${cls}: ${arg} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** The seed option, or the next automatic one. */
export function seedOption(seed: number | undefined, cls: string): number {
  if (seed === undefined) return nextAutoSeed();
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${cls}: seed must be an integer, got ${JSON.stringify(seed)}`);
  return seed;
}

/**
 * PyTorch's default init of Conv and Linear layers: weight ~ kaiming_uniform(a = √5), i.e.
 * U(-1/√fanIn, 1/√fanIn), and bias ~ U(-1/√fanIn, 1/√fanIn). Weight and bias draw from
 * independent streams of `seed`.
 */
export function defaultInit(
  engine: Engine,
  wShape: readonly number[],
  fanIn: number,
  withBias: boolean,
  seed: number,
): { weight: Tensor; bias: Tensor | null } {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const weight = engine.rand(wShape, { seed: deriveSeed(seed, 0), low: -bound, high: bound });
  const bias = withBias ? engine.rand([wShape[0]], { seed: deriveSeed(seed, 1), low: -bound, high: bound }) : null;
  return { weight, bias };
}

export function fmtPair(p: readonly [number, number]): string {
  return `(${p[0]}, ${p[1]})`;
}
