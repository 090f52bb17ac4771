/**
 * The main job: explain every clip of a collection (or one shard of it) into a report folder.
 * A clip that cannot be decoded is recorded under 'skipped' with its reason, and the job goes on.
 */
import { AuralensError, type Engine } from '../engine/index.js';
import { explainClip, type ClipSettings } from './explainClip.js';
import { writeReport, type ShardInfo } from './files.js';
import type { LoadedModel } from './loadModel.js';
import { REPORT_VERSION, type ClipEntry, type ReportData, type ReportSection, type SkippedSource } from './model.js';

/** A clip to explain, decoded on demand (so a corrupt file fails alone). */
export interface JobClip {
  id: string;
  source: string;
  label?: string;
  load: () => Promise<Float32Array>;
}

export interface ExplainJobOptions {
  engine: Engine;
  model: LoadedModel;
  clips: readonly JobClip[];
  settings: ClipSettings;
  outDir: string;
  title?: string;
  /** Sections to include (TCAV, metrics, …). */
  sections?: ReportSection[];
  shard?: ShardInfo;
  /** Called after each clip ({ done, total, stage: clip id }). */
  onProgress?: (p: { done: number; total: number; stage: string }) => void;
  /** Called when a clip is skipped. */
  onSkip?: (s: SkippedSource) => void;
}

/** Runs the job and writes the report; returns the report and its index.html path. */
export async function runExplainJob(o: ExplainJobOptions): Promise<{ report: ReportData; index: string }> {
  const clips: ClipEntry[] = [];
  const skipped: SkippedSource[] = [];
  let done = 0;
  for (const c of o.clips) {
    let samples: Float32Array | null = null;
    try {
      samples = await c.load();
    } catch (e) {
      // Only our own errors (a corrupt or unreadable file) are a skip; anything else is a bug.
      if (!(e instanceof AuralensError)) throw e;
      const s = { source: c.source, reason: e.message };
      skipped.push(s);
      o.onSkip?.(s);
    }
    if (samples)
      clips.push(await explainClip(o.engine, o.model, { id: c.id, source: c.source, label: c.label, samples }, o.settings, o.outDir));
    o.onProgress?.({ done: ++done, total: o.clips.length, stage: c.id });
  }
  const m = o.model.meta;
  const report: ReportData = {
    version: REPORT_VERSION,
    title: o.title ?? 'auralens report',
    model: {
      arch: m.arch,
      classes: m.classes,
      frontEnd: m.frontEnd,
      ...(m.heldOutAccuracy !== undefined ? { heldOutAccuracy: m.heldOutAccuracy } : {}),
      weights: m.weights,
    },
    methods: [...o.settings.methods],
    settings: { ...o.settings, methods: undefined },
    clips,
    sections: o.sections ?? [],
    skipped,
  };
  delete report.settings.methods;
  const index = await writeReport(o.outDir, report, o.shard);
  return { report, index };
}
