/**
 * Reports (Node): a folder with index.html, report.json, per-clip log-mel PNGs with attribution
 * overlays and WAVs, and study-wide sections (TCAV, metrics). Used by the CLI and the demo.
 */
export {
  REPORT_VERSION,
  withSection,
  type ReportData,
  type ReportModel,
  type ClipEntry,
  type ClipAttribution,
  type ClipAudio,
  type ReportSection,
  type SectionFigure,
  type SectionTable,
  type SkippedSource,
} from './model.js';
export { renderHtml } from './html.js';
export { writeReport, readReport, mergeReports, canonicalReport, type ShardInfo } from './files.js';
export { loadModel, resolveMeta, type LoadedModel, type ModelMeta } from './loadModel.js';
export {
  explainClip,
  resolveTarget,
  CLIP_METHODS,
  DEFAULT_CLIP_SETTINGS,
  type ClipMethod,
  type ClipSettings,
  type ClipInput,
} from './explainClip.js';
export { collectSources, shardOf, parseShard, decodeSource, clipId, type Source } from './sources.js';
export { runExplainJob, type JobClip, type ExplainJobOptions } from './job.js';
export { runDemo, DEMO_MODEL_DIR, type DemoOptions } from './demo.js';
export { metricsSection, METRIC_METHODS, DEFAULT_METRICS, type MetricMethod, type MetricsSectionOptions } from './metricsSection.js';
export { tcavSection, synthTcavSets, type TcavSectionOptions } from './tcavSection.js';
