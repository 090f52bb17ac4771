/**
 * The golden fixtures (test/fixtures/golden, made by scripts/extract-golden*.py from the
 * float64 references of ../shared/golden) and the measures the golden tests judge them by, shared
 * by models.golden, xai.layers, xai.gradients, audio.frontend and optim tests.
 *
 * Measures (README of the golden): max_abs_rel = max|got − ref| / max|ref|,
 * rel_l2 = ‖got − ref‖ / ‖ref‖, max_abs = max|got − ref|.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { readSafetensors, type HostTensor } from '../../src/engine/safetensors.js';
import { digitCNN, genreCNN } from '../../src/models/index.js';
import type { Module } from '../../src/nn/index.js';

export type ModelName = 'genre_cnn' | 'digit_cnn';
export type Measure = 'max_abs_rel' | 'rel_l2' | 'max_abs';

const FIXTURES = new URL('../fixtures/golden/', import.meta.url);

/** A fixture safetensors file (tensors and metadata). */
export const goldenFile = (file: string) => readSafetensors(readFileSync(new URL(file, FIXTURES)));
/** The tensors of a fixture safetensors file. */
export const goldenTensors = (file: string): Record<string, HostTensor> => goldenFile(file).tensors;
/** A fixture JSON file (models.json, attributions.json). */
export const goldenJson = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as T;

const weights = new Map<ModelName, Record<string, HostTensor>>();
/** The golden PyTorch state_dict of a model ({genre,digit}_cnn.safetensors), read once. */
export function goldenWeights(name: ModelName): Record<string, HostTensor> {
  let w = weights.get(name);
  if (!w) weights.set(name, (w = goldenTensors(`${name}.safetensors`)));
  return w;
}

/** The model with the golden weights loaded (in training mode, as built; callers pick eval()). */
export function goldenModel(engine: Engine, name: ModelName): Module {
  const model = name === 'genre_cnn' ? genreCNN(engine, { seed: 7 }) : digitCNN(engine, { seed: 7 });
  model.loadStateDict(goldenWeights(name));
  return model;
}

/** The golden input of a model (`input` of {genre,digit}_cnn.ref.safetensors, float32 as stored). */
export const goldenInput = (name: ModelName): HostTensor => goldenTensors(`${name}.ref.safetensors`).input;

/** One golden measure of got against ref (over ref.length elements). A NaN fails every measure. */
export function measure(m: Measure, got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  let d2 = 0;
  let r2 = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    // NaN must fail every measure.
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    d2 += d * d;
    r2 += ref[i] * ref[i];
  }
  if (m === 'max_abs') return maxDiff;
  if (m === 'rel_l2') return Math.sqrt(d2) / Math.sqrt(r2);
  return maxDiff / maxRef;
}

/**
 * All three measures at once, as the frontend and Adam-step tests compute them (got and ref must
 * have the same length). Not folded into `measure`: rel_l2 here is sqrt(d2 / r2), which can round
 * differently from measure's sqrt(d2) / sqrt(r2), and a NaN gives NaN rather than Infinity (it
 * still fails every `<=` check); kept as it was so that every checked value is unchanged.
 */
export function measures(got: ArrayLike<number>, ref: ArrayLike<number>): Record<Measure, number> {
  expect(got.length).toBe(ref.length);
  let maxAbs = 0;
  let maxRef = 0;
  let d2 = 0;
  let r2 = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = got[i] - ref[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    d2 += d * d;
    r2 += ref[i] * ref[i];
  }
  return { max_abs: maxAbs, max_abs_rel: maxAbs / maxRef, rel_l2: Math.sqrt(d2 / r2) };
}

/** One checked golden entry, for the table a test file prints at the end. */
export interface ReportEntry {
  where: string;
  key: string;
  measure: string;
  value: number;
  tolerance: number;
  /** Time of the call that produced the value, when measured. */
  ms?: number;
}

/**
 * Prints `title` and one line per entry: where, key, measure (padded to the given widths),
 * got / tolerance (ratio) and the time when there is one. Nothing when the report is empty.
 */
export function printReport(title: string, report: readonly ReportEntry[], pad: { where: number; key: number; measure: number }): void {
  if (!report.length) return;
  const lines = report.map(
    (r) =>
      `${r.where.padEnd(pad.where)} ${r.key.padEnd(pad.key)} ${r.measure.padEnd(pad.measure)} ${r.value.toExponential(2)} / ${r.tolerance.toExponential(1)}  (${(r.value / r.tolerance).toFixed(3)})${r.ms === undefined ? '' : `  ${(r.ms / 1000).toFixed(1)} s`}`,
  );
  console.log(`${title}:\n${lines.join('\n')}`);
}

/**
 * Judges one entry: `tol.measure` of got against ref must be <= tol.tolerance (a soft expect, so
 * every entry is reported), and the value goes to `report` under `reportKey` (default: key).
 */
export function expectWithin(
  report: ReportEntry[],
  where: string,
  key: string,
  tol: { measure: Measure; tolerance: number },
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  extra: { reportKey?: string; ms?: number } = {},
): void {
  const value = measure(tol.measure, got, ref);
  report.push({ where, key: extra.reportKey ?? key, measure: tol.measure, value, tolerance: tol.tolerance, ms: extra.ms });
  expect.soft(value, `${where} ${key}: ${tol.measure}`).toBeLessThanOrEqual(tol.tolerance);
}
