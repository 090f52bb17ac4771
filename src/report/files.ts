/**
 * A report folder on disk: report.json (the ReportData), index.html rendered from it, the clips'
 * files under clips/<id>/ and the sections' files under sections/<id>/. Shards carry one more
 * file, shard.json ({ k, n }), which mergeReports checks and drops, so that the merged folder is
 * byte-identical to the folder a single run writes.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValueError } from '../engine/index.js';
import { renderHtml } from './html.js';
import { type ReportData, REPORT_VERSION } from './model.js';

/** Shard identity written beside a shard's report: shard k (1-based) of n. */
export interface ShardInfo {
  k: number;
  n: number;
}

/** report.json as written: clips sorted by id, skipped by source, sections by id — the same for any processing order. */
export function canonicalReport(report: ReportData): ReportData {
  return {
    ...report,
    clips: [...report.clips].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    skipped: [...report.skipped].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0)),
    sections: [...report.sections].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/** Writes report.json and index.html into dir (the clips' files are written by explainClip). Returns the index.html path. */
export async function writeReport(dir: string, report: ReportData, shard?: ShardInfo): Promise<string> {
  const r = canonicalReport(report);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), JSON.stringify(r, null, 1) + '\n');
  const index = join(dir, 'index.html');
  await writeFile(index, renderHtml(r));
  if (shard) await writeFile(join(dir, 'shard.json'), JSON.stringify(shard) + '\n');
  else await rm(join(dir, 'shard.json'), { force: true });
  return index;
}

/** Reads a report folder's report.json (a clear error when it is missing or not a report). */
export async function readReport(dir: string): Promise<ReportData> {
  let text: string;
  try {
    text = await readFile(join(dir, 'report.json'), 'utf8');
  } catch {
    throw new ValueError(`${dir} is not a report folder (no report.json)`);
  }
  let r: ReportData;
  try {
    r = JSON.parse(text) as ReportData;
  } catch {
    throw new ValueError(`${join(dir, 'report.json')} is not valid JSON`);
  }
  if (r.version !== REPORT_VERSION || !Array.isArray(r.clips))
    throw new ValueError(`${join(dir, 'report.json')} is not an auralens report (version ${REPORT_VERSION})`);
  return r;
}

async function readShard(dir: string): Promise<ShardInfo | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'shard.json'), 'utf8')) as ShardInfo;
  } catch {
    return null;
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges report folders (shards of one job) into outDir: the same model, methods and settings
 * are required; clips and skipped sources are combined (a clip id in two shards is an error);
 * sections with the same id must agree. When the inputs carry shard.json, all n shards must be
 * present exactly once. Returns the merged report's index.html path.
 */
export async function mergeReports(dirs: readonly string[], outDir: string): Promise<string> {
  if (dirs.length === 0) throw new ValueError('merge: give at least one report folder');
  const reports = await Promise.all(dirs.map(readReport));
  const shards = await Promise.all(dirs.map(readShard));
  const first = reports[0]!;
  reports.forEach((r, i) => {
    for (const key of ['title', 'model', 'methods', 'settings'] as const) {
      if (!same(r[key], first[key]))
        throw new ValueError(`merge: ${dirs[i]} has another ${key} than ${dirs[0]}; shards of one job must share it`);
    }
  });
  if (shards.some((s) => s !== null)) {
    const n = shards[0]?.n;
    const ks = shards.map((s, i) => {
      if (!s || s.n !== n) throw new ValueError(`merge: ${dirs[i]} is not a shard of the same n (${n}) as ${dirs[0]}`);
      return s.k;
    });
    const missing = Array.from({ length: n! }, (_, i) => i + 1).filter((k) => !ks.includes(k));
    if (missing.length || new Set(ks).size !== ks.length)
      throw new ValueError(
        `merge: expected shards 1..${n} once each, got ${ks.join(', ')}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
      );
  }
  const ids = new Map<string, string>();
  const sections = new Map<string, ReportData['sections'][number]>();
  reports.forEach((r, i) => {
    for (const c of r.clips) {
      if (ids.has(c.id)) throw new ValueError(`merge: clip '${c.id}' is in both ${ids.get(c.id)} and ${dirs[i]}`);
      ids.set(c.id, dirs[i]!);
    }
    for (const s of r.sections) {
      const prev = sections.get(s.id);
      if (prev && !same(prev, s)) throw new ValueError(`merge: section '${s.id}' differs between shards`);
      sections.set(s.id, s);
    }
  });
  await mkdir(outDir, { recursive: true });
  for (const [i, r] of reports.entries()) {
    for (const c of r.clips) await cp(join(dirs[i]!, 'clips', c.id), join(outDir, 'clips', c.id), { recursive: true });
    for (const s of r.sections)
      await cp(join(dirs[i]!, 'sections', s.id), join(outDir, 'sections', s.id), { recursive: true, force: true }).catch(() => undefined);
  }
  const merged: ReportData = {
    ...first,
    clips: reports.flatMap((r) => r.clips),
    skipped: reports.flatMap((r) => r.skipped),
    sections: [...sections.values()],
  };
  return writeReport(outDir, merged);
}
