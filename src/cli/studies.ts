/**
 * `auralens evaluate` and `auralens tcav`: study-wide sections added to a report folder (into its
 * existing report.json when there is one, so `explain` then `tcav` then `evaluate` into the same
 * --out give one report). Clips are decoded to mono at the model's rate and cropped to the
 * shortest clip of the call, so that they form one batch.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createEngine, type Engine, reshape, type Tensor, tidy, argmax, noGrad } from '../engine/index.js';
import { logMel } from '../audio/index.js';
import { METRIC_NAMES, type MetricName } from '../metrics/index.js';
import {
  collectSources,
  decodeSource,
  loadModel,
  type LoadedModel,
  METRIC_METHODS,
  type MetricMethod,
  metricsSection,
  readReport,
  REPORT_VERSION,
  type ReportData,
  type ReportSection,
  resolveTarget,
  tcavSection,
  withSection,
  writeReport,
} from '../report/index.js';
import { type CliIo, UsageError } from './errors.js';
import { parseBackend } from './explain.js';
import { startBar } from './progress.js';

async function decodeAll(input: string, sr: number, io: CliIo): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const s of await collectSources(input)) {
    try {
      out.push(await decodeSource(s, sr, 30));
    } catch (e) {
      io.err(`auralens: skipped ${s.source}: ${(e as Error).message}`);
    }
  }
  if (out.length < 2) throw new UsageError(`${input}: need at least 2 readable clips, got ${out.length}`);
  return out;
}

function batch(engine: Engine, loaded: LoadedModel, clips: Float32Array[], len: number): Tensor {
  const flat = new Float32Array(clips.length * len);
  clips.forEach((c, i) => flat.set(c.subarray(0, len), i * len));
  return tidy(() => {
    const m = logMel(engine.tensor(flat, [clips.length, len]), loaded.meta.frontEnd);
    return reshape(m, [clips.length, 1, m.shape[1]!, m.shape[2]!]);
  });
}

async function addSection(outDir: string, loaded: LoadedModel, section: ReportSection): Promise<string> {
  let report: ReportData;
  try {
    report = await readReport(outDir);
  } catch {
    const m = loaded.meta;
    report = {
      version: REPORT_VERSION,
      title: 'auralens report',
      model: {
        arch: m.arch,
        classes: m.classes,
        frontEnd: m.frontEnd,
        ...(m.heldOutAccuracy !== undefined ? { heldOutAccuracy: m.heldOutAccuracy } : {}),
        weights: m.weights,
      },
      methods: [],
      settings: {},
      clips: [],
      sections: [],
      skipped: [],
    };
  }
  return writeReport(outDir, withSection(report, section));
}

export interface EvaluateArgs {
  model: string;
  arch: string;
  methods: string;
  metrics: string;
  out: string;
  backend: string;
}

export async function evaluateCommand(input: string, a: EvaluateArgs, io: CliIo): Promise<number> {
  const methods = a.methods
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const m of methods)
    if (!(METRIC_METHODS as readonly string[]).includes(m))
      throw new UsageError(`--methods: unknown method '${m}'; available: ${METRIC_METHODS.join(', ')}`);
  const metricNames = a.metrics
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const m of metricNames)
    if (!(METRIC_NAMES as readonly string[]).includes(m))
      throw new UsageError(`--metrics: unknown metric '${m}'; available: ${METRIC_NAMES.join(', ')}`);
  if (methods.length === 0 || metricNames.length === 0) throw new UsageError('--methods and --metrics must each name at least one');
  const engine = await createEngine({ backend: parseBackend(a.backend) });
  try {
    const loaded = await loadModel(engine, a.model, a.arch);
    const clips = await decodeAll(input, loaded.meta.frontEnd.sampleRate, io);
    const x = batch(engine, loaded, clips, Math.min(...clips.map((c) => c.length)));
    const predT = noGrad(() => tidy(() => argmax(loaded.module.call(x), 1)));
    const targets = Array.from((await predT.read()) as Int32Array);
    predT.dispose();
    const bar = startBar(io, 'evaluate', methods.length * metricNames.length);
    try {
      const section = await metricsSection({
        model: loaded,
        inputs: x,
        targets,
        methods: methods as MetricMethod[],
        metrics: metricNames.map((metric) => ({ metric: metric as MetricName })),
        outDir: a.out,
        onProgress: (p) => bar.update(p.done, p.stage),
      });
      const index = await addSection(a.out, loaded, section);
      io.out(`evaluated ${methods.join(', ')} on ${clips.length} clips with ${metricNames.join(', ')}; report: ${resolve(index)}`);
    } finally {
      bar.stop();
      x.dispose();
    }
    return 0;
  } finally {
    engine.dispose();
  }
}

export interface TcavArgs {
  model: string;
  arch: string;
  concepts: string;
  randoms: string;
  inputs: string;
  target: string;
  layers: string;
  out: string;
  backend: string;
}

async function subfolders(dir: string, what: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new UsageError(`${what} '${dir}' is not a readable folder`);
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export async function tcavCommand(a: TcavArgs, io: CliIo): Promise<number> {
  const conceptNames = await subfolders(a.concepts, '--concepts');
  if (conceptNames.length === 0) throw new UsageError(`--concepts '${a.concepts}' must hold one folder of .wav files per concept`);
  const randomNames = await subfolders(a.randoms, '--randoms');
  if (randomNames.length < 2)
    throw new UsageError(`--randoms '${a.randoms}' must hold at least 2 folders (random sets) of .wav files, got ${randomNames.length}`);
  const layers = a.layers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const engine = await createEngine({ backend: parseBackend(a.backend) });
  const owned: Tensor[] = [];
  try {
    const loaded = await loadModel(engine, a.model, a.arch);
    const target = resolveTarget(a.target, loaded.meta.classes, -1);
    if (target < 0) throw new UsageError(`--target must name a class (${loaded.meta.classes.join(', ')}) or its index for tcav`);
    const sr = loaded.meta.frontEnd.sampleRate;
    const sets: Record<string, Float32Array[]> = {};
    for (const c of conceptNames) sets[`c:${c}`] = await decodeAll(join(a.concepts, c), sr, io);
    for (const r of randomNames) sets[`r:${r}`] = await decodeAll(join(a.randoms, r), sr, io);
    sets.inputs = await decodeAll(a.inputs, sr, io);
    const len = Math.min(...Object.values(sets).flatMap((s) => s.map((c) => c.length)));
    const feat = (k: string) => {
      const t = batch(engine, loaded, sets[k]!, len);
      owned.push(t);
      return t;
    };
    const concepts = Object.fromEntries(conceptNames.map((c) => [c, feat(`c:${c}`)]));
    const randoms = randomNames.map((r) => feat(`r:${r}`));
    const inputs = feat('inputs');
    const bar = startBar(io, 'tcav', 1);
    const section = await tcavSection({
      model: loaded,
      concepts,
      randoms,
      inputs,
      target,
      layers: layers.length ? layers : [loaded.meta.camLayer],
      outDir: a.out,
      onProgress: (p) => bar.update(p.done / p.total, p.stage),
    }).finally(() => bar.stop());
    const index = await addSection(a.out, loaded, section);
    io.out(
      `tcav: ${conceptNames.length} concepts × ${randomNames.length} random sets at ${layers.join(', ')} for ${loaded.meta.classes[target]}; report: ${resolve(index)}`,
    );
    return 0;
  } finally {
    for (const t of owned) t.dispose();
    engine.dispose();
  }
}
