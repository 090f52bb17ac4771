// The stftMel kernels round-robin in one process (npm run build first):
//   node bench/diag/stft-mel-lanes.mjs [rounds] [path ...]   (default: 15 lanes2-private lanes2)
// env SHAPES=s30,b64 (30 s at 16 kHz, 64 clips x 3 s), NFFT (default audio.logMel's 400).
// Each round runs every path 3 times and keeps the fastest; the first path is the baseline of
// the per-round ratios. Process CPU time (lavapipe's worker threads included) is the steadier
// measure on a shared machine; wall time is printed beside it.
import { execSync } from 'node:child_process';
import { createEngine, audio } from '../../dist/index.js';
import { forceStftMelPath } from '../../dist/engine/webgpu/kernels/stftMel.js';

process.env.XDG_RUNTIME_DIR ??= '/tmp';
const rounds = +(process.argv[2] ?? 15);
const paths = process.argv.length > 3 ? process.argv.slice(3) : ['lanes2-private', 'lanes2'];
const SR = 16000;
const SHAPES = { s30: [1, 30 * SR], b64: [64, 3 * SR] };
const opts = process.env.NFFT ? { nFft: +process.env.NFFT } : {};
const med = (a) => [...a].sort((u, v) => u - v)[a.length >> 1];

const gpu = await createEngine({ backend: 'webgpu' });
for (const key of (process.env.SHAPES ?? 's30,b64').split(',')) {
  const shape = SHAPES[key];
  const x = gpu.randn(shape, { seed: 7, std: 0.1 });
  const wall = Object.fromEntries(paths.map((p) => [p, []]));
  const cpu = Object.fromEntries(paths.map((p) => [p, []]));
  const once = async (p) => {
    forceStftMelPath(p);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const y = audio.logMel(x, opts);
    await gpu.sync();
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    y.dispose();
    return { w, c: (c.user + c.system) / 1000 };
  };
  for (const p of paths) await once(p); // compile
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const row = {};
    for (const p of r % 2 ? [...paths].reverse() : paths) {
      const runs = [await once(p), await once(p), await once(p)];
      row[p] = Math.min(...runs.map((t) => t.c));
      cpu[p].push(row[p]);
      wall[p].push(Math.min(...runs.map((t) => t.w)));
    }
    ratios.push(paths.slice(1).map((p) => row[p] / row[paths[0]]));
  }
  forceStftMelPath(null);
  console.log(
    `${key} ${shape.join('x')}${opts.nFft ? ` nFft ${opts.nFft}` : ''}, loadavg ${execSync('cat /proc/loadavg').toString().trim()}`,
  );
  for (const p of paths) {
    const f = (a) => `median ${med(a).toFixed(1)} min ${Math.min(...a).toFixed(1)}`;
    console.log(`  ${p}: cpu ms ${f(cpu[p])} | wall ms ${f(wall[p])}`);
  }
  paths.slice(1).forEach((p, i) => {
    const rs = ratios.map((r) => r[i]);
    console.log(`  ${p} / ${paths[0]} (cpu, per round): median ${med(rs).toFixed(2)} [${rs.map((v) => v.toFixed(2)).join(' ')}]`);
  });
  x.dispose();
}
