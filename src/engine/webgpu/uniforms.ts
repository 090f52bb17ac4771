/**
 * Packs a uniform struct from named values, using the member offsets and types that
 * wgsl_reflect reads from the shader: kernels pass shapes as uniforms (no recompile per shape),
 * and no wrapper has to repeat WGSL's alignment rules by hand.
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

/** Reads a wgsl_reflect struct type into a flat layout. */
export function uniformLayoutFromReflect(type: any): UniformLayout {
  const members: UniformMember[] = [];
  for (const m of type.members as any[]) {
    const t = m.type;
    let scalar: string;
    let count: number;
    if (t.name === 'array') {
      const elem = t.format;
      if (elem.name.startsWith('vec')) {
        scalar = elem.format.name;
        count = Number(elem.name.slice(3)) * t.count;
        if (t.stride !== Number(elem.name.slice(3)) * 4)
          throw new Error(`uniform ${m.name}: only arrays of vec4 or scalars with 16-byte stride are supported`);
      } else {
        throw new Error(`uniform member ${m.name}: arrays of scalars are padded to 16 bytes in uniforms; use array<vec4<T>, N>`);
      }
    } else if (t.name.startsWith('vec')) {
      scalar = t.format.name;
      count = Number(t.name.slice(3));
    } else {
      scalar = t.name;
      count = 1;
    }
    if (scalar !== 'u32' && scalar !== 'i32' && scalar !== 'f32') throw new Error(`uniform member ${m.name}: unsupported type ${scalar}`);
    members.push({ name: m.name, offset: m.offset, scalar, count });
  }
  return { size: type.size, members };
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
