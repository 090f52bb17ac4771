/**
 * safetensors I/O (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?},
 * then the raw little-endian tensor data (offsets are relative to the end of the header).
 * Works on Uint8Array/ArrayBuffer only, so it runs in Node and in a browser.
 */
import type { Engine } from './engine.js';
import { SafetensorsError, ValueError } from './errors.js';
import { checkHostTensor, isSafetensorsDType, ITEM_SIZE, toFloat32, toInt32 } from './safetensorsConvert.js';
import { Tensor } from './tensor.js';

export { floatToHalfBits, halfBitsToFloat, toFloat32, toInt32 } from './safetensorsConvert.js';

/** Element types auralens reads and writes (safetensors names). */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

/**
 * A tensor on the host, data as stored: F64 → Float64Array, F32 → Float32Array, I32 → Int32Array,
 * I64 → BigInt64Array, F16/BF16 → Uint16Array of raw bits. Row-major; data.length = product(shape)
 * (1 for the scalar shape []).
 */
export interface HostTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint16Array;
}

/** Largest JSON header accepted, in bytes (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const CTORS = { F64: Float64Array, F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I64: BigInt64Array, I32: Int32Array } as const;

/** Most tensors a file may hold (a bound on the header's parse cost: 1.7M entries took 2 GB and 15 s). */
export const MAX_SAFETENSORS_ENTRIES = 100_000;

/** How to get a safetensors file from PyTorch, for the message when a .pt/.pth file is given. */
const EXPORT_HINT =
  "export the state_dict in Python: `from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')` (see the README)";

/** Recognises a PyTorch checkpoint by its magic bytes: a zip archive (torch.save since 1.6) or a bare pickle (legacy). */
function sniffPyTorch(u8: Uint8Array): void {
  if (u8.length >= 4 && u8[0] === 0x50 && u8[1] === 0x4b && u8[2] === 0x03 && u8[3] === 0x04) {
    fail(`this is a zip archive (a PyTorch .pt/.pth checkpoint from torch.save?), not a safetensors file; ${EXPORT_HINT}`);
  }
  if (u8.length >= 2 && u8[0] === 0x80 && u8[1] >= 2 && u8[1] <= 5) {
    fail(`this is a Python pickle (a legacy PyTorch torch.save file?), not a safetensors file; ${EXPORT_HINT}`);
  }
}

/**
 * The first tensor name the JSON object `text` (already known to be valid JSON) gives twice at
 * its top level, or null. JSON.parse keeps the last of duplicate keys silently; the reference
 * parser rejects them, and so do we.
 */
function duplicateTopLevelKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 1 && c === 0x7b) expectKey = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return null;
}

/** Number of '{' bytes in u8[start, end): a cheap upper bound on the header's entries (each entry is one JSON object). */
function countBraces(u8: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (u8[i] === 0x7b) n++;
  return n;
}

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v); // circular object or BigInt
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reverses the bytes of every `size`-byte element in place (for big-endian hosts only). */
function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

function asBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = Object.prototype.toString.call(bytes);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(bytes);
  throw new ValueError(`bytes: expected a Uint8Array or ArrayBuffer, got ${tag.slice(8, -1)}`);
}

/**
 * Parses a safetensors file. `bytes` is the whole file (a Uint8Array, e.g. a Node Buffer, at any
 * byte offset, or an ArrayBuffer); it is never modified or aliased: every tensor's data is copied
 * into a fresh, aligned typed array. Everything is validated before anything is returned: header
 * length (at most 100 MB, within the file), UTF-8 JSON object, for every tensor a supported dtype,
 * a shape of non-negative integers, data_offsets [begin, end] with begin <= end inside the data
 * section and end - begin = product(shape) × itemsize, no two tensors sharing bytes, and
 * `__metadata__` (optional) an object of strings. Gaps and trailing bytes in the data section are
 * tolerated. Throws SafetensorsError naming the tensor and the problem (ValueError if `bytes`
 * is not bytes).
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
} {
  const u8 = asBytes(bytes);
  sniffPyTorch(u8);
  if (u8.length < 8) fail(`file is truncated: ${u8.length} bytes, but the 8-byte header length alone needs 8`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const headerLen = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLen > MAX_HEADER_BYTES)
    fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupt)`);
  if (8 + headerLen > u8.length) fail(`file is truncated: header says ${headerLen} bytes of JSON but only ${u8.length - 8} follow`);
  // Bound the parse cost before JSON.parse: each entry is one JSON object, so one '{' at least.
  if (countBraces(u8, 8, 8 + headerLen) > MAX_SAFETENSORS_ENTRIES + 2)
    fail(
      `header describes more than ${MAX_SAFETENSORS_ENTRIES.toLocaleString('en-US')} tensors, the supported maximum (corrupt, or not a model checkpoint)`,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(u8.subarray(8, 8 + headerLen));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : show(header)}`);
  const dup = duplicateTopLevelKey(text!);
  if (dup !== null)
    fail(
      `tensor '${dup.length > 80 ? `${dup.slice(0, 77)}...` : dup}' appears twice in the header (duplicate keys are rejected, as by the reference parser)`,
    );

  const dataStart = 8 + headerLen;
  const dataLen = u8.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null) continue;
      if (!isPlainObject(info)) fail(`__metadata__ must be an object of string values, got ${show(info)}`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') fail(`__metadata__ value of '${k}' must be a string, got ${show(v)}`);
      }
      metadata = Object.fromEntries(Object.entries(info as Record<string, string>));
      continue;
    }
    const t = `tensor '${name}'`;
    if (!isPlainObject(info)) fail(`${t}: expected an object {dtype, shape, data_offsets}, got ${show(info)}`);
    const { dtype, shape, data_offsets: offs } = info;
    if (!isSafetensorsDType(dtype))
      fail(`${t} has unknown or unsupported dtype ${show(dtype)} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt))
      fail(`${t} has a bad shape ${show(shape)}: expected an array of non-negative integers`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt) || offs[0] > offs[1]) {
      fail(`${t} has bad data_offsets ${show(offs)}: expected [begin, end] with integers 0 <= begin <= end`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      fail(`${t} data_offsets [${begin}, ${end}] run past the end of the data section (${dataLen} bytes): file truncated?`);
    const need = shape.reduce((a: number, d: number) => a * d, 1) * ITEM_SIZE[dtype];
    if (need !== end - begin) fail(`${t} needs ${need} bytes (${dtype} [${shape.join(', ')}]) but data_offsets span ${end - begin}`);
    entries.push({ name, dtype, shape: shape.slice(), begin, end });
  }
  const ranges = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    const [p, q] = [ranges[i - 1], ranges[i]];
    if (q.begin < p.end)
      fail(`tensors '${p.name}' [${p.begin}, ${p.end}] and '${q.name}' [${q.begin}, ${q.end}] overlap in the data section`);
  }

  const tensors = Object.fromEntries(
    entries.map(({ name, dtype, shape, begin, end }): [string, HostTensor] => {
      const copy = u8.slice(dataStart + begin, dataStart + end); // fresh buffer at offset 0: aligned
      if (!LITTLE_ENDIAN) swapBytes(copy, ITEM_SIZE[dtype]);
      return [name, { dtype, shape, data: new CTORS[dtype](copy.buffer) }];
    }),
  );
  return { tensors, metadata };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(s: string, what: string): void {
  if (LONE_SURROGATE.test(s)) throw new ValueError(`${what}: ${JSON.stringify(s)} contains a lone UTF-16 surrogate (not valid UTF-8)`);
}

/** Data order of the reference writer: larger dtypes first (keeps every tensor aligned), then name. */
const WRITE_RANK: Readonly<Record<SafetensorsDType, number>> = { I64: 0, F64: 1, F32: 2, I32: 3, BF16: 4, F16: 5 };

/** Orders strings by their UTF-8 bytes (= code points), as Rust's String ordering does. */
function compareUtf8(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0)!);
  const cb = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

/**
 * Serialises host tensors (and optional string metadata) to safetensors bytes in the format the
 * reference implementation writes: compact JSON header with `__metadata__` first (omitted when
 * absent or empty), then the tensors in data order with contiguous data_offsets from 0, header
 * padded with spaces to a multiple of 8 bytes, data little-endian. Data order is the reference's:
 * by dtype size (I64, F64, then F32, I32, then BF16, F16), then by name, so every tensor starts
 * at a multiple of its element size; files written by `safetensors.torch.save_file` are
 * reproduced byte for byte. PyTorch's `safetensors.torch.load_file`
 * reads the result. Throws ValueError/DTypeError for a malformed HostTensor (data kind not
 * matching dtype, length not matching shape), a tensor named `__metadata__`, non-string metadata,
 * or names that are not valid Unicode.
 */
export function writeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isPlainObject(tensors)) throw new ValueError(`tensors: expected an object of name → HostTensor, got ${show(tensors)}`);
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) throw new ValueError(`metadata: expected an object of string values, got ${show(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ValueError(`metadata: value of '${k}' must be a string, got ${show(v)}`);
      checkText(k, 'metadata key');
      checkText(v, `metadata['${k}']`);
    }
    if (Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  for (const name of Object.keys(tensors)) checkHostTensor(tensors[name], `tensors['${name}']`);
  const names = Object.keys(tensors).sort((a, b) => WRITE_RANK[tensors[a].dtype] - WRITE_RANK[tensors[b].dtype] || compareUtf8(a, b));
  let offset = 0;
  const chunks: { data: HostTensor['data']; itemSize: number; at: number }[] = [];
  for (const name of names) {
    if (name === '__metadata__') throw new ValueError("tensors: '__metadata__' is reserved and cannot name a tensor");
    checkText(name, 'tensor name');
    const h = tensors[name];
    const bytes = h.data.byteLength;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: h.dtype, shape: h.shape, data_offsets: [offset, offset + bytes] })}`);
    chunks.push({ data: h.data, itemSize: ITEM_SIZE[h.dtype], at: offset });
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  for (const { data, itemSize, at } of chunks) {
    const dst = out.subarray(8 + headerLen + at, 8 + headerLen + at + data.byteLength);
    dst.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!LITTLE_ENDIAN) swapBytes(dst, itemSize);
  }
  return out;
}

/**
 * Converts a HostTensor to an engine tensor of the same shape (copied): F32/F64/F16/BF16 →
 * float32 (see toFloat32 for the rounding), I32/I64 → int32. Throws ValueError if an I64 value
 * does not fit in int32, DTypeError/ValueError for a malformed HostTensor.
 */
export function hostToTensor(engine: Engine, h: HostTensor): Tensor {
  checkHostTensor(h, 'hostToTensor');
  const int = h.dtype === 'I32' || h.dtype === 'I64';
  return engine.tensor(int ? toInt32(h) : toFloat32(h), h.shape, int ? 'int32' : 'float32');
}

/**
 * Reads engine tensors back to the host and serialises them with writeSafetensors: float32 → F32,
 * int32 → I32, same shapes. Resolves to the file's bytes. Throws ValueError if a value is not a
 * Tensor, DisposedError if one was disposed, and whatever writeSafetensors throws.
 */
export async function tensorsToSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  if (!isPlainObject(tensors)) throw new ValueError(`tensors: expected an object of name → Tensor, got ${show(tensors)}`);
  const list = Object.entries(tensors);
  for (const [name, t] of list) {
    if (!(t instanceof Tensor)) throw new ValueError(`tensors['${name}']: expected a Tensor, got ${show(t)}`);
    t.assertLive(`tensors['${name}']`);
  }
  const host = await Promise.all(
    list.map(async ([name, t]): Promise<[string, HostTensor]> => {
      const data = await t.read();
      return [name, { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: t.shape.slice(), data }];
    }),
  );
  return writeSafetensors(Object.fromEntries(host), metadata);
}
