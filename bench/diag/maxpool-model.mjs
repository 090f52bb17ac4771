// Diagnosis for issue 13 point 3: the genre CNN forward at batch 64 (eval, fused Conv → BN → ReLU
// blocks, run as 4 chunks of 16 like bench/suites/layers.mjs) as a fraction of the same-run
// 1024^3 matmul's GFLOP/s, for this checkout's dist/ and, when OLD_DIST names another build's
// dist/ folder (say a copy of an earlier commit: `git archive <commit> | tar -x -C /tmp/old`, a
// node_modules symlink, `npm run build` there), for that build too, all cases round-robin in
// one process (each build on its own engine). Prints medians and the per-round ratios' medians.
// SALIENCY=1 adds each build's input gradient of the 16 clips to the rounds.
// Usage: [OLD_DIST=/tmp/old/dist] [PROFILE_ROUNDS=5] [SALIENCY=1] node bench/diag/maxpool-model.mjs [rounds]
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
  if (process.env.SALIENCY) {
    // The input gradient of a batch of 16 (eval): the max-pool backward runs on the same shapes.
    cases.push({
      name: `${label} input grad b16`,
      flops: 0,
      fn: async () => {
        const g = lib.gradientTape((tape) => tape.gradient(lib.sum(model.call(x)), [x]))[0];
        await e.sync();
        g.dispose();
      },
    });
  }
}

// Like cases of the builds next to each other (old forward, new forward, old matmul, ...): the
// machine's load drifts within a round, and a pair compared should see the same load.
const perBuild = cases.length / builds.length;
cases.splice(
  0,
  cases.length,
  ...Array.from({ length: cases.length }, (_, i) => cases[(i % builds.length) * perBuild + Math.floor(i / builds.length)]),
);
const at = (name) => cases.findIndex((c) => c.name === name);
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
  const rateText = cases[i].flops ? `  ${(cases[i].flops / 1e6 / ms).toFixed(2)} GFLOP/s` : '';
  console.log(`${cases[i].name.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms${rateText}`);
}
// Per round: forward GFLOP/s / matmul GFLOP/s, the matmul's being the mean over the builds in
// that round (the matmul kernel is the same in both; one product per build is the noisier
// denominator).
const rate = (i, r) => cases[i].flops / times[i][r];
const mmRate = (r) => builds.reduce((acc, [label]) => acc + rate(at(`${label} matmul 1024^3`), r), 0) / builds.length;
for (const [label] of builds) {
  const ratios = times[0].map((_, r) => rate(at(`${label} forward b64`), r) / mmRate(r));
  console.log(`${label}: forward at ${median(ratios).toFixed(3)} of the same-run matmul (median of ${rounds} rounds)`);
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
  // New time / old time of each case, per round.
  for (const what of ['forward b64', 'matmul 1024^3', 'input grad b16']) {
    const o = at(`old ${what}`);
    const n = at(`new ${what}`);
    if (o < 0) continue;
    const speed = times[o].map((t, r) => t / times[n][r]);
    console.log(`new ${what} ${median(speed).toFixed(3)}x as fast as old (median of per-round old/new time)`);
  }
}
