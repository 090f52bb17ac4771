/**
 * Indexing kernels (shaders/indexing.wgsl): gather along an axis, its adjoint scatterAdd, and
 * oneHot. Tensors are viewed [outer, dim, inner] around the axis; indices are int32, any shape.
 */
import { sizeOf, type Shape } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';

/** Element counts before `axis` and from `axis + span` on. */
function around(shape: Shape, axis: number, span: number): [number, number] {
  return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis + span))];
}

/** out = x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:], reading x at indices along axis. */
export function gather(ctx: GpuContext, x: GBuf, indices: GBuf, axis: number): GpuStorage {
  const [outer, inner] = around(x.shape, axis, 1);
  const count = sizeOf(indices.shape);
  const n = outer * count * inner;
  const out = output(ctx, n);
  if (n === 0) return out;
  ctx.dispatch('indexing', {
    entry: 'gather',
    uniforms: { n, inner, count, dim: x.shape[axis] },
    buffers: { src: x.storage, idx: indices.storage, out, fault: ctx.fault },
    workgroups: groups(n),
  });
  return out;
}

/**
 * The adjoint of gather: g is x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]; the result has
 * dimSize at `axis` and sums g into the gathered positions (repeated indices accumulate).
 */
export function scatterAdd(ctx: GpuContext, g: GBuf, indices: GBuf, axis: number, dimSize: number): GpuStorage {
  const [outer, inner] = around(g.shape, axis, indices.shape.length);
  const n = outer * dimSize * inner;
  const out = output(ctx, n);
  if (n === 0) return out;
  ctx.dispatch('indexing', {
    entry: 'scatterAdd',
    constants: { INT: g.dtype === 'int32' ? 1 : 0 },
    uniforms: { n, inner, count: sizeOf(indices.shape), dim: dimSize },
    buffers: { src: g.storage, idx: indices.storage, out, fault: ctx.fault },
    workgroups: groups(n),
  });
  return out;
}

/** float32 rows [...indices.shape, depth]: 1 at each index; an out-of-range index gives zeros and sets ctx.fault. */
export function oneHot(ctx: GpuContext, indices: GBuf, depth: number): GpuStorage {
  const n = sizeOf(indices.shape) * depth;
  const out = output(ctx, n);
  if (n === 0) return out;
  ctx.dispatch('indexing', {
    entry: 'oneHot',
    uniforms: { n, dim: depth },
    buffers: { idx: indices.storage, out, fault: ctx.fault },
    workgroups: groups(n),
  });
  return out;
}
