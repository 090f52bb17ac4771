/**
 * What the engine knows about each shader's compute entry points without parsing WGSL at run
 * time: scripts/bundle-shaders.mjs reflects every shader at build time (scripts/shader-reflection.mjs,
 * wgsl_reflect) into shaderReflection.generated.ts. Parsing there instead of here keeps tens to
 * hundreds of ms of parsing per shader off the JavaScript thread on a method's first call.
 */
import type { UniformLayout } from './uniforms.js';

/** One buffer an entry point uses (@group(0) only). */
export type ShaderResource =
  | { name: string; binding: number; kind: 'uniform'; layout: UniformLayout }
  | { name: string; binding: number; kind: 'storage'; readOnly: boolean };

/** One compute entry point: its workgroup size (override defaults) and resources, sorted by binding. */
export interface EntryReflection {
  workgroupSize: number[];
  resources: ShaderResource[];
}

/** A shader's compute entry points by name. */
export interface ShaderReflection {
  entries: Record<string, EntryReflection>;
}

export { shaderReflection } from './shaderReflection.generated.js';
