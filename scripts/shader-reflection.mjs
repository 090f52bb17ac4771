// Build-time shader reflection: reads each bundled shader once with wgsl_reflect (a WGSL parser,
// tens of ms a shader and up to ~170 ms for fft.wgsl, on the JavaScript thread) and keeps only
// what the engine needs to make pipelines and pack uniforms. scripts/bundle-shaders.mjs writes
// the result next to the sources (src/engine/webgpu/shaderReflection.generated.ts), so a program
// never parses WGSL at run time; test/shaders.reflection.test.ts reflects every shader again and
// checks the generated data equals it.
import { ResourceType, WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

/** A uniform struct's flat layout (see UniformLayout in src/engine/webgpu/uniforms.ts). */
function uniformLayout(type, where) {
  const members = [];
  for (const m of type.members) {
    const t = m.type;
    let scalar;
    let count;
    if (t.name === 'array') {
      const elem = t.format;
      if (!elem.name.startsWith('vec'))
        throw new Error(`${where}: uniform member ${m.name}: arrays of scalars are padded to 16 bytes in uniforms; use array<vec4<T>, N>`);
      scalar = elem.format.name;
      count = Number(elem.name.slice(3)) * t.count;
      if (t.stride !== Number(elem.name.slice(3)) * 4)
        throw new Error(`${where}: uniform ${m.name}: only arrays of vec4 or scalars with 16-byte stride are supported`);
    } else if (t.name.startsWith('vec')) {
      scalar = t.format.name;
      count = Number(t.name.slice(3));
    } else {
      scalar = t.name;
      count = 1;
    }
    if (scalar !== 'u32' && scalar !== 'i32' && scalar !== 'f32')
      throw new Error(`${where}: uniform member ${m.name}: unsupported type ${scalar}`);
    members.push({ name: m.name, offset: m.offset, scalar, count });
  }
  return { size: type.size, members };
}

/**
 * The compute entry points of one WGSL source: per entry point its workgroup size (the
 * `override` defaults where the size uses overrides) and the resources it uses, sorted by binding:
 * { name, binding, kind: 'uniform', layout } or { name, binding, kind: 'storage', readOnly }.
 * Only @group(0) uniform and storage buffers are supported; anything else is an error here.
 */
export function reflectShader(name, code) {
  const r = new WgslReflect(code);
  const entries = {};
  for (const ep of r.entry.compute) {
    const resources = [];
    for (const res of ep.resources) {
      const where = `shader '${name}', entry '${ep.name}'`;
      if (res.group !== 0) throw new Error(`${where}: only @group(0) is supported (${res.name})`);
      if (res.resourceType === ResourceType.Uniform) {
        resources.push({ name: res.name, binding: res.binding, kind: 'uniform', layout: uniformLayout(res.type, where) });
      } else if (res.resourceType === ResourceType.Storage) {
        resources.push({ name: res.name, binding: res.binding, kind: 'storage', readOnly: res.access === 'read' });
      } else {
        throw new Error(`${where}: unsupported resource ${res.name}`);
      }
    }
    resources.sort((a, b) => a.binding - b.binding);
    const workgroupSize = (ep.workgroupSize ?? [1, 1, 1]).map((v) => Number(v));
    entries[ep.name] = { workgroupSize, resources };
  }
  return { entries };
}
