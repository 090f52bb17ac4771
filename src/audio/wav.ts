/**
 * WAV decoding and encoding, for Node and the browser (bytes in, bytes out: no fs here).
 *
 * Decoding uses `@audio/decode-wav` (audiojs, MIT, pure JS, no dependencies, about 6 KB minified,
 * synchronous). It was chosen after checking the alternatives on this machine: it decodes PCM
 * 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, G.711 A-law/µ-law and IMA/MS ADPCM,
 * its samples are bit-identical to wavefile's and node-wav's where those work, it needs no Buffer
 * polyfill in a browser, and its repository (audiojs/decode) is actively maintained. node-wav fails
 * on EXTENSIBLE and on float WAVs whose data chunk is not aligned; wavefile is unmaintained since
 * 2022 and 7× larger. The library's own errors are terse ("Not a WAV file") and it trusts the
 * header (odd-sized chunks without their pad byte, a blockAlign that disagrees with the bit depth, a
 * data chunk longer than the file), so this module walks the RIFF chunks itself, checks every
 * header field, and hands the library a canonical header plus the data chunk only; every problem
 * is reported as an AudioDecodeError that names it.
 *
 * Encoding (PCM 16/24/32-bit or float32, for writing explanation audio) is a few lines of
 * DataView code, so it needs no library.
 */
import { parseOptions } from '../util/options.js';
import { decoder as wavStreamDecoder } from '@audio/decode-wav';
import { ValueError } from '../engine/index.js';
import { AudioDecodeError } from './errors.js';

/** A decoded WAV file. */
export interface DecodedAudio {
  /** Samples per second, as stored in the file. */
  sampleRate: number;
  /** One Float32Array per channel, samples in [-1, 1] for integer formats. */
  channels: Float32Array[];
  /** Mean of the channels (the same array as channels[0] for a mono file). */
  mono: Float32Array;
}

type Codec = 'pcm' | 'float' | 'alaw' | 'ulaw' | 'ima-adpcm' | 'ms-adpcm';

const CODECS: Record<number, Codec> = {
  0x0001: 'pcm',
  0x0003: 'float',
  0x0006: 'alaw',
  0x0007: 'ulaw',
  0x0002: 'ms-adpcm',
  0x0011: 'ima-adpcm',
};

/** Names of common format tags that are not supported, for the error message. */
const KNOWN_TAGS: Record<number, string> = {
  0x0000: 'WAVE_FORMAT_UNKNOWN',
  0x0008: 'DTS',
  0x0010: 'OKI ADPCM',
  0x0014: 'G.723 ADPCM',
  0x0020: 'Yamaha ADPCM',
  0x0022: 'DSP Group TrueSpeech',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG-1 audio',
  0x0055: 'MPEG-1 Layer III (MP3)',
  0x0064: 'G.726 ADPCM',
  0x0065: 'G.722 ADPCM',
  0x00ff: 'AAC',
  0x0160: 'Windows Media Audio v1',
  0x0161: 'Windows Media Audio v2',
  0x0162: 'Windows Media Audio Pro',
  0x1610: 'HE-AAC',
  0x2000: 'Dolby AC-3',
  0xf1ac: 'FLAC',
};

const SUPPORTED = 'PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, µ-law, IMA ADPCM and MS ADPCM';
const CONVERT_HINT = 'convert it first, e.g. `sox in.wav -b 16 -e signed-integer out.wav` or `ffmpeg -i in -c:a pcm_s16le out.wav`';

/** The tail (bytes 4..15) of the KSDATAFORMAT_SUBTYPE_* GUIDs: {xxxxxxxx-0000-0010-8000-00AA00389B71}. */
const GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fail(message: string): never {
  throw new AudioDecodeError(`decodeWav: ${message}`);
}

const hex4 = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(4, '0')}`;

function asBytes(bytes: Uint8Array | ArrayBuffer, fname: string): Uint8Array {
  // Always a plain Uint8Array view: a Node Buffer's slice() does not copy, and the library relies on
  // slice() copying to realign float samples that start at an odd offset.
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = Object.prototype.toString.call(bytes);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(bytes as ArrayBuffer);
  throw new ValueError(`${fname}: bytes: expected a Uint8Array or ArrayBuffer, got ${tag.slice(8, -1)}`);
}

/** Four bytes as text, with non-printable bytes escaped (for error messages). */
function fourcc(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = o; i < o + 4 && i < b.length; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

const isPrintableId = (b: Uint8Array, o: number): boolean => {
  if (o + 4 > b.length) return false;
  for (let i = o; i < o + 4; i++) if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return true;
};

/** What a file that is not RIFF/WAVE probably is, from its first bytes. */
function sniff(b: Uint8Array): string {
  const id = fourcc(b, 0);
  if (id === 'fLaC') return ' (it looks like a FLAC file)';
  if (id === 'OggS') return ' (it looks like an Ogg file)';
  if (id.startsWith('ID3') || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0)) return ' (it looks like an MP3 file)';
  if (id === 'FORM') return ' (it looks like an AIFF file)';
  if (id === '.snd') return ' (it looks like a Sun/NeXT .au file)';
  if (fourcc(b, 4) === 'ftyp') return ' (it looks like an MP4/M4A file)';
  return '';
}

interface Fmt {
  tag: number;
  codec: Codec;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** The fmt chunk body as stored (the library reads the ADPCM extension from it). */
  body: Uint8Array;
}

function formatName(tag: number): string {
  const name = KNOWN_TAGS[tag];
  return name === undefined ? `format tag ${hex4(tag)}` : `format tag ${hex4(tag)} (${name})`;
}

function parseFmt(b: Uint8Array, start: number, size: number): Fmt {
  if (size < 16) fail(`bad header: the 'fmt ' chunk is ${size} bytes, expected at least 16`);
  const dv = new DataView(b.buffer, b.byteOffset + start, size);
  let tag = dv.getUint16(0, true);
  const channels = dv.getUint16(2, true);
  const sampleRate = dv.getUint32(4, true);
  const blockAlign = dv.getUint16(12, true);
  const bitsPerSample = dv.getUint16(14, true);
  if (tag === 0xfffe) {
    if (size < 40) fail(`bad header: a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk must be at least 40 bytes, this one is ${size}`);
    const cbSize = dv.getUint16(16, true);
    if (cbSize < 22) fail(`bad header: WAVE_FORMAT_EXTENSIBLE needs an extension of 22 bytes (cbSize), got ${cbSize}`);
    const data1 = dv.getUint32(24, true);
    const tailOk = GUID_TAIL.every((v, i) => b[start + 28 + i] === v);
    if (!tailOk || data1 > 0xffff) {
      const g = Array.from(b.subarray(start + 24, start + 40), (v) => v.toString(16).padStart(2, '0')).join('');
      fail(`unsupported codec: WAVE_FORMAT_EXTENSIBLE with the non-standard SubFormat GUID ${g}; supported: ${SUPPORTED}; ${CONVERT_HINT}`);
    }
    tag = data1;
  }
  const codec = CODECS[tag];
  if (codec === undefined) fail(`unsupported codec: ${formatName(tag)}; supported: ${SUPPORTED}; ${CONVERT_HINT}`);
  if (channels === 0) fail(`bad header: the 'fmt ' chunk says 0 channels`);
  if (sampleRate === 0) fail(`bad header: the 'fmt ' chunk says a sample rate of 0 Hz`);
  const okBits: Record<Codec, number[]> = {
    pcm: [8, 16, 24, 32],
    float: [32, 64],
    alaw: [8],
    ulaw: [8],
    'ima-adpcm': [4],
    'ms-adpcm': [4],
  };
  if (!okBits[codec].includes(bitsPerSample)) {
    fail(`bad header: ${bitsPerSample} bits per sample is not valid for ${formatName(tag)} (expected ${okBits[codec].join(', ')})`);
  }
  if (codec === 'ima-adpcm' || codec === 'ms-adpcm') {
    checkAdpcm(codec, dv, size, channels, blockAlign);
  } else {
    const want = (channels * bitsPerSample) / 8;
    if (blockAlign !== want)
      fail(`bad header: blockAlign is ${blockAlign} bytes, but ${channels} channel(s) × ${bitsPerSample} bits need ${want}`);
  }
  return { tag, codec, channels, sampleRate, blockAlign, bitsPerSample, body: b.subarray(start, start + size) };
}

/** The block layout checks the library relies on (it would read past a block otherwise). */
function checkAdpcm(codec: Codec, dv: DataView, size: number, channels: number, blockAlign: number): void {
  const cbSize = size >= 18 ? dv.getUint16(16, true) : 0;
  let spb = cbSize >= 2 && size >= 20 ? dv.getUint16(18, true) : 0;
  if (codec === 'ima-adpcm') {
    if (blockAlign < 4 * channels || blockAlign % (4 * channels) !== 0) {
      fail(`bad header: IMA ADPCM blockAlign ${blockAlign} is not a positive multiple of 4 × ${channels} channel(s)`);
    }
    if (!spb) spb = 1 + (blockAlign / channels - 4) * 2;
    if (spb < 1 || 4 * channels * (1 + Math.ceil((spb - 1) / 8)) > blockAlign) {
      fail(`bad header: IMA ADPCM ${spb} samples per block do not fit in blockAlign ${blockAlign}`);
    }
  } else {
    if (channels > 2) fail(`bad header: MS ADPCM supports 1 or 2 channels, the 'fmt ' chunk says ${channels}`);
    if (blockAlign < 7 * channels)
      fail(`bad header: MS ADPCM blockAlign ${blockAlign} is smaller than the ${7 * channels}-byte block header`);
    if (!spb) spb = 2 + ((blockAlign - 7 * channels) * 2) / channels;
    if (spb < 2 || 7 * channels + Math.ceil(((spb - 2) * channels) / 2) > blockAlign) {
      fail(`bad header: MS ADPCM ${spb} samples per block do not fit in blockAlign ${blockAlign}`);
    }
    const nCoef = cbSize >= 4 && size >= 22 ? dv.getUint16(20, true) : 0;
    if (nCoef && 22 + nCoef * 4 > size)
      fail(`bad header: MS ADPCM declares ${nCoef} coefficient pairs but the 'fmt ' chunk is only ${size} bytes`);
  }
}

/**
 * Decodes a WAV file: PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32/64-bit, A-law, µ-law, IMA
 * and MS ADPCM, plain or WAVE_FORMAT_EXTENSIBLE headers, any number of channels and any sample rate.
 * Integer samples map to [-1, 1] (negative codes / 2^(bits-1), positive codes / (2^(bits-1) - 1)).
 * `mono` is the mean of the channels. Throws AudioDecodeError naming the problem for a truncated
 * file, a file that is not RIFF/WAVE, a missing or empty data chunk, an unsupported codec (with its
 * format tag), or a bad header field.
 */
export function decodeWav(bytes: Uint8Array | ArrayBuffer): DecodedAudio {
  const b = asBytes(bytes, 'decodeWav');
  const n = b.length;
  if (n === 0) fail('the input is empty (0 bytes), not a WAV file');
  const riffPrefix = 'RIFF'.slice(0, Math.min(4, n));
  if (n < 12) {
    if (fourcc(b, 0).startsWith(riffPrefix) && (n <= 8 || fourcc(b, 8) === 'WAVE'.slice(0, n - 8))) {
      fail(`truncated file: only ${n} bytes, less than the 12-byte RIFF/WAVE header`);
    }
    fail(`not a RIFF/WAVE file: it is ${n} bytes long and starts with '${fourcc(b, 0)}'${sniff(b)}`);
  }
  const magic = fourcc(b, 0);
  if (magic === 'RIFX') fail(`big-endian RIFX WAV files are not supported; ${CONVERT_HINT}`);
  if (magic === 'RF64' || magic === 'BW64') fail(`${magic} (64-bit size) WAV files are not supported; ${CONVERT_HINT}`);
  if (magic !== 'RIFF') fail(`not a RIFF/WAVE file: it starts with '${magic}', expected 'RIFF'${sniff(b)}`);
  if (fourcc(b, 8) !== 'WAVE') fail(`not a RIFF/WAVE file: the RIFF form type is '${fourcc(b, 8)}', expected 'WAVE'`);

  const dv = new DataView(b.buffer, b.byteOffset, n);
  let fmt: Fmt | undefined;
  let dataStart = -1;
  let dataSize = 0;
  const seen: string[] = [];
  /** The chunk ids for an error message: at most 8 listed, then a count (a file of 200k empty chunks must not give a megabyte message). */
  let nChunks = 0;
  const chunkList = (ids: readonly string[]) => {
    const shown = ids.map((s) => `'${s}'`).join(', ');
    return nChunks > ids.length
      ? `${shown}, … ${(nChunks - ids.length).toLocaleString('en-US')} more (${nChunks.toLocaleString('en-US')} chunks)`
      : shown;
  };
  let pos = 12;
  while (pos + 8 <= n) {
    const id = fourcc(b, pos);
    const size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (seen.length < 8) seen.push(id);
    nChunks++;
    if (id === 'data') {
      if (dataStart >= 0) break; // a second data chunk: ignore it (and anything after)
      dataStart = body;
      const avail = n - body;
      // Writers that cannot seek back leave a placeholder size: 0xFFFFFFFF (ffmpeg), 0x7FFFF000
      // (sox), or 0 with a 0/0xFFFFFFFF RIFF size. The data then runs to the end of the file.
      const riffSize = dv.getUint32(4, true);
      const placeholder =
        size === 0xffffffff || size === 0x7ffff000 || (size === 0 && avail > 0 && (riffSize === 0 || riffSize === 0xffffffff));
      if (placeholder) dataSize = avail;
      else if (size > avail)
        fail(`truncated file: the 'data' chunk declares ${size} bytes but only ${avail} follow it (the file ends at byte ${n})`);
      else dataSize = size;
      if (fmt) break;
      pos = body + dataSize + (dataSize & 1);
      continue;
    }
    if (body + size > n) fail(`truncated file: the '${id}' chunk at byte ${pos} declares ${size} bytes but the file ends at byte ${n}`);
    if (id === 'fmt ') {
      if (fmt) fail(`bad header: a second 'fmt ' chunk at byte ${pos}`);
      fmt = parseFmt(b, body, size);
      if (dataStart >= 0) break;
    }
    // Chunks are word-aligned (a pad byte follows an odd-sized chunk), but some writers omit it.
    let next = body + size;
    if (size & 1 && !(isPrintableId(b, next + 1) || next + 1 >= n) && isPrintableId(b, next)) next -= 1;
    pos = next + (size & 1);
  }
  if (!fmt) {
    if (dataStart >= 0) fail(`bad header: no 'fmt ' chunk (chunks found: ${chunkList(seen)})`);
    if (pos < n || seen.length === 0) fail(`truncated file: no 'fmt ' chunk before the file ends at byte ${n}`);
    fail(`bad header: no 'fmt ' chunk (chunks found: ${chunkList(seen)})`);
  }
  if (dataStart < 0)
    fail(`truncated file or bad header: no 'data' chunk before the file ends at byte ${n} (chunks found: ${chunkList(seen)})`);
  if (dataSize === 0) fail(`zero-length data: the 'data' chunk is empty (0 bytes), the file holds no samples`);
  const frameBytes = fmt.blockAlign;
  if (dataSize < frameBytes)
    fail(
      `zero-length data: the 'data' chunk holds ${dataSize} bytes, less than one ${fmt.codec.endsWith('adpcm') ? 'block' : 'frame'} (${frameBytes} bytes)`,
    );
  const whole = dataSize - (dataSize % frameBytes);
  const channels = runLibrary(fmt, b.subarray(dataStart, dataStart + whole));
  if (fmt.codec === 'float') {
    for (let c = 0; c < channels.length; c++) {
      const x = channels[c];
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(x[i])) fail(`bad sample data: ${x[i]} at frame ${i} of channel ${c} (float WAV data must be finite)`);
      }
    }
  }
  return { sampleRate: fmt.sampleRate, channels, mono: mixToMono(channels) };
}

/** Runs @audio/decode-wav on a canonical header (fmt as stored, then the data chunk) without copying the data. */
function runLibrary(fmt: Fmt, data: Uint8Array): Float32Array[] {
  const fmtSize = fmt.body.length;
  const header = new Uint8Array(12 + 8 + fmtSize + 8);
  const hv = new DataView(header.buffer);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) header[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  hv.setUint32(4, 4 + 8 + fmtSize + 8 + data.length, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  hv.setUint32(16, fmtSize, true);
  header.set(fmt.body, 20);
  ascii(20 + fmtSize, 'data');
  hv.setUint32(24 + fmtSize, data.length, true);
  let out: { channelData: Float32Array[]; sampleRate: number };
  const dec = wavStreamDecoder();
  try {
    dec.decode(header);
    out = dec.decode(data);
  } catch (e) {
    fail(`the decoder failed on ${formatName(fmt.tag)}: ${(e as Error).message}`);
  } finally {
    dec.free();
  }
  if (out.channelData.length !== fmt.channels || out.channelData[0].length === 0) {
    fail(
      `the decoder returned ${out.channelData.length} channel(s) of ${out.channelData[0]?.length ?? 0} samples for a ${fmt.channels}-channel ${formatName(fmt.tag)} file`,
    );
  }
  return out.channelData;
}

function mixToMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const len = channels[0].length;
  const out = new Float32Array(len);
  const k = 1 / channels.length;
  for (let i = 0; i < len; i++) {
    let s = 0;
    for (let c = 0; c < channels.length; c++) s += channels[c][i];
    out[i] = s * k;
  }
  return out;
}

/** Options of encodeWav. */
export interface EncodeWavOptions {
  /** 16 (default), 24 or 32-bit signed PCM, or 32-bit IEEE float. */
  bitDepth?: 16 | 24 | 32 | 'float32';
}

/**
 * Encodes samples as a WAV file: one Float32Array (mono) or one per channel (equal lengths).
 * Integer formats clip to [-1, 1] and round (no dither): negative values scale by 2^(bits-1),
 * positive values by 2^(bits-1) - 1, the inverse of decodeWav, so a round trip is exact to half a
 * quantisation step. 'float32' stores the values unclipped. Samples must be finite.
 */
export function encodeWav(samples: Float32Array | Float32Array[], sampleRate: number, options: EncodeWavOptions = {}): Uint8Array {
  options = parseOptions<EncodeWavOptions>(options, { bitDepth: ['bit_depth', 'bitsPerSample', 'bits_per_sample'] }, 'encodeWav');
  const chans = samples instanceof Float32Array ? [samples] : samples;
  if (!Array.isArray(chans))
    throw new ValueError(
      `encodeWav: samples: expected a Float32Array or an array of Float32Array (one per channel), got ${Object.prototype.toString.call(samples).slice(8, -1)}`,
    );
  if (chans.length === 0) throw new ValueError('encodeWav: samples: expected at least one channel, got an empty array');
  if (chans.length > 65535) throw new ValueError(`encodeWav: samples: at most 65535 channels, got ${chans.length}`);
  chans.forEach((c, i) => {
    if (!(c instanceof Float32Array))
      throw new ValueError(`encodeWav: samples[${i}]: expected a Float32Array, got ${Object.prototype.toString.call(c).slice(8, -1)}`);
  });
  const len = chans[0].length;
  if (len === 0) throw new ValueError('encodeWav: samples: no samples to write (length 0)');
  chans.forEach((c, i) => {
    if (c.length !== len)
      throw new ValueError(
        `encodeWav: samples: channel ${i} has ${c.length} samples, channel 0 has ${len}; channels must have equal lengths`,
      );
  });
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new ValueError(`encodeWav: sampleRate: expected a positive integer (Hz), got ${String(sampleRate)}`);
  }
  const depth = options.bitDepth ?? 16;
  if (![16, 24, 32, 'float32'].includes(depth))
    throw new ValueError(`encodeWav: bitDepth: expected 16, 24, 32 or 'float32', got ${String(depth)}`);
  for (let c = 0; c < chans.length; c++) {
    const x = chans[c];
    for (let i = 0; i < len; i++) {
      if (!Number.isFinite(x[i])) throw new ValueError(`encodeWav: samples must be finite; channel ${c} has ${x[i]} at index ${i}`);
    }
  }
  const isFloat = depth === 'float32';
  const bits = isFloat ? 32 : depth;
  const bytesPer = bits / 8;
  const nCh = chans.length;
  const blockAlign = nCh * bytesPer;
  const dataBytes = len * blockAlign;
  const fmtSize = isFloat ? 18 : 16;
  const factBytes = isFloat ? 12 : 0;
  const headerBytes = 12 + 8 + fmtSize + factBytes + 8;
  const total = headerBytes + dataBytes + (dataBytes & 1);
  if (total - 8 > 0xffffffff)
    throw new ValueError(`encodeWav: samples: ${len} frames × ${blockAlign} bytes exceed the 4 GiB limit of a WAV file`);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  dv.setUint32(4, total - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, isFloat ? 3 : 1, true);
  dv.setUint16(22, nCh, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * blockAlign, true);
  dv.setUint16(32, blockAlign, true);
  dv.setUint16(34, bits, true);
  let p = 36;
  if (isFloat) {
    dv.setUint16(36, 0, true); // cbSize
    ascii(38, 'fact');
    dv.setUint32(42, 4, true);
    dv.setUint32(46, len, true);
    p = 50;
  }
  ascii(p, 'data');
  dv.setUint32(p + 4, dataBytes, true);
  p += 8;
  if (isFloat) {
    for (let i = 0; i < len; i++) for (let c = 0; c < nCh; c++, p += 4) dv.setFloat32(p, chans[c][i], true);
    return out;
  }
  const neg = 2 ** (bits - 1);
  const pos = neg - 1;
  for (let i = 0; i < len; i++) {
    for (let c = 0; c < nCh; c++) {
      let v = chans[c][i];
      v = v > 1 ? 1 : v < -1 ? -1 : v;
      const q = Math.round(v < 0 ? v * neg : v * pos);
      if (bits === 16) dv.setInt16(p, q, true);
      else if (bits === 32) dv.setInt32(p, q, true);
      else {
        out[p] = q & 0xff;
        out[p + 1] = (q >> 8) & 0xff;
        out[p + 2] = (q >> 16) & 0xff;
      }
      p += bytesPer;
    }
  }
  return out;
}
