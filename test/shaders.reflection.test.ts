/**
 * The engine reads shader reflection (entry points, bind-group resources, uniform layouts) from
 * data generated at build time (scripts/bundle-shaders.mjs → shaderReflection.generated.ts)
 * instead of parsing WGSL at run time. This reflects every bundled shader again with wgsl_reflect
 * (scripts/shader-reflection.mjs) and checks the generated data equals it, so the two never drift,
 * and checks the reflection of one known uniform struct by hand (WGSL alignment rules).
 */
import { describe, expect, it } from 'vitest';
import { reflectShader } from '../scripts/shader-reflection.mjs';
import { shaderReflection } from '../src/engine/webgpu/shaderReflection.js';
import { shaderSources } from '../src/engine/webgpu/shaderSources.generated.js';

describe('build-time shader reflection', () => {
  it('covers exactly the bundled shaders', () => {
    expect(Object.keys(shaderReflection).sort()).toEqual(Object.keys(shaderSources).sort());
  });

  for (const name of Object.keys(shaderSources)) {
    it(`${name}: the generated reflection equals a run-time reflection of its source`, () => {
      const now = reflectShader(name, shaderSources[name]);
      expect(Object.keys(now.entries).length).toBeGreaterThan(0);
      expect(shaderReflection[name]).toEqual(now);
    });
  }

  it('channel_stats/moments: uniform p of seven u32 at 4-byte steps (28 bytes), storage buffers by binding', () => {
    const ep = shaderReflection.channel_stats.entries.moments;
    expect(ep.workgroupSize).toEqual([64, 1, 1]);
    const p = ep.resources[0];
    expect(p.kind).toBe('uniform');
    if (p.kind !== 'uniform') throw new Error('binding 0 is not the uniform');
    expect(p.binding).toBe(0);
    expect(p.layout.size).toBe(28);
    expect(p.layout.members.map((m) => [m.name, m.offset, m.scalar, m.count])).toEqual(
      ['n', 'rows', 'channels', 'inner', 'count', 'parts', 'chunk'].map((n, i) => [n, 4 * i, 'u32', 1]),
    );
    expect(ep.resources.slice(1).map((r) => [r.binding, r.kind === 'storage' && r.readOnly])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [7, false],
    ]);
  });
});
