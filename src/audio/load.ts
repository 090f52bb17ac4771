/**
 * Node-only audio loaders: one WAV file at the model's sample rate, and the GTZAN and AudioMNIST
 * folder layouts with deterministic train/val/test splits.
 *
 * This module imports node:fs/promises and node:path at the top, so it must stay off the browser
 * path: it is not re-exported from the package root or src/audio/index.ts, only from its own
 * subpath export (`auralens/node` → dist/audio/load.js). Everything it builds on (decodeWav,
 * resample, toBatch) is browser-safe and exported from src/audio/io.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValueError } from '../engine/index.js';
import { AudioDecodeError } from './errors.js';
import { resample, resampleFilter, type ResampleQuality } from './resample.js';
import { decodeWav } from './wav.js';
import { MAX_AUDIO_SAMPLES, MAX_SAMPLE_RATE } from './options.js';
import { parseOptions, withSnakeCase } from '../util/options.js';

export { toBatch } from './batch.js';

/** Options of loadAudioFile (and of the dataset loaders, which pass them on for each file). */
export interface LoadAudioOptions {
  /** Sample rate of the returned samples, in Hz (default 16000): the model's rate. */
  sampleRate?: number;
  /** Seconds to return: the clip is cropped, or zero-padded at the end, to round(duration × sampleRate) samples. */
  duration?: number;
  /** Seconds to skip at the start (default 0). */
  offset?: number;
  /** With a duration: zero-pad a clip that is too short (default true), or throw a ValueError naming the file (false). */
  pad?: boolean;
  /** Resampling filter quality (default 'medium'). */
  quality?: ResampleQuality;
}

/** loadAudioFile's options; torchaudio/librosa spellings accepted (`sample_rate`, librosa's `sr`). */
const LOAD_SPEC = withSnakeCase(['sampleRate', 'duration', 'offset', 'pad', 'quality'], { sampleRate: ['sr'] });

function checkLoadOptions(
  fname: string,
  options: LoadAudioOptions,
  extraKeys: readonly string[] = [],
): Required<Omit<LoadAudioOptions, 'duration'>> & { duration?: number } {
  const o = parseOptions<LoadAudioOptions>(options, { ...LOAD_SPEC, ...Object.fromEntries(extraKeys.map((k) => [k, []])) }, fname);
  const sampleRate = o.sampleRate ?? 16000;
  if (typeof sampleRate !== 'number' || !Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new ValueError(`${fname}: sampleRate: expected a positive integer (Hz), got ${String(o.sampleRate)}`);
  }
  if (sampleRate > MAX_SAMPLE_RATE)
    throw new ValueError(
      `${fname}: sampleRate: at most ${MAX_SAMPLE_RATE.toLocaleString('en-US')} Hz is supported, got ${sampleRate.toLocaleString('en-US')}`,
    );
  const offset = o.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isFinite(offset) || offset < 0)
    throw new ValueError(`${fname}: offset: expected a finite number of seconds ≥ 0, got ${String(o.offset)}`);
  const duration = o.duration;
  if (duration !== undefined && (typeof duration !== 'number' || !Number.isFinite(duration) || Math.round(duration * sampleRate) < 1)) {
    throw new ValueError(
      `${fname}: duration: expected a positive number of seconds (at least one sample at ${sampleRate} Hz), got ${String(duration)}`,
    );
  }
  const pad = o.pad ?? true;
  if (typeof pad !== 'boolean') throw new ValueError(`${fname}: pad: expected true or false, got ${String(o.pad)}`);
  const quality = o.quality ?? 'medium';
  if (!['low', 'medium', 'high'].includes(quality))
    throw new ValueError(`${fname}: quality: expected 'low', 'medium' or 'high', got ${String(o.quality)}`);
  return { sampleRate, offset, duration, pad, quality };
}

/**
 * Reads a WAV file, mixes it to mono and resamples it to `sampleRate` (default 16 kHz). With a
 * `duration`, returns exactly round(duration × sampleRate) samples starting `offset` seconds in
 * (zero-padded at the end if the file is shorter, unless `pad: false`). The result equals the same
 * range of the whole file resampled (only the part of the file the crop needs is resampled).
 * Errors name the file: not found, not decodable (AudioDecodeError), or too short.
 */
export async function loadAudioFile(path: string, options: LoadAudioOptions = {}): Promise<Float32Array> {
  if (typeof path !== 'string' || path === '') throw new ValueError(`loadAudioFile: path: expected a file path, got ${String(path)}`);
  const o = checkLoadOptions('loadAudioFile', options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ValueError(`loadAudioFile: file not found: ${path}`);
    if (code === 'EISDIR') throw new ValueError(`loadAudioFile: ${path} is a folder, not a file`);
    throw new ValueError(`loadAudioFile: cannot read ${path}: ${(e as Error).message}`);
  }
  let audio;
  try {
    audio = decodeWav(bytes);
  } catch (e) {
    if (e instanceof AudioDecodeError) throw new AudioDecodeError(`${path}: ${e.message}`);
    throw e;
  }
  return cropResample(audio.mono, audio.sampleRate, o, path);
}

function cropResample(x: Float32Array, from: number, o: ReturnType<typeof checkLoadOptions>, path: string): Float32Array {
  const to = o.sampleRate;
  const n = x.length;
  const fullLen = Math.ceil((n * to) / from); // what resample() returns for the whole file
  const start = Math.round(o.offset * to);
  const want = o.duration === undefined ? undefined : Math.round(o.duration * to);
  const secs = (v: number) => `${+v.toFixed(3)} s`;
  if (start >= fullLen) {
    throw new ValueError(`loadAudioFile: ${path} is too short: it is ${secs(n / from)} long, and offset ${secs(o.offset)} is past its end`);
  }
  const end = want === undefined ? fullLen : Math.min(fullLen, start + want);
  if (Math.max(end - start, want ?? 0) > MAX_AUDIO_SAMPLES) {
    throw new ValueError(
      `loadAudioFile: ${path}: ${Math.max(end - start, want ?? 0).toLocaleString('en-US')} samples at ${to} Hz asked for, more than the ${MAX_AUDIO_SAMPLES.toLocaleString('en-US')} supported (pass a shorter duration)`,
    );
  }
  if (want !== undefined && end - start < want && !o.pad) {
    throw new ValueError(
      `loadAudioFile: ${path} is too short: ${secs((end - start) / to)} of audio from offset ${secs(o.offset)}, duration ${secs(want / to)} needed (pass pad: true to zero-pad)`,
    );
  }
  let y: Float32Array;
  if (from === to) {
    y = x.slice(start, end);
  } else {
    // Resample only the inputs the wanted outputs depend on. The segment starts at a multiple of
    // `down`, so its outputs fall on the whole file's output grid and the values are identical.
    const { up: L, down: M, halfWidth } = resampleFilter(from, to, { quality: o.quality });
    const lo = (start * M) / L - halfWidth - 2;
    const s0 = Math.max(0, Math.floor(lo / M) * M);
    const s1 = Math.min(n, Math.ceil(((end - 1) * M) / L + halfWidth + 3));
    const seg = resample(x.subarray(s0, s1), from, to, { quality: o.quality });
    const k0 = (s0 / M) * L;
    y = seg.slice(start - k0, end - k0);
  }
  if (want !== undefined && y.length < want) {
    const padded = new Float32Array(want);
    padded.set(y);
    y = padded;
  }
  return y;
}

/** Names of the three splits. */
export type SplitName = 'train' | 'val' | 'test';

/** Options of the dataset loaders. */
export interface DatasetOptions extends LoadAudioOptions {
  /** Seed of the split shuffle (default 0): the same seed and files give the same splits. */
  seed?: number;
  /** Fraction of each class (or of the speakers) held out for validation (default 0.1). */
  valFraction?: number;
  /** Fraction of each class (or of the speakers) held out for testing (default 0.1). */
  testFraction?: number;
  /** Return only this split (the others' audio is not read). */
  split?: SplitName;
  /** Read and resample the audio (default true); false lists files and labels only (clips is then empty). */
  loadAudio?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
}

/** One split of a dataset. */
export interface AudioSplit {
  /** Absolute or root-relative paths as found (root joined with the relative path), sorted. */
  files: string[];
  /** Class index of each file (into classNames). */
  labels: number[];
  classNames: string[];
  /** The audio of each file at the requested sample rate (empty with loadAudio: false). */
  clips: Float32Array[];
}

/** An AudioMNIST split also says which speaker each file is from. */
export interface AudioMnistSplit extends AudioSplit {
  speakers: string[];
}

export interface AudioDataset<S extends AudioSplit = AudioSplit> {
  classNames: string[];
  sampleRate: number;
  train: S;
  val: S;
  test: S;
}

export interface GtzanOptions extends DatasetOptions {
  /** The genres in label order; a genre folder not listed is an error. Default: every folder holding WAVs, sorted. */
  classNames?: string[];
}

export interface AudioMnistOptions extends DatasetOptions {
  /** 'file' (default): stratified by digit over all files; 'speaker': no speaker appears in two splits. */
  splitBy?: 'file' | 'speaker';
}

interface Item {
  path: string;
  label: number;
  speaker?: string;
}

/** mulberry32: a small seeded PRNG (deterministic across platforms). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function checkDatasetOptions(fname: string, o: DatasetOptions) {
  const load = checkLoadOptions(fname, o, [
    'seed',
    'valFraction',
    'testFraction',
    'split',
    'classNames',
    'splitBy',
    'loadAudio',
    'concurrency',
  ]);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${fname}: seed: expected an integer, got ${String(o.seed)}`);
  const valFraction = o.valFraction ?? 0.1;
  const testFraction = o.testFraction ?? 0.1;
  for (const [k, v] of [
    ['valFraction', valFraction],
    ['testFraction', testFraction],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ValueError(`${fname}: ${k}: expected a number in [0, 1), got ${String(v)}`);
  }
  if (valFraction + testFraction >= 1)
    throw new ValueError(
      `${fname}: valFraction + testFraction must be below 1 (something must be left to train on), got ${valFraction} + ${testFraction}`,
    );
  if (o.split !== undefined && !['train', 'val', 'test'].includes(o.split))
    throw new ValueError(`${fname}: split: expected 'train', 'val' or 'test', got ${String(o.split)}`);
  const loadAudio = o.loadAudio ?? true;
  const concurrency = o.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ValueError(`${fname}: concurrency: expected a positive integer, got ${String(o.concurrency)}`);
  return { load, seed, valFraction, testFraction, split: o.split, loadAudio, concurrency };
}

async function checkFolder(fname: string, root: string): Promise<void> {
  if (typeof root !== 'string' || root === '') throw new ValueError(`${fname}: root: expected a folder path, got ${String(root)}`);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new ValueError(`${fname}: folder not found: ${root}`);
  }
  if (!st.isDirectory()) throw new ValueError(`${fname}: ${root} is a file, expected a folder`);
}

const isWav = (name: string) => /\.wave?$/i.test(name) && !name.startsWith('.');
const OTHER_AUDIO = /\.(au|snd|mp3|flac|ogg|opus|m4a|aac|aiff?)$/i;

/** Subfolders and loose files of `root` (hidden entries skipped), sorted by name. */
async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) dirs.push(e.name);
    else if (e.isFile() || e.isSymbolicLink()) files.push(e.name);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { dirs: dirs.sort(cmp), files: files.sort(cmp) };
}

function noWavsError(fname: string, root: string, layout: string, other: string[]): never {
  let hint = '';
  if (other.length) {
    const ext = other[0].slice(other[0].lastIndexOf('.'));
    hint = `; found ${other.length} other audio file(s) such as ${other[0]}: convert them to WAV first, e.g. for f in */*${ext}; do sox "$f" "\${f%${ext}}.wav"; done`;
  }
  throw new ValueError(`${fname}: no WAV files found under ${root} (expected ${layout})${hint}`);
}

/** Splits items: stratified by label, or by group (speaker) when groupOf is given. */
function assignSplits(
  items: Item[],
  seed: number,
  valFraction: number,
  testFraction: number,
  groupOf?: (it: Item) => string,
): Record<SplitName, Item[]> {
  const rand = prng(seed);
  const out: Record<SplitName, Item[]> = { train: [], val: [], test: [] };
  const cut = <T>(xs: T[], push: (x: T, s: SplitName) => void) => {
    const sh = shuffle(xs, rand);
    const nTest = Math.round(sh.length * testFraction);
    const nVal = Math.round(sh.length * valFraction);
    sh.forEach((x, i) => push(x, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train'));
  };
  if (groupOf) {
    const groups = [...new Set(items.map(groupOf))].sort();
    const where = new Map<string, SplitName>();
    cut(groups, (g, s) => where.set(g, s));
    for (const it of items) out[where.get(groupOf(it))!].push(it);
  } else {
    const labels = [...new Set(items.map((it) => it.label))].sort((a, b) => a - b);
    for (const l of labels)
      cut(
        items.filter((it) => it.label === l),
        (it, s) => out[s].push(it),
      );
  }
  for (const s of ['train', 'val', 'test'] as const) out[s].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/**
 * Maps with at most `limit` calls in flight. On failure it stops starting new calls and throws
 * the error of the first failing item in list order, so the error is the same from run to run.
 */
async function mapPool<T, R>(xs: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  const errors = new Map<number, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < xs.length && errors.size === 0) {
      const i = next++;
      try {
        out[i] = await fn(xs[i]);
      } catch (e) {
        errors.set(i, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  if (errors.size) throw errors.get(Math.min(...errors.keys()));
  return out;
}

async function buildSplits(
  fname: string,
  items: Item[],
  classNames: string[],
  opts: ReturnType<typeof checkDatasetOptions>,
  groupOf?: (it: Item) => string,
): Promise<AudioDataset<AudioMnistSplit> | AudioMnistSplit> {
  const parts = assignSplits(items, opts.seed, opts.valFraction, opts.testFraction, groupOf);
  if (parts.train.length === 0) {
    throw new ValueError(
      `${fname}: the train split is empty: ${items.length} files${groupOf ? ` from ${new Set(items.map(groupOf)).size} speakers` : ''} are too few for valFraction ${opts.valFraction} and testFraction ${opts.testFraction}`,
    );
  }
  const make = async (s: SplitName): Promise<AudioMnistSplit> => {
    const its = parts[s];
    const clips = opts.loadAudio ? await mapPool(its, opts.concurrency, (it) => loadAudioFile(it.path, opts.load)) : [];
    return {
      files: its.map((it) => it.path),
      labels: its.map((it) => it.label),
      classNames: classNames.slice(),
      clips,
      speakers: its.map((it) => it.speaker ?? ''),
    };
  };
  if (opts.split) return make(opts.split);
  const train = await make('train');
  const val = await make('val');
  const test = await make('test');
  return { classNames: classNames.slice(), sampleRate: opts.load.sampleRate, train, val, test };
}

const stripSpeakers = (s: AudioMnistSplit): AudioSplit => ({ files: s.files, labels: s.labels, classNames: s.classNames, clips: s.clips });

/**
 * GTZAN-style genre folders: `<root>/<genre>/<name>.wav`, label = genre folder. Splits are
 * stratified by genre (each split keeps the class balance) and deterministic for a seed. Returns
 * all three splits, or only `options.split`. Errors: folder missing, no WAVs (with a hint when the
 * original .au files are found), a WAV outside a genre folder or a genre not in `classNames`
 * ("unknown label"), and per-file decode or too-short errors naming the file.
 */
export function loadGtzan(root: string, options: GtzanOptions & { split: SplitName }): Promise<AudioSplit>;
export function loadGtzan(root: string, options?: GtzanOptions): Promise<AudioDataset>;
export async function loadGtzan(root: string, options: GtzanOptions = {}): Promise<AudioDataset | AudioSplit> {
  const fname = 'loadGtzan';
  const opts = checkDatasetOptions(fname, options);
  await checkFolder(fname, root);
  const { dirs, files: loose } = await listDir(root);
  const looseWav = loose.filter(isWav);
  if (looseWav.length)
    throw new ValueError(`${fname}: unknown label: ${join(root, looseWav[0])} is not inside a genre folder (expected <genre>/<name>.wav)`);
  const byGenre = new Map<string, string[]>();
  const other: string[] = [];
  for (const d of dirs) {
    const { files } = await listDir(join(root, d));
    const wavs = files.filter(isWav);
    other.push(...files.filter((f) => OTHER_AUDIO.test(f)).map((f) => join(d, f)));
    if (wavs.length) byGenre.set(d, wavs);
  }
  if (byGenre.size === 0) noWavsError(fname, root, '<genre>/<name>.wav', other);
  let classNames: string[];
  if (options.classNames !== undefined) {
    if (!Array.isArray(options.classNames) || options.classNames.length === 0 || options.classNames.some((c) => typeof c !== 'string')) {
      throw new ValueError(`${fname}: classNames: expected a non-empty array of genre names, got ${String(options.classNames)}`);
    }
    classNames = options.classNames.slice();
    for (const g of byGenre.keys()) {
      if (!classNames.includes(g))
        throw new ValueError(`${fname}: unknown label '${g}' (folder ${join(root, g)}): not one of classNames [${classNames.join(', ')}]`);
    }
    const missing = classNames.filter((c) => !byGenre.has(c));
    if (missing.length)
      throw new ValueError(
        `${fname}: no WAV files for class(es) ${missing.map((m) => `'${m}'`).join(', ')}: expected folder(s) ${missing.map((m) => join(root, m)).join(', ')}`,
      );
  } else {
    classNames = [...byGenre.keys()];
  }
  const items: Item[] = [];
  for (const [g, wavs] of byGenre) for (const f of wavs) items.push({ path: join(root, g, f), label: classNames.indexOf(g) });
  const res = await buildSplits(fname, items, classNames, opts);
  if ('train' in res)
    return {
      classNames: res.classNames,
      sampleRate: res.sampleRate,
      train: stripSpeakers(res.train),
      val: stripSpeakers(res.val),
      test: stripSpeakers(res.test),
    };
  return stripSpeakers(res);
}

const MNIST_NAME = /^(\d+)_(\d+)_(\d+)\.wave?$/i;

/**
 * AudioMNIST: `<root>/<speaker>/<digit>_<speaker>_<index>.wav` (root is the dataset's data/ folder;
 * other files such as audioMNIST_meta.txt are ignored). Labels are the digits, classNames '0'..'9'.
 * splitBy 'file' (default) stratifies by digit; 'speaker' puts each speaker's files in one split
 * only (valFraction/testFraction then count speakers). Each split also lists each file's speaker.
 * Errors: folder missing, no WAVs, a file name that does not follow the pattern, a digit outside
 * 0..9 or a speaker that differs from its folder ("unknown label"), and per-file errors.
 */
export function loadAudioMnist(root: string, options: AudioMnistOptions & { split: SplitName }): Promise<AudioMnistSplit>;
export function loadAudioMnist(root: string, options?: AudioMnistOptions): Promise<AudioDataset<AudioMnistSplit>>;
export async function loadAudioMnist(
  root: string,
  options: AudioMnistOptions = {},
): Promise<AudioDataset<AudioMnistSplit> | AudioMnistSplit> {
  const fname = 'loadAudioMnist';
  const opts = checkDatasetOptions(fname, options);
  const splitBy = options.splitBy ?? 'file';
  if (splitBy !== 'file' && splitBy !== 'speaker')
    throw new ValueError(`${fname}: splitBy: expected 'file' or 'speaker', got ${String(options.splitBy)}`);
  await checkFolder(fname, root);
  const { dirs, files: loose } = await listDir(root);
  const layout = '<speaker>/<digit>_<speaker>_<index>.wav';
  const looseWav = loose.filter(isWav);
  if (looseWav.length)
    throw new ValueError(`${fname}: unknown label: ${join(root, looseWav[0])} is not inside a speaker folder (expected ${layout})`);
  const classNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const items: Item[] = [];
  const other: string[] = [];
  for (const spk of dirs) {
    const { files } = await listDir(join(root, spk));
    other.push(...files.filter((f) => OTHER_AUDIO.test(f)).map((f) => join(spk, f)));
    for (const f of files.filter(isWav)) {
      const path = join(root, spk, f);
      const m = MNIST_NAME.exec(f);
      if (!m) throw new ValueError(`${fname}: unknown label: ${path} does not follow ${layout}`);
      const digit = Number(m[1]);
      if (m[1].length !== 1) throw new ValueError(`${fname}: unknown label '${m[1]}' in ${path}: expected a digit 0-9`);
      if (m[2] !== spk && Number(m[2]) !== Number(spk)) {
        throw new ValueError(`${fname}: ${path} names speaker '${m[2]}' but is in folder '${spk}' (expected ${layout})`);
      }
      items.push({ path, label: digit, speaker: spk });
    }
  }
  if (items.length === 0) noWavsError(fname, root, layout, other);
  return buildSplits(fname, items, classNames, opts, splitBy === 'speaker' ? (it) => it.speaker! : undefined);
}
