/**
 * What a job explains: a WAV file, a folder of WAVs (recursive, sorted), or a manifest.jsonl
 * (one JSON object per line: { "path": "<wav, relative to the manifest>", "label"?: "<class>" }),
 * a deterministic share of it for --shard k/n, and decoding to mono at the model's rate.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ValueError } from '../engine/index.js';
import { decodeWav, resample } from '../audio/index.js';

/** One input clip: its display path (relative to the folder or manifest), its file, its label. */
export interface Source {
  source: string;
  path: string;
  label?: string;
}

async function walk(dir: string, root: string, out: Source[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, root, out);
    else if (e.isFile() && /\.wav$/i.test(e.name)) out.push({ source: relative(root, p).split('\\').join('/'), path: p });
  }
}

/** Lists the sources of an input path, sorted by their display path. */
export async function collectSources(input: string): Promise<Source[]> {
  let st;
  try {
    st = await stat(input);
  } catch {
    throw new ValueError(`input '${input}' does not exist`);
  }
  const out: Source[] = [];
  if (st.isDirectory()) {
    await walk(input, input, out);
    if (out.length === 0) throw new ValueError(`input folder '${input}' holds no .wav files`);
  } else if (/\.jsonl$/i.test(input)) {
    const lines = (await readFile(input, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let o: { path?: unknown; label?: unknown };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        throw new ValueError(`${input}:${i + 1}: not a JSON object`);
      }
      if (typeof o.path !== 'string') throw new ValueError(`${input}:${i + 1}: needs a "path" string`);
      out.push({ source: o.path, path: resolve(dirname(input), o.path), ...(o.label !== undefined ? { label: String(o.label) } : {}) });
    });
    if (out.length === 0) throw new ValueError(`manifest '${input}' lists no clips`);
  } else if (/\.wav$/i.test(input)) {
    out.push({ source: input.split(/[\\/]/).pop()!, path: input });
  } else {
    throw new ValueError(`input '${input}' must be a .wav file, a folder of .wav files or a manifest .jsonl`);
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

/** Parses '--shard k/n' (k in 1..n). */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new ValueError(`--shard must be k/n with 1 ≤ k ≤ n (e.g. 2/8), got '${text}'`);
  return { k, n };
}

/** Shard k of n (1-based) of sorted sources: every n-th source starting at k − 1 — deterministic, balanced, disjoint. */
export function shardOf<T>(sources: readonly T[], k: number, n: number): T[] {
  return sources.filter((_, i) => i % n === k - 1);
}

/** A clip id from its display path: the path without '.wav', with anything but [A-Za-z0-9_.-] as '_'. */
export function clipId(source: string): string {
  return source
    .replace(/\.wav$/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^\.+/, '_');
}

/** Reads and decodes a source to mono at sampleRate (Hz), at most maxSeconds long. Throws on a corrupt file. */
export async function decodeSource(src: Source, sampleRate: number, maxSeconds: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(src.path));
  } catch {
    throw new ValueError(`cannot read ${src.path}`);
  }
  const d = decodeWav(bytes);
  let mono = d.sampleRate === sampleRate ? d.mono : resample(d.mono, d.sampleRate, sampleRate);
  const max = Math.round(maxSeconds * sampleRate);
  if (mono.length > max) mono = mono.slice(0, max);
  if (mono.length < 1024)
    throw new ValueError(`${src.source} is too short (${mono.length} samples at ${sampleRate} Hz; need at least 1024)`);
  return mono;
}
