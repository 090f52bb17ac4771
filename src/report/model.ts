/**
 * The report's data model: one JSON document (report.json) that index.html is rendered from, so
 * the picture and the numbers never disagree. It holds no timestamps, timings or shard details,
 * so that shards merged by mergeReports give byte-identical files to a single run.
 *
 * Per clip: the prediction, the target explained, and files (relative to the report folder) of
 * the log-mel picture, one overlay per attribution method and listenable WAVs. Study-wide results
 * plug in as sections (TCAV, LIME summaries, metrics): each section is generic — text, figures
 * and tables — so a new method adds a section without touching the HTML renderer.
 */

/** Version of the report.json schema. */
export const REPORT_VERSION = 1;

/** The model a report explains, as the CLI loaded it. */
export interface ReportModel {
  /** 'genre-cnn', 'digit-cnn' or 'spec'. */
  arch: string;
  /** Class names, in logit order. */
  classes: string[];
  /** Front-end parameters of the log-mel the model reads (sampleRate in Hz, nFft, hop, nMels, normalize). */
  frontEnd: Record<string, unknown>;
  /** Held-out accuracy the weights were trained to, when known (fraction in [0, 1]). */
  heldOutAccuracy?: number;
  /** File name of the weights (no directory, so the report does not depend on where they lie). */
  weights: string;
}

/** One attribution map of a clip. */
export interface ClipAttribution {
  /** Method name: 'ig', 'gradcam', 'occlusion', 'saliency', 'lime', … */
  method: string;
  /** PNG of the log-mel with this attribution over it (relative path). */
  overlay: string;
  /** Sum of the attribution and its largest magnitude (a quick check of scale and sign). */
  sum: number;
  maxAbs: number;
  /** The mel band and frame (0-based) of the largest positive attribution. */
  peak: { band: number; frame: number };
  /** Method-specific numbers (e.g. IG's convergence delta, LIME's surrogate score). */
  extra?: Record<string, unknown>;
}

/** A WAV written for a clip. */
export interface ClipAudio {
  /** 'clip', 'gradcam-masked', 'lime-top', 'lime-rest', … */
  kind: string;
  file: string;
  caption: string;
}

/** Everything the report says about one clip. */
export interface ClipEntry {
  /** Unique id derived from the source path (also the clip's folder name). */
  id: string;
  /** Source path as given (relative to the input folder or manifest). */
  source: string;
  /** Known label (from a manifest or the synthetic example), if any. */
  label?: string;
  /** Seconds and sample rate after decoding and resampling to the model's rate. */
  duration: number;
  sampleRate: number;
  /** Softmax probabilities over the classes, and the arg-max. */
  probabilities: number[];
  predicted: string;
  /** The class the attributions explain. */
  target: string;
  /** Log-mel picture (relative path) and its shape [nMels, frames]. */
  logmel: string;
  shape: [number, number];
  attributions: ClipAttribution[];
  audio: ClipAudio[];
}

/** A figure in a section: an image (PNG or SVG) with a caption. */
export interface SectionFigure {
  file: string;
  caption: string;
}

/** A table in a section: column names and rows of cells (numbers are printed with 4 significant digits). */
export interface SectionTable {
  caption?: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

/** A study-wide result (TCAV, metrics, LIME summary, …). */
export interface ReportSection {
  /** Stable id ('tcav', 'metrics', …): a later section with the same id replaces the earlier one. */
  id: string;
  title: string;
  /** Plain-text paragraphs. */
  text?: string[];
  figures?: SectionFigure[];
  tables?: SectionTable[];
  /** Machine-readable results (kept in report.json). */
  data?: unknown;
}

/** A source that could not be processed (corrupt WAV, unreadable file): reported, then skipped. */
export interface SkippedSource {
  source: string;
  reason: string;
}

/** The whole report (report.json). */
export interface ReportData {
  version: number;
  title: string;
  model: ReportModel;
  /** Attribution methods run on every clip, in order. */
  methods: string[];
  /** Options that shape the numbers (target, steps, layer, window, …) — shards must agree on them. */
  settings: Record<string, unknown>;
  /** Clips, sorted by id. */
  clips: ClipEntry[];
  sections: ReportSection[];
  skipped: SkippedSource[];
}

/** Adds or replaces a section (by id) and returns the new report; the input is not mutated. */
export function withSection(report: ReportData, section: ReportSection): ReportData {
  const sections = report.sections.filter((s) => s.id !== section.id);
  sections.push(section);
  return { ...report, sections };
}
