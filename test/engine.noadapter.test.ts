// Without a WebGPU adapter: 'auto' falls back to the CPU reference with a one-line warning and
// 'webgpu' throws NoAdapterError explaining how to install a driver. The adapter lookup is
// replaced by one that finds nothing, as on a machine without a Vulkan driver.
import { describe, expect, it, vi } from 'vitest';

vi.mock('../src/engine/webgpu/gpu.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engine/webgpu/gpu.js')>();
  return { ...real, acquireDevice: async () => null };
});

const { createEngine, NoAdapterError, matmul } = await import('../src/index.js');

describe('createEngine without an adapter', () => {
  it("'auto' falls back to the CPU backend with a one-line warning", async () => {
    const warnings: string[] = [];
    const e = await createEngine({ warn: (m) => warnings.push(m) });
    expect(e.backend).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no WebGPU adapter found, using the CPU reference backend/);
    expect(warnings[0]).not.toContain('\n');
    const x = e.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(await matmul(x, x).read())).toEqual([7, 10, 15, 22]);
    e.dispose();
  });

  it("'webgpu' throws NoAdapterError that says how to install a driver", async () => {
    await expect(createEngine({ backend: 'webgpu' })).rejects.toThrow(NoAdapterError);
    await expect(createEngine({ backend: 'webgpu' })).rejects.toThrow(/mesa-vulkan-drivers/);
    await expect(createEngine({ backend: 'webgpu' })).rejects.toThrow(/XDG_RUNTIME_DIR/);
  });
});
