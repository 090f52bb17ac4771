/**
 * Elementwise kernels: fill (shaders/elementwise_fill.wgsl), unary (elementwise_unary.wgsl), broadcasting binary and
 * where (elementwise_binary.wgsl), cast (elementwise_cast.wgsl). The op is a pipeline-overridable constant, so each op
 * compiles once into its own kernel without a per-element switch; shapes travel as uniforms.
 */
import type { DType } from '../../backend.js';
import { BINARY_OPS, opId, UNARY_OPS, type BinaryOp, type UnaryOp } from '../../primitives.js';
import { collapseAxes } from '../../layout.js';
import { broadcastStrides, sizeOf, type Shape } from '../../shape.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import type { UniformValues } from '../uniforms.js';
import { groups, output, pad8, WG, type GBuf } from './common.js';

/** A number as int32 the way the CPU reference stores it: truncated, saturated, NaN -> 0. */
export function int32Of(v: number): number {
  if (v !== v) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
}

/** The 32-bit pattern of `value` stored as `dtype` (float32 bits or int32), as a u32. */
export function bitsOf(value: number, dtype: DType): number {
  if (dtype === 'int32') return int32Of(value) >>> 0;
  const f = new Float32Array([value]);
  return new Uint32Array(f.buffer)[0];
}

/** A new storage of `size` elements equal to `value`. */
export function fill(ctx: GpuContext, size: number, value: number, dtype: DType): GpuStorage {
  const out = output(ctx, size);
  ctx.dispatch('elementwise_fill', { uniforms: { n: size, bits: bitsOf(value, dtype) }, buffers: { out }, workgroups: groups(size) });
  return out;
}

/**
 * y = op(x) elementwise (float32). Unset parameters default to the op's identity, as on the CPU:
 * clamp a = -Infinity, b = +Infinity; powScalar a = 1; affine a = 1, b = 0.
 */
export function unary(ctx: GpuContext, op: UnaryOp, x: GBuf, a?: number, b?: number): GpuStorage {
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  const pa = a ?? (op === 'clamp' ? -Infinity : op === 'powScalar' || op === 'affine' ? 1 : 0);
  const pb = b ?? (op === 'clamp' ? Infinity : 0);
  ctx.dispatch('elementwise_unary', {
    constants: { OP: opId(op, UNARY_OPS) },
    uniforms: { n, a: pa, b: pb },
    buffers: { x: x.storage, out },
    workgroups: groups(n, WG * EPT),
  });
  return out;
}

/**
 * Elements per invocation of elementwise_unary.wgsl and elementwise_binary.wgsl `main`/`choose` (the shaders' EPT default),
 * at the default WG threads per workgroup: measured 3-4x faster than one element per invocation
 * over 1M floats on lavapipe (the per-workgroup cost dominates there).
 */
const EPT = 4;

/** Row kernels (elementwise_channel.wgsl `rows`, elementwise_binary.wgsl `rows`/`chooseRows`) take rows at least this long. */
const ROW_MIN = 32;
/** Threads per workgroup and elements per thread of the row kernels. */
const ROW_WG = 64;
const ROW_EPT = 4;

/** Workgroup grid [chunks of a row, rows] with rows folded into y and z past the dimension limit. */
function rowGrid(ctx: GpuContext, rowLen: number, rows: number): [number, number, number] {
  const maxDim = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const gx = Math.ceil(rowLen / (ROW_WG * ROW_EPT));
  const gy = Math.min(rows, maxDim);
  return [gx, gy, Math.ceil(rows / gy)];
}

interface Layout {
  /** 'flat': index i * step; 'rows': 2-D row grid; 'strided': general coordinates. */
  kind: 'flat' | 'rows' | 'strided';
  constants: Record<string, number>;
  uniforms: UniformValues;
  /** Row layouts: [row length, rows]. */
  grid?: [number, number];
}

/**
 * How elementwise_binary.wgsl indexes operands broadcast to outShape: when each operand has the output's
 * size or is one element, index i * step (no coordinate arithmetic); when the axes merged where
 * every operand allows it leave rank <= 3 with a long last axis (per-row, per-column and
 * per-channel broadcasts), a row grid; otherwise per-operand strides over the merged shape.
 */
export function broadcastLayout(operands: readonly Shape[], outShape: Shape): Layout {
  const n = sizeOf(outShape);
  const sizes = operands.map(sizeOf);
  if (sizes.every((s) => s === n || s === 1)) {
    return { kind: 'flat', constants: { BCAST: 0 }, uniforms: { n, step: sizes.map((s) => (s === n ? 1 : 0)) } };
  }
  const c = collapseAxes(
    outShape,
    operands.map((s) => broadcastStrides(s, outShape)),
  );
  const rank = c.shape.length;
  if (rank <= 3 && c.shape[rank - 1] >= ROW_MIN) {
    const lead = 3 - rank;
    const shape = [...Array(lead).fill(1), ...c.shape];
    const [sa, sb, sc = []] = c.strides.map((s) => pad8([...Array(lead).fill(0), ...s]));
    const rows = shape[0] * shape[1];
    return {
      kind: 'rows',
      constants: { WG: ROW_WG, EPT: ROW_EPT },
      uniforms: { n, rows, shape: pad8(shape), sa, sb, sc },
      grid: [shape[2], rows],
    };
  }
  const [sa, sb, sc = []] = c.strides.map((s) => pad8(s)); // binary has no third operand
  return { kind: 'strided', constants: { BCAST: 1 }, uniforms: { n, rank, shape: pad8(c.shape), sa, sb, sc } };
}

function layoutGroups(ctx: GpuContext, l: Layout, n: number): number | [number, number, number] {
  return l.grid ? rowGrid(ctx, l.grid[0], l.grid[1]) : groups(n, WG * EPT);
}

/** op(a, b) elementwise with a and b broadcast to outShape (float32; comparisons give 1 or 0). */
export function binary(ctx: GpuContext, op: BinaryOp, a: GBuf, b: GBuf, outShape: Shape): GpuStorage {
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  if (n === 0) return out;
  const l = broadcastLayout([a.shape, b.shape], outShape);
  ctx.dispatch('elementwise_binary', {
    entry: l.kind === 'rows' ? 'rows' : 'main',
    constants: { OP: opId(op, BINARY_OPS), ...l.constants },
    uniforms: l.uniforms,
    buffers: { a: a.storage, b: b.storage, out },
    workgroups: layoutGroups(ctx, l, n),
  });
  return out;
}

/** out = cond != 0 ? a : b, all three broadcast to outShape; the result has a's dtype. */
export function where(ctx: GpuContext, cond: GBuf, a: GBuf, b: GBuf, outShape: Shape): GpuStorage {
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  if (n === 0) return out;
  const l = broadcastLayout([a.shape, b.shape, cond.shape], outShape);
  ctx.dispatch('elementwise_binary', {
    entry: l.kind === 'rows' ? 'chooseRows' : 'choose',
    constants: { COND_INT: cond.dtype === 'int32' ? 1 : 0, ...l.constants },
    uniforms: l.uniforms,
    buffers: { a: a.storage, b: b.storage, c: cond.storage, out },
    workgroups: layoutGroups(ctx, l, n),
  });
  return out;
}

/**
 * y[i] = x[i] * scale[c] + shift[c] with x viewed as [outer, channels, inner] and c the middle
 * index (shaders/elementwise_channel.wgsl): long rows run a 2-D grid over (inner, outer * channels), short
 * ones a flat grid.
 */
export function channelAffine(ctx: GpuContext, x: GBuf, scale: GBuf, shift: GBuf, channels: number, inner: number): GpuStorage {
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  if (n === 0) return out;
  const rows = n / inner;
  const uniforms = { n, rows, channels, inner };
  const buffers = { x: x.storage, scale: scale.storage, shift: shift.storage, out };
  if (inner >= ROW_MIN) {
    ctx.dispatch('elementwise_channel', {
      entry: 'rows',
      constants: { WG: ROW_WG, EPT: ROW_EPT },
      uniforms,
      buffers,
      workgroups: rowGrid(ctx, inner, rows),
    });
  } else {
    ctx.dispatch('elementwise_channel', { entry: 'flat', uniforms, buffers, workgroups: groups(n) });
  }
  return out;
}

/** float32 <-> int32 (float to int truncates toward zero and saturates; NaN gives 0). */
export function cast(ctx: GpuContext, x: GBuf, to: DType): GpuStorage {
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  const mode = x.dtype === to ? 2 : to === 'int32' ? 0 : 1;
  ctx.dispatch('elementwise_cast', { constants: { MODE: mode }, uniforms: { n }, buffers: { x: x.storage, out }, workgroups: groups(n) });
  return out;
}
