/**
 * Audio I/O: WAV decoding of every supported format from hand-built bytes (8-bit unsigned, 16/24/32-bit,
 * float32/64, EXTENSIBLE, A-law/µ-law, IMA/MS ADPCM, stereo → mono), every decoder error path,
 * encode → decode round trips, the resampler's frequency accuracy, passband, alias and image
 * suppression, and the Node loaders (file, GTZAN, AudioMNIST) on a temporary tree of generated WAVs.
 * No external tool is needed; when sox is installed, sox-written files are cross-checked too.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { AuralensError, ShapeError, ValueError } from '../src/engine/errors.js';
import { AudioDecodeError } from '../src/audio/errors.js';
import { decodeWav, encodeWav, resample, resampleFilter, toBatch } from '../src/audio/io.js';
import { _resampleUnbanked } from '../src/audio/resample.js';
import { loadAudioFile, loadAudioMnist, loadGtzan } from '../src/audio/load.js';

// ---------------------------------------------------------------------------------------------
// Helpers

interface WavSpec {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  /** Extra fmt bytes after the 16 standard ones (cbSize and extension). */
  fmtExtra?: number[];
  /** Override the fmt chunk size field. */
  fmtSize?: number;
  /** Chunks written before 'fmt ' / between 'fmt ' and 'data' / after 'data': [id, bytes, pad?]. */
  before?: [string, number[], boolean?][];
  between?: [string, number[], boolean?][];
  after?: [string, number[], boolean?][];
  data: ArrayLike<number>;
  /** Override the data chunk size field. */
  dataSize?: number;
  magic?: string;
  form?: string;
  noFmt?: boolean;
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A WAV file written byte by byte, so odd formats and broken headers can be made without a tool. */
function wav(s: WavSpec): Uint8Array {
  const ch = s.channels ?? 1;
  const bits = s.bits ?? 16;
  const rate = s.rate ?? 8000;
  const ba = s.blockAlign ?? (ch * bits) / 8;
  const chunk = ([id, body, pad = true]: [string, number[], boolean?]) => [
    ...ascii(id),
    ...u32(body.length),
    ...body,
    ...(pad && body.length & 1 ? [0] : []),
  ];
  const fmtBody = [...u16(s.tag ?? 1), ...u16(ch), ...u32(rate), ...u32(rate * ba), ...u16(ba), ...u16(bits), ...(s.fmtExtra ?? [])];
  const fmt = s.noFmt ? [] : [...ascii('fmt '), ...u32(s.fmtSize ?? fmtBody.length), ...fmtBody];
  const data = Array.from(s.data);
  const body = [
    ...ascii(s.form ?? 'WAVE'),
    ...(s.before ?? []).flatMap(chunk),
    ...fmt,
    ...(s.between ?? []).flatMap(chunk),
    ...ascii('data'),
    ...u32(s.dataSize ?? data.length),
    ...data,
    ...(data.length & 1 ? [0] : []),
    ...(s.after ?? []).flatMap(chunk),
  ];
  return new Uint8Array([...ascii(s.magic ?? 'RIFF'), ...u32(body.length), ...body]);
}

/** EXTENSIBLE fmt extension: cbSize 22, valid bits, channel mask, SubFormat GUID for `sub`. */
const extensible = (sub: number, validBits: number, tail = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]) => [
  ...u16(22),
  ...u16(validBits),
  ...u32(3),
  ...u32(sub),
  ...tail,
];

const bytesOf = (a: ArrayBufferView) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
const le16 = (codes: number[]) => bytesOf(new Int16Array(codes));
const le24 = (codes: number[]) => codes.flatMap((v) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
const le32 = (codes: number[]) => bytesOf(new Int32Array(codes));
const f32 = (vals: number[]) => bytesOf(new Float32Array(vals));
const f64 = (vals: number[]) => bytesOf(new Float64Array(vals));
/** The decoder's scaling of an integer code: negatives / 2^(bits-1), positives / (2^(bits-1) - 1). */
const scale = (v: number, bits: number) => (v < 0 ? v / 2 ** (bits - 1) : v / (2 ** (bits - 1) - 1));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

function decodeError(bytes: Uint8Array | ArrayBuffer): AudioDecodeError {
  try {
    decodeWav(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(AudioDecodeError);
    expect(e).toBeInstanceOf(AuralensError);
    return e as AudioDecodeError;
  }
  throw new Error('decodeWav did not throw');
}

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Amplitude of the component at `freq` (Hann-windowed DFT over the middle 80%, away from the edges). */
function amplitudeAt(x: Float32Array, rate: number, freq: number): number {
  const a = Math.floor(x.length * 0.1);
  const n = Math.floor(x.length * 0.9) - a;
  let re = 0;
  let im = 0;
  let ws = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const ph = (2 * Math.PI * freq * (a + i)) / rate;
    re += w * x[a + i] * Math.cos(ph);
    im -= w * x[a + i] * Math.sin(ph);
    ws += w;
  }
  return (2 * Math.hypot(re, im)) / ws;
}

/** Frequency from the zero crossings of the middle 80% (linear interpolation of each crossing). */
function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  const crossings: number[] = [];
  for (let i = a; i < b; i++) {
    if (x[i] <= 0 && x[i + 1] > 0) crossings.push(i + x[i] / (x[i] - x[i + 1]));
  }
  return (crossings.length - 1) / ((crossings[crossings.length - 1] - crossings[0]) / rate);
}

function rms(x: Float32Array): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
}

const db = (ratio: number) => 20 * Math.log10(ratio);

// ---------------------------------------------------------------------------------------------

describe('decodeWav: formats', () => {
  it('8-bit unsigned PCM', () => {
    const d = decodeWav(wav({ bits: 8, data: [0, 64, 128, 192, 255] }));
    expect(d.sampleRate).toBe(8000);
    expect(d.channels.length).toBe(1);
    expectClose(d.mono, [-1, -0.5, 0, 64 / 127, 1], 1e-7);
  });

  it('16-bit PCM, at any sample rate', () => {
    const codes = [-32768, -16384, -1, 0, 1, 16383, 32767];
    const d = decodeWav(wav({ bits: 16, rate: 11025, data: le16(codes) }));
    expect(d.sampleRate).toBe(11025);
    expectClose(
      d.mono,
      codes.map((v) => scale(v, 16)),
      1e-7,
    );
  });

  it('24-bit PCM (plain header)', () => {
    const codes = [-8388608, -4194304, -1, 0, 1, 4194303, 8388607];
    const d = decodeWav(wav({ bits: 24, rate: 44100, data: le24(codes) }));
    expectClose(
      d.mono,
      codes.map((v) => scale(v, 24)),
      1e-7,
    );
  });

  it('32-bit PCM (plain header)', () => {
    const codes = [-2147483648, -1073741824, -1, 0, 1, 1073741823, 2147483647];
    const d = decodeWav(wav({ bits: 32, data: le32(codes) }));
    expectClose(
      d.mono,
      codes.map((v) => scale(v, 32)),
      1e-7,
    );
  });

  it('IEEE float 32 and 64, values outside [-1, 1] kept, data at an unaligned offset', () => {
    const vals = [0.25, -0.5, 1.5, -2, 0, 1e-6];
    // An odd-sized LIST chunk (padded) moves the data to offset 50: not a multiple of 4 or 8.
    const between: [string, number[]][] = [['LIST', [1, 2, 3, 4, 5]]];
    const a = decodeWav(wav({ tag: 3, bits: 32, fmtExtra: u16(0), between, data: f32(vals) }));
    expectClose(a.mono, Float32Array.from(vals), 0);
    const b = decodeWav(wav({ tag: 3, bits: 64, fmtExtra: u16(0), between, data: f64(vals) }));
    expectClose(b.mono, Float32Array.from(vals), 0);
  });

  it('WAVE_FORMAT_EXTENSIBLE: PCM 24-bit and float 32 sub-formats', () => {
    const codes = [-8388608, -1, 0, 8388607];
    const a = decodeWav(wav({ tag: 0xfffe, bits: 24, fmtExtra: extensible(1, 24), data: le24(codes) }));
    expectClose(
      a.mono,
      codes.map((v) => scale(v, 24)),
      1e-7,
    );
    const b = decodeWav(wav({ tag: 0xfffe, bits: 32, fmtExtra: extensible(3, 32), data: f32([0.5, -0.25]) }));
    expectClose(b.mono, [0.5, -0.25], 0);
  });

  it('stereo: channels de-interleaved, mono is their mean', () => {
    const left = [1000, -2000, 30000, 0];
    const right = [-1000, 4000, 30000, 32767];
    const inter = left.flatMap((l, i) => [l, right[i]]);
    const d = decodeWav(wav({ channels: 2, bits: 16, data: le16(inter) }));
    expect(d.channels.length).toBe(2);
    expectClose(
      d.channels[0],
      left.map((v) => scale(v, 16)),
      1e-7,
    );
    expectClose(
      d.channels[1],
      right.map((v) => scale(v, 16)),
      1e-7,
    );
    expectClose(
      d.mono,
      left.map((l, i) => (scale(l, 16) + scale(right[i], 16)) / 2),
      1e-7,
    );
    // four channels (EXTENSIBLE, 24-bit): mono is the mean of all four
    const quad = decodeWav(
      wav({ tag: 0xfffe, channels: 4, bits: 24, fmtExtra: extensible(1, 24), data: le24([4194304, -4194304, 0, 2097152]) }),
    );
    expect(quad.channels.length).toBe(4);
    expectClose(quad.mono, [(scale(4194304, 24) + scale(-4194304, 24) + scale(2097152, 24)) / 4], 1e-7);
  });

  it('mono files: mono is channels[0]', () => {
    const d = decodeWav(wav({ data: le16([1, 2]) }));
    expect(d.mono).toBe(d.channels[0]);
  });

  it('G.711 µ-law and A-law', () => {
    const u = decodeWav(wav({ tag: 7, bits: 8, data: [0xff, 0x80, 0x00, 0x7f] }));
    expectClose(u.mono, [0, 32124 / 32768, -32124 / 32768, -0], 1e-7);
    const a = decodeWav(wav({ tag: 6, bits: 8, data: [0xd5, 0x55, 0xaa, 0x2a] }));
    expectClose(a.mono, [8 / 32768, -8 / 32768, 32256 / 32768, -32256 / 32768], 1e-7);
  });

  it('IMA ADPCM and MS ADPCM blocks', () => {
    // IMA, mono, blockAlign 8: header (predictor 1000, step index 0) + 4 bytes of zero nibbles = 9 samples.
    const ima = decodeWav(
      wav({ tag: 0x11, bits: 4, blockAlign: 8, fmtExtra: [...u16(2), ...u16(9)], data: [...u16(1000), 0, 0, 0, 0, 0, 0] }),
    );
    expect(ima.mono.length).toBe(9);
    expectClose(ima.mono, new Array(9).fill(1000 / 32768), 1e-7);
    // MS ADPCM, mono, blockAlign 9: predictor 0 (coefs 256, 0), delta 16, samples 1000, 500, 2 bytes of zero nibbles.
    const ms = decodeWav(
      wav({
        tag: 2,
        bits: 4,
        blockAlign: 9,
        fmtExtra: [...u16(4), ...u16(6), ...u16(0)],
        data: [0, ...u16(16), ...u16(1000), ...u16(500), 0, 0],
      }),
    );
    expectClose(
      ms.mono,
      [500, 1000, 1000, 1000, 1000, 1000].map((v) => v / 32768),
      1e-7,
    );
  });

  it('accepts an ArrayBuffer and a Node Buffer at an odd byte offset (float data realigned)', () => {
    const bytes = wav({ tag: 3, bits: 32, fmtExtra: u16(0), data: f32([0.5, -0.5]) });
    expectClose(decodeWav(bytes.slice().buffer).mono, [0.5, -0.5], 0);
    const pool = Buffer.alloc(bytes.length + 1);
    pool.set(bytes, 1);
    expectClose(decodeWav(pool.subarray(1)).mono, [0.5, -0.5], 0);
  });

  it('skips unknown chunks (padded or not), stops at the data chunk, drops a partial last frame', () => {
    const data = le16([100, 200, 300]);
    const before: [string, number[], boolean?][] = [
      ['JUNK', [1, 2, 3]],
      ['bext', [9, 9, 9], false],
    ];
    const d = decodeWav(wav({ before, after: [['LIST', ascii('INFOISFT')]], data: [...data, 7] }));
    expectClose(
      d.mono,
      [100, 200, 300].map((v) => scale(v, 16)),
      1e-7,
    );
  });

  it('reads to the end of the file when the data size is a streaming placeholder (ffmpeg, sox)', () => {
    for (const placeholder of [0xffffffff, 0x7ffff000]) {
      const d = decodeWav(wav({ data: le16([1, 2, 3]), dataSize: placeholder }));
      expect(d.mono.length).toBe(3);
    }
  });
});

describe('decodeWav: errors name the problem', () => {
  const good = wav({ data: le16([1, 2, 3, 4]) });

  it('bad argument type', () => {
    expect(() => decodeWav('x.wav' as unknown as Uint8Array)).toThrow(ValueError);
    expect(() => decodeWav('x.wav' as unknown as Uint8Array)).toThrow(/bytes: expected a Uint8Array or ArrayBuffer, got String/);
  });

  it('empty input', () => {
    expect(decodeError(new Uint8Array(0)).message).toMatch(/empty \(0 bytes\)/);
  });

  it('truncated file: inside the RIFF header, the fmt chunk, before the data chunk, inside the data', () => {
    expect(decodeError(good.subarray(0, 10)).message).toMatch(/truncated file: only 10 bytes/);
    expect(decodeError(good.subarray(0, 30)).message).toMatch(
      /truncated file: the 'fmt ' chunk at byte 12 declares 16 bytes but the file ends at byte 30/,
    );
    expect(decodeError(good.subarray(0, 36)).message).toMatch(/truncated file.*no 'data' chunk/);
    expect(decodeError(good.subarray(0, 40)).message).toMatch(/truncated file.*no 'data' chunk/);
    expect(decodeError(good.subarray(0, 47)).message).toMatch(/truncated file: the 'data' chunk declares 8 bytes but only 3 follow it/);
    const junk = wav({ before: [['JUNK', new Array(100).fill(0)]], data: [1, 2] }).subarray(0, 60);
    expect(decodeError(junk).message).toMatch(/truncated file: the 'JUNK' chunk at byte 12 declares 100 bytes/);
  });

  it('not a RIFF/WAVE file (with a guess at what it is)', () => {
    const id3 = new Uint8Array([...ascii('ID3'), 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeError(id3).message).toMatch(/not a RIFF\/WAVE file: it starts with 'ID3\\x03'.*MP3/);
    expect(decodeError(new Uint8Array([...ascii('fLaC'), ...new Array(20).fill(0)])).message).toMatch(/not a RIFF\/WAVE file.*FLAC/);
    expect(decodeError(new Uint8Array(ascii('hello'))).message).toMatch(/not a RIFF\/WAVE file: it is 5 bytes long/);
    expect(decodeError(wav({ form: 'AVI ', data: [0, 0] })).message).toMatch(/RIFF form type is 'AVI ', expected 'WAVE'/);
    expect(decodeError(wav({ magic: 'RIFX', data: [0, 0] })).message).toMatch(/big-endian RIFX/);
    expect(decodeError(wav({ magic: 'RF64', data: [0, 0] })).message).toMatch(/RF64 .* not supported/);
  });

  it('zero-length data', () => {
    expect(decodeError(wav({ data: [] })).message).toMatch(/zero-length data: the 'data' chunk is empty/);
    expect(decodeError(wav({ channels: 2, bits: 24, data: [1, 2, 3] })).message).toMatch(
      /zero-length data: the 'data' chunk holds 3 bytes, less than one frame \(6 bytes\)/,
    );
  });

  it('unsupported codecs name their format tag', () => {
    expect(decodeError(wav({ tag: 0x55, bits: 0, blockAlign: 1, data: [1, 2] })).message).toMatch(
      /unsupported codec: format tag 0x0055 \(MPEG-1 Layer III \(MP3\)\)/,
    );
    expect(decodeError(wav({ tag: 0x31, bits: 0, blockAlign: 65, data: [1, 2] })).message).toMatch(
      /unsupported codec: format tag 0x0031 \(GSM 6\.10\)/,
    );
    expect(decodeError(wav({ tag: 0x1234, data: [1, 2] })).message).toMatch(/unsupported codec: format tag 0x1234;/);
    expect(decodeError(wav({ tag: 0xfffe, bits: 16, fmtExtra: extensible(0x55, 16), data: [1, 2] })).message).toMatch(/format tag 0x0055/);
    const ambisonic = extensible(1, 16, [0x21, 0x07, 0xd3, 0x11, 0x86, 0x44, 0xc8, 0xc1, 0xca, 0x00, 0x00, 0x00]);
    expect(decodeError(wav({ tag: 0xfffe, bits: 16, fmtExtra: ambisonic, data: [1, 2] })).message).toMatch(/non-standard SubFormat GUID/);
  });

  it('bad header fields', () => {
    expect(decodeError(wav({ channels: 0, blockAlign: 2, data: [1, 2] })).message).toMatch(/bad header: .*0 channels/);
    expect(decodeError(wav({ rate: 0, data: [1, 2] })).message).toMatch(/bad header: .*sample rate of 0 Hz/);
    expect(decodeError(wav({ bits: 12, blockAlign: 2, data: [1, 2] })).message).toMatch(
      /bad header: 12 bits per sample is not valid for format tag 0x0001 \(expected 8, 16, 24, 32\)/,
    );
    expect(decodeError(wav({ tag: 3, bits: 16, data: [1, 2] })).message).toMatch(
      /bad header: 16 bits per sample is not valid for format tag 0x0003 \(expected 32, 64\)/,
    );
    expect(decodeError(wav({ channels: 2, bits: 16, blockAlign: 2, data: [1, 2, 3, 4] })).message).toMatch(
      /bad header: blockAlign is 2 bytes, but 2 channel\(s\) × 16 bits need 4/,
    );
    expect(decodeError(wav({ fmtSize: 12, data: [1, 2] })).message).toMatch(
      /bad header: the 'fmt ' chunk is 12 bytes, expected at least 16/,
    );
    expect(decodeError(wav({ tag: 0xfffe, bits: 16, fmtExtra: u16(0), data: [1, 2] })).message).toMatch(
      /WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk must be at least 40 bytes, this one is 18/,
    );
    expect(decodeError(wav({ noFmt: true, data: [1, 2] })).message).toMatch(/bad header: no 'fmt ' chunk \(chunks found: 'data'\)/);
    expect(decodeError(wav({ tag: 0x11, bits: 4, blockAlign: 6, data: new Array(12).fill(0) })).message).toMatch(/IMA ADPCM blockAlign 6/);
    expect(decodeError(wav({ tag: 2, bits: 4, blockAlign: 5, data: new Array(12).fill(0) })).message).toMatch(
      /MS ADPCM blockAlign 5 is smaller/,
    );
  });

  it('NaN in float data', () => {
    const e = decodeError(wav({ tag: 3, bits: 32, fmtExtra: u16(0), data: f32([0, NaN]) }));
    expect(e.message).toMatch(/bad sample data: NaN at frame 1 of channel 0/);
  });
});

describe('encodeWav', () => {
  const ramp = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

  it('round trips 16/24/32-bit PCM within half a quantisation step, float32 exactly, mono and stereo', () => {
    const l = ramp(1001);
    const r = tone(440, 8000, 1001 / 8000, 0.9);
    for (const bitDepth of [16, 24, 32] as const) {
      const d = decodeWav(encodeWav([l, r], 22050, { bitDepth }));
      expect(d.sampleRate).toBe(22050);
      const step = 1 / (2 ** (bitDepth - 1) - 1);
      expectClose(d.channels[0], l, step / 2 + 1e-7);
      expectClose(d.channels[1], r, step / 2 + 1e-7);
      expectClose(decodeWav(encodeWav(l, 16000, { bitDepth })).mono, l, step / 2 + 1e-7);
    }
    const x = Float32Array.from([0.1, -0.3, 1.75, -3, 1e-30]);
    expectClose(decodeWav(encodeWav(x, 48000, { bitDepth: 'float32' })).mono, x, 0);
    // default: 16-bit
    expect(new DataView(encodeWav(x, 8000).buffer).getUint16(34, true)).toBe(16);
  });

  it('clips integer formats to [-1, 1]; full scale maps to the extreme codes', () => {
    const bytes = encodeWav(Float32Array.from([1.5, -2, 1, -1, 0]), 8000, { bitDepth: 16 });
    expect(Array.from(new Int16Array(bytes.slice(44).buffer))).toEqual([32767, -32768, 32767, -32768, 0]);
    const b24 = encodeWav(Float32Array.from([1, -1]), 8000, { bitDepth: 24 });
    expect(Array.from(b24.slice(44))).toEqual([0xff, 0xff, 0x7f, 0x00, 0x00, 0x80]);
  });

  it('writes standard headers (PCM tag 1, float tag 3 with a fact chunk)', () => {
    const pcm = encodeWav([new Float32Array(10), new Float32Array(10)], 44100, { bitDepth: 24 });
    const v = new DataView(pcm.buffer);
    expect(String.fromCharCode(...pcm.slice(0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(pcm.length - 8);
    expect([
      v.getUint16(20, true),
      v.getUint16(22, true),
      v.getUint32(24, true),
      v.getUint32(28, true),
      v.getUint16(32, true),
      v.getUint16(34, true),
    ]).toEqual([1, 2, 44100, 44100 * 6, 6, 24]);
    expect(v.getUint32(40, true)).toBe(60);
    const fl = encodeWav(new Float32Array(3), 16000, { bitDepth: 'float32' });
    const w = new DataView(fl.buffer);
    expect(w.getUint16(20, true)).toBe(3);
    expect(String.fromCharCode(...fl.slice(38, 42))).toBe('fact');
    expect(w.getUint32(46, true)).toBe(3);
    // odd data size: pad byte, RIFF size counts it
    const odd = encodeWav(new Float32Array(3), 8000, { bitDepth: 24 });
    expect(odd.length).toBe(44 + 9 + 1);
    expect(decodeWav(odd).mono.length).toBe(3);
  });

  it('validates its arguments', () => {
    const x = new Float32Array(4);
    expect(() => encodeWav(Float32Array.from([0, NaN]), 8000)).toThrow(/samples must be finite; channel 0 has NaN at index 1/);
    expect(() => encodeWav([x, Float32Array.from([0, 0, Infinity, 0])], 8000)).toThrow(/channel 1 has Infinity at index 2/);
    expect(() => encodeWav(new Float32Array(0), 8000)).toThrow(/no samples/);
    expect(() => encodeWav([], 8000)).toThrow(/at least one channel/);
    expect(() => encodeWav([x, new Float32Array(3)], 8000)).toThrow(/channel 1 has 3 samples, channel 0 has 4/);
    expect(() => encodeWav(x, 0)).toThrow(/sampleRate: expected a positive integer/);
    expect(() => encodeWav(x, 8000.5)).toThrow(/sampleRate/);
    expect(() => encodeWav(x, 8000, { bitDepth: 8 as 16 })).toThrow(/bitDepth: expected 16, 24, 32 or 'float32', got 8/);
    expect(() => encodeWav(new Float64Array(4) as unknown as Float32Array, 8000)).toThrow(ValueError);
  });
});

describe('resample', () => {
  it('keeps a 1 kHz tone at 1 kHz, in phase, from 44.1 kHz → 16 kHz and 8 kHz → 16 kHz', () => {
    for (const [from, to] of [
      [44100, 16000],
      [8000, 16000],
      [48000, 22050],
    ]) {
      const x = tone(1000, from, 1);
      const y = resample(x, from, to);
      expect(y.length).toBe(Math.ceil((x.length * to) / from));
      expect(Math.abs(zeroCrossingFrequency(y, to) - 1000)).toBeLessThan(0.05);
      expect(Math.abs(db(amplitudeAt(y, to, 1000) / 0.5))).toBeLessThan(0.01);
      // zero phase, no delay, no time-scale error: y[k] is the tone at time k / to
      const want = tone(1000, to, y.length / to);
      let worst = 0;
      for (let k = 200; k < y.length - 200; k++) worst = Math.max(worst, Math.abs(y[k] - want[k]));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('suppresses aliases: a 10 kHz tone at 44.1 kHz → 16 kHz is ≥ 40 dB below a naive decimation (and tones just above Nyquist too)', () => {
    for (const [f, minDb] of [
      [10000, 40],
      [8500, 40],
    ]) {
      const x = tone(f, 44100, 1);
      const naive = new Float32Array(Math.ceil((x.length * 16000) / 44100));
      for (let k = 0; k < naive.length; k++) naive[k] = x[Math.floor((k * 44100) / 16000)];
      const naiveRms = rms(naive);
      expect(naiveRms).toBeGreaterThan(0.3); // the naive alias keeps the tone's full energy
      const atten = { low: 0, medium: 0, high: 0 };
      for (const quality of ['low', 'medium', 'high'] as const) atten[quality] = db(naiveRms / rms(resample(x, 44100, 16000, { quality })));
      expect(atten.low).toBeGreaterThan(Math.max(minDb, 55));
      expect(atten.medium).toBeGreaterThan(95);
      expect(atten.high).toBeGreaterThan(110);
    }
  });

  it('upsampling leaves no images, and the passband is flat', () => {
    const x = tone(3000, 8000, 1);
    const y = resample(x, 8000, 16000);
    expect(db(amplitudeAt(y, 16000, 5000) / 0.5)).toBeLessThan(-90); // image of 3 kHz at 8 - 3 kHz
    for (const [from, to] of [
      [44100, 16000],
      [8000, 16000],
    ]) {
      const nyq = Math.min(from, to) / 2;
      for (const frac of [0.05, 0.4, 0.8]) {
        const g = db(amplitudeAt(resample(tone(frac * nyq, from, 0.5), from, to), to, frac * nyq) / 0.5);
        expect(Math.abs(g)).toBeLessThan(0.05);
      }
    }
  });

  it('keeps DC exactly, returns a copy for equal rates, never mutates its input', () => {
    const dc = new Float32Array(4000).fill(0.5);
    const y = resample(dc, 44100, 16000);
    for (let k = 300; k < y.length - 300; k++) expect(Math.abs(y[k] - 0.5)).toBeLessThan(1e-6);
    const x = tone(440, 16000, 0.1);
    const copy = x.slice();
    const same = resample(x, 16000, 16000);
    expect(same).not.toBe(x);
    expect(same).toEqual(x);
    resample(x, 16000, 8000);
    resample(x, 16000, 44100);
    expect(x).toEqual(copy);
  });

  it('coprime rates (no precomputed bank) give the same result as the bank path', () => {
    const x = tone(1000, 44100, 0.2);
    expect(_resampleUnbanked(x, 44100, 16000)).toEqual(resample(x, 44100, 16000));
    const y = resample(x, 44100, 16001); // up factor 16001: taps computed per output
    expect(Math.abs(zeroCrossingFrequency(y, 16001) - 1000)).toBeLessThan(0.1);
  });

  it('describes its filter', () => {
    const f = resampleFilter(44100, 16000);
    expect(f.up).toBe(160);
    expect(f.down).toBe(441);
    expect(f.cutoffHz).toBeGreaterThan(7000);
    expect(f.cutoffHz).toBeLessThan(8000);
    expect(f.attenuationDb).toBe(100);
  });

  it('validates its arguments, naming them', () => {
    const x = new Float32Array(10);
    expect(() => resample(new Float32Array(0), 44100, 16000)).toThrow(/samples: is empty/);
    expect(() => resample(Float32Array.from([0, 0, 0, NaN]), 44100, 16000)).toThrow(/samples\[3\] is NaN/);
    expect(() => resample(Float32Array.from([0, -Infinity]), 44100, 16000)).toThrow(/samples\[1\] is -Infinity/);
    expect(() => resample([0, 1] as unknown as Float32Array, 44100, 16000)).toThrow(/samples: expected a Float32Array, got Array/);
    for (const bad of [0, -16000, 16000.5, NaN, Infinity]) {
      expect(() => resample(x, bad, 16000)).toThrow(/fromRate: expected a positive integer sample rate/);
      expect(() => resample(x, 16000, bad)).toThrow(/toRate: expected a positive integer sample rate/);
    }
    expect(() => resample(x, 16000, 8000, { quality: 'best' as 'high' })).toThrow(/quality: expected 'low', 'medium' or 'high', got best/);
    expect(() => resample(x, 16000, 8000)).not.toThrow();
    try {
      resample(x, 0, 1);
    } catch (e) {
      expect(e).toBeInstanceOf(ValueError);
    }
  });
});

describe('browser path', () => {
  it('wav.ts, resample.ts, batch.ts and io.ts import nothing from Node', async () => {
    for (const f of ['wav.ts', 'resample.ts', 'batch.ts', 'io.ts']) {
      const text = await readFile(new URL(`../src/audio/${f}`, import.meta.url), 'utf8');
      const src = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // code only
      const imports = [...src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      for (const spec of imports) expect(spec, `${f} imports ${spec}`).toMatch(/^(\.\.?\/|@audio\/decode-wav$)/);
      expect(src).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
    }
  });
});

describe('toBatch', () => {
  it('stacks equal-length clips into [N, L]; errors name the clip', async () => {
    const e = await createEngine({ backend: 'cpu' });
    try {
      const t = toBatch(e, [Float32Array.from([1, 2, 3]), Float32Array.from([4, 5, 6])]);
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from(await t.readFloat())).toEqual([1, 2, 3, 4, 5, 6]);
      expect(() => toBatch(e, [new Float32Array(3), new Float32Array(2)])).toThrow(ShapeError);
      expect(() => toBatch(e, [new Float32Array(3), new Float32Array(2)])).toThrow(/clips\[1\] has 2 samples but clips\[0\] has 3/);
      expect(() => toBatch(e, [])).toThrow(/clips: is empty/);
      expect(() => toBatch(e, [[1, 2] as unknown as Float32Array])).toThrow(/clips\[0\]: expected a Float32Array/);
    } finally {
      e.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Loaders, on a temporary folder tree

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'auralens-audio-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('loadAudioFile', () => {
  it('decodes, mixes to mono and resamples to the model rate (default 16 kHz)', async () => {
    const p = join(tmp, 'stereo24.wav');
    await writeFile(p, encodeWav([tone(1000, 44100, 1), tone(1000, 44100, 1)], 44100, { bitDepth: 24 }));
    const y = await loadAudioFile(p);
    expect(y.length).toBe(16000);
    expect(Math.abs(zeroCrossingFrequency(y, 16000) - 1000)).toBeLessThan(0.05);
    const y8 = await loadAudioFile(p, { sampleRate: 8000 });
    expect(y8.length).toBe(8000);
  });

  it('crops (offset, duration) to exactly the same samples as resampling the whole file', async () => {
    const p = join(tmp, 'chirp.wav');
    const n = 22050 * 2;
    const x = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(2 * Math.PI * (200 + i / 40) * (i / 22050)));
    await writeFile(p, encodeWav(x, 22050, { bitDepth: 'float32' }));
    const full = resample(decodeWav(await readFile(p)).mono, 22050, 16000);
    for (const [offset, duration] of [
      [0, 0.5],
      [0.37, 0.25],
      [1.2, 0.8],
      [0.0001, 1.9999],
    ]) {
      const y = await loadAudioFile(p, { offset, duration });
      const s = Math.round(offset * 16000);
      expect(y.length).toBe(Math.round(duration * 16000));
      expect(y).toEqual(full.slice(s, s + y.length));
    }
    // same rate: a plain slice
    const q = join(tmp, 'native16k.wav');
    await writeFile(q, encodeWav(x.subarray(0, 16000), 16000, { bitDepth: 'float32' }));
    expect(await loadAudioFile(q, { offset: 0.5, duration: 0.25 })).toEqual(x.slice(8000, 12000));
  });

  it('zero-pads a short clip to the duration, or throws naming the file with pad: false', async () => {
    const p = join(tmp, 'short.wav');
    await writeFile(p, encodeWav(tone(500, 16000, 0.3), 16000));
    const y = await loadAudioFile(p, { duration: 1 });
    expect(y.length).toBe(16000);
    expect(rms(y.subarray(0, 4800))).toBeGreaterThan(0.1);
    expect(y.subarray(4800).every((v) => v === 0)).toBe(true);
    await expect(loadAudioFile(p, { duration: 1, pad: false })).rejects.toThrow(
      /short\.wav is too short: 0\.3 s of audio from offset 0 s, duration 1 s needed/,
    );
    await expect(loadAudioFile(p, { offset: 0.5, duration: 0.1 })).rejects.toThrow(
      /short\.wav is too short: it is 0\.3 s long, and offset 0\.5 s is past its end/,
    );
  });

  it('errors: missing file, a folder, a corrupt file (AudioDecodeError naming it), bad options', async () => {
    await expect(loadAudioFile(join(tmp, 'nope.wav'))).rejects.toThrow(/file not found: .*nope\.wav/);
    await expect(loadAudioFile(tmp)).rejects.toThrow(/is a folder, not a file/);
    const bad = join(tmp, 'bad.wav');
    await writeFile(bad, encodeWav(tone(500, 16000, 0.1), 16000).subarray(0, 100));
    const err = await loadAudioFile(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioDecodeError);
    expect((err as Error).message).toMatch(/bad\.wav: decodeWav: truncated file/);
    await expect(loadAudioFile(bad, { sampleRate: 0 })).rejects.toThrow(/sampleRate: expected a positive integer/);
    await expect(loadAudioFile(bad, { duration: -1 })).rejects.toThrow(/duration: expected a positive number/);
    await expect(loadAudioFile(bad, { offset: NaN })).rejects.toThrow(/offset: expected a finite number/);
  });
});

/** Writes a short WAV whose tone depends on `freq`, `seconds` long at `rate`. */
async function writeTone(path: string, freq: number, seconds = 0.05, rate = 8000): Promise<void> {
  await writeFile(path, encodeWav(tone(freq, rate, seconds), rate));
}

describe('loadGtzan', () => {
  let root: string;
  const genres = ['rock', 'blues', 'jazz'];
  beforeAll(async () => {
    root = join(tmp, 'gtzan');
    for (const [gi, g] of genres.entries()) {
      await mkdir(join(root, g), { recursive: true });
      for (let i = 0; i < 10; i++) await writeTone(join(root, g, `${g}.${String(i).padStart(5, '0')}.wav`), 300 + 100 * gi + 10 * i);
      await writeFile(join(root, g, 'notes.txt'), 'not audio');
    }
    await writeFile(join(root, 'features_30_sec.csv'), 'a,b\n');
    await mkdir(join(root, '.cache'));
  });

  it('labels from the genre folders, stratified deterministic splits, clips at the model rate', async () => {
    const ds = await loadGtzan(root, { sampleRate: 16000, duration: 0.1, seed: 7, valFraction: 0.2, testFraction: 0.1 });
    expect(ds.classNames).toEqual(['blues', 'jazz', 'rock']);
    expect(ds.sampleRate).toBe(16000);
    const all = [...ds.train.files, ...ds.val.files, ...ds.test.files];
    expect(all.length).toBe(30);
    expect(new Set(all).size).toBe(30);
    for (const s of [ds.train, ds.val, ds.test]) {
      s.files.forEach((f, i) => expect(f.split('/').at(-2)).toBe(ds.classNames[s.labels[i]]));
      expect(s.clips.length).toBe(s.files.length);
      for (const c of s.clips) expect(c.length).toBe(1600); // 0.05 s of audio zero-padded to 0.1 s
      expect(s.classNames).toEqual(ds.classNames);
    }
    // per class: 10 × 0.1 = 1 test, 10 × 0.2 = 2 val, 7 train
    for (const l of [0, 1, 2]) {
      expect(ds.test.labels.filter((v) => v === l).length).toBe(1);
      expect(ds.val.labels.filter((v) => v === l).length).toBe(2);
      expect(ds.train.labels.filter((v) => v === l).length).toBe(7);
    }
    // the clip is the file's tone
    const i = ds.train.files.findIndex((f) => f.endsWith('jazz.00003.wav'));
    expect(Math.abs(zeroCrossingFrequency(ds.train.clips[i].subarray(0, 800), 16000) - 530)).toBeLessThan(5);

    const again = await loadGtzan(root, { duration: 0.1, seed: 7, valFraction: 0.2, testFraction: 0.1, loadAudio: false });
    expect(again.test.files).toEqual(ds.test.files);
    expect(again.val.files).toEqual(ds.val.files);
    expect(again.train.clips).toEqual([]);
    const other = await loadGtzan(root, { seed: 8, valFraction: 0.2, testFraction: 0.1, loadAudio: false });
    expect(other.test.files.concat(other.val.files)).not.toEqual(ds.test.files.concat(ds.val.files));
    const only = await loadGtzan(root, { duration: 0.1, seed: 7, valFraction: 0.2, testFraction: 0.1, split: 'test' });
    expect(only.files).toEqual(ds.test.files);
    expect(only.clips).toEqual(ds.test.clips);
  });

  it('classNames fixes the label order; an unlisted genre folder is an unknown label', async () => {
    const ds = await loadGtzan(root, { classNames: ['rock', 'jazz', 'blues'], loadAudio: false });
    expect(ds.classNames).toEqual(['rock', 'jazz', 'blues']);
    ds.train.files.forEach((f, i) => expect(f.split('/').at(-2)).toBe(ds.classNames[ds.train.labels[i]]));
    await expect(loadGtzan(root, { classNames: ['rock', 'jazz'] })).rejects.toThrow(
      /unknown label 'blues' \(folder .*blues\): not one of classNames \[rock, jazz\]/,
    );
    await expect(loadGtzan(root, { classNames: ['rock', 'jazz', 'blues', 'metal'] })).rejects.toThrow(
      /no WAV files for class\(es\) 'metal'/,
    );
  });

  it('errors: folder missing, no WAVs (hint for .au), loose WAV, too-short or corrupt file named, bad fractions', async () => {
    await expect(loadGtzan(join(tmp, 'missing'))).rejects.toThrow(/loadGtzan: folder not found: .*missing/);
    const empty = join(tmp, 'gtzan-empty');
    await mkdir(join(empty, 'pop'), { recursive: true });
    await expect(loadGtzan(empty)).rejects.toThrow(/no WAV files found under .*gtzan-empty \(expected <genre>\/<name>\.wav\)$/);
    await writeFile(join(empty, 'pop', 'pop.00000.au'), 'x');
    await expect(loadGtzan(empty)).rejects.toThrow(/found 1 other audio file\(s\) such as pop\/pop\.00000\.au: convert them to WAV first/);
    const loose = join(tmp, 'gtzan-loose');
    await mkdir(join(loose, 'pop'), { recursive: true });
    await writeTone(join(loose, 'pop', 'a.wav'), 400);
    await writeTone(join(loose, 'stray.wav'), 400);
    await expect(loadGtzan(loose)).rejects.toThrow(/unknown label: .*stray\.wav is not inside a genre folder/);
    await rm(join(loose, 'stray.wav'));
    for (let i = 0; i < 4; i++) await writeTone(join(loose, 'pop', `b${i}.wav`), 400);
    await expect(loadGtzan(loose, { duration: 1, pad: false, valFraction: 0, testFraction: 0 })).rejects.toThrow(
      /pop\/a\.wav is too short/,
    );
    await writeFile(join(loose, 'pop', 'c.wav'), new Uint8Array([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WAVE')]));
    await expect(loadGtzan(loose, { valFraction: 0, testFraction: 0 })).rejects.toThrow(
      /pop\/c\.wav: decodeWav: truncated file: no 'fmt ' chunk before the file ends at byte 12/,
    );
    await expect(loadGtzan(root, { valFraction: 0.5, testFraction: 0.5 })).rejects.toThrow(/valFraction \+ testFraction must be below 1/);
    await expect(loadGtzan(root, { testFraction: -0.1 })).rejects.toThrow(/testFraction: expected a number in \[0, 1\)/);
    await expect(loadGtzan(root, { split: 'dev' as 'val' })).rejects.toThrow(/split: expected 'train', 'val' or 'test', got dev/);
    await expect(loadGtzan(join(root, 'features_30_sec.csv'))).rejects.toThrow(/is a file, expected a folder/);
  });
});

describe('loadAudioMnist', () => {
  let root: string;
  const speakers = ['01', '02', '03', '04', '05'];
  beforeAll(async () => {
    root = join(tmp, 'audiomnist', 'data');
    for (const s of speakers) {
      await mkdir(join(root, s), { recursive: true });
      for (let d = 0; d < 10; d++) for (let i = 0; i < 2; i++) await writeTone(join(root, s, `${d}_${s}_${i}.wav`), 200 + 50 * d);
    }
    await writeFile(join(root, 'audioMNIST_meta.txt'), '{}');
  });

  it('labels are the digits; file splits are stratified by digit and deterministic', async () => {
    const ds = await loadAudioMnist(root, { sampleRate: 8000, duration: 0.05, seed: 3, valFraction: 0.1, testFraction: 0.2 });
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const s of [ds.train, ds.val, ds.test]) {
      s.files.forEach((f, i) => {
        const name = f.split('/').at(-1)!;
        expect(String(s.labels[i])).toBe(name[0]);
        expect(s.speakers[i]).toBe(f.split('/').at(-2));
      });
      for (const c of s.clips) expect(c.length).toBe(400);
    }
    for (let d = 0; d < 10; d++) {
      expect(ds.test.labels.filter((v) => v === d).length).toBe(2);
      expect(ds.val.labels.filter((v) => v === d).length).toBe(1);
    }
    const again = await loadAudioMnist(root, { seed: 3, valFraction: 0.1, testFraction: 0.2, loadAudio: false });
    expect(again.test.files).toEqual(ds.test.files);
  });

  it("splitBy 'speaker': no speaker is in two splits", async () => {
    const ds = await loadAudioMnist(root, { splitBy: 'speaker', seed: 1, valFraction: 0.2, testFraction: 0.2, loadAudio: false });
    const spk = (s: { speakers: string[] }) => new Set(s.speakers);
    const [tr, va, te] = [spk(ds.train), spk(ds.val), spk(ds.test)];
    expect([tr.size, va.size, te.size]).toEqual([3, 1, 1]);
    for (const s of va) expect(tr.has(s) || te.has(s)).toBe(false);
    for (const s of te) expect(tr.has(s)).toBe(false);
    expect(ds.test.files.length).toBe(20);
    const again = await loadAudioMnist(root, {
      splitBy: 'speaker',
      seed: 1,
      valFraction: 0.2,
      testFraction: 0.2,
      split: 'test',
      loadAudio: false,
    });
    expect(again.speakers).toEqual(ds.test.speakers);
    // a different seed picks different held-out speakers (for at least one of a few seeds)
    const picks = new Set<string>();
    for (const seed of [2, 3, 4, 5])
      picks.add(
        (await loadAudioMnist(root, { splitBy: 'speaker', seed, testFraction: 0.2, valFraction: 0, split: 'test', loadAudio: false }))
          .speakers[0],
      );
    expect(picks.size).toBeGreaterThan(1);
    await expect(loadAudioMnist(root, { splitBy: 'speaker', valFraction: 0.4, testFraction: 0.5 })).rejects.toThrow(
      /train split is empty: 100 files from 5 speakers are too few/,
    );
  });

  it('errors: unknown labels, speaker mismatch, no WAVs, missing folder', async () => {
    const bad = join(tmp, 'mnist-bad');
    await mkdir(join(bad, '07'), { recursive: true });
    await writeTone(join(bad, '07', 'seven.wav'), 300);
    await expect(loadAudioMnist(bad)).rejects.toThrow(
      /unknown label: .*07\/seven\.wav does not follow <speaker>\/<digit>_<speaker>_<index>\.wav/,
    );
    await rm(join(bad, '07', 'seven.wav'));
    await writeTone(join(bad, '07', '12_07_0.wav'), 300);
    await expect(loadAudioMnist(bad)).rejects.toThrow(/unknown label '12' in .*12_07_0\.wav: expected a digit 0-9/);
    await rm(join(bad, '07', '12_07_0.wav'));
    await writeTone(join(bad, '07', '3_08_0.wav'), 300);
    await expect(loadAudioMnist(bad)).rejects.toThrow(/3_08_0\.wav names speaker '08' but is in folder '07'/);
    await rm(join(bad, '07', '3_08_0.wav'));
    await expect(loadAudioMnist(bad)).rejects.toThrow(/loadAudioMnist: no WAV files found under/);
    await expect(loadAudioMnist(join(tmp, 'none'))).rejects.toThrow(/loadAudioMnist: folder not found/);
    await expect(loadAudioMnist(root, { splitBy: 'digit' as 'file' })).rejects.toThrow(/splitBy: expected 'file' or 'speaker'/);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against files written by sox. CI installs sox (.ci/run), so there these tests
// must run: a missing sox fails under CI and only skips on a developer machine without it.

const hasSox = (() => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('CI is set but sox is missing: .ci/run installs it (apt-get install sox)');
    return false;
  }
})();

describe.skipIf(!hasSox)('sox-written files decode like sox decodes them', () => {
  const cases: [string, string[], number][] = [
    ['u8', ['-r', '22050', '-c', '1', '-b', '8', '-e', 'unsigned-integer'], 1 / 127],
    ['s16', ['-r', '16000', '-c', '1', '-b', '16'], 1 / 32767],
    ['s24ext-stereo', ['-r', '44100', '-c', '2', '-b', '24'], 1e-6],
    ['s24-plain', ['-r', '44100', '-c', '2', '-b', '24', '-t', 'wavpcm'], 1e-6],
    ['s32ext', ['-r', '16000', '-c', '2', '-b', '32'], 1e-6],
    ['f32-stereo', ['-r', '16000', '-c', '2', '-b', '32', '-e', 'floating-point'], 0],
    ['f64', ['-r', '16000', '-c', '1', '-b', '64', '-e', 'floating-point'], 1e-7],
    ['ulaw', ['-r', '8000', '-c', '1', '-e', 'mu-law'], 0],
    ['alaw', ['-r', '8000', '-c', '1', '-e', 'a-law'], 0],
    ['ima-adpcm', ['-r', '8000', '-c', '2', '-e', 'ima-adpcm'], 1e-3], // IMA decoders round the step differently
    ['ms-adpcm', ['-r', '8000', '-c', '2', '-e', 'ms-adpcm'], 0],
  ];
  it.each(cases)('%s', async (name, args, tol) => {
    const p = join(tmp, `sox-${name}.wav`);
    const typeArgs = args.includes('-t') ? [] : ['-t', 'wav'];
    execFileSync('sox', ['-n', ...args, ...typeArgs, p, 'synth', '0.25', 'sine', '440', 'sine', '660', 'gain', '-3']);
    const raw = execFileSync('sox', [p, '-t', 'f32', '-e', 'floating-point', '-']);
    const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const d = decodeWav(await readFile(p));
    const nc = d.channels.length;
    expect(d.channels[0].length).toBe(ref.length / nc);
    for (let c = 0; c < nc; c++) {
      expectClose(
        d.channels[c],
        ref.filter((_, i) => i % nc === c),
        tol + 1e-7,
      );
    }
  });

  it('sox output written to a pipe (placeholder sizes) decodes to the end', () => {
    const out = execFileSync('sox', ['-n', '-r', '8000', '-b', '16', '-t', 'wav', '-', 'synth', '0.1', 'sine', '440'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(decodeWav(out).mono.length).toBe(800);
  });
});
