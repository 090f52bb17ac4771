// The run-wide summary: bench/results/summary.json and summary.md, written by bench/run.mjs after
// every run. One row per workload and backend measured in this run, with its time, GFLOP/s and
// ratios measured in the same run:
// - vsMatmul: its GFLOP/s over the same-run 1024^3 WebGPU matmul (the WGSL ceiling on this machine);
// - vsCpu: the CPU reference backend's time over this row's time for the same workload;
// - vsTfjs: TensorFlow.js's time over auralens's (the peers suite; > 1 means auralens is faster).
// Ratios, not absolute times, are what carries between machines (peer-figures.md: this VM drifts
// ~1.5x within an hour). Also lists the top kernel families of every profiled workload and any
// record of runs elsewhere (bench/results/remote/*.json, e.g. the device run of issue 13 point 9).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const fix = (v, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? null : +v.toFixed(d));

/** Times a 1024^3 float32 matmul on the WebGPU engine (warm-up + median of 3); null without an adapter. */
export async function measureCeiling(lib) {
  const e = await lib.createEngine({ backend: 'auto' });
  try {
    if (e.backend !== 'webgpu') return null;
    const n = 1024;
    const a = e.randn([n, n], { seed: 1 });
    const b = e.randn([n, n], { seed: 2 });
    const times = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const y = lib.matmul(a, b);
      await e.sync();
      await y.read();
      if (i > 0) times.push(performance.now() - t0);
      y.dispose();
    }
    times.sort((x, y) => x - y);
    const ms = times[1];
    return { name: 'matmul 1024^3 (webgpu)', ms: fix(ms, 1), gflops: fix((2 * n ** 3) / 1e6 / ms, 3), adapter: e.info().adapter ?? null };
  } finally {
    e.dispose();
  }
}

/** The rows of one suite's JSON as { suite, workload, backend, name, ms, gflops, ... }. */
function rowsOf(file) {
  const out = [];
  for (const r of file.results ?? []) {
    if (r.error) {
      out.push({ suite: file.suite, name: r.name, workload: r.workload ?? r.name, backend: r.backend ?? null, error: r.error });
      continue;
    }
    if (file.suite === 'peers') {
      out.push({
        suite: 'peers',
        name: r.name,
        workload: r.workload,
        backend: 'webgpu',
        ms: r.auralensMs,
        gflops: r.gflop ? fix(r.gflop / (r.auralensMs / 1000), 3) : null,
        peer: r.peer,
        peerMs: r[`${r.peer}Ms`],
        agreement: r.agreement,
        vsTfjs: r.ratio,
        scaled: r.scaled,
        top: r.topKernels ?? null,
      });
      continue;
    }
    const backend = r.backend ?? (/\bcpu\b/.test(r.name) ? 'cpu' : /webgpu/.test(r.name) ? 'webgpu' : null);
    const workload = r.workload ?? r.name.replace(/\s*\((?:[^()]|\([^()]*\))*\)\s*$/, '');
    out.push({
      suite: file.suite,
      name: r.name,
      workload,
      backend,
      ms: r.ms,
      gflops: r.gflops ?? null,
      scaled: !!(r.scaled || r.scaledFrom),
      top: r.topKernels ?? null,
      ratioToBaseline: r.ratioToBaseline ?? null,
      // The suite's context (e.g. the log-mel suites' PyTorch figure scaled to the workload).
      context: file.context ?? null,
    });
  }
  return out;
}

/** Maps a workload of the other suites onto the peers row measuring the same work. */
const PEER_OF = {
  'genre CNN forward, batch 64': 'peers:forward',
  'saliency (input gradient), 16 clips': 'peers:saliency',
  'log-mel 30 s': 'peers:logmel30s',
};

/**
 * Reads every suite JSON in `dir` written since `since` and writes summary.json and summary.md.
 * @param {{ dir: string, since: Date, ceiling: object|null, suites: string[], notes?: string[] }} o
 */
export function writeSummary(o) {
  const files = readdirSync(o.dir)
    .filter((f) => f.endsWith('.json') && f !== 'summary.json')
    .map((f) => JSON.parse(readFileSync(join(o.dir, f), 'utf8')))
    .filter((j) => j.suite && new Date(j.date) >= o.since);
  const rows = files.flatMap(rowsOf);
  const ceil = o.ceiling?.gflops ?? null;
  for (const r of rows) {
    if (r.error) continue;
    r.vsMatmul = ceil && r.gflops ? fix(r.gflops / ceil, 3) : null;
    const cpu = rows.find((c) => c !== r && c.backend === 'cpu' && c.workload === r.workload && c.ms);
    r.vsCpu = cpu && r.ms ? fix(cpu.ms / r.ms) : null;
    if (r.suite !== 'peers') {
      const p = rows.find((c) => c.suite === 'peers' && c.workload === PEER_OF[r.workload] && c.peerMs);
      r.vsTfjs = p && r.ms && r.backend === 'webgpu' ? fix(p.peerMs / r.ms) : null;
      if (p && r.vsTfjs !== null) r.peer = p.peer;
    }
  }
  const remoteDir = join(o.dir, 'remote');
  const remote = existsSync(remoteDir)
    ? readdirSync(remoteDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(remoteDir, f), 'utf8')))
    : [];
  const summary = {
    date: new Date().toISOString(),
    suites: o.suites,
    ceiling: o.ceiling,
    notes: o.notes ?? [],
    keyRatios: keyRatios(rows),
    rows,
    remote,
  };
  writeFileSync(join(o.dir, 'summary.json'), JSON.stringify(summary, null, 2));
  writeFileSync(join(o.dir, 'summary.md'), markdown(summary));
  return summary;
}

/** The issue-13 targets, from rows of this run (absent rows give no entry). */
function keyRatios(rows) {
  const gpu = (pred) => rows.find((r) => r.backend === 'webgpu' && !r.error && pred(r));
  const out = [];
  const fwd = gpu((r) => r.workload === 'genre CNN forward, batch 64' && r.suite !== 'layers-genre-train-vs-forward');
  const rr = gpu((r) => r.suite === 'layers-genre-train-vs-forward' && r.workload === 'genre CNN forward+backward, batch 64');
  const evalRr = gpu((r) => r.suite === 'layers-genre-train-vs-forward' && r.workload === 'genre CNN forward, batch 64');
  if (rr?.ratioToBaseline)
    out.push({
      what: 'genre CNN training step (forward + backward, train-mode BatchNorm) ÷ its train-mode forward, batch 64 (round-robin)',
      value: rr.ratioToBaseline,
      target: '<= 3',
    });
  if (rr && evalRr?.ms)
    out.push({
      what: 'genre CNN training step ÷ the fused eval-mode forward, batch 64 (round-robin medians; for reference)',
      value: fix(rr.ms / evalRr.ms),
      target: '—',
    });
  for (const layer of ['conv2', 'conv3']) {
    for (const pass of ['input gradient', 'weight gradient']) {
      const b = gpu((r) => r.suite === `layers-conv-passes-${layer}` && r.name.startsWith(`${layer} ${pass}`));
      if (b?.ratioToBaseline)
        out.push({ what: `${layer} ${pass} GFLOP/s ÷ its forward's (round-robin)`, value: fix(1 / b.ratioToBaseline), target: '>= 0.7' });
    }
  }
  if (fwd?.vsMatmul)
    out.push({ what: 'genre CNN forward GFLOP/s ÷ same-run 1024³ matmul', value: fwd.vsMatmul, target: '>= 0.8 (issue 13 point 3)' });
  // The same ratio from the round-robin suite (fused forward, unfused forward and the matmul
  // timed in turn), where machine drift falls on both sides.
  const fusedRr = gpu((r) => r.suite === 'layers-genre-fusion' && /fused\b/.test(r.name) && !/unfused/.test(r.name));
  const mmRr = gpu((r) => r.suite === 'layers-genre-fusion' && r.name.startsWith('matmul'));
  if (fusedRr?.gflops && mmRr?.gflops)
    out.push({
      what: 'genre CNN fused forward GFLOP/s ÷ 1024³ matmul, round-robin medians',
      value: fix(fusedRr.gflops / mmRr.gflops, 3),
      target: '>= 0.8 (issue 13 point 3)',
    });
  // Log-mel (issue 13 point 6): 30 s within 15 ms; 64 clips x 3 s within 3x PyTorch's 30 s figure
  // (peer-figures.md) scaled by audio length (the suite's context holds the scaled figure).
  for (const r of rows.filter((x) => x.backend === 'webgpu' && !x.error && /^log-mel .*(webgpu FFT|fused stftMel)/.test(x.name))) {
    const rr = r.suite.startsWith('frontend-logmel-fused');
    const how = rr ? 'round-robin median' : 'benny mean';
    if (r.workload.startsWith('log-mel 30 s'))
      out.push({ what: `log-mel of 30 s at 16 kHz, ms (${how})`, value: fix(r.ms, 1), target: '<= 15' });
    const c = r.context ?? {};
    const torch =
      c.pytorchScaledMs ??
      (c.peers30s && c.shape && c.sampleRate ? (c.peers30s.pytorchMs * c.shape[0] * c.shape[1]) / (30 * c.sampleRate) : null);
    if (r.workload.startsWith('log-mel 64 x 3 s') && torch)
      out.push({
        what: `log-mel of 64 clips x 3 s ÷ PyTorch's 30 s figure scaled to 192 s (${fix(torch, 1)} ms) (${how})`,
        value: fix(r.ms / torch),
        target: '<= 3',
      });
  }
  for (const r of rows.filter((x) => x.suite === 'peers' && x.vsTfjs))
    out.push({ what: `${r.name}: ${r.peer} ms ÷ auralens ms`, value: r.vsTfjs, target: '>= 2.5' });
  return out;
}

const cell = (v, suffix = '') =>
  v === null || v === undefined ? '—' : `${typeof v === 'number' ? v.toLocaleString('en-US') : v}${suffix}`;

function markdown(s) {
  const L = [];
  L.push('# auralens bench summary', '');
  L.push(`Written by \`npm run bench\` on ${s.date} (suites: ${s.suites.join(', ')}). Ratios are within this one run;`);
  L.push('absolute times drift with the machine. Rows marked * were timed on a prefix of the workload and scaled.', '');
  if (s.ceiling)
    L.push(
      `Same-run ceiling: ${s.ceiling.name} ${s.ceiling.ms} ms = **${s.ceiling.gflops} GFLOP/s** on ${s.ceiling.adapter ?? 'the default adapter'}.`,
      '',
    );
  else L.push('No WebGPU adapter in this run: no matmul ceiling, CPU rows only.', '');
  for (const n of s.notes) L.push(`- ${n}`);
  if (s.notes.length) L.push('');
  if (s.keyRatios.length) {
    L.push('## Key ratios (same run)', '', '| ratio | value | target |', '|---|---:|---|');
    for (const k of s.keyRatios) L.push(`| ${k.what} | ${k.value} | ${k.target} |`);
    L.push('', '## All rows', '');
  }
  L.push(
    '| suite | workload | backend | ms | GFLOP/s | ÷ matmul | × CPU | × tfjs | agreement |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of s.rows) {
    if (r.error) {
      L.push(`| ${r.suite} | ${r.name} | ${r.backend ?? '—'} | failed: ${r.error.replace(/\|/g, '/').slice(0, 120)} | | | | | |`);
      continue;
    }
    const tf = r.vsTfjs !== null && r.vsTfjs !== undefined ? `${r.vsTfjs}× (${r.peer}${r.peerMs ? ` ${cell(r.peerMs)} ms` : ''})` : '—';
    L.push(
      `| ${r.suite} | ${r.name}${r.scaled ? ' *' : ''} | ${r.backend ?? '—'} | ${cell(r.ms)} | ${cell(r.gflops)} | ${r.vsMatmul !== null && r.vsMatmul !== undefined ? `${Math.round(r.vsMatmul * 100)} %` : '—'} | ${cell(r.vsCpu, '×')} | ${tf} | ${typeof r.agreement === 'number' ? r.agreement.toExponential(1) : cell(r.agreement)} |`,
    );
  }
  const profiled = s.rows.filter((r) => r.top && r.top.length);
  if (profiled.length) {
    L.push('', '## Top kernels per workload (engine.profile)', '');
    L.push(
      'Tiled kernels show the tile configurations they ran with in brackets: WGXxWGY/TMxTN (workgroup shape / outputs per invocation), chosen per problem shape and adapter (src/engine/webgpu/tuning.ts).',
      '',
    );
    for (const r of profiled) {
      L.push(
        `- ${r.name}: ${r.top.map((k) => `${k.family}${k.configs?.length ? ` [${k.configs.join(', ')}]` : ''} ${Math.round(k.share * 100)} % (${k.dispatches}×, ${cell(fix(k.totalMs, 1))} ms)`).join('; ')}`,
      );
    }
  }
  L.push('', '## Runs elsewhere', '');
  if (!s.remote.length) L.push('None recorded (bench/results/remote/*.json).');
  for (const r of s.remote) {
    L.push(`- ${r.date ?? ''} ${r.machine ?? ''}: ${r.outcome ?? ''}`);
    for (const row of r.rows ?? [])
      L.push(
        `  - ${row.name}: ${cell(row.ms)} ms${row.gflops ? `, ${row.gflops} GFLOP/s` : ''}${row.vsMatmul ? `, ${Math.round(row.vsMatmul * 100)} % of that run's matmul` : ''}`,
      );
  }
  return L.join('\n') + '\n';
}
