/**
 * GpuContext: owns the device, the buffer pool, the pipeline cache and the open command encoder.
 *
 * Dispatches are recorded into one compute pass of one command encoder; the batch is submitted
 * when a result is read, when the uniform arena is full (a bounded count of dispatches), or on
 * flush(). A forward pass of a model therefore costs one submit, not one per op.
 *
 * Errors: device loss rejects pending and later work with DeviceLostError; out-of-memory and
 * validation errors raised by the driver for a batch are reported by the next read of that
 * batch (as OutOfMemoryError or an AuralensError with the driver's message), never as a hang or
 * a silently wrong result.
 */
import { AuralensError, DeviceLostError, OutOfMemoryError, ValueError } from '../errors.js';
import { BufferPool, type GpuStorage } from './bufferPool.js';
import { PipelineCache, pipelineKey } from './pipelines.js';
import { packUniforms, type UniformValues } from './uniforms.js';
import { BindGroupCache } from './bindGroups.js';
import { GpuProfiler, type GpuProfileMethod, type KernelTiming } from './profiler.js';
import { tilesLabel } from './tuning.js';

export interface DispatchOptions {
  entry?: string;
  /** Pipeline-overridable constants (`override` declarations), part of the pipeline key. */
  constants?: Record<string, number>;
  /** Values of the entry point's uniform struct, by member name. */
  uniforms?: UniformValues;
  /** Storage buffers by the WGSL variable name. */
  buffers: Record<string, GpuStorage>;
  /**
   * Number of workgroups. A single number is a 1-D count that is folded into
   * (min(n, 65535), ceil(n / 65535)) when it exceeds the per-dimension limit: shaders compute
   * their linear workgroup index as wid.x + wid.y * nwg.x and bound-check it.
   */
  workgroups: number | [number, number, number];
}

/** Bytes of uniform data per batch; at 256-byte alignment this bounds a batch to 256 dispatches. */
const UNIFORM_ARENA_BYTES = 64 * 1024;

export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** Reused bind groups and the per-turn creation guard (see bindGroups.ts). */
  readonly bindGroups: BindGroupCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private arena = new ArrayBuffer(UNIFORM_ARENA_BYTES);
  private arenaView = new DataView(this.arena);
  private arenaUsed = 0;
  private uniformBuffers: GPUBuffer[] = [];
  private uniformBuffer: GPUBuffer;
  private readonly align: number;
  private lostError: DeviceLostError | null = null;
  /**
   * Rejecters of the reads now waiting on the device. One device.lost listener (set up in the
   * constructor) rejects them all; a per-read Promise.race with device.lost would instead add a
   * reaction to that never-settling promise on every read (~0.5 KB of heap each, never freed).
   */
  private readonly lostWaiters = new Set<(e: Error) => void>();
  /** Errors the driver reported for submitted batches, delivered to the next read. */
  private pendingErrors: Promise<GPUError | null>[] = [];
  /** Dispatches recorded since the last submit (for tests and stats). */
  dispatchesInBatch = 0;
  /** Total submits (for tests: one forward pass should be one submit). */
  submitCount = 0;
  private disposed = false;
  /** Set while engine.profile() runs. */
  private profiler: GpuProfiler | null = null;
  /** Set while precompile() traces a function: the pipelines its dispatches need. */
  private tracing: Map<string, [string, string | undefined, Record<string, number> | undefined]> | null = null;
  /**
   * The fault flag (one u32) the indexing kernels set when an index computed on the device is out
   * of range (shaders/indexing.wgsl); every read copies it back with the data and reports a set
   * flag as a ValueError, then clears it.
   */
  readonly fault: GpuStorage;

  constructor(
    readonly device: GPUDevice,
    /** The GPU object the device came from; Dawn aborts the process if it is collected. */
    readonly gpuOwner: unknown,
    /** Destroy the device on dispose (false for a device the user passed in). */
    private readonly ownsDevice = true,
    /** A lower cap on one tensor's bytes than the device's (EngineOptions.maxBindingBytes). */
    maxBindingBytes?: number,
  ) {
    this.align = device.limits.minUniformBufferOffsetAlignment;
    const deviceMax = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    this.pool = new BufferPool(device, Math.min(deviceMax, maxBindingBytes ?? deviceMax));
    this.pipelines = new PipelineCache(device);
    this.bindGroups = new BindGroupCache(device);
    this.uniformBuffer = this.newUniformBuffer();
    const faultBuffer = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.fault = { buffer: faultBuffer, bytes: 4, used: 4, freed: false };
    // Errors outside a batch's error scopes (e.g. a buffer created between batches) land here.
    device.addEventListener('uncapturederror', (ev) => {
      this.pendingErrors.push(Promise.resolve((ev as GPUUncapturedErrorEvent).error));
    });
    device.lost.then((info) => {
      this.lostError = new DeviceLostError(`the GPU device was lost (${info.reason}): ${info.message}`, info.reason);
      for (const reject of this.lostWaiters) reject(this.lostError);
      this.lostWaiters.clear();
    });
  }

  private newUniformBuffer(): GPUBuffer {
    return this.device.createBuffer({ size: UNIFORM_ARENA_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Throws if the device is lost or the context disposed. */
  check(): void {
    if (this.lostError) throw this.lostError;
    if (this.disposed) throw new DeviceLostError('the engine was disposed');
  }

  /**
   * A storage of `bytes`. `inBatch` (kernel outputs): the buffer is only written by commands
   * recorded from now on, so one released earlier in the open batch may be reused (see BufferPool).
   */
  alloc(bytes: number, inBatch = false): GpuStorage {
    this.check();
    return this.pool.acquire(bytes, inBatch);
  }

  free(s: GpuStorage): void {
    if (this.disposed) return;
    this.pool.release(s);
  }

  /** Uploads host data into a new buffer (queue.writeBuffer: ordered before the next submit). */
  upload(data: ArrayBufferView, bytes: number): GpuStorage {
    const s = this.alloc(bytes);
    // Written while tracing (precompile) too: a constant uploaded during a trace may be cached and
    // outlive it (the audio front end's window and filterbank), so its contents must be real.
    if (bytes > 0) this.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, bytes);
    return s;
  }

  private beginPass(descriptor?: GPUComputePassDescriptor): GPUComputePassEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
    }
    if (descriptor && this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.pass) this.pass = this.encoder.beginComputePass(descriptor);
    return this.pass;
  }

  /** Starts timing every dispatch (engine.profile); see profiler.ts for the two methods. */
  startProfile(): GpuProfileMethod {
    this.check();
    this.flush();
    this.profiler = new GpuProfiler(this.device);
    return this.profiler.method;
  }

  /** Stops timing; resolves with one entry per dispatch since startProfile once they ran. */
  async stopProfile(): Promise<KernelTiming[]> {
    const prof = this.profiler;
    if (!prof) return [];
    this.flush();
    this.profiler = null;
    return prof.finish();
  }

  /**
   * Compiles, off the JavaScript thread, every pipeline that fn's dispatches use and that is not
   * compiled yet. fn runs once in a tracing mode: buffers are allocated and uploads written as
   * usual, but dispatches and copies are not recorded (its results hold garbage: dispose them;
   * reads throw). Resolves when the pipelines are ready, so that running fn for real afterwards
   * compiles nothing on the thread. fn must be synchronous (ops only, no reads).
   */
  async precompile(fn: () => void): Promise<void> {
    this.check();
    if (this.tracing) throw new ValueError('precompile: calls do not nest');
    const needed: NonNullable<GpuContext['tracing']> = new Map();
    this.tracing = needed;
    try {
      fn();
    } finally {
      this.tracing = null;
    }
    // One pipeline description at a time, yielding between them: describing one creates its
    // shader module and layouts (shaders are reflected at build time, so no WGSL is parsed here).
    const pending: Promise<void>[] = [];
    for (const [shader, entry, constants] of needed.values()) {
      if (this.pipelines.has(shader, entry, constants)) continue;
      pending.push(this.pipelines.prepare(shader, entry, constants));
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.check();
    }
    await Promise.all(pending);
  }

  /** Records one dispatch (while tracing: only starts compiling its pipeline). */
  dispatch(shader: string, o: DispatchOptions): void {
    this.check();
    if (this.tracing) {
      this.tracing.set(pipelineKey(shader, o.entry, o.constants), [shader, o.entry, o.constants]);
      return;
    }
    const p = this.pipelines.get(shader, o.entry, o.constants);
    let wg: [number, number, number];
    if (typeof o.workgroups === 'number') {
      const n = Math.max(0, Math.ceil(o.workgroups));
      if (n === 0) return;
      const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
      wg = n <= maxDim ? [n, 1, 1] : [maxDim, Math.ceil(n / maxDim), 1];
      if (wg[1] > maxDim) throw new OutOfMemoryError(`kernel ${shader}: ${n} workgroups exceed the device's dispatch limit`);
    } else {
      wg = o.workgroups;
      if (wg.some((v) => v === 0)) return;
    }
    let uniformSize = 0;
    if (p.uniform) {
      uniformSize = Math.ceil(p.uniform.layout.size / 16) * 16;
      if (this.arenaUsed + uniformSize > UNIFORM_ARENA_BYTES) this.flush();
    }
    const prof = this.profiler;
    const family = `${shader}/${o.entry ?? 'main'}`;
    // The tiled GEMM kernels' chosen tiles travel with their timings (engine.profile lists them).
    const c = o.constants;
    const config = prof && c && c.TM !== undefined ? tilesLabel(c as { WGX: number; WGY: number; TM: number; TN: number }) : undefined;
    if (prof?.full) this.flush();
    // Profiling with timestamps: each dispatch in a pass of its own that writes them.
    const pass = this.beginPass(prof?.method === 'timestamp-query' ? prof.passFor(family, config) : undefined);
    const entries: GPUBindGroupEntry[] = [];
    if (p.uniform) {
      const offset = this.arenaUsed;
      new Uint8Array(this.arena, offset, uniformSize).fill(0);
      packUniforms(p.uniform.layout, o.uniforms ?? {}, this.arenaView, offset, shader);
      this.arenaUsed = Math.ceil((offset + uniformSize) / this.align) * this.align;
      entries.push({ binding: p.uniform.binding, resource: { buffer: this.uniformBuffer, offset, size: uniformSize } });
    }
    for (const [name, binding] of p.storage) {
      const s = o.buffers[name];
      if (!s) throw new Error(`kernel ${shader}/${o.entry ?? 'main'}: no buffer given for '${name}'`);
      if (s.freed) throw new Error(`kernel ${shader}: buffer '${name}' was freed`);
      entries.push({ binding, resource: { buffer: s.buffer } });
    }
    const bindGroup = this.bindGroups.get(p.layout, entries, family);
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(wg[0], wg[1], wg[2]);
    this.dispatchesInBatch++;
    if (prof?.method === 'timestamp-query') {
      pass.end();
      this.pass = null;
    } else if (prof) {
      // Timed submits: this dispatch alone.
      this.flush();
      prof.submitted(family, config);
    }
  }

  /** Records a buffer-to-buffer copy (ends the open compute pass). */
  copy(src: GpuStorage, srcOffset: number, dst: GPUBuffer | GpuStorage, dstOffset: number, bytes: number): void {
    this.check();
    if (this.tracing) return;
    this.beginPass();
    this.pass!.end();
    this.pass = null;
    const d = 'buffer' in dst ? dst.buffer : dst;
    if (bytes > 0) this.encoder!.copyBufferToBuffer(src.buffer, srcOffset, d, dstOffset, bytes);
  }

  /** Submits the recorded batch (if any); pooled releases become reusable. */
  flush(): void {
    if (this.disposed) return;
    if (this.encoder) {
      if (this.pass) this.pass.end();
      this.pass = null;
      if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.arena, 0, this.arenaUsed);
      const readTimestamps = this.profiler?.resolve(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
      readTimestamps?.();
      this.encoder = null;
      // The uniform buffer keeps its bytes for the submitted commands: rotate to a fresh one so the
      // next batch's writeBuffer cannot be observed by this batch (cheap: buffers are recycled).
      this.uniformBuffers.push(this.uniformBuffer);
      this.uniformBuffer = this.uniformBuffers.length > 8 ? this.uniformBuffers.shift()! : this.newUniformBuffer();
      this.pendingErrors.push(this.device.popErrorScope(), this.device.popErrorScope());
      this.arenaUsed = 0;
      this.submitCount++;
      this.dispatchesInBatch = 0;
    }
    this.pool.afterSubmit();
  }

  /** Reads `bytes` from a storage: submits pending work, copies to a staging buffer, maps it. */
  async read(s: GpuStorage, bytes: number): Promise<ArrayBuffer> {
    this.check();
    if (this.tracing)
      throw new ValueError('precompile: the traced function must not read tensors (it runs only to find the kernels it needs)');
    if (s.freed) throw new Error('read of a freed buffer');
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    // The data, then the fault flag in the last 4 bytes.
    const staging = this.device.createBuffer({ size: size + 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      this.copy(s, 0, staging, 0, size);
      this.copy(this.fault, 0, staging, size, 4);
      this.flush();
      await this.raisePendingErrors();
      await this.unlessLost(staging.mapAsync(GPUMapMode.READ));
      const mapped = staging.getMappedRange(0, size + 4);
      const fault = new Uint32Array(mapped, size, 1)[0];
      const out = mapped.slice(0, bytes);
      staging.unmap();
      if (fault !== 0) {
        this.device.queue.writeBuffer(this.fault.buffer, 0, new Uint32Array(1));
        const fname = ['gather', 'scatterAdd', 'oneHot'][fault - 1] ?? 'an indexing kernel';
        throw new ValueError(
          `${fname}: an index computed on the device was out of range (an earlier ${fname} in this batch of work read no memory for it); ` +
            'check the indices (e.g. class targets against the number of classes)',
        );
      }
      return out;
    } catch (e) {
      if (this.lostError) throw this.lostError;
      // A map aborted by device.destroy() can reject before device.lost resolves.
      if (e instanceof Error && (e.name === 'AbortError' || /destroy|lost/i.test(e.message))) {
        throw new DeviceLostError(`the GPU device was lost while reading: ${e.message}`);
      }
      throw e;
    } finally {
      staging.destroy();
    }
  }

  /** `p`, or a DeviceLostError as soon as the device is lost (whichever comes first). */
  private unlessLost<T>(p: Promise<T>): Promise<T> {
    if (this.lostError) {
      p.catch(() => undefined); // its AbortError would otherwise surface as an unhandled rejection
      return Promise.reject(this.lostError);
    }
    return new Promise<T>((resolve, reject) => {
      this.lostWaiters.add(reject);
      p.then(
        (v) => {
          this.lostWaiters.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          this.lostWaiters.delete(reject);
          reject(e);
        },
      );
    });
  }

  /** Reads waiting on the device now (for tests: 0 when idle, whatever the number of past reads). */
  get pendingReads(): number {
    return this.lostWaiters.size;
  }

  /** Waits for all submitted work and surfaces any driver error it raised. */
  async sync(): Promise<void> {
    this.flush();
    await this.raisePendingErrors();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  private async raisePendingErrors(): Promise<void> {
    const errs = await Promise.all(this.pendingErrors);
    this.pendingErrors = [];
    for (const e of errs) {
      if (!e) continue;
      if (this.lostError) throw this.lostError;
      if (e.constructor.name === 'GPUOutOfMemoryError' || /out of memory|OutOfMemory/i.test(e.message)) {
        this.pool.trim();
        throw new OutOfMemoryError(`the GPU ran out of memory: ${e.message}`);
      }
      throw new AuralensError(`the GPU rejected a kernel (an auralens bug; please report it): ${e.message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.flush();
    this.disposed = true;
    this.pool.destroy();
    this.bindGroups.clear();
    for (const b of this.uniformBuffers) b.destroy();
    this.fault.buffer.destroy();
    this.uniformBuffer.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
