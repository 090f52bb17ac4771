/**
 * Finds a WebGPU device: in a browser from navigator.gpu, in Node from the `webgpu` package
 * (Dawn). The GPU object Dawn returns must stay referenced while its device lives (Dawn aborts
 * the process otherwise), so it is returned alongside the device for the context to own.
 */
import { NoAdapterError } from '../errors.js';

export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: string;
  /** Keeps Dawn's GPU object alive. */
  owner: unknown;
}

export const DRIVER_HELP =
  'No WebGPU adapter was found. In Node, auralens uses the `webgpu` package (Dawn), which needs a Vulkan driver: ' +
  "on Debian/Ubuntu without a GPU install Mesa's software driver (lavapipe), e.g. on bookworm " +
  '`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`, and set XDG_RUNTIME_DIR. ' +
  'In a browser, use one with WebGPU enabled (Chrome/Edge 113+, or --enable-unsafe-webgpu). ' +
  "Or use createEngine({ backend: 'cpu' }).";

async function nodeGpu(): Promise<GPU | null> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return null;
  try {
    // Variable specifier: keeps browser bundlers from trying to bundle the native addon.
    const spec = 'webgpu';
    const mod = (await import(/* @vite-ignore */ spec)) as { create: (o: string[]) => GPU; globals: object };
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    return mod.create([]);
  } catch {
    return null;
  }
}

/** Returns a device or null when no adapter exists. */
export async function acquireDevice(): Promise<AcquiredDevice | null> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const gpu = browserGpu ?? (await nodeGpu());
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const lim = adapter.limits;
  // GPU timestamps for engine.profile(), where the adapter offers them (never required).
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxBufferSize: lim.maxBufferSize,
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      // The adapter's whole workgroup storage (lavapipe: 32 KiB, the default 16 KiB): the stftMel
      // lane kernel keeps 8 FFT rows there when they fit.
      maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
    },
  });
  const info = adapter.info;
  const adapterInfo = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return { device, adapterInfo, owner: gpu };
}

export function noAdapterError(): NoAdapterError {
  return new NoAdapterError(DRIVER_HELP);
}
