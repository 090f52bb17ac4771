/** Shape arithmetic shared by both backends and the op layer. Shapes are row-major (C order). */
import { ShapeError, ValueError } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar shape []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Throws unless `shape` is an array of non-negative integers. */
export function checkShape(shape: unknown, arg = 'shape'): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(`${arg}: expected an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${arg}: expected non-negative integer dimensions, got [${shape.join(', ')}]`);
    }
  }
  return shape.slice() as number[];
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** numpy broadcasting of two shapes; the error names both arguments. */
export function broadcastShapes(a: Shape, b: Shape, argA = 'a', argB = 'b'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${argA} ${fmt(a)} and ${argB} ${fmt(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides (in elements) with which an input of shape `inShape` is read when broadcast to
 * `outShape`: 0 on broadcast dimensions. Result has outShape.length entries.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const st = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => (i < off || inShape[i - off] === 1 ? 0 : st[i - off]));
}

/** Normalises an axis (negative counts from the end); throws naming `arg` when out of range. */
export function normAxis(axis: number, rank: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ValueError(`${arg}: expected an integer in [${-rank}, ${rank - 1}], got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes (undefined = all), sorted and without duplicates. */
export function normAxes(axes: number | readonly number[] | undefined, rank: number, arg = 'axes'): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(a, rank, arg));
  if (new Set(out).size !== out.length) throw new ValueError(`${arg}: duplicate axes in [${list.join(', ')}]`);
  return out.sort((x, y) => x - y);
}
