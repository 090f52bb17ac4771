// The straight-line stftMel kernel (src/engine/webgpu/kernels/stftMelCodegen.ts) against `lanes2`,
// round-robin in one process (npm run build first):
//   node bench/diag/stft-mel-codegen.mjs [rounds] [path ...]
// A path is any stftMel kernel path ('lanes2', 'lanes2-private', 'rows', ...; the first is the
// baseline of the ratios), 'codegen' (the default radix plan) or 'codegen:8x5x5' (an explicit
// plan, outermost radix first). Defaults: 9 rounds, lanes2 codegen.
// env SHAPES=b64,s30 (64 clips x 3 s, 30 s at 16 kHz), NFFT (default audio.logMel's 400).
// Per path it prints the wall time of engine.precompile on one call (createComputePipelineAsync of
// the pipelines it needs; run with MESA_SHADER_CACHE_DISABLE=true, or Mesa's disk cache answers
// from an earlier run; the first path also compiles the shared melBands pipeline) and the max
// |difference| of the dB output against the first path;
// each round runs every path 3 times and keeps the fastest (process CPU time, lavapipe's worker
// threads included: the steadier measure on a shared machine; wall time beside it).
import { execSync } from 'node:child_process';
import { createEngine, audio } from '../../dist/index.js';
import { forceStftMelPath } from '../../dist/engine/webgpu/kernels/stftMel.js';

process.env.XDG_RUNTIME_DIR ??= '/tmp';
const rounds = +(process.argv[2] ?? 9);
const paths = process.argv.length > 3 ? process.argv.slice(3) : ['lanes2', 'codegen'];
const SR = 16000;
const SHAPES = { s30: [1, 30 * SR], b64: [64, 3 * SR] };
const opts = process.env.NFFT ? { nFft: +process.env.NFFT } : {};
const med = (a) => [...a].sort((u, v) => u - v)[a.length >> 1];
const force = (p) => {
  const [path, plan] = p.split(':');
  forceStftMelPath(path, plan ? plan.split('x').map(Number) : null);
};

const gpu = await createEngine({ backend: 'webgpu' });
for (const key of (process.env.SHAPES ?? 'b64').split(',')) {
  const shape = SHAPES[key];
  const x = gpu.randn(shape, { seed: 7, std: 0.1 });
  const wall = Object.fromEntries(paths.map((p) => [p, []]));
  const cpu = Object.fromEntries(paths.map((p) => [p, []]));
  const once = async (p, keep = false) => {
    force(p);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const y = audio.logMel(x, opts);
    await gpu.sync();
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const data = keep ? await y.readFloat() : null;
    y.dispose();
    return { w, c: (c.user + c.system) / 1000, data };
  };
  let ref = null;
  for (const p of paths) {
    force(p);
    // On an engine of its own, so that this path's pipelines are not already in the cache.
    const tmp = await createEngine({ backend: 'webgpu' });
    const tx = tmp.zeros(shape);
    const t0 = performance.now();
    await tmp.precompile(() => audio.logMel(tx, opts).dispose());
    const compile = performance.now() - t0;
    tx.dispose();
    tmp.dispose();
    const r = await once(p, true);
    ref ??= r.data;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i] - r.data[i]));
    console.log(`  ${p}: precompile ${compile.toFixed(0)} ms wall, max |diff| vs ${paths[0]} ${diff.toExponential(2)} dB`);
  }
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
gpu.dispose();
