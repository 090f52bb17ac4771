// Where does a method's first call on a page spend the JavaScript thread? Bundles src/index.ts
// unminified (function names kept), runs one workload of responsiveness-core.mjs in headless
// Chromium under the DevTools Protocol's sampling Profiler, and prints the functions with the most
// self time during the call (and the time in each source file), so a hold can be attributed.
// Usage: node bench/diag/profile-first-call-browser.mjs [name-prefix] (default 'saliency')
// Env: DIAG_FRAMES=n (clip frames, default 48), DIAG_WARM=1 (profile the second call instead),
// CHROMIUM_PATH.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv[2] ?? 'saliency';
const frames = Number(process.env.DIAG_FRAMES ?? 48);
const dir = mkdtempSync(join(tmpdir(), 'auralens-profile-'));
const bundle = join(dir, 'auralens.js');
await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  mainFields: ['browser', 'module', 'main'],
  external: ['node:*', 'webgpu'],
  logLevel: 'warning',
});
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import * as A from '/auralens.js';
import { workloads } from '/core.mjs';
window.__setup = (async () => {
  const e = await A.createEngine({ backend: 'webgpu' });
  const w = workloads(A, e, { frames: ${frames} }).list.find(([n]) => n.toLowerCase().startsWith(${JSON.stringify(only.toLowerCase())}));
  window.__run = async () => { const t = performance.now(); await w[1](); return performance.now() - t; };
  return w[0];
})();
</script>`;
const files = {
  '/': ['text/html', () => page],
  '/auralens.js': ['text/javascript', () => readFileSync(bundle)],
  '/core.mjs': ['text/javascript', () => readFileSync(join(root, 'bench', 'diag', 'responsiveness-core.mjs'))],
};
const server = createServer((req, res) => {
  const f = files[(req.url ?? '/').split('?')[0]];
  if (!f) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': f[0] }).end(f[1]());
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  protocolTimeout: 1_800_000,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--headless=new', '--disable-gpu-sandbox', '--no-first-run', `--user-data-dir=${dir}`],
});
try {
  const p = await browser.newPage();
  await p.goto(`http://127.0.0.1:${server.address().port}/`);
  const name = await p.evaluate(() => window.__setup);
  if (process.env.DIAG_WARM) await p.evaluate(() => window.__run());
  const cdp = await p.createCDPSession();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const ms = await p.evaluate(() => window.__run());
  const { profile } = await cdp.send('Profiler.stop');
  // Self time per node from the samples' time deltas.
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  // esbuild marks each module's start in an unminified bundle with a `// path` comment line.
  const starts = [];
  readFileSync(bundle, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      const m = /^\/\/ (\S+\.m?[jt]s)$/.exec(l);
      if (m) starts.push([i, m[1].replace(/^.*node_modules\/([^/]+)\/.*$/, '$1 (package)')]);
    });
  const moduleAt = (line) => {
    let found = 'auralens.js';
    for (const [at, name] of starts) if (at <= line) found = name;
    return found;
  };
  const byFn = new Map();
  const byFile = new Map();
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const cf = n.callFrame;
    const file = cf.url.endsWith('/auralens.js')
      ? moduleAt(cf.lineNumber)
      : cf.url
        ? cf.url.replace(/^.*\//, '')
        : `(${cf.functionName || 'native'})`;
    const key = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  // The longest stretch of consecutive non-idle samples: an upper bound on the longest hold of the
  // thread (preemption by other processes while JavaScript runs counts too), with its modules.
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  let best = { ms: 0, mods: new Map() };
  let cur = { ms: 0, mods: new Map() };
  profile.samples.forEach((id, i) => {
    const n = nodeById.get(id);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (n.callFrame.functionName === '(idle)') {
      cur = { ms: 0, mods: new Map() };
      return;
    }
    const cf = n.callFrame;
    const mod = cf.url.endsWith('/auralens.js') ? moduleAt(cf.lineNumber) : cf.url || cf.functionName || '(native)';
    cur.ms += dt;
    cur.mods.set(mod, (cur.mods.get(mod) ?? 0) + dt);
    if (cur.ms > best.ms) best = { ms: cur.ms, mods: new Map(cur.mods) };
  });
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, t]) => `  ${t.toFixed(1).padStart(8)} ms  ${n}`);
  console.log(`${name}: ${process.env.DIAG_WARM ? 'second' : 'first'} call ${ms.toFixed(0)} ms; self time by function:`);
  console.log(top(byFn, 25).join('\n'));
  console.log(`longest busy stretch ${best.ms.toFixed(1)} ms:`);
  console.log(top(best.mods, 6).join('\n'));
  console.log('by module:');
  console.log(top(byFile, 12).join('\n'));
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
