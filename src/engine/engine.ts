/**
 * Engine: one backend (WebGPU or the CPU reference) plus tensor creation and memory accounting.
 * Ops are free functions (see ops/) that take tensors and run on the tensors' engine.
 */
import { runProfiled, type ProfilableContext, type ProfileResult } from './profile.js';
import type { Backend, DType } from './backend.js';
import { setBackendAccessor } from './backendOf.js';
import { setGradTable } from './autograd.js';
import { GRADS } from './grads/index.js';
import { CpuBackend } from './cpu/cpuBackend.js';
import { DTypeError, NoAdapterError, OutOfMemoryError, ShapeError, ValueError } from './errors.js';
import { tidy, trackTensor, untrackTensor } from './scope.js';
import { checkShape, fmt, sizeOf, type Shape } from './shape.js';
import { checkEngineOptions } from './options.js';
import { DataRef, Tensor } from './tensor.js';
import { acquireDevice, DRIVER_HELP } from './webgpu/gpu.js';

export interface EngineOptions {
  /** 'auto' (default) uses WebGPU when an adapter exists, else the CPU reference with a warning. */
  backend?: 'webgpu' | 'cpu' | 'auto';
  /** Use this device instead of requesting one (the engine then does not destroy it on dispose). */
  device?: GPUDevice;
  /** Called instead of console.warn for the one-line fallback warning. */
  warn?: (message: string) => void;
  /**
   * Caps the largest tensor a kernel may bind, in bytes (4 per element), below the device's own
   * limit (WebGPU: min(maxBufferSize, maxStorageBufferBindingSize); CPU: 1 GiB). Larger results
   * throw OutOfMemoryError, which model calls answer by running the batch in chunks. For tests of
   * that path, and to bound memory per tensor.
   */
  maxBindingBytes?: number;
}

export interface EngineMemory {
  /** Tensors created on this engine and not yet disposed. */
  liveTensors: number;
  /** Bytes held by live tensors' storage. */
  bytesInUse: number;
  /** Bytes kept in the buffer pool for reuse. */
  bytesPooled: number;
}

export type TensorData = ArrayLike<number> | number;

/** What runs an engine's work, and the device limits that bound a single tensor and kernel. */
export interface EngineInfo {
  backend: 'webgpu' | 'cpu';
  /** The adapter's vendor / architecture / description, or 'cpu reference (float64)'. */
  adapter: string;
  limits: {
    /** Bytes of the largest tensor one kernel can bind: min(maxBufferSize, maxStorageBufferBindingSize). */
    maxBindingBytes: number;
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeWorkgroupsPerDimension: number;
    maxComputeWorkgroupStorageSize: number;
  };
}

/**
 * The CPU reference backend holds float64 arrays; this bound (2^28 elements = 1 GiB at 4 bytes an
 * element, 2 GiB as float64) keeps one tensor well inside a Node heap.
 */
const CPU_MAX_BINDING_BYTES = 2 ** 30;

/** A short description of a value for error messages (never its whole contents). */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  if (v === null) return 'null';
  return typeof v === 'object' || typeof v === 'function' ? `a${/^[aeiou]/.test(typeof v) ? 'n' : ''} ${typeof v}` : String(v);
}

/** The elements of tensor data, checked to be numbers (typed arrays of numbers pass at once). */
function checkTensorData(data: unknown): ArrayLike<number> {
  if (typeof data === 'number') return [data];
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    throw new ValueError('data: bigint arrays are not supported; convert to numbers (e.g. Float64Array.from(data, Number))');
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return data as unknown as ArrayLike<number>;
  if (data === null || typeof data !== 'object' || typeof (data as { length?: unknown }).length !== 'number') {
    throw new ValueError(`data: expected a number, an array or a typed array of numbers, got ${describeValue(data)}`);
  }
  const arr = data as ArrayLike<unknown>;
  for (let i = 0; i < arr.length; i++) {
    if (typeof arr[i] !== 'number') {
      const nested = Array.isArray(arr[i]) ? ' (nested arrays: pass the flat row-major data and a shape)' : '';
      throw new ValueError(`data: expected numbers, got ${describeValue(arr[i])} at index ${i}${nested}`);
    }
  }
  return arr as ArrayLike<number>;
}

export class Engine {
  private live = new Set<Tensor>();
  /** info().limits.maxBindingBytes, read once. */
  private maxTensorBytes: number | undefined;
  private disposed = false;

  /** The backend that runs the primitives: engine-internal, reached through ./backendOf.ts. */
  readonly #impl: Backend;

  static {
    setBackendAccessor((e) => e.#impl);
  }

  /** @internal Use createEngine(). */
  constructor(impl: Backend) {
    this.#impl = impl;
    // The tape imports no ops: it looks backward rules up in the table installed here.
    setGradTable(GRADS);
  }

  /** Which backend runs this engine's ops: 'webgpu' or 'cpu'. */
  get backend(): 'webgpu' | 'cpu' {
    return this.#impl.name;
  }

  /** @internal */
  _register(t: Tensor): void {
    this.live.add(t);
    trackTensor(t);
  }

  /** @internal */
  _unregister(t: Tensor): void {
    this.live.delete(t);
    untrackTensor(t);
  }

  /** @internal Wraps a new storage in a tensor. */
  _wrap(storage: object, shape: Shape, dtype: DType, intRange?: readonly [number, number]): Tensor {
    return new Tensor(this, new DataRef(storage, sizeOf(shape) * 4), shape.slice(), dtype, intRange);
  }

  /** @internal A tensor sharing `t`'s storage with another shape of the same size. */
  _view(t: Tensor, shape: Shape): Tensor {
    t.data.refs++;
    return new Tensor(this, t.data, shape.slice(), t.dtype, t.intRange);
  }

  private checkLive(): void {
    if (this.disposed) throw new ValueError('engine: this engine was disposed');
  }

  /**
   * A tensor from host data (row-major; copied, never aliased). `shape` defaults to [data.length]
   * (or [] for a number). `dtype` defaults to 'int32' for an Int32Array and 'float32' otherwise
   * (as tfjs and PyTorch); int32 data must hold integers. Every element must be a number: a
   * string, undefined, a bigint or an object is a ValueError naming its index, never a NaN.
   */
  tensor(data: TensorData, shape?: readonly number[], dtype?: DType): Tensor {
    this.checkLive();
    const arr = checkTensorData(data);
    const dt: DType = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
    if (dt !== 'float32' && dt !== 'int32') throw new DTypeError(`dtype: expected 'float32' or 'int32', got ${String(dt)}`);
    const sh = shape === undefined ? (typeof data === 'number' ? [] : [arr.length]) : checkShape(shape, 'shape');
    if (sizeOf(sh) !== arr.length) throw new ShapeError(`data: ${arr.length} values do not fill shape ${fmt(sh)} (${sizeOf(sh)} elements)`);
    this.checkElements(arr.length, 'tensor');
    let range: [number, number] | undefined;
    if (dt === 'int32') {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)
          throw new ValueError(`data: int32 tensors need integer values, got ${v} at index ${i}`);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      range = [lo, hi];
    }
    const t = this._wrap(this.#impl.upload(arr, dt), sh, dt, range);
    // The leading values are known here: util.inspect shows them without a device read.
    const head = Array.from({ length: Math.min(arr.length, 8) }, (_, i) => arr[i]);
    t.data.head = dt === 'int32' ? Int32Array.from(head) : Float32Array.from(head);
    return t;
  }

  /**
   * Refuses a tensor of `n` elements past this engine's per-tensor limit (info().limits
   * .maxBindingBytes, 4 bytes an element) with an OutOfMemoryError, on both backends, before any
   * allocation (a raw RangeError from a typed array, or a native abort, otherwise).
   */
  private checkElements(n: number, fname: string): void {
    const limit = (this.maxTensorBytes ??= this.info().limits.maxBindingBytes);
    if (n * 4 > limit) {
      throw new OutOfMemoryError(
        `${fname}: a tensor of ${n} elements (${n * 4} bytes) exceeds this engine's limit of ${limit} bytes per tensor`,
      );
    }
  }

  /** A tensor of the given shape filled with `value`. */
  full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
    this.checkLive();
    const sh = checkShape(shape, 'shape');
    if (typeof value !== 'number' || Number.isNaN(value)) throw new ValueError(`value: expected a number, got ${String(value)}`);
    // zeros([2], { dtype: 'int32' }) (PyTorch's keyword) would otherwise make a tensor whose dtype is an object.
    if (dtype !== 'float32' && dtype !== 'int32')
      throw new DTypeError(`dtype: expected 'float32' or 'int32' (a string, not an options object), got ${describeValue(dtype)}`);
    if (dtype === 'int32' && !Number.isInteger(value)) throw new ValueError(`value: int32 tensors need an integer, got ${value}`);
    this.checkElements(sizeOf(sh), 'full');
    return this._wrap(this.#impl.fill(sizeOf(sh), value, dtype), sh, dtype, dtype === 'int32' ? [value, value] : undefined);
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return this.full(shape, 0, dtype);
  }

  ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return this.full(shape, 1, dtype);
  }

  /** [start, start+step, ...) up to but excluding stop, like numpy.arange. arange(n) = 0..n-1. */
  arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    for (const [k, v] of [
      ['start', start],
      ['stop', stop],
      ['step', step],
    ] as const) {
      if (!Number.isFinite(v)) throw new ValueError(`${k}: expected a finite number, got ${v}`);
    }
    if (step === 0) throw new ValueError('step: must not be 0');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    this.checkElements(n, 'arange');
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = start + i * step;
    return this.tensor(data, [n], dtype);
  }

  /**
   * Uniform random numbers in [low, high), reproducible from `seed` on either backend. The seed is
   * required (there is no global generator whose state a call would silently depend on).
   */
  rand(shape: readonly number[], opts: { seed: number; low?: number; high?: number }): Tensor {
    const o = checkEngineOptions(opts, ['seed', 'low', 'high'], 'rand');
    return this.random(shape, 'uniform', o.seed, o.low ?? 0, o.high ?? 1, 'rand');
  }

  /** Normal random numbers (default mean 0, std 1), reproducible from `seed` (required) on either backend. */
  randn(shape: readonly number[], opts: { seed: number; mean?: number; std?: number }): Tensor {
    const o = checkEngineOptions(opts, ['seed', 'mean', 'std'], 'randn');
    return this.random(shape, 'normal', o.seed, o.mean ?? 0, o.std ?? 1, 'randn');
  }

  private random(
    shape: readonly number[],
    dist: 'uniform' | 'normal',
    seed: number | undefined,
    a: number,
    b: number,
    fname: string,
  ): Tensor {
    this.checkLive();
    const sh = checkShape(shape, 'shape');
    if (seed === undefined)
      throw new ValueError(
        `${fname}: options.seed is required (an integer: the same seed gives the same numbers on both backends), e.g. ${fname}([2, 3], { seed: 0 })`,
      );
    if (!Number.isSafeInteger(seed)) throw new ValueError(`${fname}: seed must be an integer, got ${String(seed)}`);
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new ValueError(`${fname}: distribution parameters must be finite, got ${a}, ${b}`);
    this.checkElements(sizeOf(sh), fname);
    return this._wrap(this.#impl.random(sizeOf(sh), seed, dist, a, b), sh, 'float32');
  }

  /** Runs fn and disposes every tensor it created except those it returns. */
  tidy<T>(fn: () => T): T {
    return tidy(fn);
  }

  /**
   * The backend, the adapter and the limits that matter when sizing work: maxBindingBytes is the
   * largest tensor (in bytes, 4 per element) one kernel can read or write, so batch chunks are
   * sized from it.
   */
  info(): EngineInfo {
    const gpu = (this.#impl as { ctx?: { device: GPUDevice }; adapterInfo?: string }).ctx?.device;
    if (this.#impl.name === 'webgpu' && gpu) {
      const l = gpu.limits;
      return {
        backend: 'webgpu',
        adapter: (this.#impl as { adapterInfo?: string }).adapterInfo ?? 'unknown adapter',
        limits: {
          maxBindingBytes: (this.#impl as unknown as { ctx: { pool: { maxBufferSize: number } } }).ctx.pool.maxBufferSize,
          maxBufferSize: l.maxBufferSize,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        },
      };
    }
    return {
      backend: 'cpu',
      adapter: 'cpu reference (float64)',
      limits: {
        maxBindingBytes: (this.#impl as CpuBackend).maxBindingBytes,
        maxBufferSize: CPU_MAX_BINDING_BYTES,
        maxStorageBufferBindingSize: CPU_MAX_BINDING_BYTES,
        maxComputeInvocationsPerWorkgroup: Infinity,
        maxComputeWorkgroupSizeX: Infinity,
        maxComputeWorkgroupsPerDimension: Infinity,
        maxComputeWorkgroupStorageSize: Infinity,
      },
    };
  }

  /** Live tensor count and bytes in use / pooled on this engine. */
  memory(): EngineMemory {
    const m = this.#impl.memory();
    return { liveTensors: this.live.size, bytesInUse: m.bytesInUse, bytesPooled: m.bytesPooled };
  }

  /** Submits recorded GPU work now (reads do this by themselves). */
  flush(): void {
    this.#impl.flush();
  }

  /**
   * Runs fn (sync or async) and reports the device time per kernel family: on WebGPU one entry per
   * dispatch, family shader/entry (e.g. conv_backward/backWeight), timed with GPU timestamps when
   * the adapter has 'timestamp-query', otherwise by submitting each dispatch alone; on the CPU one
   * entry per backend primitive call (e.g. conv2d, unary/relu), timed on the host. Returns fn's
   * result with { kernels: [{ family, dispatches, totalMs, meanMs, share }] (most expensive
   * first), totalMs (their sum), dispatches, wallMs, method }. Work recorded before the call is
   * finished first and not counted. Profiled runs are slower (one pass or submit per dispatch):
   * read the shares. Profiles do not nest.
   */
  async profile<T>(fn: () => T | Promise<T>): Promise<ProfileResult<Awaited<T>>> {
    this.checkLive();
    const ctx = this.#impl.name === 'webgpu' ? ((this.#impl as unknown as { ctx: ProfilableContext }).ctx ?? null) : null;
    return runProfiled(this.#impl, ctx, () => this.#impl.sync(), fn);
  }

  /**
   * Compiles, without holding the JavaScript thread, the GPU kernels that fn would run and that
   * are not compiled yet; resolves when they are ready. On WebGPU fn runs once in a tracing mode
   * (tensors are allocated, kernels are not run: its results hold garbage, and tensors it creates
   * are disposed with it when fn runs inside tidy); it must be synchronous and must not read
   * tensors. Where compiling happens on the calling thread (Node's Dawn on lavapipe: 0.1–20 s per
   * kernel on first use), running fn after this compiles nothing there. On the CPU backend fn is
   * not run and this resolves at once. Long methods call it before their first chunk.
   */
  async precompile(fn: () => void): Promise<void> {
    this.checkLive();
    const ctx =
      this.#impl.name === 'webgpu' ? (this.#impl as unknown as { ctx?: { precompile(f: () => void): Promise<void> } }).ctx : undefined;
    if (ctx) await ctx.precompile(fn);
  }

  /** Waits until all recorded work has run on the device (for timing; reads wait by themselves). */
  async sync(): Promise<void> {
    this.checkLive();
    await this.#impl.sync();
  }

  /** Disposes every live tensor and releases the device. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of [...this.live]) t.dispose();
    this.#impl.dispose();
    this.disposed = true;
  }
}

/**
 * Creates an engine. backend 'auto' (default) picks WebGPU when an adapter is found (Node: the
 * `webgpu` package; browser: navigator.gpu) and otherwise falls back to the CPU reference with a
 * one-line warning; 'webgpu' throws NoAdapterError (explaining how to install a driver) instead.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options === null || typeof options !== 'object')
    throw new ValueError(`createEngine: options must be an object, got ${describeValue(options)}`);
  checkEngineOptions(options, ['backend', 'device', 'warn', 'maxBindingBytes'], 'createEngine');
  const want = options.backend ?? 'auto';
  if (!['webgpu', 'cpu', 'auto'].includes(want)) throw new ValueError(`backend: expected 'webgpu', 'cpu' or 'auto', got ${String(want)}`);
  const cap = options.maxBindingBytes;
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 4))
    throw new ValueError(`maxBindingBytes: expected an integer number of bytes >= 4, got ${String(cap)}`);
  if (want === 'cpu') return new Engine(new CpuBackend(Math.min(cap ?? CPU_MAX_BINDING_BYTES, CPU_MAX_BINDING_BYTES)));
  // Loaded on demand: a CPU-only engine never loads the kernels or their reflection.
  const { GpuContext } = await import('./webgpu/context.js');
  const { WebGpuBackend } = await import('./webgpu/webgpuBackend.js');
  if (options.device !== undefined && options.device !== null) {
    const d = options.device as Partial<GPUDevice> | null;
    if (
      d === null ||
      typeof d !== 'object' ||
      typeof d.createBuffer !== 'function' ||
      typeof d.createComputePipeline !== 'function' ||
      !d.queue ||
      !d.limits
    ) {
      throw new ValueError(`createEngine: options.device must be a GPUDevice (from adapter.requestDevice()), got ${describeValue(d)}`);
    }
    return new Engine(new WebGpuBackend(new GpuContext(options.device, null, false, cap), 'user device'));
  }
  const acq = await acquireDevice();
  if (!acq) {
    if (want === 'webgpu') throw new NoAdapterError(DRIVER_HELP);
    (options.warn ?? console.warn)('auralens: no WebGPU adapter found, using the CPU reference backend (slow).');
    return new Engine(new CpuBackend(Math.min(cap ?? CPU_MAX_BINDING_BYTES, CPU_MAX_BINDING_BYTES)));
  }
  return new Engine(new WebGpuBackend(new GpuContext(acq.device, acq.owner, true, cap), acq.adapterInfo));
}
