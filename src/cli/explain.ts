/** `auralens explain`: explain a WAV, a folder or a manifest (or one shard of it) into a report folder. */
import { resolve } from 'node:path';
import { createEngine } from '../engine/index.js';
import {
  CLIP_METHODS,
  type ClipMethod,
  type ClipSettings,
  DEFAULT_CLIP_SETTINGS,
  clipId,
  collectSources,
  decodeSource,
  loadModel,
  parseShard,
  resolveTarget,
  runExplainJob,
  shardOf,
} from '../report/index.js';
import { type CliIo, UsageError } from './errors.js';
import { startBar } from './progress.js';

export interface ExplainArgs {
  model: string;
  arch: string;
  methods: string;
  target: string;
  out: string;
  backend: string;
  shard?: string;
  maxSeconds: string;
  steps: string;
  limeSamples: string;
  title?: string;
}

/** Parses --methods (comma-separated) against the methods this build has. */
export function parseMethods(text: string): ClipMethod[] {
  const ms = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ms.length === 0) throw new UsageError(`--methods must list at least one of ${CLIP_METHODS.join(', ')}`);
  for (const m of ms)
    if (!(CLIP_METHODS as readonly string[]).includes(m))
      throw new UsageError(`--methods: unknown method '${m}'; available: ${CLIP_METHODS.join(', ')}`);
  return [...new Set(ms)] as ClipMethod[];
}

/** Parses --backend. */
export function parseBackend(text: string): 'cpu' | 'webgpu' | 'auto' {
  if (text !== 'cpu' && text !== 'webgpu' && text !== 'auto') throw new UsageError(`--backend must be cpu, webgpu or auto, got '${text}'`);
  return text;
}

function positive(text: string, name: string, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  return v;
}

export async function explainCommand(input: string, a: ExplainArgs, io: CliIo): Promise<number> {
  const methods = parseMethods(a.methods);
  const backend = parseBackend(a.backend);
  const shard = a.shard ? parseShard(a.shard) : undefined;
  const maxSeconds = positive(a.maxSeconds, '--max-seconds', false);
  const steps = positive(a.steps, '--steps', true);
  const limeSamples = positive(a.limeSamples, '--lime-samples', true);
  const all = await collectSources(input);
  const sources = shard ? shardOf(all, shard.k, shard.n) : all;
  const engine = await createEngine({ backend });
  try {
    const loaded = await loadModel(engine, a.model, a.arch);
    const settings: ClipSettings = { ...DEFAULT_CLIP_SETTINGS, methods, target: a.target, igSteps: steps, limeSamples };
    // Check --target once up front (a class name or index), so a typo fails before any work.
    if (a.target !== 'predicted') resolveTarget(a.target, loaded.meta.classes, 0);
    const sr = loaded.meta.frontEnd.sampleRate;
    const ids = new Set<string>();
    const clips = sources.map((s) => {
      let id = clipId(s.source);
      while (ids.has(id)) id += '_';
      ids.add(id);
      return { id, source: s.source, label: s.label, load: () => decodeSource(s, sr, maxSeconds) };
    });
    io.out(
      `auralens explain: ${clips.length} clip(s)${shard ? ` (shard ${shard.k}/${shard.n} of ${all.length})` : ''} on the ${engine.backend} backend; methods ${methods.join(', ')}`,
    );
    const bar = startBar(io, 'explain', clips.length);
    const { report, index } = await runExplainJob({
      engine,
      model: loaded,
      clips,
      settings,
      outDir: a.out,
      title: a.title,
      shard,
      onProgress: ({ done, stage }) => bar.update(done, stage),
      onSkip: (s) => io.err(`auralens: skipped ${s.source}: ${s.reason}`),
    }).finally(() => bar.stop());
    io.out(`explained ${report.clips.length} clip(s), skipped ${report.skipped.length}; report: ${resolve(index)}`);
    return 0;
  } finally {
    engine.dispose();
  }
}
