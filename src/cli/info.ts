/**
 * `auralens info`: what this machine gives auralens — the backend an engine gets, the adapter
 * behind it and the limits that size its work (engine.info()). The first check after install;
 * `--json` prints the same as one JSON object for scripts.
 */
import { createEngine, type EngineInfo } from '../engine/index.js';
import { type CliIo, EXIT_OK } from './errors.js';
import { parseBackend } from './explain.js';

export interface InfoArgs {
  backend: string;
  json?: boolean;
}

/** What each limit means, in the order printed. */
const LIMIT_NOTES: Record<keyof EngineInfo['limits'], string> = {
  maxBindingBytes: 'largest tensor one kernel can read or write; batches are chunked to fit',
  maxBufferSize: 'largest buffer',
  maxStorageBufferBindingSize: 'largest storage binding',
  maxComputeInvocationsPerWorkgroup: 'threads per workgroup',
  maxComputeWorkgroupSizeX: 'workgroup width',
  maxComputeWorkgroupsPerDimension: 'workgroups per dispatch dimension',
  maxComputeWorkgroupStorageSize: 'shared memory per workgroup',
};

const BYTE_LIMITS = new Set<string>(['maxBindingBytes', 'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize']);

/** A limit for people: thousands separated, bytes also in KiB/MiB/GiB, Infinity as 'unbounded'. */
function showLimit(name: string, v: number): string {
  if (!Number.isFinite(v)) return 'unbounded';
  const n = v.toLocaleString('en-US');
  if (!BYTE_LIMITS.has(name)) return n;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${n} bytes (${Number(x.toFixed(1))} ${units[u]})`;
}

/**
 * The engine's info as printed by `auralens info`: human lines, or (json) one JSON object equal
 * to engine.info() with unbounded limits (the CPU backend's workgroup limits, Infinity) as null.
 */
export function formatInfo(info: EngineInfo, json: boolean): string[] {
  if (json) return [JSON.stringify(info, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))];
  const names = Object.keys(LIMIT_NOTES) as (keyof EngineInfo['limits'])[];
  const width = Math.max(...names.map((n) => n.length));
  const shown = names.map((n) => showLimit(n, info.limits[n]));
  const valueWidth = Math.max(...shown.map((s) => s.length));
  return [
    `backend  ${info.backend}`,
    `adapter  ${info.adapter}`,
    'limits',
    ...names.map((n, i) => `  ${n.padEnd(width)}  ${shown[i]!.padEnd(valueWidth)}  ${LIMIT_NOTES[n]}`),
  ];
}

/** Creates an engine on --backend, prints what it has, and frees it. */
export async function infoCommand(a: InfoArgs, io: CliIo): Promise<number> {
  const backend = parseBackend(a.backend);
  const engine = await createEngine({ backend, warn: (m) => io.err(m) });
  try {
    for (const line of formatInfo(engine.info(), Boolean(a.json))) io.out(line);
  } finally {
    engine.dispose();
  }
  return EXIT_OK;
}
