// A long occlusion in headless Chromium (WebGPU, the browser bundle) leaves the page's timers and
// animation frames running: occlusion yields to the event loop between its chunks and compiles its
// kernels off the thread, so a setTimeout chain and requestAnimationFrame keep ticking during the
// call. This checks the mechanism (ticks > 0 during the run, several chunks), not a speed.
// With CI set, a missing Chromium fails this test; elsewhere it skips with a message.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, chromium, ensureBundle, haveChromium, inCI, launchChromium } from './helpers/browser.js';

if (!haveChromium && !inCI) console.warn(`browser.responsive.test.ts: skipped, no Chromium at ${chromium}`);

const page = `<!doctype html><meta charset="utf-8"><body><script type="module">
import * as A from '/auralens.js';
window.__result = (async () => {
  try {
    const e = await A.createEngine({ backend: 'webgpu' });
    const model = A.models.genreCNN(e, { seed: 0 }).eval();
    const x = e.randn([1, 1, 64, 48], { seed: 1 });
    let timerTicks = 0, frames = 0, running = true, chunks = 0;
    const tick = () => { if (running) { timerTicks++; setTimeout(tick, 0); } };
    const frame = () => { if (running) { frames++; requestAnimationFrame(frame); } };
    setTimeout(tick, 0);
    requestAnimationFrame(frame);
    const a = await A.xai.occlusion(model, x, { target: 3, window: [1, 8, 8], strides: [1, 8, 8], perturbationsPerEval: 4, onProgress: () => chunks++ });
    await a.read();
    running = false;
    return { backend: e.backend, timerTicks, frames, chunks };
  } catch (err) { return { error: String(err && err.stack || err) }; }
})();
</script>`;

let browser: Browser | undefined;
let server: Server | undefined;
let userDataDir: string | undefined;
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('a long occlusion in Chromium', () => {
  it.skipIf(!haveChromium && !inCI)(
    "keeps the page's timers and animation frames ticking",
    async () => {
      if (!haveChromium) throw new Error(`No Chromium at ${chromium}: CI must install it so the browser path is tested`);
      ensureBundle();
      server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
        else if (path === '/auralens.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(bundle));
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      userDataDir = mkdtempSync(join(tmpdir(), 'auralens-responsive-'));
      browser = await launchChromium(userDataDir);
      const p = await browser.newPage();
      await p.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const r = (await p.evaluate('window.__result')) as {
        error?: string;
        backend: string;
        timerTicks: number;
        frames: number;
        chunks: number;
      };
      expect(r.error).toBeUndefined();
      expect(r.backend).toBe('webgpu');
      // 8 × 6 windows, 4 a pass: 12 chunks with a yield between each.
      expect(r.chunks).toBe(12);
      expect(r.timerTicks, 'setTimeout chain ticks during the call').toBeGreaterThan(0);
      expect(r.frames, 'animation frames during the call').toBeGreaterThan(0);
    },
    300_000,
  );
});
