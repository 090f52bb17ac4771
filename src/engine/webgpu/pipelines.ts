/**
 * Compute pipeline cache. Each shader family (shaders/NAME.wgsl, bundled as a string) was
 * reflected at build time (shaderReflection.ts: no WGSL parsing at run time); each (shader, entry
 * point, override constants) gets one pipeline whose bind-group layout is derived from the
 * resources that entry point uses. Shapes travel as uniforms, so the cache does not grow with
 * the shapes seen.
 */
import { shaderReflection, type ShaderReflection } from './shaderReflection.js';
import { shaderSources } from './shaderSources.generated.js';
import type { UniformLayout } from './uniforms.js';

export interface PipelineInfo {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** The uniform binding (at most one per entry point), if any. */
  uniform?: { binding: number; layout: UniformLayout };
  /** Storage bindings by variable name. */
  storage: Map<string, number>;
  workgroupSize: [number, number, number];
}

interface ShaderInfo {
  module: GPUShaderModule;
  reflect: ShaderReflection;
}

/** The cache key of the pipeline of (shader, entry point, override constants). */
export function pipelineKey(name: string, entry = 'main', constants: Record<string, number> = {}): string {
  return `${name}:${entry}:${JSON.stringify(constants)}`;
}

export class PipelineCache {
  private shaders = new Map<string, ShaderInfo>();
  private pipelines = new Map<string, PipelineInfo>();
  private pending = new Map<string, Promise<void>>();
  /** Shaders generated at run time (see define): their code and the bundled shader whose reflection they share. */
  private generated = new Map<string, { code: string; reflectAs: string }>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  /**
   * Makes `name` a shader whose WGSL is generated at run time (code() runs once per name) and whose
   * entry points and bindings are those of the bundled shader `reflectAs` (a template it was
   * generated from). Dispatches and precompile then use `name` like a bundled shader.
   */
  define(name: string, reflectAs: string, code: () => string): void {
    if (!this.generated.has(name)) this.generated.set(name, { code: code(), reflectAs });
  }

  private shader(name: string): ShaderInfo {
    let s = this.shaders.get(name);
    if (!s) {
      const g = this.generated.get(name);
      const code = g ? g.code : shaderSources[name];
      const reflect = shaderReflection[g ? g.reflectAs : name];
      if (code === undefined || reflect === undefined) throw new Error(`unknown shader '${name}' (expected shaders/${name}.wgsl)`);
      s = { module: this.device.createShaderModule({ code, label: name }), reflect };
      this.shaders.set(name, s);
    }
    return s;
  }

  /**
   * The pipeline of (shader, entry, constants), created synchronously on first use. Where the
   * driver compiles in the calling thread (Dawn in Node: lavapipe compiles each pipeline for
   * 0.1–20 s on this machine), that first use holds the JavaScript thread; prepare() compiles
   * ahead of use without holding it. A pipeline still being prepared is created here anyway.
   */
  get(name: string, entry = 'main', constants: Record<string, number> = {}): PipelineInfo {
    const key = pipelineKey(name, entry, constants);
    const p = this.pipelines.get(key);
    if (p) return p;
    const d = this.describe(key, name, entry, constants);
    const info = { ...d.info, pipeline: this.device.createComputePipeline(d.descriptor) };
    this.pipelines.set(key, info);
    return info;
  }

  /**
   * Starts compiling the pipeline of (shader, entry, constants) with createComputePipelineAsync
   * (off the JavaScript thread where the implementation allows: Dawn compiles on a worker thread,
   * browsers in the GPU process), unless it exists or is already being prepared. The promise
   * resolves once the pipeline is in the cache (a compile error is left to get(), which reports it).
   */
  prepare(name: string, entry = 'main', constants: Record<string, number> = {}): Promise<void> {
    const key = pipelineKey(name, entry, constants);
    if (this.pipelines.has(key)) return Promise.resolve();
    const pending = this.pending.get(key);
    if (pending) return pending;
    const d = this.describe(key, name, entry, constants);
    const done = this.device
      .createComputePipelineAsync(d.descriptor)
      .then(
        (pipeline) => {
          if (!this.pipelines.has(key)) this.pipelines.set(key, { ...d.info, pipeline });
        },
        () => undefined,
      )
      .finally(() => this.pending.delete(key));
    this.pending.set(key, done);
    return done;
  }

  /** Whether the pipeline of (shader, entry, constants) is compiled. */
  has(name: string, entry = 'main', constants: Record<string, number> = {}): boolean {
    return this.pipelines.has(pipelineKey(name, entry, constants));
  }

  /** The bind-group layout, reflection and descriptor of one pipeline (everything but compiling it). */
  private describe(
    key: string,
    name: string,
    entry: string,
    constants: Record<string, number>,
  ): { info: Omit<PipelineInfo, 'pipeline'>; descriptor: GPUComputePipelineDescriptor } {
    const s = this.shader(name);
    const ep = Object.hasOwn(s.reflect.entries, entry) ? s.reflect.entries[entry] : undefined;
    if (!ep) throw new Error(`shader '${name}' has no compute entry point '${entry}'`);
    const entries: GPUBindGroupLayoutEntry[] = [];
    const storage = new Map<string, number>();
    let uniform: PipelineInfo['uniform'];
    for (const r of ep.resources) {
      if (r.kind === 'uniform') {
        uniform = { binding: r.binding, layout: r.layout };
        entries.push({ binding: r.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
      } else {
        storage.set(r.name, r.binding);
        entries.push({
          binding: r.binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: r.readOnly ? 'read-only-storage' : 'storage' },
        });
      }
    }
    entries.sort((a, b) => a.binding - b.binding);
    const layout = this.device.createBindGroupLayout({ entries, label: key });
    const descriptor: GPUComputePipelineDescriptor = {
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: s.module, entryPoint: entry, constants },
    };
    // Note: the reflection holds `override` defaults, not the constants passed here.
    const wg = [...ep.workgroupSize] as [number, number, number];
    return { info: { layout, uniform, storage, workgroupSize: wg }, descriptor };
  }
}
