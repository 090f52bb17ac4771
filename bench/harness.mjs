// Shared bench plumbing: runs benny suites whose cases are async (each iteration waits for the
// device), converts ops/s into ms and GFLOP/s, adds ratios against a baseline case measured in
// the same run, prints a table and writes bench/results/<suite>.json. A case that names its
// `engine` is also run once under engine.profile() and its top kernel families are printed and
// kept in the row (topKernels), so every workload shows where its time goes.
import b from 'benny';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

/**
 * @param {string} name suite name (file name of the JSON)
 * @param {{ name: string, flops?: number, scale?: number, fn: () => Promise<void>, options?: object, engine?: object }[]} cases
 *   flops: of the full workload; scale: full workload / timed prefix (default 1); engine: profile the case on it
 * @param {{ baseline?: string, context?: object }} opts baseline: the case others are compared with
 */
export async function runSuite(name, cases, opts = {}) {
  const summary = await b.suite(
    name,
    ...cases.map((c) => b.add(c.name, async () => c.fn(), { minSamples: 3, maxTime: 4, ...(c.options ?? {}) })),
    b.cycle(),
    b.complete(),
  );
  const rows = summary.results.map((r) => {
    const c = cases.find((x) => x.name === r.name);
    // benny rounds ops/s to an integer (0 for cases slower than 1 s): use the mean sample time.
    // A case timed on a prefix of its workload (scale > 1) is scaled linearly to the full size.
    const scale = c?.scale ?? 1;
    const seconds = r.details.mean * scale;
    const ms = 1000 * seconds;
    return {
      name: r.name,
      ms: +ms.toFixed(3),
      margin: r.margin,
      samples: r.samples,
      gflops: c?.flops ? +(c.flops / 1e9 / seconds).toFixed(3) : null,
      scaledFrom: scale === 1 ? null : `timed on 1/${scale} of the workload`,
    };
  });
  for (const r of rows) {
    const c = cases.find((x) => x.name === r.name);
    r.topKernels = c?.engine ? await topKernels(c.engine, c.fn, r.name) : null;
  }
  const base = rows.find((r) => r.name === opts.baseline);
  for (const r of rows) r.speedupVsBaseline = base ? +(base.ms / r.ms).toFixed(2) : null;
  console.table(rows.map(({ topKernels: _t, ...r }) => r));
  mkdirSync(resultsDir, { recursive: true });
  const out = { suite: name, date: new Date().toISOString(), baseline: opts.baseline ?? null, context: opts.context ?? {}, results: rows };
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(out, null, 2));
  return out;
}

/**
 * Runs fn once under engine.profile() and returns (and prints) its top `n` kernel families as
 * { family, dispatches, totalMs, meanMs, share }; null when the engine cannot profile.
 */
export async function topKernels(engine, fn, label, n = 5) {
  if (typeof engine?.profile !== 'function') return null;
  const p = await engine.profile(fn);
  const top = p.kernels.slice(0, n).map((k) => ({
    family: k.family,
    dispatches: k.dispatches,
    totalMs: +k.totalMs.toFixed(2),
    meanMs: +k.meanMs.toFixed(3),
    share: +k.share.toFixed(3),
    // Tiled kernels: the tile configurations chosen for this workload (WGXxWGY/TMxTN).
    ...(k.configs ? { configs: k.configs } : {}),
  }));
  console.log(
    `  top kernels of ${label} (${p.method}, ${p.dispatches} dispatches, ${p.totalMs.toFixed(1)} ms): ` +
      top.map((k) => `${k.family}${k.configs ? ` [${k.configs.join(', ')}]` : ''} ${(100 * k.share).toFixed(0)} %`).join(', '),
  );
  return top;
}

/**
 * Times cases round-robin (one run of each per round, `rounds` rounds after one warm-up round)
 * and returns each case's median ms. For ratios between cases on a machine whose speed drifts
 * (shared cores): drift then hits every case alike, where benny's case-after-case timing would
 * put it into the ratio. Writes rows like runSuite's (ms, gflops, and the per-round ratio to
 * `baseline`, median over the rounds) to bench/results/<name>.json.
 * @param {string} name
 * @param {{ name: string, flops?: number, scale?: number, fn: () => Promise<void>, engine?: object }[]} cases
 * @param {{ rounds?: number, baseline?: string, context?: object }} opts
 */
export async function runInterleaved(name, cases, opts = {}) {
  const rounds = opts.rounds ?? 5;
  const times = cases.map(() => []);
  for (let r = -1; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const t0 = performance.now();
      await cases[i].fn();
      const ms = performance.now() - t0;
      if (r >= 0) times[i].push(ms * (cases[i].scale ?? 1));
    }
  }
  const med = (v) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const bi = cases.findIndex((c) => c.name === opts.baseline);
  const rows = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const ms = med(times[i]);
    rows.push({
      name: c.name,
      ms: +ms.toFixed(3),
      samples: rounds,
      gflops: c.flops ? +(c.flops / 1e6 / ms).toFixed(3) : null,
      scaledFrom: (c.scale ?? 1) === 1 ? null : `timed on 1/${c.scale} of the workload`,
      // Median over the rounds of (this case / the baseline in the same round).
      ratioToBaseline: bi >= 0 ? +med(times[i].map((t, k) => t / times[bi][k])).toFixed(3) : null,
      roundsMs: times[i].map((t) => +t.toFixed(1)),
      topKernels: c.engine ? await topKernels(c.engine, c.fn, c.name) : null,
    });
  }
  console.table(rows.map(({ topKernels: _t, roundsMs: _r, ...r }) => r));
  mkdirSync(resultsDir, { recursive: true });
  const out = {
    suite: name,
    date: new Date().toISOString(),
    baseline: opts.baseline ?? null,
    context: { interleaved: `${rounds} rounds, round-robin`, ...(opts.context ?? {}) },
    results: rows,
  };
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(out, null, 2));
  return out;
}
