/**
 * Copy kernels (shaders/copy.wgsl): strided gather, concat and pad. They move raw 32-bit words,
 * so float32 and int32 tensors share them.
 */
import { collapseAxes } from '../../layout.js';
import { sizeOf, stridesOf, type Shape } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, pad8, type GBuf } from './common.js';
import { bitsOf } from './elementwise.js';

/**
 * out (contiguous, outShape) at multi-index i reads x[offset + sum_k i_k * strides[k]]; strides
 * may be 0 (broadcast) or negative (flip). Axes that are contiguous for both sides are merged.
 */
export function stridedCopy(ctx: GpuContext, x: GBuf, outShape: Shape, strides: readonly number[], offset: number): GpuStorage {
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  if (n === 0) return out;
  const c = collapseAxes(outShape, [stridesOf(outShape), strides]);
  ctx.dispatch('copy', {
    uniforms: { n, rank: c.shape.length, offset, shape: pad8(c.shape), strides: pad8(c.strides[1]) },
    buffers: { x: x.storage, out },
    workgroups: groups(n),
  });
  return out;
}

/**
 * Concatenates contiguous inputs along `axis` into outShape: one dispatch per input, which views
 * the input as [outer, len * inner] and writes it at its column offset of out [outer, row].
 */
export function concat(ctx: GpuContext, xs: readonly GBuf[], axis: number, outShape: Shape): GpuStorage {
  const out = output(ctx, sizeOf(outShape));
  const inner = sizeOf(outShape.slice(axis + 1));
  const row = outShape[axis] * inner;
  let col = 0;
  for (const x of xs) {
    const n = sizeOf(x.shape);
    const chunk = x.shape[axis] * inner;
    if (n > 0) {
      ctx.dispatch('copy', {
        entry: 'concat',
        uniforms: { n, chunk, row, col },
        buffers: { x: x.storage, out },
        workgroups: groups(n),
      });
    }
    col += chunk;
  }
  return out;
}

/**
 * Pads axis d of x by pads[d] = [before, after] (missing trailing entries mean [0, 0]) with
 * `value` or by reflection (numpy 'reflect'); one dispatch over the output.
 */
export function pad(
  ctx: GpuContext,
  x: GBuf,
  pads: readonly (readonly [number, number])[],
  mode: 'constant' | 'reflect',
  value: number,
): GpuStorage {
  const before = x.shape.map((_, d) => pads[d]?.[0] ?? 0);
  const outShape = x.shape.map((s, d) => before[d] + s + (pads[d]?.[1] ?? 0));
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  if (n === 0) return out;
  ctx.dispatch('copy', {
    entry: 'pad',
    constants: { REFLECT: mode === 'reflect' ? 1 : 0 },
    uniforms: {
      n,
      rank: x.shape.length,
      value: bitsOf(value, x.dtype),
      outShape: pad8(outShape),
      inShape: pad8(x.shape),
      before: pad8(before),
    },
    buffers: { x: x.storage, out },
    workgroups: groups(n),
  });
  return out;
}
