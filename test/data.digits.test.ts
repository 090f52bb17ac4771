/**
 * Digits for the image-vs-audio comparison.
 * - scripts/make-spoken-digits.sh (espeak-ng + sox, installed by .ci/run; this test always runs):
 *   2 speakers × 1 rendering into a temp folder → the AudioMNIST layout
 *   <speaker>/<digit>_<speaker>_<index>.wav, 16 kHz mono 16-bit PCM (read from the WAV header
 *   bytes), the ten digits and the two speakers differ, the same arguments give identical bytes,
 *   and a missing package gives a clear message naming it;
 * - src/data/digitGlyphs.ts: [N, 1, 28, 28] images in [0, 1] with balanced labels, deterministic
 *   from the seed, augmented (no two images alike), learnable (a nearest-centroid classifier on
 *   held-out glyphs is far above chance), and as engine tensors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { ValueError } from '../src/engine/errors.js';
import { digitGlyphTensors, renderDigitGlyph, renderDigitGlyphs } from '../src/data/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'scripts/make-spoken-digits.sh');

interface Wav {
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bits: number;
  samples: Int16Array;
}

/** Parses a RIFF/WAVE file's chunks directly from its bytes. */
function readWav(path: string): Wav {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number): string => String.fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!);
  expect(tag(0)).toBe('RIFF');
  expect(tag(8)).toBe('WAVE');
  expect(dv.getUint32(4, true)).toBe(buf.length - 8);
  let off = 12;
  let fmt: Omit<Wav, 'samples'> | null = null;
  let samples: Int16Array | null = null;
  while (off + 8 <= buf.length) {
    const id = tag(off);
    const size = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: dv.getUint16(body, true),
        channels: dv.getUint16(body + 2, true),
        sampleRate: dv.getUint32(body + 4, true),
        byteRate: dv.getUint32(body + 8, true),
        blockAlign: dv.getUint16(body + 12, true),
        bits: dv.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      samples = new Int16Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = dv.getInt16(body + 2 * i, true);
    }
    off = body + size + (size % 2);
  }
  if (!fmt || !samples) throw new Error(`${path}: missing fmt or data chunk`);
  return { ...fmt, samples };
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', [SCRIPT, ...args], { encoding: 'utf8', env, timeout: 100_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/make-spoken-digits.sh', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'auralens-digits-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const env = { ...process.env, ASTERISK: '0' };

  it('renders 2 speakers × 1 rendering in the AudioMNIST layout at 16 kHz mono 16-bit, deterministically', () => {
    const out = join(tmp, 'a');
    const r = run([out, '2', '1'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['01', '02', 'speakers.tsv']);
    const tsv = readFileSync(join(out, 'speakers.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(tsv[0]).toEqual(['speaker', 'accent', 'variant', 'pitch', 'source']);
    expect(tsv.slice(1).map((row) => row[0])).toEqual(['01', '02']);
    // the two speakers differ in accent, variant and pitch
    for (let col = 1; col <= 3; col++) expect(tsv[1]![col]).not.toBe(tsv[2]![col]);

    const clips = new Map<string, Int16Array>();
    for (const spk of ['01', '02']) {
      const files = readdirSync(join(out, spk)).sort();
      expect(files).toEqual(Array.from({ length: 10 }, (_, d) => `${d}_${spk}_0.wav`));
      for (const f of files) {
        const w = readWav(join(out, spk, f));
        expect(w.format).toBe(1); // PCM
        expect(w.channels).toBe(1);
        expect(w.sampleRate).toBe(16000);
        expect(w.bits).toBe(16);
        expect(w.blockAlign).toBe(2);
        expect(w.byteRate).toBe(32000);
        const seconds = w.samples.length / 16000;
        expect(seconds).toBeGreaterThan(0.25);
        expect(seconds).toBeLessThan(2.5);
        let peak = 0;
        for (const v of w.samples) peak = Math.max(peak, Math.abs(v));
        expect(peak).toBeGreaterThan(1000); // not silent
        clips.set(`${spk}/${f[0]}`, w.samples);
      }
    }
    const same = (a: Int16Array, b: Int16Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
    for (const spk of ['01', '02']) {
      for (let a = 0; a < 10; a++)
        for (let b = a + 1; b < 10; b++)
          expect(same(clips.get(`${spk}/${a}`)!, clips.get(`${spk}/${b}`)!), `${spk}: digits ${a} and ${b}`).toBe(false);
    }
    for (let d = 0; d < 10; d++) expect(same(clips.get(`01/${d}`)!, clips.get(`02/${d}`)!)).toBe(false);

    // the same arguments give byte-identical files
    const out2 = join(tmp, 'b');
    expect(run([out2, '2', '1'], env).status).toBe(0);
    for (const spk of ['01', '02']) {
      for (const f of readdirSync(join(out, spk)))
        expect(readFileSync(join(out2, spk, f)).equals(readFileSync(join(out, spk, f))), f).toBe(true);
    }
  });

  it('validates its arguments and names missing packages', () => {
    const bad = run([join(tmp, 'c'), 'two', '1'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/SPEAKERS must be a positive integer/);
    expect(run([], env).status).toBe(2);
    // with an empty PATH neither espeak-ng nor sox can be found
    const r = spawnSync('/bin/sh', [SCRIPT, join(tmp, 'd'), '1', '1'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing package\(s\): espeak-ng sox/);
    expect(r.stderr).toMatch(/apt-get install -y espeak-ng sox/);
  });
});

describe('renderDigitGlyphs', () => {
  it('gives [N, 1, 28, 28] images in [0, 1] with balanced cycling labels', () => {
    const { images, labels, shape } = renderDigitGlyphs({ seed: 1, count: 50 });
    expect(shape).toEqual([50, 1, 28, 28]);
    expect(images).toBeInstanceOf(Float32Array);
    expect(images.length).toBe(50 * 784);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(Array.from(labels)).toEqual(Array.from({ length: 50 }, (_, i) => i % 10));
    let min = Infinity;
    let max = -Infinity;
    for (const v of images) {
      expect(Number.isFinite(v)).toBe(true);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    for (let i = 0; i < 50; i++) {
      const img = images.subarray(i * 784, (i + 1) * 784);
      const ink = img.filter((v) => v > 0.5).length;
      expect(ink, `image ${i}`).toBeGreaterThan(25); // a visible glyph
      expect(ink, `image ${i}`).toBeLessThan(400); // on a mostly dark background
      // MNIST framing: the border rows and columns stay (nearly) dark
      let border = 0;
      for (let k = 0; k < 28; k++) border = Math.max(border, img[k]!, img[27 * 28 + k]!, img[k * 28]!, img[k * 28 + 27]!);
      expect(border).toBeLessThan(0.5);
    }
  });

  it('is deterministic from the seed, and every image differs', () => {
    const a = renderDigitGlyphs({ seed: 7, perDigit: 3 });
    const b = renderDigitGlyphs({ seed: 7, perDigit: 3 });
    const c = renderDigitGlyphs({ seed: 8, perDigit: 3 });
    expect(a.shape).toEqual([30, 1, 28, 28]);
    expect(a.images).toEqual(b.images);
    expect(a.labels).toEqual(b.labels);
    expect(a.images).not.toEqual(c.images);
    const imgs = Array.from({ length: 30 }, (_, i) => a.images.subarray(i * 784, (i + 1) * 784));
    for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) expect(imgs[i]!.every((v, k) => v === imgs[j]![k])).toBe(false);
    // a prefix of a longer set is the shorter set
    const more = renderDigitGlyphs({ seed: 7, count: 40 });
    expect(more.images.subarray(0, 30 * 784)).toEqual(a.images);
    // single glyphs, other sizes, no augmentation
    expect(renderDigitGlyph(3, { seed: 1 })).toEqual(renderDigitGlyph(3, { seed: 1 }));
    expect(renderDigitGlyph(3, { seed: 1 })).not.toEqual(renderDigitGlyph(3, { seed: 2 }));
    expect(renderDigitGlyph(5, { seed: 1, size: 64 }).length).toBe(64 * 64);
    const clean = renderDigitGlyphs({ seed: 1, count: 10, jitter: 0, noise: 0 });
    expect(clean.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('is learnable: nearest-centroid on held-out glyphs is far above chance', () => {
    const train = renderDigitGlyphs({ seed: 100, perDigit: 30 });
    const test = renderDigitGlyphs({ seed: 200, perDigit: 10 });
    const cent = Array.from({ length: 10 }, () => new Float64Array(784));
    for (let i = 0; i < train.labels.length; i++) {
      const c = cent[train.labels[i]!]!;
      for (let k = 0; k < 784; k++) c[k]! += train.images[i * 784 + k]! / 30;
    }
    let correct = 0;
    for (let i = 0; i < test.labels.length; i++) {
      let best = -1;
      let bestD = Infinity;
      cent.forEach((c, d) => {
        let s = 0;
        for (let k = 0; k < 784; k++) s += (test.images[i * 784 + k]! - c[k]!) ** 2;
        if (s < bestD) [best, bestD] = [d, s];
      });
      if (best === test.labels[i]) correct++;
    }
    const acc = correct / test.labels.length;
    expect(acc).toBeGreaterThan(0.5); // chance 0.1
  });

  it('validates its options', () => {
    expect(() => renderDigitGlyphs({ seed: 1 })).toThrow(/exactly one of count and perDigit/);
    expect(() => renderDigitGlyphs({ seed: 1, count: 2, perDigit: 1 })).toThrow(/exactly one/);
    expect(() => renderDigitGlyphs({ seed: 1, count: -1 })).toThrow(/count/);
    expect(() => renderDigitGlyphs({ seed: 1.5, count: 1 })).toThrow(ValueError);
    expect(() => renderDigitGlyphs({ seed: 1, count: 1, size: 4 })).toThrow(/size/);
    expect(() => renderDigitGlyphs({ seed: 1, count: 1, noise: 2 })).toThrow(/noise/);
    expect(() => renderDigitGlyph(10, { seed: 1 })).toThrow(/digit/);
  });
});

describe('digitGlyphTensors', () => {
  it('uploads x [N, 1, 28, 28] float32 and y [N] int32 to an engine', async () => {
    const engine = await createEngine({ backend: 'cpu' });
    try {
      const { x, y } = digitGlyphTensors(engine, { seed: 3, count: 12 });
      expect(x.shape).toEqual([12, 1, 28, 28]);
      expect(x.dtype).toBe('float32');
      expect(y.shape).toEqual([12]);
      expect(y.dtype).toBe('int32');
      const host = renderDigitGlyphs({ seed: 3, count: 12 });
      expect(await x.read()).toEqual(host.images);
      expect(Array.from(await y.read())).toEqual(Array.from(host.labels));
    } finally {
      engine.dispose();
    }
  });
});
