/**
 * TCAV (Kim et al., 2018) with its significance test, batched: per layer every CAV (each concept
 * against each random set, and the random-vs-random baseline) is fitted from one Gram matmul and
 * returned by one matmul; per target one forward + backward gives every layer's gradients, and one
 * matmul per layer gives the directional derivatives along all CAVs. Concept scores over the random
 * runs are t-tested (Student and Welch) against the random-vs-random scores, Bonferroni-corrected
 * over every (concept, layer, target) test.
 */
import { DTypeError, fmt, ShapeError, Tensor, ValueError } from '../engine/index.js';
import type { Module } from '../nn/index.js';
import {
  checkInputs,
  checkModule,
  checkSignal,
  describeValue,
  finiteNumber,
  oneOf,
  parseOptions,
  type Progress,
  throwIfAborted,
  warnIfTraining,
} from '../xai/shared/index.js';
import type { RowBlock } from './activationsCheck.js';
import { type CavJob, type CavMethod, fitCavs } from './cavFit.js';
import { sensitivities } from './directionalDerivatives.js';
import { checkLayers, collectActivations } from './layerActivations.js';
import { chunkRows, offsetProgress } from './layerChunks.js';
import { columnScores, jsonNumber, summarize, type Summary } from './stats.js';
import { CAV_OPTION_SPEC, cavOptions } from './trainCav.js';
import { ttest } from './ttest.js';

export interface TcavOptions {
  /** The classifier (an nn Module in eval mode); layers are chosen by module name. */
  model: Module;
  /** Module names of the layers to test (e.g. ['conv3', 'fc1']). */
  layers: readonly string[];
  /** Target classes (a class index, a list, or an int32 tensor [K]). */
  targets: number | readonly number[] | Tensor;
  /** Concept name → examples of the concept [Nc, ...input] (≥ 2 each). */
  concepts: Record<string, Tensor>;
  /** Random example sets [Nr, ...input], ≥ 2 sets (10+ recommended), ≥ 2 examples each. */
  randoms: readonly Tensor[];
  /** Inputs whose predictions are explained [N, ...input]: one set for every target, or one per target. */
  inputs: Tensor | readonly Tensor[];
  /** Significance level after Bonferroni correction over all tests; default 0.05. */
  alpha?: number;
  /** Which t-test decides `significant`: 'student' (default, as tensorflow/tcav) or 'welch'. */
  test?: 'student' | 'welch';
  /** CAV options (see trainCav): C (default 1), method (default 'logistic'), seed (default 0; run r uses seed + r), testFraction (default 0.33). */
  C?: number;
  method?: CavMethod;
  seed?: number;
  testFraction?: number;
  /** Examples per forward/backward pass (default: sized from the device limits). */
  maxBatch?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** mean ± std of a statistic over runs, with the runs. */
export interface RunStats extends Summary {
  runs: number[];
}

/** A t-test in the result: t and p as scipy.stats.ttest_ind gives them, p Bonferroni-corrected. */
export interface TestResult {
  /** null when undefined or infinite (both samples constant). */
  t: number | null;
  p: number | null;
  df: number | null;
  /** min(1, p · testsRun). */
  pCorrected: number | null;
}

/** One (concept, layer, target) test. */
export interface TcavEntry {
  concept: string;
  layer: string;
  target: number;
  /** TCAV scores (fraction of inputs with a positive directional derivative), one per random run. */
  score: RunStats;
  /** Mean directional derivative along the unit CAV (logit per activation unit), per run. */
  magnitude: RunStats;
  /** Held-out accuracies of the concept's CAVs, per run (null entries with testFraction 0). */
  cavAccuracy: { mean: number | null; runs: (number | null)[] };
  student: TestResult;
  welch: TestResult;
  /** pCorrected of the chosen test < alpha. */
  significant: boolean;
}

/** The random-vs-random baseline of one (layer, target): random run r against random run r + 1 (mod R). */
export interface TcavBaseline {
  layer: string;
  target: number;
  score: RunStats;
  magnitude: RunStats;
  cavAccuracy: { mean: number | null; runs: (number | null)[] };
}

/** The whole result, plain data (JSON.stringify gives the documented schema). */
export interface TcavResult {
  kind: 'tcav' | 'relative_tcav';
  concepts: string[];
  layers: string[];
  targets: number[];
  randomRuns: number;
  inputsPerTarget: number[];
  alpha: number;
  test: 'student' | 'welch';
  /** Number of (concept, layer, target) tests: the Bonferroni factor. */
  testsRun: number;
  cav: { method: CavMethod; C: number; testFraction: number; seed: number };
  entries: TcavEntry[];
  baselines: TcavBaseline[];
}

const TCAV_SPEC = {
  model: [],
  layers: ['layer'],
  targets: ['target'],
  concepts: [],
  randoms: ['random', 'randomSets'],
  inputs: [],
  alpha: [],
  test: [],
  maxBatch: ['batchSize'],
  onProgress: [],
  signal: [],
  ...CAV_OPTION_SPEC,
} as const;

function checkSet(x: unknown, name: string, fname: string): Tensor {
  const t = checkInputs(x, fname);
  if (t.shape[0] < 2) throw new ValueError(`${fname}: ${name} must hold at least 2 examples (a CAV is fitted on a set), got ${t.shape[0]}`);
  return t;
}

/** The target classes: a class index, a list of them, or an int32 tensor [K] (read once, as the attribution methods take it). */
async function checkTargetList(v: unknown, fname: string): Promise<number[]> {
  if (v instanceof Tensor) {
    v.assertLive(`${fname}: targets`);
    if (v.dtype !== 'int32') throw new DTypeError(`${fname}: targets as a tensor must be int32 class indices [K], got ${v.dtype}`);
    if (v.rank !== 1) throw new ShapeError(`${fname}: targets as a tensor must be [K] class indices, got ${fmt(v.shape)}`);
    v = Array.from(await v.read());
  }
  const list = typeof v === 'number' ? [v] : Array.isArray(v) ? v : null;
  if (!list || list.length === 0)
    throw new ValueError(`${fname}: targets must be a class index or a non-empty array of them, got ${describeValue(v)}`);
  list.forEach((t, i) => {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
      throw new ValueError(`${fname}: targets[${i}] must be a class index (an integer >= 0), got ${describeValue(t)}`);
  });
  return list as number[];
}

const testOf = (r: { t: number; p: number; df: number }, m: number): TestResult => ({
  t: jsonNumber(r.t),
  p: jsonNumber(r.p),
  df: jsonNumber(r.df),
  pCorrected: Number.isFinite(r.p) ? Math.min(1, r.p * m) : null,
});

const accuracyStats = (runs: (number | null)[]) => {
  const known = runs.filter((a): a is number => a !== null);
  return {
    mean: known.length ? known.reduce((s, a) => s + a, 0) / known.length : null,
    runs,
  };
};

/** What tcav and relativeTcav compare: per "concept" label, the (positive, negative) blocks of each run. */
interface Plan {
  labels: string[];
  runs: (layerBlocks: Record<string, RowBlock>) => { label: string; jobs: CavJob[] }[];
}

/**
 * TCAV: for each concept, layer and target, the TCAV score (the fraction of `inputs` whose target
 * logit increases along the concept's CAV) and the magnitude, over one CAV per random set; the same
 * for random-vs-random CAVs as the null; Student and Welch t-tests of the concept's scores against
 * the null, Bonferroni-corrected over every test run, and the CAVs' held-out accuracies. Every
 * result field is plain data (JSON-serialisable; see TcavResult). Progress stages: 'activations',
 * 'cavs', 'gradients'. Throws CancelledError when options.signal aborts. Inputs are not modified.
 */
export async function tcav(options: TcavOptions): Promise<TcavResult> {
  const fname = 'tcav';
  const o = parseOptions(options, TCAV_SPEC, fname);
  const conceptsArg = o.concepts;
  if (conceptsArg === null || typeof conceptsArg !== 'object' || Array.isArray(conceptsArg) || Object.keys(conceptsArg).length === 0) {
    throw new ValueError(
      `${fname}: concepts must be a record { name: examples [N, ...] } with at least one concept, got ${describeValue(conceptsArg)}`,
    );
  }
  const names = Object.keys(conceptsArg);
  const sets = Object.fromEntries(names.map((n) => [n, (conceptsArg as Record<string, unknown>)[n]]));
  return runTcav(o, fname, 'tcav', sets, {
    labels: names,
    runs: (blocks) =>
      names.map((c) => ({
        label: c,
        jobs: randomNames(blocks).map((r, k) => ({
          positive: blocks[c],
          negative: blocks[r],
          seed: k,
        })),
      })),
  });
}

/**
 * Relative TCAV of concept A against concept B: CAVs separate A (label 1) from B (label 0), one per
 * random run r, each fitted on a seeded stratified split (seed + r, options.testFraction held out,
 * so the runs differ; testFraction must be > 0); scores and tests as in tcav (against the same
 * random-vs-random null). concepts must hold exactly two sets, A first. The entry's concept is
 * 'A vs B'.
 */
export async function relativeTcav(options: TcavOptions): Promise<TcavResult> {
  const fname = 'relativeTcav';
  const o = parseOptions(options, TCAV_SPEC, fname);
  const c = o.concepts as Record<string, unknown> | null;
  if (c === null || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).length !== 2) {
    throw new ValueError(
      `${fname}: concepts must be a record of exactly two concepts { A: examples, B: examples }, got ${describeValue(c)}`,
    );
  }
  if (o.testFraction === 0) throw new ValueError(`${fname}: options.testFraction must be > 0: the runs differ only by their held-out rows`);
  const [a, b] = Object.keys(c);
  const label = `${a} vs ${b}`;
  return runTcav(o, fname, 'relative_tcav', c, {
    labels: [label],
    runs: (blocks) => [
      {
        label,
        jobs: randomNames(blocks).map((_, k) => ({
          positive: blocks[a],
          negative: blocks[b],
          seed: k,
        })),
      },
    ],
  });
}

const RANDOM_PREFIX = '\u0000random';
const randomNames = (blocks: Record<string, RowBlock>) => Object.keys(blocks).filter((k) => k.startsWith(RANDOM_PREFIX));

async function runTcav(
  o: Partial<Record<string, unknown>>,
  fname: string,
  kind: TcavResult['kind'],
  conceptSets: Record<string, unknown>,
  plan: Plan,
): Promise<TcavResult> {
  const m = checkModule(o.model, fname);
  const layers = checkLayers(m, o.layers, fname);
  const targets = await checkTargetList(o.targets, fname);
  if (!Array.isArray(o.randoms) || o.randoms.length < 2) {
    throw new ValueError(
      `${fname}: randoms must be an array of at least 2 random example sets (10+ recommended), got ${Array.isArray(o.randoms) ? `${o.randoms.length}` : describeValue(o.randoms)}`,
    );
  }
  const randoms = (o.randoms as unknown[]).map((r, i) => checkSet(r, `randoms[${i}]`, fname));
  const conceptTensors = Object.entries(conceptSets).map(([n, x]) => [n, checkSet(x, `concepts['${n}']`, fname)] as [string, Tensor]);
  const inputsList = Array.isArray(o.inputs) ? (o.inputs as unknown[]) : targets.map(() => o.inputs);
  if (inputsList.length !== targets.length)
    throw new ValueError(`${fname}: inputs as a list needs one set per target (${targets.length}), got ${inputsList.length}`);
  const inputs = inputsList.map((x, i) => checkInputs(x, Array.isArray(o.inputs) ? `${fname} inputs[${i}]` : fname));
  const sample = randoms[0];
  for (const [name, t] of [
    ...conceptTensors.map(([n, t]) => [`concepts['${n}']`, t] as const),
    ...randoms.map((t, i) => [`randoms[${i}]`, t] as const),
    ...inputs.map((t, i) => [`inputs[${i}]`, t] as const),
  ]) {
    if (fmt(t.shape.slice(1)) !== fmt(sample.shape.slice(1)))
      throw new ValueError(`${fname}: ${name} examples have shape ${fmt(t.shape.slice(1))}, randoms[0]'s ${fmt(sample.shape.slice(1))}`);
  }
  const alpha = finiteNumber(o.alpha, 'options.alpha', fname, {
    min: Number.MIN_VALUE,
    max: 0.5,
    default: 0.05,
  });
  const test = oneOf(o.test, ['student', 'welch'] as const, 'options.test', fname, 'student');
  const cav = cavOptions(o, fname);
  const signal = checkSignal(o.signal, fname);
  const onProgress = o.onProgress as ((p: Progress) => void) | undefined;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new ValueError(`${fname}: options.onProgress must be a function, got ${describeValue(onProgress)}`);
  warnIfTraining(m, fname);
  const chunk = chunkRows(o.maxBatch, sample, fname);

  // 1. Activations of every set at every layer: per layer the row blocks of X [M, D], one per set.
  const setList: [string, Tensor][] = [...conceptTensors, ...randoms.map((t, i) => [`${RANDOM_PREFIX}${i}`, t] as [string, Tensor])];
  const display = (k: string) => (k.startsWith(RANDOM_PREFIX) ? `randoms[${k.slice(RANDOM_PREFIX.length)}]` : `concepts['${k}']`);
  const blocks: Record<string, RowBlock> = {};
  let M = 0;
  for (const [k, t] of setList) {
    blocks[k] = { name: display(k), start: M, count: t.shape[0] };
    M += t.shape[0];
  }
  const totalRows = M;
  let doneRows = 0;
  const perLayer: Record<string, Tensor[]> = Object.fromEntries(layers.map((l) => [l, []]));
  const vectors: Record<string, Tensor> = {};
  try {
    for (const [, t] of setList) {
      const acts = await collectActivations(m, t, layers, chunk, {
        fname,
        signal,
        onProgress: offsetProgress(onProgress, doneRows, totalRows, 'activations'),
      });
      doneRows += t.shape[0];
      layers.forEach((l) => perLayer[l].push(acts[l]));
    }
    // 2. Every CAV of a layer from one Gram matrix: concept runs, then the baseline (random r vs r + 1).
    const randomKeys = randomNames(blocks);
    const R = randomKeys.length;
    const groups = plan.runs(blocks);
    const baselineJobs: CavJob[] = randomKeys.map((r, k) => ({
      positive: blocks[r],
      negative: blocks[randomKeys[(k + 1) % R]],
      seed: k,
    }));
    const jobs = [...groups.flatMap((g) => g.jobs), ...baselineJobs].map((j) => ({ ...j, seed: cav.seed + j.seed }));
    const infos: Record<string, Awaited<ReturnType<typeof fitCavs>>['infos']> = {};
    let layerDone = 0;
    for (const l of layers) {
      const fit = await fitCavs(perLayer[l], Object.values(blocks), jobs, cav, fname);
      perLayer[l].forEach((t) => t.dispose());
      perLayer[l] = [];
      fit.coefs.dispose();
      vectors[l] = fit.vectors;
      infos[l] = fit.infos;
      onProgress?.({ done: ++layerDone, total: layers.length, stage: 'cavs' });
      throwIfAborted(signal, fname);
    }
    // 3. Directional derivatives: per target one forward + backward for all layers, one matmul per layer.
    const S: Record<string, Float32Array>[] = [];
    const totalInputs = inputs.reduce((s, x) => s + x.shape[0], 0);
    let doneInputs = 0;
    for (let ti = 0; ti < targets.length; ti++) {
      const x = inputs[ti];
      const out = await sensitivities(m, x, targets[ti], vectors, chunk, {
        fname,
        signal,
        onProgress: offsetProgress(onProgress, doneInputs, totalInputs, 'gradients'),
      });
      doneInputs += x.shape[0];
      const host: Record<string, Float32Array> = {};
      for (const l of layers) {
        host[l] = (await out[l].read()) as Float32Array;
        out[l].dispose();
      }
      S.push(host);
    }
    // 4. Statistics.
    const J = jobs.length;
    const testsRun = plan.labels.length * layers.length * targets.length;
    const entries: TcavEntry[] = [];
    const baselines: TcavBaseline[] = [];
    const baseCols = baselineJobs.map((_, k) => J - R + k);
    targets.forEach((target, ti) => {
      const N = inputs[ti].shape[0];
      for (const l of layers) {
        const base = columnScores(S[ti][l], N, J, baseCols);
        baselines.push({
          layer: l,
          target,
          score: { ...summarize(base.scores), runs: base.scores },
          magnitude: { ...summarize(base.magnitudes), runs: base.magnitudes },
          cavAccuracy: accuracyStats(baseCols.map((c) => infos[l][c].accuracy)),
        });
        let col = 0;
        for (const g of groups) {
          const cols = g.jobs.map((_, k) => col + k);
          col += g.jobs.length;
          const run = columnScores(S[ti][l], N, J, cols);
          const student = testOf(ttest(run.scores, base.scores, { equalVar: true }), testsRun);
          const welch = testOf(ttest(run.scores, base.scores, { equalVar: false }), testsRun);
          const chosen = test === 'student' ? student : welch;
          entries.push({
            concept: g.label,
            layer: l,
            target,
            score: { ...summarize(run.scores), runs: run.scores },
            magnitude: { ...summarize(run.magnitudes), runs: run.magnitudes },
            cavAccuracy: accuracyStats(cols.map((c) => infos[l][c].accuracy)),
            student,
            welch,
            significant: chosen.pCorrected !== null && chosen.pCorrected < alpha,
          });
        }
      }
    });
    return {
      kind,
      concepts: plan.labels,
      layers: [...layers],
      targets,
      randomRuns: R,
      inputsPerTarget: inputs.map((x) => x.shape[0]),
      alpha,
      test,
      testsRun,
      cav: {
        method: cav.method,
        C: cav.C,
        testFraction: cav.testFraction,
        seed: cav.seed,
      },
      entries,
      baselines,
    };
  } finally {
    Object.values(perLayer).forEach((ts) => ts.forEach((t) => t.dispose()));
    Object.values(vectors).forEach((t) => t.dispose());
  }
}
