// Diagnosis for issue 13 point 3: the genre CNN forward at batch 64 (eval, fused Conv → BN → ReLU
// blocks, run as 4 chunks of 16 like bench/suites/layers.mjs) as a fraction of the same-run
// 1024^3 matmul's GFLOP/s, for this checkout's dist/ and, when OLD_DIST names another build's
// dist/ folder (say a copy of an earlier commit: `git archive <commit> | tar -x -C /tmp/old`, a
// node_modules symlink, `npm run build` there), for that build too, all cases round-robin in
// one process (each build on its own engine). Prints medians and the per-round ratios' medians.
// Usage: [OLD_DIST=/tmp/old/dist] [PROFILE_ROUNDS=5] node bench/diag/maxpool-model.mjs [rounds]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { topKernels } from '../harness.mjs';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const rounds = +(process.argv[2] ?? 7);
const builds = [['new', new URL('../../dist/index.js', import.meta.url).href]];
if (process.env.OLD_DIST) builds.unshift(['old', pathToFileURL(resolve(process.env.OLD_DIST, 'index.js')).href]);

const FLOPS = 23.36e9;
const MM_FLOPS = 2 * 1024 ** 3;
const MM_REPS = 4;
const cases = [];
const profiles = [];
for (const [label, url] of builds) {
  const lib = await import(url);
  const e = await lib.createEngine({ backend: 'webgpu' });
  const model = lib.models.genreCNN(e, { seed: 0 }).eval();
  const x = e.randn([16, 1, 64, 301], { seed: 5 });
  const a = e.randn([1024, 1024], { seed: 3 });
  const b = e.randn([1024, 1024], { seed: 4 });
  cases.push({
    name: `${label} forward b64`,
    flops: FLOPS,
    fn: async () => {
      const outs = [];
      for (let r = 0; r < 4; r++) outs.push(lib.noGrad(() => model.call(x)));
      await e.sync();
      for (const o of outs) o.dispose();
    },
  });
  profiles.push([label, e, cases[cases.length - 1].fn]);
  cases.push({
    name: `${label} matmul 1024^3`,
    // Several products per run: one takes ~0.5 s, so its time alone is noisier than the forward's.
    flops: MM_REPS * MM_FLOPS,
    fn: async () => {
      const ys = [];
      for (let r = 0; r < MM_REPS; r++) ys.push(lib.matmul(a, b));
      await e.sync();
      for (const y of ys) y.dispose();
    },
  });
}

const times = cases.map(() => []);
for (let r = -1; r < rounds; r++) {
  for (let i = 0; i < cases.length; i++) {
    const t0 = performance.now();
    await cases[i].fn();
    if (r >= 0) times[i].push(performance.now() - t0);
  }
}
const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
for (let i = 0; i < cases.length; i++) {
  const ms = median(times[i]);
  console.log(`${cases[i].name.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms  ${(cases[i].flops / 1e6 / ms).toFixed(2)} GFLOP/s`);
}
// Per round: forward GFLOP/s / matmul GFLOP/s, the matmul's being the mean over the builds in
// that round (the matmul kernel is the same in both; one product per build is the noisier
// denominator), and new forward time / old.
const rate = (i, r) => cases[i].flops / times[i][r];
const mmRate = (r) => builds.reduce((acc, _, k) => acc + rate(2 * k + 1, r), 0) / builds.length;
for (let k = 0; k < builds.length; k++) {
  const ratios = times[0].map((_, r) => rate(2 * k, r) / mmRate(r));
  console.log(`${builds[k][0]}: forward at ${median(ratios).toFixed(3)} of the same-run matmul (median of ${rounds} rounds)`);
}
// Where the forward's time goes (GPU timestamps, or timed submits: each dispatch alone), once per
// build, then PROFILE_ROUNDS more rounds (round-robin) for the median of the max-pool kernels'
// total ms and share.
for (const [label, e, fn] of profiles) await topKernels(e, fn, `the ${label} forward`);
const profRounds = +(process.env.PROFILE_ROUNDS ?? 0);
if (profRounds > 0) {
  const pools = profiles.map(() => []);
  for (let r = 0; r < profRounds; r++) {
    for (let k = 0; k < profiles.length; k++) {
      const [, e, fn] = profiles[k];
      const p = await e.profile(fn);
      const pool = p.kernels.filter((f) => f.family.startsWith('pool/maxPool'));
      const ms = pool.reduce((acc, f) => acc + f.totalMs, 0);
      pools[k].push([ms, ms / p.totalMs]);
    }
  }
  profiles.forEach(([label], k) => {
    const ms = median(pools[k].map((v) => v[0]));
    const share = median(pools[k].map((v) => v[1]));
    console.log(
      `${label}: max-pool kernels ${ms.toFixed(1)} ms per forward, ${(100 * share).toFixed(1)} % of it (median of ${profRounds} profiles)`,
    );
  });
}
if (builds.length === 2) {
  const speed = times[0].map((t, r) => t / times[2][r]);
  console.log(`new forward ${median(speed).toFixed(3)}x as fast as old (median of per-round old/new time)`);
}
