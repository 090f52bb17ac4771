/**
 * The buffer type and helpers shared by the WebGPU kernel wrappers (one file per primitive
 * family, named like its shaders/FAMILY*.wgsl files and its CPU twin src/engine/cpu/FAMILY.ts).
 *
 * Conventions every shader follows (see shaders/elementwise_fill.wgsl for the smallest example):
 * - bindings live in @group(0); at most one `var<uniform> p: Params` struct, storage buffers
 *   by name (the wrapper passes them by WGSL variable name);
 * - shapes and strides travel in the uniform as `array<vec4<u32>, 2>` / `array<vec4<i32>, 2>`
 *   (rank <= MAX_RANK), read with `p.shape[d / 4u][d % 4u]`;
 * - 1-D dispatches may exceed 65,535 workgroups: the context folds them into 2-D and the shader
 *   computes `let wgIndex = wid.x + wid.y * nwg.x;` from @builtin(workgroup_id) wid and
 *   @builtin(num_workgroups) nwg, then `let i = wgIndex * WG + lid.x;` and bound-checks i.
 */
import type { DType } from '../../backend.js';
import type { Shape } from '../../shape.js';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../bufferPool.js';

/**
 * The kernels' view of a tensor: a GPU buffer with its shape and dtype. The Backend's `Buf`
 * has the same fields with an opaque storage; the WebGPU backend narrows one to the other.
 */
export interface GBuf {
  readonly storage: GpuStorage;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Largest tensor rank the kernels take. */
export const MAX_RANK = 8;

/** Default threads per workgroup for elementwise kernels (within WebGPU's default limit of 256). */
export const WG = 64;

/** A new output buffer for `size` 4-byte elements. */
export function output(ctx: GpuContext, size: number): GpuStorage {
  return ctx.alloc(Math.max(1, size) * 4);
}

/** Pads a shape/stride list to MAX_RANK entries (for array<vec4<u32>, 2> uniforms). */
export function pad8(v: readonly number[], fill = 0): number[] {
  if (v.length > MAX_RANK) throw new Error(`tensors of rank > ${MAX_RANK} are not supported by the WebGPU kernels (got rank ${v.length})`);
  const out = v.slice();
  while (out.length < MAX_RANK) out.push(fill);
  return out;
}

/** Workgroups needed for `n` threads at `wg` threads each. */
export function groups(n: number, wg = WG): number {
  return Math.ceil(n / wg);
}
