/**
 * The WebGPU side of engine.profile(): a duration per dispatch, labelled with its kernel family
 * (shader/entry point).
 *
 * With the adapter's 'timestamp-query' feature (requested at device creation when offered), every
 * dispatch recorded while profiling runs in its own compute pass whose beginning and end write GPU
 * timestamps into a query set; at each submit the set is resolved and copied to a staging buffer
 * read after the batch ran. Without it, every dispatch is submitted alone and timed on the host
 * from its submit (or the previous dispatch's completion, whichever is later: the queue runs in
 * order) to its onSubmittedWorkDone, so submit overhead and the host's polling granularity are
 * included. Either way the dispatches run one pass (or one submit) each, so a profiled run is
 * slower than an unprofiled one; the shares are what to read.
 */

/** One timed dispatch. */
export interface KernelTiming {
  family: string;
  ms: number;
  /** The tile configuration of a tiled GEMM kernel (tuning.ts's label, e.g. 8x2/8x8). */
  config?: string;
}

export type GpuProfileMethod = 'timestamp-query' | 'timed-submits';

/** Timestamp queries per batch (two per dispatch); a full set makes the context submit early. */
const QUERIES = 2048;

interface Batch {
  set: GPUQuerySet;
  families: string[];
  configs: (string | undefined)[];
}

export class GpuProfiler {
  readonly method: GpuProfileMethod;
  private readonly timings: KernelTiming[] = [];
  private readonly pending: Promise<void>[] = [];
  private batch: Batch | null = null;
  private lastDone = 0;

  constructor(private readonly device: GPUDevice) {
    this.method = device.features.has('timestamp-query') ? 'timestamp-query' : 'timed-submits';
  }

  /** Timestamp mode: the batch's query set is full, the context must submit before the next dispatch. */
  get full(): boolean {
    return !!this.batch && this.batch.families.length * 2 >= QUERIES;
  }

  /** Timestamp mode: the pass descriptor for the next dispatch, whose family (and tiles) it records. */
  passFor(family: string, config?: string): GPUComputePassDescriptor {
    if (!this.batch) this.batch = { set: this.device.createQuerySet({ type: 'timestamp', count: QUERIES }), families: [], configs: [] };
    const k = this.batch.families.length;
    this.batch.families.push(family);
    this.batch.configs.push(config);
    return { timestampWrites: { querySet: this.batch.set, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 } };
  }

  /** Timestamp mode: called with the open encoder (no pass open) just before it is finished and submitted. */
  resolve(encoder: GPUCommandEncoder): (() => void) | null {
    const b = this.batch;
    if (!b || b.families.length === 0) return null;
    this.batch = null;
    const count = 2 * b.families.length;
    const bytes = count * 8;
    const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(b.set, 0, count, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    // After the submit: read the timestamps once the batch ran.
    return () => {
      this.pending.push(
        staging
          .mapAsync(GPUMapMode.READ)
          .then(() => {
            const t = new BigUint64Array(staging.getMappedRange().slice(0));
            staging.unmap();
            b.families.forEach((family, k) => {
              const ns = t[2 * k + 1] >= t[2 * k] ? Number(t[2 * k + 1] - t[2 * k]) : 0;
              const config = b.configs[k];
              this.timings.push(config ? { family, ms: ns / 1e6, config } : { family, ms: ns / 1e6 });
            });
          })
          .finally(() => {
            staging.destroy();
            resolved.destroy();
            b.set.destroy();
          }),
      );
    };
  }

  /** Timed-submits mode: called right after a submit holding exactly one dispatch of `family`. */
  submitted(family: string, config?: string): void {
    const submittedAt = performance.now();
    const entry: KernelTiming = config ? { family, ms: 0, config } : { family, ms: 0 };
    this.timings.push(entry);
    this.pending.push(
      this.device.queue.onSubmittedWorkDone().then(() => {
        const done = performance.now();
        entry.ms = Math.max(0, done - Math.max(submittedAt, this.lastDone));
        this.lastDone = done;
      }),
    );
  }

  /** Waits for every outstanding measurement; the timings in dispatch order (per batch). */
  async finish(): Promise<KernelTiming[]> {
    await Promise.all(this.pending);
    this.batch?.set.destroy();
    this.batch = null;
    return this.timings;
  }
}
