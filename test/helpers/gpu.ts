/**
 * Test helper: one WebGPU context per test file. With CI set, a missing adapter fails the
 * tests (never skips); elsewhere the WebGPU suites are skipped with a note.
 */
import { acquireDevice } from '../../src/engine/webgpu/gpu.js';
import { GpuContext } from '../../src/engine/webgpu/context.js';
import { WebGpuBackend } from '../../src/engine/webgpu/webgpuBackend.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';

let cached: Promise<WebGpuBackend | null> | null = null;

/** A WebGpuBackend for primitive-level tests, or null when no adapter exists (outside CI). */
export function gpuBackend(): Promise<WebGpuBackend | null> {
  cached ??= (async () => {
    const acq = await acquireDevice();
    if (!acq) {
      if (process.env.CI)
        throw new Error(
          'CI is set but no WebGPU adapter was found: the WGSL tests must run in CI (install mesa-vulkan-drivers from bookworm-backports, set XDG_RUNTIME_DIR)',
        );
      console.warn('no WebGPU adapter: WebGPU tests skipped (they fail in CI)');
      return null;
    }
    return new WebGpuBackend(new GpuContext(acq.device, acq.owner), acq.adapterInfo);
  })();
  return cached;
}

/** True when WebGPU tests can run here (always true in CI, or gpuBackend() throws). */
export const hasGpu = async () => (await gpuBackend()) !== null;

/**
 * A CPU engine and, where an adapter exists, a WebGPU engine, for suites that compare the two
 * backends; `dispose` frees both (call it in afterAll). In CI a missing adapter throws.
 */
export async function enginePair(): Promise<{ cpu: Engine; gpu: Engine | null; gpuAvailable: boolean; dispose: () => void }> {
  const gpuAvailable = (await gpuBackend()) !== null;
  const cpu = await createEngine({ backend: 'cpu' });
  const gpu = gpuAvailable ? await createEngine({ backend: 'webgpu' }) : null;
  return {
    cpu,
    gpu,
    gpuAvailable,
    dispose: () => {
      cpu.dispose();
      gpu?.dispose();
    },
  };
}

/**
 * The backend behind an engine (engine-internal: `Engine` keeps it private), for tests that
 * inspect the GPU context or count primitive calls.
 */
export { backendOf } from '../../src/engine/backendOf.js';
