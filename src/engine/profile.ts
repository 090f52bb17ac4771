/**
 * engine.profile(fn): runs fn and reports where the device time went, per kernel family.
 *
 * WebGPU: one entry per dispatch, family = shader/entry point (e.g. conv_backward/backWeight),
 * timed with GPU timestamps when the adapter has 'timestamp-query', otherwise by submitting each
 * dispatch alone (see webgpu/profiler.ts). CPU: one entry per backend primitive call, family =
 * the primitive (with its op for unary/binary/reduce, e.g. unary/relu), timed on the host.
 * totalMs is the sum of the entries (kernel time), wallMs the elapsed time of the whole call.
 */
import { ValueError } from './errors.js';
import type { GpuProfileMethod, KernelTiming } from './webgpu/profiler.js';

/** One kernel family's share of a profiled run. */
export interface KernelStats {
  /** shader/entry on WebGPU, the primitive on the CPU. */
  family: string;
  dispatches: number;
  /** Summed time of its dispatches (ms). */
  totalMs: number;
  meanMs: number;
  /** totalMs / the run's totalMs (0..1). */
  share: number;
  /**
   * WebGPU tiled GEMM kernels (matmul, conv2d and its gradients): the tile configurations its
   * dispatches ran with, as WGXxWGY/TMxTN (workgroup shape / outputs per invocation), in first-use
   * order; chosen per problem shape and adapter (see the README's kernel-shape notes).
   */
  configs?: string[];
}

export interface ProfileResult<T> {
  /** What fn returned (awaited). */
  result: T;
  /** Families, most expensive first. */
  kernels: KernelStats[];
  /** Sum of every dispatch's time (ms). */
  totalMs: number;
  dispatches: number;
  /** Host time of the whole profiled call, including fn's own work and waiting (ms). */
  wallMs: number;
  method: GpuProfileMethod | 'cpu-timer';
}

/** Aggregates per-dispatch timings into families sorted by total time. */
export function summarize(timings: readonly KernelTiming[]): { kernels: KernelStats[]; totalMs: number; dispatches: number } {
  const fam = new Map<string, { n: number; ms: number; configs: Set<string> }>();
  let totalMs = 0;
  for (const t of timings) {
    const f = fam.get(t.family) ?? { n: 0, ms: 0, configs: new Set<string>() };
    f.n++;
    f.ms += t.ms;
    if (t.config) f.configs.add(t.config);
    fam.set(t.family, f);
    totalMs += t.ms;
  }
  const kernels: KernelStats[] = [...fam]
    .map(([family, f]) => {
      const k: KernelStats = { family, dispatches: f.n, totalMs: f.ms, meanMs: f.ms / f.n, share: totalMs > 0 ? f.ms / totalMs : 0 };
      if (f.configs.size) k.configs = [...f.configs];
      return k;
    })
    .sort((a, b) => b.totalMs - a.totalMs || a.family.localeCompare(b.family));
  return { kernels, totalMs, dispatches: timings.length };
}

/** Backend methods that are bookkeeping, not primitives (never timed). */
const NOT_PRIMITIVES = new Set(['constructor', 'read', 'free', 'memory', 'flush', 'sync', 'dispose', 'checkAlive', 'data', 'wrap']);

/**
 * Times every primitive call of a host backend until the returned function is called (which
 * restores the methods and returns the timings). Nested primitive calls count once, in the
 * outermost.
 */
export function timePrimitives(impl: object): () => KernelTiming[] {
  const timings: KernelTiming[] = [];
  const proto = Object.getPrototypeOf(impl) as Record<string, unknown>;
  const target = impl as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(proto).filter(
    (n) => typeof proto[n] === 'function' && !NOT_PRIMITIVES.has(n) && !Object.prototype.hasOwnProperty.call(impl, n),
  );
  let depth = 0;
  for (const name of names) {
    const fn = proto[name] as (...a: unknown[]) => unknown;
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (depth > 0) return fn.apply(this, args);
      depth++;
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        depth--;
        timings.push({ family: typeof args[0] === 'string' ? `${name}/${args[0]}` : name, ms: performance.now() - t0 });
      }
    };
  }
  return () => {
    for (const name of names) delete target[name];
    return timings;
  };
}

/** What the profiler needs of the WebGPU context. */
export interface ProfilableContext {
  startProfile(): GpuProfileMethod;
  stopProfile(): Promise<KernelTiming[]>;
}

let active = new WeakSet<object>();

/**
 * Runs fn on an engine's backend with profiling on (see the module note). `sync` waits for the
 * device; `ctx` is the WebGPU context, or null for a host backend `impl`.
 */
export async function runProfiled<T>(
  impl: object,
  ctx: ProfilableContext | null,
  sync: () => Promise<void>,
  fn: () => T | Promise<T>,
): Promise<ProfileResult<Awaited<T>>> {
  if (typeof fn !== 'function') throw new ValueError(`profile: fn must be a function, got ${typeof fn}`);
  if (active.has(impl)) throw new ValueError('profile: this engine is already profiling (profiles do not nest)');
  // Work recorded before the call is not attributed to it.
  await sync();
  active.add(impl);
  let stop: () => Promise<KernelTiming[]> | KernelTiming[];
  let method: ProfileResult<T>['method'];
  if (ctx) {
    method = ctx.startProfile();
    stop = () => ctx.stopProfile();
  } else {
    method = 'cpu-timer';
    stop = timePrimitives(impl);
  }
  const t0 = performance.now();
  let result: Awaited<T>;
  let timings: KernelTiming[];
  try {
    result = await fn();
    await sync();
  } finally {
    timings = await stop();
    active.delete(impl);
  }
  const wallMs = performance.now() - t0;
  return { result, ...summarize(timings), wallMs, method };
}

/** @internal For tests: forgets which engines are profiling. */
export function _resetProfiling(): void {
  active = new WeakSet<object>();
}
