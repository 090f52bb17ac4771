// The browser path: bundles src/index.ts for the browser (scripts/build-browser.mjs → dist/browser/auralens.js),
// serves it with a test page from 127.0.0.1, and runs it in headless Chromium with WebGPU (SwiftShader,
// driven by puppeteer-core). The page computes on createEngine({ backend: 'webgpu' }) and on a CPU engine
// in the same page: matmul, softmax, an MLP's gradients, conv2d forward and backward.
// With CI set, a missing Chromium fails this test; elsewhere it skips with a message.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, chromium, ensureBundle, haveChromium, inCI, launchChromium, root } from './helpers/browser.js';

const page = join(root, 'test', 'fixtures', 'browser', 'index.html');

if (!haveChromium && !inCI) {
  console.warn(`browser.test.ts: skipped, no Chromium at ${chromium} (install it: apt-get install chromium, or set CHROMIUM_PATH)`);
}

function serve(): Promise<Server> {
  const files: Record<string, { path: string; type: string }> = {
    '/': { path: page, type: 'text/html' },
    '/index.html': { path: page, type: 'text/html' },
    '/auralens.js': { path: bundle, type: 'text/javascript' },
    '/auralens.js.map': { path: `${bundle}.map`, type: 'application/json' },
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const f = files[path];
    if (!f || !existsSync(f.path)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-store' }).end(readFileSync(f.path));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

type Results = {
  matmul: number[];
  softmax: number[];
  mlpLoss: number[];
  mlpGrads: number[][];
  conv: number[];
  convStrided: number[];
  convGrads: number[][];
};
type PageOutput = { error?: string; backend: string; adapterInfo: string; hasNodeProcess: boolean; gpu: Results; cpu: Results };

function expectClose(actual: number[], expected: number[], tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${what}: worst relative error at [${at}]: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(tol);
}

let browser: Browser | undefined;
let server: Server | undefined;
let userDataDir: string | undefined;

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('browser bundle in headless Chromium (WebGPU via SwiftShader)', () => {
  it.skipIf(!haveChromium && !inCI)(
    'createEngine({ backend: "webgpu" }) runs matmul, softmax, MLP gradients and conv2d like the CPU engine',
    async () => {
      if (!haveChromium) {
        throw new Error(`No Chromium at ${chromium}: CI must install it (apt-get install chromium) so the browser path is tested`);
      }
      ensureBundle();
      server = await serve();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

      userDataDir = mkdtempSync(join(tmpdir(), 'auralens-chromium-'));
      browser = await launchChromium(userDataDir);
      const tab = await browser.newPage();
      const log: string[] = [];
      tab.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      tab.on('pageerror', (err) => log.push(`pageerror: ${String(err)}`));
      tab.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
      await tab.goto(url, { waitUntil: 'load' });
      await tab
        .waitForFunction(() => 'window' in globalThis && '__auralens' in window, { timeout: 30_000 })
        .catch(() => {
          throw new Error(`the test page did not start:\n${log.join('\n')}`);
        });
      const out = (await tab.evaluate(() => (window as unknown as { __auralens: Promise<unknown> }).__auralens)) as PageOutput;
      const context = `page log:\n${log.join('\n') || '(empty)'}`;
      expect(out.error, context).toBeUndefined();
      expect(out.backend).toBe('webgpu');
      expect(out.hasNodeProcess).toBe(false);
      expect(out.adapterInfo).toMatch(/./);

      const { gpu, cpu } = out;
      // Known values.
      expect(gpu.matmul).toEqual([58, 64, 139, 154]);
      const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      expectClose(gpu.softmax, [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1 / 3, 1 / 3, 1 / 3], 1e-6, 'softmax');
      expect(cpu.matmul).toEqual([58, 64, 139, 154]);
      // WebGPU against the CPU reference, in the same page.
      expectClose(gpu.mlpLoss, cpu.mlpLoss, 1e-5, 'MLP loss');
      expect(gpu.mlpGrads).toHaveLength(4);
      ['dW1', 'db1', 'dW2', 'db2'].forEach((n, i) => expectClose(gpu.mlpGrads[i], cpu.mlpGrads[i], 1e-5, `MLP ${n}`));
      expectClose(gpu.conv, cpu.conv, 1e-5, 'conv2d forward');
      expectClose(gpu.convStrided, cpu.convStrided, 1e-5, 'conv2d forward, stride 2');
      expect(gpu.convGrads).toHaveLength(3);
      ['dx', 'dw', 'db'].forEach((n, i) => expectClose(gpu.convGrads[i], cpu.convGrads[i], 1e-4, `conv2d ${n}`));
      // The gradients are not trivially zero.
      expect(gpu.mlpGrads.flat().some((v) => Math.abs(v) > 1e-4)).toBe(true);
      expect(gpu.convGrads.flat().some((v) => Math.abs(v) > 1e-2)).toBe(true);
    },
    180_000,
  );
});
