/** Elementwise kernels of the CPU reference: unary, broadcasting binary, where, cast. */
import type { BinaryOp, DType, UnaryOp } from '../backend.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../shape.js';
import { floatsToInt32, type CpuArray } from './storage.js';
import { forEachRow } from './strided.js';

/** Numerically stable logistic function. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** sign with sign(±0) = +0 and sign(NaN) = NaN. */
function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === x ? 0 : NaN;
}

/**
 * y = op(x) elementwise, into a new float64 array. Unset parameters default to the identity of
 * the op: clamp a = -Infinity, b = +Infinity; powScalar a = 1; affine a = 1, b = 0.
 */
export function unaryKernel(op: UnaryOp, x: CpuArray, a?: number, b?: number): Float64Array {
  const n = x.length;
  const y = new Float64Array(n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) y[i] = -x[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) y[i] = Math.log(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]);
      break;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = Math.max(x[i], 0);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) y[i] = sign(x[i]);
      break;
    case 'step':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? 1 : 0;
      break;
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        y[i] = v * v;
      }
      break;
    case 'reciprocal':
      for (let i = 0; i < n; i++) y[i] = 1 / x[i];
      break;
    case 'sin':
      for (let i = 0; i < n; i++) y[i] = Math.sin(x[i]);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) y[i] = Math.cos(x[i]);
      break;
    case 'clamp': {
      const lo = a ?? -Infinity;
      const hi = b ?? Infinity;
      for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], lo), hi);
      break;
    }
    case 'powScalar': {
      const p = a ?? 1;
      for (let i = 0; i < n; i++) y[i] = Math.pow(x[i], p);
      break;
    }
    case 'affine': {
      const s = a ?? 1;
      const t = b ?? 0;
      for (let i = 0; i < n; i++) y[i] = s * x[i] + t;
      break;
    }
    default: {
      // Every op of UNARY_OPS has a case: a new op without one fails to compile here.
      const missing: never = op;
      throw new Error(`cpu backend: unknown unary op '${String(missing)}'`);
    }
  }
  return y;
}

/** One output row of a binary op: out[o + t] = op(A[ia + t*sa], B[ib + t*sb]). */
function binaryRow(
  op: BinaryOp,
  out: Float64Array,
  o: number,
  A: CpuArray,
  ia: number,
  sa: number,
  B: CpuArray,
  ib: number,
  sb: number,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] + B[ib + t * sb];
      break;
    case 'sub':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] - B[ib + t * sb];
      break;
    case 'mul':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] * B[ib + t * sb];
      break;
    case 'div':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] / B[ib + t * sb];
      break;
    case 'pow':
      for (let t = 0; t < n; t++) out[o + t] = Math.pow(A[ia + t * sa], B[ib + t * sb]);
      break;
    case 'maximum':
      for (let t = 0; t < n; t++) out[o + t] = Math.max(A[ia + t * sa], B[ib + t * sb]);
      break;
    case 'minimum':
      for (let t = 0; t < n; t++) out[o + t] = Math.min(A[ia + t * sa], B[ib + t * sb]);
      break;
    case 'gt':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] > B[ib + t * sb] ? 1 : 0;
      break;
    case 'ge':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] >= B[ib + t * sb] ? 1 : 0;
      break;
    case 'lt':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] < B[ib + t * sb] ? 1 : 0;
      break;
    case 'le':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] <= B[ib + t * sb] ? 1 : 0;
      break;
    case 'eq':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] === B[ib + t * sb] ? 1 : 0;
      break;
    case 'ne':
      for (let t = 0; t < n; t++) out[o + t] = A[ia + t * sa] !== B[ib + t * sb] ? 1 : 0;
      break;
    case 'reluGrad':
      for (let t = 0; t < n; t++) out[o + t] = B[ib + t * sb] > 0 ? A[ia + t * sa] : 0;
      break;
    default: {
      // Every op of BINARY_OPS has a case: a new op without one fails to compile here.
      const missing: never = op;
      throw new Error(`cpu backend: unknown binary op '${String(missing)}'`);
    }
  }
}

/** op(a, b) with a and b broadcast (numpy rules) to outShape; float64 result. */
export function binaryKernel(op: BinaryOp, a: CpuArray, aShape: Shape, b: CpuArray, bShape: Shape, outShape: Shape): Float64Array {
  const out = new Float64Array(sizeOf(outShape));
  const strides = [stridesOf(outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)];
  forEachRow(outShape, strides, [0, 0, 0], (offs, len, st) => {
    binaryRow(op, out, offs[0], a, offs[1], st[1], b, offs[2], st[2], len);
  });
  return out;
}

/** y[i] = x[i] * scale[c] + shift[c], x viewed as [outer, channels, inner] and c the middle index. */
export function channelAffineKernel(x: CpuArray, scale: CpuArray, shift: CpuArray, channels: number, inner: number): Float64Array {
  const n = x.length;
  const y = new Float64Array(n);
  for (let row = 0, o = 0; o < n; row++, o += inner) {
    const c = row % channels;
    const s = scale[c];
    const t = shift[c];
    const end = Math.min(n, o + inner);
    for (let i = o; i < end; i++) y[i] = x[i] * s + t;
  }
  return y;
}

/** out = cond != 0 ? a : b, all broadcast to outShape; the result has a's dtype. */
export function whereKernel(
  cond: CpuArray,
  condShape: Shape,
  a: CpuArray,
  aShape: Shape,
  b: CpuArray,
  bShape: Shape,
  outShape: Shape,
): CpuArray {
  const size = sizeOf(outShape);
  const out: CpuArray = a instanceof Int32Array ? new Int32Array(size) : new Float64Array(size);
  const strides = [
    stridesOf(outShape),
    broadcastStrides(condShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ];
  forEachRow(outShape, strides, [0, 0, 0, 0], (offs, len, st) => {
    const o = offs[0];
    let ic = offs[1];
    let ia = offs[2];
    let ib = offs[3];
    const sc = st[1];
    const sa = st[2];
    const sb = st[3];
    for (let t = 0; t < len; t++) {
      out[o + t] = cond[ic] !== 0 ? a[ia] : b[ib];
      ic += sc;
      ia += sa;
      ib += sb;
    }
  });
  return out;
}

/** Converts x to dtype `to` (float to int32 truncates toward zero, see toInt32). */
export function castKernel(x: CpuArray, to: DType): CpuArray {
  if (to === 'int32') return x instanceof Int32Array ? x.slice() : floatsToInt32(x);
  return new Float64Array(x);
}
