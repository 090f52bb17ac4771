// Types of scripts/shader-reflection.mjs (build-time shader reflection), for the test that checks
// the generated data against it.
import type { ShaderReflection } from '../src/engine/webgpu/shaderReflection.js';
export declare function reflectShader(name: string, code: string): ShaderReflection;
