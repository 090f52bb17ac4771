// Headless-Chromium driver of the responsiveness diagnosis (see responsiveness-core.mjs): the
// browser bundle (npm run build:browser → dist/browser/auralens.js) on WebGPU in a page, served
// from 127.0.0.1, driven by puppeteer-core (Debian's chromium, or CHROMIUM_PATH).
// Usage: node bench/diag/responsiveness-browser.mjs [name-prefix ...] [--json out.json]
// Env: DIAG_BUNDLE=path (another bundle, e.g. one built from an older commit, to compare),
// DIAG_FRAMES=n (clip frames, default 301: fewer for quicker runs on SwiftShader, where LIME or
// KernelSHAP's 128 samples take ~3 min a call at 301 frames), DIAG_DUMPIO=1 (Chromium's output).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const out = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const only = args.length ? args : null;

const page = `<!doctype html><meta charset="utf-8"><script type="module">
import * as A from '/auralens.js';
import { diagnose } from '/core.mjs';
window.__diag = (async () => {
  try {
    const e = await A.createEngine({ backend: 'webgpu' });
    const res = await diagnose(A, e, { only: ${JSON.stringify(only)}, frames: ${Number(process.env.DIAG_FRAMES ?? 301)}, log: (r) => console.log('ROW ' + JSON.stringify(r)) });
    return { adapter: e.info().adapter ?? e.info().adapterInfo, ...res };
  } catch (err) { return { error: String(err && err.stack || err) }; }
})();
</script>`;
const files = {
  '/': ['text/html', () => page],
  '/auralens.js': ['text/javascript', () => readFileSync(process.env.DIAG_BUNDLE ?? join(root, 'dist', 'browser', 'auralens.js'))],
  '/core.mjs': ['text/javascript', () => readFileSync(join(root, 'bench', 'diag', 'responsiveness-core.mjs'))],
};
const server = createServer((req, res) => {
  const f = files[(req.url ?? '/').split('?')[0]];
  if (!f) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': f[0] }).end(f[1]());
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const dir = mkdtempSync(join(tmpdir(), 'auralens-diag-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  protocolTimeout: 1_800_000,
  // Puppeteer's own SIGTERM handler closes the browser, and the pending evaluate then fails with
  // "Target closed", which reads like a page crash (LIME and KernelSHAP at 301 frames take ~3 min a
  // call on SwiftShader, past a 400 s `timeout` for the pair); say what happened instead.
  handleSIGTERM: false,
  dumpio: !!process.env.DIAG_DUMPIO,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--headless=new', '--disable-gpu-sandbox', '--no-first-run', `--user-data-dir=${dir}`],
});
process.once('SIGTERM', () => {
  console.error('diag: stopped by SIGTERM (an outer `timeout`?) while the page was still computing, not a page crash');
  process.exit(143); // puppeteer's exit handler kills Chromium
});
try {
  const p = await browser.newPage();
  p.on('console', (m) => console.log(m.text()));
  await p.goto(`http://127.0.0.1:${server.address().port}/`);
  const res = await p.evaluate(() => window.__diag);
  if (res.error) console.error(res.error);
  console.log(JSON.stringify({ adapter: res.adapter, apiTotals: res.apiTotals, apiMaxCall: res.apiMaxCall }));
  if (out) writeFileSync(out, JSON.stringify(res, null, 1));
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
