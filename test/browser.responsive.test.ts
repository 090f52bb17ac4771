// A long occlusion in headless Chromium (WebGPU, the browser bundle) leaves the page's timers and
// animation frames running: occlusion yields to the event loop between its chunks and compiles its
// kernels off the thread, so a setTimeout chain and requestAnimationFrame keep ticking during the
// call. This checks the mechanism (ticks > 0 during the run, several chunks), not a speed.
// With CI set, a missing Chromium fails this test; elsewhere it skips with a message.
import { afterAll, describe, expect, it } from 'vitest';
import { type BundlePage, chromium, haveChromium, inCI, openBundlePage } from './helpers/browser.js';

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

let opened: BundlePage | undefined;
afterAll(async () => {
  await opened?.close();
});

describe('a long occlusion in Chromium', () => {
  it.skipIf(!haveChromium && !inCI)(
    "keeps the page's timers and animation frames ticking",
    async () => {
      if (!haveChromium) throw new Error(`No Chromium at ${chromium}: CI must install it so the browser path is tested`);
      opened = await openBundlePage(page, 'responsive');
      const { page: p, log } = opened;
      const r = (await p.evaluate('window.__result')) as {
        error?: string;
        backend: string;
        timerTicks: number;
        frames: number;
        chunks: number;
      };
      expect(r.error, log.join('\n')).toBeUndefined();
      expect(r.backend).toBe('webgpu');
      // 8 × 6 windows, 4 a pass: 12 chunks with a yield between each.
      expect(r.chunks).toBe(12);
      expect(r.timerTicks, 'setTimeout chain ticks during the call').toBeGreaterThan(0);
      expect(r.frames, 'animation frames during the call').toBeGreaterThan(0);
    },
    300_000,
  );
});
