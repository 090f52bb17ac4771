/**
 * Size-bucketed pool of GPU storage buffers. A released buffer is parked as "pending" until the
 * work recorded so far is submitted (`afterSubmit`): only then may a later queue.writeBuffer
 * overwrite it without racing commands that still read it. A kernel output, though, is written by
 * a command recorded after every command that read the buffer's old contents, and commands run in
 * order, so `acquire(bytes, true)` may take a pending buffer at once: a long batch (a training
 * step's backward) then reuses its temporaries instead of creating (and zero-filling) new buffers.
 * Sizes are rounded up to one of four classes per power of two (at most 25% waste) so that buffers
 * are reused across shapes.
 */
import { OutOfMemoryError } from '../errors.js';

/** A pooled GPU buffer; `bytes` is the rounded size class, `used` the bytes asked for. */
export interface GpuStorage {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
  used: number;
  freed: boolean;
}

const MIN_BYTES = 256;

/** Rounds a byte count up to its size class. */
export function sizeClass(bytes: number): number {
  const n = Math.max(MIN_BYTES, Math.ceil(bytes / 4) * 4);
  const p = 2 ** Math.floor(Math.log2(n));
  const quarter = p / 4;
  return Math.ceil(n / quarter) * quarter;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private pending = new Map<number, GPUBuffer[]>();
  bytesInUse = 0;
  bytesPooled = 0;

  constructor(
    private readonly device: GPUDevice,
    /** The largest tensor a kernel can bind: min(maxBufferSize, maxStorageBufferBindingSize). */
    readonly maxBufferSize: number,
    /** Pooled bytes above this are destroyed instead of kept. */
    private readonly maxPooledBytes = 512 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes`; `inBatch`: the caller only writes it from recorded commands (see the note). */
  acquire(bytes: number, inBatch = false): GpuStorage {
    const size = sizeClass(bytes);
    if (size > this.maxBufferSize) {
      throw new OutOfMemoryError(
        `cannot allocate a tensor of ${bytes} bytes: this device binds at most ${this.maxBufferSize} bytes per buffer ` +
          '(min of maxBufferSize and maxStorageBufferBindingSize); process the batch in smaller chunks',
        bytes,
      );
    }
    // A kernel output takes the buffer released last in the open batch first: a loop of the same
    // ops then binds the same buffers again, so its bind groups are reused (bindGroups.ts).
    let buffer = inBatch ? this.pending.get(size)?.pop() : undefined;
    if (buffer) {
      // Reused within the batch (not counted as pooled while pending).
    } else if ((buffer = this.free.get(size)?.pop())) {
      this.bytesPooled -= size;
    } else {
      buffer = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    }
    this.bytesInUse += size;
    return { buffer, bytes: size, used: bytes, freed: false };
  }

  /** Parks a buffer until the next submit. */
  release(s: GpuStorage): void {
    if (s.freed) return;
    s.freed = true;
    this.bytesInUse -= s.bytes;
    let list = this.pending.get(s.bytes);
    if (!list) this.pending.set(s.bytes, (list = []));
    list.push(s.buffer);
  }

  /** Called once recorded work is submitted: pending buffers become reusable. */
  afterSubmit(): void {
    for (const [size, buffers] of this.pending) {
      for (const buffer of buffers) {
        if (this.bytesPooled + size > this.maxPooledBytes) {
          buffer.destroy();
          continue;
        }
        let list = this.free.get(size);
        if (!list) this.free.set(size, (list = []));
        list.push(buffer);
        this.bytesPooled += size;
      }
    }
    this.pending.clear();
  }

  /** Destroys every pooled buffer (live ones stay). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesPooled = 0;
  }

  destroy(): void {
    this.trim();
    for (const buffers of this.pending.values()) for (const b of buffers) b.destroy();
    this.pending.clear();
  }
}
