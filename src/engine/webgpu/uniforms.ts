/**
 * Packs a uniform struct from named values, using the member offsets and types read from the
 * shader (by wgsl_reflect at build time, scripts/shader-reflection.mjs): kernels pass shapes as
 * uniforms (no recompile per shape), and no wrapper has to repeat WGSL's alignment rules by hand.
 */
export interface UniformMember {
  name: string;
  offset: number;
  /** Scalar type of each element: 'u32' | 'i32' | 'f32'. */
  scalar: 'u32' | 'i32' | 'f32';
  /** Number of scalars (1 for a scalar; 4 for vec4; 8 for array<vec4<u32>, 2>). */
  count: number;
}

export interface UniformLayout {
  size: number;
  members: UniformMember[];
}

export type UniformValues = Record<string, number | readonly number[]>;

/** Writes values into `view` at byte offset `base`. Missing members are zero; unknown names throw. */
export function packUniforms(layout: UniformLayout, values: UniformValues, view: DataView, base: number, shaderName: string): void {
  for (const key of Object.keys(values)) {
    if (!layout.members.some((m) => m.name === key)) throw new Error(`kernel ${shaderName}: uniform has no member '${key}'`);
  }
  for (const m of layout.members) {
    const v = values[m.name];
    for (let i = 0; i < m.count; i++) {
      const x = v === undefined ? 0 : typeof v === 'number' ? (i === 0 ? v : 0) : (v[i] ?? 0);
      const at = base + m.offset + 4 * i;
      if (m.scalar === 'f32') view.setFloat32(at, x, true);
      else if (m.scalar === 'i32') view.setInt32(at, x, true);
      else view.setUint32(at, x >>> 0, true);
    }
  }
}
