/**
 * safetensors I/O: a hand-built PyTorch-style file (read and rewritten byte for byte), round trips
 * of every dtype (scalars, empty tensors, special values), F16/BF16/F64/I64 conversions on edge
 * values, engine tensors in and out, input bytes never mutated or aliased, and every validation
 * error of readSafetensors naming its problem.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { AuralensError, DisposedError, DTypeError, SafetensorsError, ValueError } from '../src/engine/errors.js';
import {
  floatToHalfBits,
  halfBitsToFloat,
  hostToTensor,
  readSafetensors,
  tensorsToSafetensors,
  toFloat32,
  toInt32,
  writeSafetensors,
  type HostTensor,
} from '../src/engine/safetensors.js';

const e = await createEngine({ backend: 'cpu' });
afterAll(() => e.dispose());

const enc = new TextEncoder();

/** A file from a header (object or raw JSON text or raw bytes) and data bytes; headerLen overrides the length field. */
function file(header: unknown, data: ArrayLike<number> = [], headerLen?: number): Uint8Array {
  const h = header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLen ?? h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function hex(s: string): number[] {
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((b) => parseInt(b, 16));
}

/** Expects fn to throw `cls` with a message matching every pattern. */
function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, ...patterns: (RegExp | string)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (x) {
    err = x;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

/** Bitwise equality of two HostTensors (NaN payloads and -0 included). */
function expectSameHost(got: HostTensor, want: HostTensor): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  expect(got.data.constructor).toBe(want.data.constructor);
  expect(got.data.byteOffset).toBe(0);
  expect(new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength)).toEqual(
    new Uint8Array(want.data.buffer, want.data.byteOffset, want.data.byteLength),
  );
}

describe('a hand-built PyTorch-style file', () => {
  // What safetensors.torch.save_file({'fc.weight': [[1,2,3],[4,5,6]], 'fc.bias': [0.5,-2],
  // 'bn.num_batches_tracked': 17 (int64)}, metadata={'format': 'pt'}) writes: compact JSON,
  // __metadata__ first, int64 (larger dtype) first, then by name; padded with spaces to 8 bytes.
  const json =
    '{"__metadata__":{"format":"pt"},' +
    '"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
    '"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
    '"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const data = hex(`11 00 00 00 00 00 00 00  00 00 00 3f  00 00 00 c0
    00 00 80 3f  00 00 00 40  00 00 40 40  00 00 80 40  00 00 a0 40  00 00 c0 40`);
  const bytes = file(padded, data);

  it('reads names, dtypes, shapes, values and metadata', () => {
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(['bn.num_batches_tracked', 'fc.bias', 'fc.weight']);
    expect(tensors['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(17n) });
    expect(tensors['fc.bias']).toEqual({ dtype: 'F32', shape: [2], data: Float32Array.of(0.5, -2) });
    expect(tensors['fc.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
  });

  it('is rewritten byte for byte', () => {
    const { tensors, metadata } = readSafetensors(bytes);
    expect(writeSafetensors(tensors, metadata)).toEqual(bytes);
  });
});

describe('writeSafetensors / readSafetensors round trips', () => {
  const cases: Record<string, HostTensor> = {
    f64: { dtype: 'F64', shape: [2, 3], data: Float64Array.of(0, -0, 5e-324, Infinity, -Infinity, Math.PI) },
    f64_scalar: { dtype: 'F64', shape: [], data: Float64Array.of(-1.5) },
    f64_empty: { dtype: 'F64', shape: [0, 3], data: new Float64Array(0) },
    f32: {
      dtype: 'F32',
      shape: [1, 2, 2],
      data: new Float32Array(new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x7f7fffff]).buffer),
    },
    f32_scalar: { dtype: 'F32', shape: [], data: Float32Array.of(42) },
    f32_empty: { dtype: 'F32', shape: [0], data: new Float32Array(0) },
    f16: { dtype: 'F16', shape: [5], data: Uint16Array.of(0x0000, 0x8000, 0x0001, 0x7bff, 0x7e00) },
    f16_scalar: { dtype: 'F16', shape: [], data: Uint16Array.of(0x3c00) },
    f16_empty: { dtype: 'F16', shape: [2, 0], data: new Uint16Array(0) },
    bf16: { dtype: 'BF16', shape: [3], data: Uint16Array.of(0x3f80, 0xff80, 0x7fc1) },
    bf16_scalar: { dtype: 'BF16', shape: [], data: Uint16Array.of(0xc000) },
    bf16_empty: { dtype: 'BF16', shape: [0], data: new Uint16Array(0) },
    i64: { dtype: 'I64', shape: [4], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n) },
    i64_scalar: { dtype: 'I64', shape: [], data: BigInt64Array.of(17n) },
    i64_empty: { dtype: 'I64', shape: [0], data: new BigInt64Array(0) },
    i32: { dtype: 'I32', shape: [2, 2], data: Int32Array.of(-2147483648, 2147483647, 0, -7) },
    i32_scalar: { dtype: 'I32', shape: [], data: Int32Array.of(3) },
    i32_empty: { dtype: 'I32', shape: [0, 0], data: new Int32Array(0) },
  };

  it('every dtype, scalars and empty tensors, bit for bit', () => {
    const bytes = writeSafetensors(cases, { note: 'hello', ünï: '✓' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ note: 'hello', ünï: '✓' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(cases).sort());
    for (const [name, want] of Object.entries(cases)) expectSameHost(tensors[name], want);
  });

  it('each dtype alone', () => {
    for (const [name, want] of Object.entries(cases)) {
      const { tensors, metadata } = readSafetensors(writeSafetensors({ [name]: want }));
      expect(metadata).toEqual({});
      expectSameHost(tensors[name], want);
    }
  });

  it('writes the standard layout: padded header, dtype-then-name order, contiguous offsets', () => {
    const bytes = writeSafetensors(cases, { a: 'b' });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeGreaterThan(n - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    const keys = Object.keys(header);
    expect(keys[0]).toBe('__metadata__');
    const names = keys.slice(1);
    const rank: Record<string, number> = { I64: 0, F64: 1, F32: 2, I32: 3, BF16: 4, F16: 5 };
    const want = [...names].sort((a, b) => rank[header[a].dtype] - rank[header[b].dtype] || (a < b ? -1 : 1));
    expect(names).toEqual(want);
    let at = 0;
    for (const k of names) {
      const [b, end] = header[k].data_offsets;
      expect(b).toBe(at);
      at = end;
    }
    expect(bytes.length).toBe(8 + n + at);
  });

  it('an empty file (no tensors) and unusual names', () => {
    expect(readSafetensors(writeSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
    const t: HostTensor = { dtype: 'F32', shape: [1], data: Float32Array.of(1) };
    const { tensors } = readSafetensors(writeSafetensors({ ['__proto__']: t, '3': t, 'a "quoted"\nname': t, '': t }));
    expect(Object.keys(tensors).sort()).toEqual(['', '3', '__proto__', 'a "quoted"\nname'].sort());
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(tensors, '__proto__')).toBe(true);
  });

  it('reads at an unaligned byte offset, from an ArrayBuffer, and never mutates or aliases the input', () => {
    const bytes = writeSafetensors(cases);
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 3);
    const input = big.subarray(3, 3 + bytes.length);
    const before = big.slice();
    const { tensors } = readSafetensors(input);
    expect(big).toEqual(before);
    for (const [name, want] of Object.entries(cases)) {
      expectSameHost(tensors[name], want);
      expect(tensors[name].data.buffer).not.toBe(big.buffer);
    }
    // Mutating the result leaves the input alone, and vice versa.
    (tensors.f64.data as Float64Array)[0] = 99;
    expect(big).toEqual(before);
    big.fill(0);
    expect(tensors.i32.data).toEqual(cases.i32.data);
    const fromBuffer = readSafetensors(bytes.slice().buffer);
    expectSameHost(fromBuffer.tensors.bf16, cases.bf16);
  });

  it('tolerates gaps and trailing bytes in the data section', () => {
    const header = { a: { dtype: 'I32', shape: [1], data_offsets: [4, 8] }, b: { dtype: 'I32', shape: [], data_offsets: [12, 16] } };
    const { tensors } = readSafetensors(file(header, hex('ff ff ff ff 05 00 00 00 ff ff ff ff 06 00 00 00 ee ee')));
    expect(tensors.a.data).toEqual(Int32Array.of(5));
    expect(tensors.b.data).toEqual(Int32Array.of(6));
  });

  it('rejects malformed tensors and metadata when writing', () => {
    const ok: HostTensor = { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) };
    expectError(
      () => writeSafetensors({ w: { dtype: 'F64', shape: [2], data: Float32Array.of(1, 2) } }),
      DTypeError,
      "tensors['w']",
      'Float64Array',
      'Float32Array',
    );
    expectError(
      () => writeSafetensors({ w: { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2) } }),
      ValueError,
      "tensors['w']",
      '2 elements',
      '[3]',
    );
    expectError(
      () => writeSafetensors({ w: { dtype: 'U8' as never, shape: [2], data: Float32Array.of(1, 2) } }),
      DTypeError,
      'dtype',
      'U8',
    );
    expectError(() => writeSafetensors({ w: { dtype: 'F32', shape: [-2], data: Float32Array.of(1, 2) } }), ValueError, 'shape');
    expectError(() => writeSafetensors({ __metadata__: ok }), ValueError, '__metadata__', 'reserved');
    expectError(() => writeSafetensors({ w: ok }, { k: 3 as never }), ValueError, 'metadata', "'k'", 'string');
    expectError(() => writeSafetensors({ ['bad\uD800']: ok }), ValueError, 'surrogate');
  });
});

describe('F16 / BF16 / F64 / I64 conversions', () => {
  it('floatToHalfBits on edge values (round to nearest, ties to even)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 -> even (0)
      [-(2 ** -25), 0x8000],
      [2 ** -25 * 1.0000001, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps -> even (2)
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -14 - 2 ** -25, 0x0400], // tie: rounds up into the smallest normal
      [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], // tie -> even mantissa (0)
      [1 + 3 * 2 ** -11, 0x3c02], // tie -> even mantissa (2)
      [1 + 2 ** -11 + 2 ** -40, 0x3c01], // just above the tie (a float32 first would round it to the tie)
      [65504, 0x7bff], // max
      [65519.99, 0x7bff],
      [65520, 0x7c00], // tie between max and 2^16 -> infinity
      [1e10, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e-10, 0x0000],
    ];
    for (const [x, b] of cases) expect(floatToHalfBits(x), `floatToHalfBits(${x})`).toBe(b);
    const nan = floatToHalfBits(NaN);
    expect((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0).toBe(true);
  });

  it('halfBitsToFloat on edge values and round trips every finite half', () => {
    expect(Object.is(halfBitsToFloat(0x8000), -0)).toBe(true);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    expect(halfBitsToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfBitsToFloat(0x0400)).toBe(2 ** -14);
    expect(halfBitsToFloat(0x7bff)).toBe(65504);
    expect(halfBitsToFloat(0x3555)).toBe(0.333251953125);
    expect(halfBitsToFloat(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat(0xfc00)).toBe(-Infinity);
    expect(halfBitsToFloat(0x7e00)).toBeNaN();
    expect(halfBitsToFloat(0xfc01)).toBeNaN();
    for (let b = 0; b < 0x10000; b++) {
      if ((b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0) continue;
      if (floatToHalfBits(halfBitsToFloat(b)) !== b) throw new Error(`half 0x${b.toString(16)} does not round trip`);
    }
    expectError(() => halfBitsToFloat(0x10000), ValueError, 'b', '0..65535');
    expectError(() => halfBitsToFloat(1.5), ValueError, 'b');
  });

  it('toFloat32 of F16 and BF16 bits', () => {
    const f16 = toFloat32({ dtype: 'F16', shape: [7], data: Uint16Array.of(0x0000, 0x8000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e00) });
    expect(Array.from(f16)).toEqual([0, -0, 2 ** -24, 65504, Infinity, -Infinity, NaN]);
    expect(Object.is(f16[1], -0)).toBe(true);
    const bf16 = toFloat32({
      dtype: 'BF16',
      shape: [2, 4],
      data: Uint16Array.of(0x3f80, 0x8000, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x7fc0, 0xc0a0),
    });
    expect(Array.from(bf16)).toEqual([1, -0, 2 ** -133, 3.3895313892515355e38, Infinity, -Infinity, NaN, -5]);
    expect(Object.is(bf16[1], -0)).toBe(true);
  });

  it('toFloat32 of F64, I32 and I64 rounds once to nearest (ties to even)', () => {
    const f64 = toFloat32({ dtype: 'F64', shape: [6], data: Float64Array.of(1 + 2 ** -24, 1 + 3 * 2 ** -24, 1e40, -1e40, 5e-324, -0) });
    expect(Array.from(f64)).toEqual([1, 1 + 2 ** -22, Infinity, -Infinity, 0, -0]);
    const i32 = toFloat32({ dtype: 'I32', shape: [3], data: Int32Array.of(16777217, 16777219, -2147483648) });
    expect(Array.from(i32)).toEqual([16777216, 16777220, -2147483648]);
    // 2^60 + 2^36 + 1 is just above a float32 tie; via a double it would round to the tie and then down.
    const v = 2n ** 60n + 2n ** 36n + 1n;
    const i64 = toFloat32({ dtype: 'I64', shape: [5], data: BigInt64Array.of(v, -v, 2n ** 63n - 1n, 17n, 2n ** 60n + 2n ** 36n) });
    expect(Array.from(i64)).toEqual([2 ** 60 + 2 ** 37, -(2 ** 60 + 2 ** 37), 2 ** 63, 17, 2 ** 60]);
  });

  it('toFloat32 copies F32 bit for bit', () => {
    const src = new Float32Array(new Uint32Array([0x7fc00123, 0x3f800000]).buffer);
    const out = toFloat32({ dtype: 'F32', shape: [2], data: src });
    expect(out).not.toBe(src);
    expect(new Uint32Array(out.buffer)).toEqual(Uint32Array.of(0x7fc00123, 0x3f800000));
  });

  it('toInt32 of I32/I64, range-checked; rejects float dtypes', () => {
    expect(toInt32({ dtype: 'I64', shape: [3], data: BigInt64Array.of(-2147483648n, 2147483647n, 17n) })).toEqual(
      Int32Array.of(-2147483648, 2147483647, 17),
    );
    expect(toInt32({ dtype: 'I32', shape: [], data: Int32Array.of(5) })).toEqual(Int32Array.of(5));
    expectError(
      () => toInt32({ dtype: 'I64', shape: [2], data: BigInt64Array.of(0n, 2147483648n) }),
      ValueError,
      '2147483648',
      'index 1',
      'int32',
    );
    expectError(() => toInt32({ dtype: 'F32', shape: [1], data: Float32Array.of(1) }), DTypeError, 'I32 or I64', 'F32');
  });
});

describe('engine tensors', () => {
  it('hostToTensor: float kinds -> float32, integer kinds -> int32', async () => {
    const a = hostToTensor(e, { dtype: 'F64', shape: [2, 2], data: Float64Array.of(1, 2.5, -3, 1 + 2 ** -30) });
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(await a.read())).toEqual([1, 2.5, -3, 1]);
    const b = hostToTensor(e, { dtype: 'BF16', shape: [], data: Uint16Array.of(0xc0a0) });
    expect(b.shape).toEqual([]);
    expect(await b.item()).toBe(-5);
    const c = hostToTensor(e, { dtype: 'I64', shape: [], data: BigInt64Array.of(17n) });
    expect(c.dtype).toBe('int32');
    expect(await c.item()).toBe(17);
    const d = hostToTensor(e, { dtype: 'F16', shape: [0, 4], data: new Uint16Array(0) });
    expect(d.shape).toEqual([0, 4]);
    expectError(() => hostToTensor(e, { dtype: 'I64', shape: [1], data: BigInt64Array.of(-(2n ** 40n)) }), ValueError, 'int32');
    for (const t of [a, b, c, d]) t.dispose();
  });

  it('tensorsToSafetensors -> readSafetensors -> hostToTensor round trip', async () => {
    const w = e.tensor([0.1, -2, 3e-8, 1e30, 5, 6], [2, 3]);
    const idx = e.tensor([3, -1, 2147483647], [3], 'int32');
    const s = e.tensor(7.25);
    const empty = e.zeros([0, 5]);
    const bytes = await tensorsToSafetensors({ 'fc.weight': w, idx, s, empty }, { step: '12' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ step: '12' });
    expect(tensors['fc.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data: await w.read() });
    expect(tensors.idx).toEqual({ dtype: 'I32', shape: [3], data: Int32Array.of(3, -1, 2147483647) });
    expect(tensors.s).toEqual({ dtype: 'F32', shape: [], data: Float32Array.of(7.25) });
    expect(tensors.empty).toEqual({ dtype: 'F32', shape: [0, 5], data: new Float32Array(0) });
    const back = hostToTensor(e, tensors['fc.weight']);
    expect(await back.read()).toEqual(await w.read());
    const backIdx = hostToTensor(e, tensors.idx);
    expect(backIdx.dtype).toBe('int32');
    expect(Array.from(await backIdx.read())).toEqual([3, -1, 2147483647]);
    for (const t of [w, idx, s, empty, back, backIdx]) t.dispose();
  });

  it('tensorsToSafetensors rejects non-tensors and disposed tensors', async () => {
    const t = e.tensor([1]);
    t.dispose();
    await expect(tensorsToSafetensors({ t })).rejects.toThrow(DisposedError);
    await expect(tensorsToSafetensors({ t })).rejects.toThrow("tensors['t']");
    await expect(tensorsToSafetensors({ x: [1, 2] as never })).rejects.toThrow(/tensors\['x'\]: expected a Tensor/);
  });
});

describe('readSafetensors validation', () => {
  const f32 = (shape: number[], offs: number[]) => ({ dtype: 'F32', shape, data_offsets: offs });
  const bad = (bytes: Uint8Array, ...patterns: (RegExp | string)[]) =>
    expectError(() => readSafetensors(bytes), SafetensorsError, /^safetensors: /, ...patterns);

  it('is an AuralensError', () => {
    expect(new SafetensorsError('x')).toBeInstanceOf(AuralensError);
  });

  it('fewer than 8 bytes', () => {
    bad(new Uint8Array(5), 'file is truncated', '5 bytes');
    bad(new Uint8Array(0), 'truncated', '0 bytes');
  });

  it('header length past the end of the file, or above the cap', () => {
    const bytes = new Uint8Array(1008);
    new DataView(bytes.buffer).setUint32(0, 1234, true);
    bad(bytes, 'safetensors: file is truncated: header says 1234 bytes of JSON but only 1000 follow');
    const huge = file('{}');
    new DataView(huge.buffer).setUint32(4, 1, true);
    bad(huge, 'header length 4294967298', '100000000-byte limit');
    bad(file('{}', [], 200_000_000), '100000000-byte limit');
  });

  it('header not UTF-8, not JSON, not an object', () => {
    bad(file(Uint8Array.of(0x7b, 0xff, 0x7d)), 'not valid UTF-8');
    bad(file('{"a": '), 'not valid JSON');
    bad(file(''), 'not valid JSON');
    bad(file('[1, 2]'), 'must be a JSON object', 'array');
    bad(file('"x"'), 'must be a JSON object', '"x"');
    bad(file('null'), 'must be a JSON object', 'null');
  });

  it('entry not an object, unknown dtype, bad shape', () => {
    bad(file({ w: [1, 2] }), "tensor 'w'", 'expected an object');
    bad(
      file({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, new Array(16).fill(0)),
      "tensor 'w'",
      'unknown or unsupported dtype "F128"',
      'F64, F32',
    );
    bad(file({ w: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [0]), "tensor 'w'", '"U8"');
    bad(file({ w: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), "tensor 'w'", 'dtype undefined');
    bad(file({ w: f32([-1], [0, 4]) }, [0, 0, 0, 0]), "tensor 'w' has a bad shape [-1]", 'non-negative integers');
    bad(file({ w: f32([1.5], [0, 4]) }, [0, 0, 0, 0]), "tensor 'w' has a bad shape [1.5]");
    bad(file({ w: f32('4' as never, [0, 4]) }, [0, 0, 0, 0]), 'bad shape "4"');
    bad(file({ w: { dtype: 'F32', data_offsets: [0, 4] } }, [0, 0, 0, 0]), 'bad shape undefined');
  });

  it('bad data_offsets, offsets out of range, truncated data', () => {
    bad(file({ w: f32([1], [8, 4]) }, new Array(8).fill(0)), "tensor 'w' has bad data_offsets [8,4]", 'begin <= end');
    bad(file({ w: f32([1], [0]) }, [0, 0, 0, 0]), 'bad data_offsets [0]');
    bad(file({ w: f32([1], [-4, 0]) }, [0, 0, 0, 0]), 'bad data_offsets [-4,0]');
    bad(file({ w: f32([1], ['0', 4] as never) }, [0, 0, 0, 0]), 'bad data_offsets ["0",4]');
    bad(
      file({ w: f32([2], [0, 8]) }, [0, 0, 0, 0]),
      "tensor 'w' data_offsets [0, 8] run past the end of the data section (4 bytes)",
      'truncated',
    );
    // A complete file cut short.
    const whole = writeSafetensors({ a: { dtype: 'F64', shape: [4], data: new Float64Array(4) } });
    bad(whole.subarray(0, whole.length - 1), "tensor 'a'", 'run past the end', 'truncated');
  });

  it('size mismatch', () => {
    bad(
      file({ 'fc1.weight': f32([256, 128], [0, 131068]) }, new Uint8Array(131068)),
      "safetensors: tensor 'fc1.weight' needs 131072 bytes (F32 [256, 128]) but data_offsets span 131068",
    );
    bad(file({ s: { dtype: 'I64', shape: [], data_offsets: [0, 4] } }, [0, 0, 0, 0]), "tensor 's' needs 8 bytes (I64 [])", 'span 4');
    bad(file({ e: { dtype: 'F16', shape: [0], data_offsets: [0, 2] } }, [0, 0]), "tensor 'e' needs 0 bytes");
  });

  it('overlapping tensors', () => {
    bad(file({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Array(12).fill(0)), "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
    bad(file({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, new Array(4).fill(0)), 'overlap');
    // Empty tensors occupy no bytes, so they overlap nothing.
    const ok = readSafetensors(file({ a: f32([2], [0, 8]), e: f32([0], [4, 4]) }, new Array(8).fill(0)));
    expect(ok.tensors.e.data.length).toBe(0);
  });

  it('bad metadata', () => {
    bad(file({ __metadata__: { k: 1 } }), "__metadata__ value of 'k' must be a string", '1');
    bad(file({ __metadata__: ['a'] }), '__metadata__ must be an object of string values');
    bad(file({ __metadata__: 'x' }), '__metadata__ must be an object');
    expect(readSafetensors(file({ __metadata__: null })).metadata).toEqual({});
  });

  it('rejects non-bytes input and does not mutate bytes it rejects', () => {
    expectError(() => readSafetensors('abc' as never), ValueError, 'bytes', 'Uint8Array');
    const bytes = file({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Array(12).fill(7));
    const before = bytes.slice();
    expect(() => readSafetensors(bytes)).toThrow(SafetensorsError);
    expect(bytes).toEqual(before);
  });
});
