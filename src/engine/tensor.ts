/**
 * Tensor: an immutable, contiguous, row-major array of float32 (or int32) on one engine.
 * Several tensors may share one storage (reshape is free); the storage goes back to the backend
 * when the last of them is disposed.
 */
import { backendOf } from './backendOf.js';
import type { Buf, DType, Storage } from './backend.js';
import { DisposedError, DTypeError } from './errors.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import type { Engine } from './engine.js';

/** How many leading values util.inspect shows. */
const INSPECT_VALUES = 8;

/** Storage plus a count of the tensors that share it. */
export class DataRef {
  refs = 1;
  /**
   * The first values in row-major order, when known on the host without a device read (the data
   * a tensor was made from, or an earlier read): tensors are immutable, so they stay true, and the
   * views sharing this storage (reshape) have the same leading values. For util.inspect.
   */
  head?: Float32Array | Int32Array;
  constructor(
    readonly storage: Storage,
    readonly bytes: number,
  ) {}
}

let nextId = 1;

export class Tensor implements Buf {
  /** Unique id (stable for the tensor's life). */
  readonly id = nextId++;
  readonly size: number;
  private disposedFlag = false;
  /**
   * For int32 tensors: the [min, max] of the values, known without reading the GPU (host data,
   * argmax output). Ops that index with the tensor check it; undefined when not known.
   */
  readonly intRange?: readonly [number, number];

  /** @internal Use engine.tensor / engine.zeros / ops to make tensors. */
  constructor(
    readonly engine: Engine,
    /** @internal */ readonly data: DataRef,
    readonly shape: Shape,
    readonly dtype: DType,
    intRange?: readonly [number, number],
    /** false for the tape's private aliases: not counted as live, not owned by tidy scopes. */
    private readonly tracked = true,
  ) {
    this.size = sizeOf(shape);
    this.intRange = intRange;
    if (tracked) engine._register(this);
  }

  /**
   * @internal An untracked alias sharing this tensor's storage (its reference count keeps the
   * storage alive). The autograd tape holds aliases of the tensors a backward rule needs, so ops
   * may dispose their intermediates while a gradient is still to be taken.
   */
  _retain(): Tensor {
    this.assertLive('tensor');
    this.data.refs++;
    return new Tensor(this.engine, this.data, this.shape, this.dtype, this.intRange, false);
  }

  /** @internal The backend storage (throws if disposed). */
  get storage(): Storage {
    if (this.disposedFlag) throw new DisposedError(`tensor #${this.id} ${fmt(this.shape)} was used after dispose()`);
    return this.data.storage;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Copies the values to the host: a Float32Array (float32) or Int32Array (int32), row-major. */
  async read(): Promise<Float32Array | Int32Array> {
    this.assertLive('tensor');
    const values = await backendOf(this.engine).read(this.data.storage, this.size, this.dtype);
    this.data.head ??= values.slice(0, INSPECT_VALUES);
    return values;
  }

  /** Reads a float32 tensor (throws for int32). Convenience for typed code. */
  async readFloat(): Promise<Float32Array> {
    const v = await this.read();
    if (!(v instanceof Float32Array)) throw new DTypeError('readFloat: tensor is int32; use read()');
    return v;
  }

  /** Reads a tensor holding exactly one element as a number. */
  async item(): Promise<number> {
    const v = await this.read();
    return v[0];
  }

  /** Releases the tensor now. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    if (this.tracked) this.engine._unregister(this);
    if (--this.data.refs === 0) backendOf(this.engine).free(this.data.storage);
  }

  /** Throws a DisposedError naming `arg` if this tensor was disposed. */
  assertLive(arg: string): void {
    if (this.disposedFlag) throw new DisposedError(`${arg}: tensor #${this.id} ${fmt(this.shape)} was used after dispose()`);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype})`;
  }

  /**
   * A one-line summary with the leading values, e.g. `Tensor [2, 3] float32 [1, 2, 3, 4, 5, 6]`
   * (at most `maxValues` values, then "..."). Reads the data (async on WebGPU).
   */
  async format(maxValues = 8): Promise<string> {
    this.assertLive('format');
    const values = this.size > 0 ? await this.read() : new Float32Array(0);
    const head = Array.from(values.subarray(0, Math.max(0, maxValues)), (v) => String(+v.toPrecision(6)));
    const more = this.size > head.length ? `, ... (${this.size} values)` : '';
    return `Tensor [${this.shape.join(', ')}] ${this.dtype} [${head.join(', ')}${more}]`;
  }

  /** Prints format() to the console (shape, dtype and the leading values). */
  async print(maxValues = 8): Promise<void> {
    console.log(await this.format(maxValues));
  }

  /**
   * What Node's console.log / util.inspect show: shape, dtype, backend and the leading values when
   * they are on the host without a device read (tensors made from host data, any tensor after a
   * read(), and every tensor of the CPU backend); otherwise a pointer to `await t.print()`.
   * Never the engine's internals.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const where = `${this.toString()} #${this.id} on ${this.engine.backend}`;
    if (this.isDisposed) return `${where} (disposed)`;
    const head = this.data.head ?? backendOf(this.engine).peek?.(this.data.storage, Math.min(this.size, INSPECT_VALUES), this.dtype);
    if (!head) return `${where} (values: await t.print())`;
    const shown = Array.from(head.subarray(0, Math.min(this.size, INSPECT_VALUES)), (v) => String(+v.toPrecision(6)));
    return `${where} [${shown.join(', ')}${this.size > shown.length ? `, ... (${this.size} values)` : ''}]`;
  }
}
