// The browser example (examples/browser, served by scripts/serve.mjs) in headless Chromium with
// WebGPU: a WAV goes in through the file picker; the page's prediction and Grad-CAM map must
// equal what Node computes for the same clip with the same model (CPU reference engine here).
// Tolerances: probabilities 1e-4 absolute; Grad-CAM 2e-3 of its largest value (float32 WebGPU
// against the float64 reference, through the log-mel, three conv blocks and a bilinear resize).
// With CI set, a missing Chromium fails this test; elsewhere it skips with a message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, ensureBundle, haveChromium, inCI, launchChromium, root } from './helpers/browser.js';
import { createEngine, noGrad, reshape, softmax } from '../src/engine/index.js';
import { encodeWav, logMel } from '../src/audio/index.js';
import { synth } from '../src/data/index.js';
import { gradCam } from '../src/xai/index.js';
import { DEMO_MODEL_DIR, loadModel } from '../src/report/index.js';

if (!haveChromium && !inCI) console.warn(`browser-page.test.ts: skipped, no Chromium at ${chromium}`);

let browser: Browser | undefined;
let server: Server | undefined;
let work: string | undefined;
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  if (work) rmSync(work, { recursive: true, force: true });
});

type PageResult = {
  error?: string;
  probabilities: number[];
  predicted: number;
  gradcam: number[];
  shape: [number, number];
  backend: string;
};

describe('examples/browser page', () => {
  it.skipIf(!haveChromium && !inCI)(
    'predicts and computes Grad-CAM on WebGPU like Node on the same clip',
    async () => {
      if (!haveChromium) throw new Error(`No Chromium at ${chromium}: CI must install it so the browser page is tested`);
      ensureBundle();
      work = mkdtempSync(join(tmpdir(), 'auralens-page-'));
      const clip = synth.synthGenreDataset({ perGenre: 1, seed: 77, duration: 1.5, genres: ['metal'] }).clips[0]!;
      const wavPath = join(work, 'metal.wav');
      writeFileSync(wavPath, encodeWav(clip, 16000));

      // Node: the same pipeline on the CPU reference engine.
      const engine = await createEngine({ backend: 'cpu' });
      const loaded = await loadModel(engine, join(DEMO_MODEL_DIR, 'model.safetensors'), 'genre-cnn');
      const lm = logMel(engine.tensor(clip, [1, clip.length]), loaded.meta.frontEnd);
      const x = reshape(lm, [1, 1, lm.shape[1]!, lm.shape[2]!]);
      const probs = Array.from((await noGrad(() => softmax(loaded.module.call(x), -1)).read()) as Float32Array);
      const predicted = probs.indexOf(Math.max(...probs));
      const cam = Array.from(
        (await (await gradCam(loaded.module, x, { target: [predicted], layer: loaded.meta.camLayer })).map.read()) as Float32Array,
      );
      engine.dispose();

      const { startServer } = (await import(join(root, 'scripts', 'serve.mjs') as string)) as {
        startServer: (port: number) => Promise<Server>;
      };
      server = await startServer(0);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      browser = await launchChromium(join(work, 'profile'));
      const tab = await browser.newPage();
      const log: string[] = [];
      tab.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      tab.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
      await tab.goto(url, { waitUntil: 'load' });
      await tab.waitForFunction(() => /ready|error/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 60_000 });
      const input = await tab.$('#file');
      await (input as unknown as { uploadFile: (p: string) => Promise<void> }).uploadFile(wavPath);
      await tab.waitForFunction(() => '__auralensResult' in window, { timeout: 120_000 });
      const r = (await tab.evaluate(() => (window as unknown as { __auralensResult: unknown }).__auralensResult)) as PageResult;
      const context = `page log:\n${log.join('\n') || '(empty)'}`;
      expect(r.error, context).toBeUndefined();
      expect(r.backend).toBe('webgpu');
      expect(r.predicted).toBe(predicted);
      expect(r.probabilities).toHaveLength(probs.length);
      r.probabilities.forEach((p, i) => expect(Math.abs(p - probs[i]!), `p[${i}]`).toBeLessThan(1e-4));
      expect(r.gradcam).toHaveLength(cam.length);
      const scale = Math.max(...cam.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      const worst = Math.max(...r.gradcam.map((v, i) => Math.abs(v - cam[i]!)));
      expect(worst / scale).toBeLessThan(2e-3);
      // The overlay was drawn.
      const size = await tab.evaluate(() => [
        (document.getElementById('overlay') as HTMLCanvasElement).width,
        (document.getElementById('overlay') as HTMLCanvasElement).height,
      ]);
      expect(size).toEqual([r.shape[1] * 3, r.shape[0] * 3]);
    },
    240_000,
  );
});
