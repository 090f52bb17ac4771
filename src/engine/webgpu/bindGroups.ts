/**
 * Bind-group reuse and a guard on bind groups created without an event-loop turn.
 *
 * Why: Dawn (the `webgpu` package, at least on Vulkan/lavapipe) frees a bind group's descriptor
 * set only when it processes completed work, which it does on an event-loop turn. A synchronous
 * loop of ~64k dispatches that each created a fresh bind group (e.g. 100k `exp(x)` in `tidy`, no
 * read, no await) therefore grew native memory without bound and crashed the process (SIGSEGV,
 * issue 11 point 1). Two measures:
 * 1. Bind groups are cached by (pipeline layout, bound buffers, offsets, sizes): the buffer pool
 *    and the uniform ring hand out the same buffers again, so a repeated op reuses its bind group
 *    instead of creating one (the 100k-op loop creates a few hundred in all). The cache is an LRU
 *    of at most `maxCached` entries.
 * 2. Every bind group still created is counted until the next event-loop turn (setImmediate, or setTimeout in browsers); past
 *    `maxCreatedPerTurn` the dispatch throws a ValueError asking for `await engine.sync()` in the
 *    loop — a clear error instead of a native crash, since JavaScript cannot wait for the device
 *    synchronously.
 */
import { ValueError } from '../errors.js';

const g = globalThis as { setImmediate?: (fn: () => void) => unknown };

/** Runs fn on the next event-loop turn: setImmediate in Node, setTimeout(0) in browsers (which lack it). */
function nextTurn(fn: () => void): void {
  if (typeof g.setImmediate === 'function') g.setImmediate(fn);
  else setTimeout(fn, 0);
}

/** Bind groups created without an event-loop turn before dispatches are refused (the crash came near 64k). */
export const MAX_BIND_GROUPS_PER_TURN = 16384;
/** Cached bind groups kept (least recently used dropped first). */
export const MAX_CACHED_BIND_GROUPS = 4096;

export class BindGroupCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private readonly cache = new Map<string, GPUBindGroup>();
  /** Bind groups created since the last event-loop turn. */
  createdThisTurn = 0;
  /** Bind groups created in all (for tests and stats). */
  created = 0;
  private turnScheduled = false;

  constructor(
    private readonly device: GPUDevice,
    /** Bind groups created without an event-loop turn before dispatches throw (tests lower it). */
    public maxCreatedPerTurn = MAX_BIND_GROUPS_PER_TURN,
    readonly maxCached = MAX_CACHED_BIND_GROUPS,
  ) {}

  /** Cached bind groups now held. */
  get size(): number {
    return this.cache.size;
  }

  private id(o: object): number {
    let i = this.ids.get(o);
    if (i === undefined) this.ids.set(o, (i = this.nextId++));
    return i;
  }

  /** The bind group for `layout` and `entries` (buffer bindings only), cached or created. */
  get(layout: GPUBindGroupLayout, entries: GPUBindGroupEntry[], what: string): GPUBindGroup {
    let key = String(this.id(layout));
    for (const en of entries) {
      const r = en.resource as GPUBufferBinding;
      key += `|${en.binding}:${this.id(r.buffer)}:${r.offset ?? 0}:${r.size ?? ''}`;
    }
    const hit = this.cache.get(key);
    if (hit) {
      // Most recently used last (Map keeps insertion order).
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    if (this.createdThisTurn >= this.maxCreatedPerTurn) {
      throw new ValueError(
        `${what}: more than ${this.maxCreatedPerTurn} kernel bindings were created without an event-loop turn; ` +
          'the GPU driver frees them only between turns, so in a long synchronous loop `await engine.sync()` ' +
          '(or read a result) every few hundred iterations',
      );
    }
    const bg = this.device.createBindGroup({ layout, entries });
    this.created++;
    this.createdThisTurn++;
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      nextTurn(() => {
        this.turnScheduled = false;
        this.createdThisTurn = 0;
      });
    }
    this.cache.set(key, bg);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return bg;
  }

  clear(): void {
    this.cache.clear();
  }
}
