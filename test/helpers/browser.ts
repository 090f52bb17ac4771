/**
 * Test helper for the headless-Chromium suites (browser bundle, browser example page): where
 * Chromium is, whether the suites may skip (never under CI), a browser bundle that is rebuilt when
 * older than its sources, one Chromium launch with WebGPU enabled, and a page served with the
 * bundle (`openBundlePage`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bundle = join(root, 'dist', 'browser', 'auralens.js');
export const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromium);
export const inCI = !!process.env.CI;

/** Newest modification time of the files under the given folders (bundle inputs). */
function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/** Builds dist/browser/auralens.js when it is missing or older than src/ or shaders/. */
export function ensureBundle(): void {
  const stale = !existsSync(bundle) || statSync(bundle).mtimeMs < newestMtime([join(root, 'src'), join(root, 'shaders')]);
  if (stale) execFileSync('npm', ['run', 'build:browser'], { cwd: root, stdio: 'pipe' });
}

/** Headless Chromium with WebGPU (SwiftShader), its profile in `userDataDir`. */
export async function launchChromium(userDataDir: string): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--headless=new',
      '--disable-gpu-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--user-data-dir=${userDataDir}`,
    ],
  });
}

/** A page served with the browser bundle in a fresh headless Chromium; `close()` tears all down. */
export interface BundlePage {
  page: Page;
  /** Page errors and console lines, for assertion messages. */
  log: string[];
  close(): Promise<void>;
}

/**
 * Serves `html` at / and the browser bundle at /auralens.js on a free local port, launches
 * Chromium (profile in a temporary folder named after `name`) and opens the page. The suites
 * call `close()` in afterAll, also after a failed launch.
 */
export async function openBundlePage(html: string, name: string): Promise<BundlePage> {
  ensureBundle();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else if (path === '/auralens.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(bundle));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const userDataDir = mkdtempSync(join(tmpdir(), `auralens-${name}-`));
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    browser = await launchChromium(userDataDir);
    const page = await browser.newPage();
    const log: string[] = [];
    page.on('pageerror', (err) => log.push(`pageerror: ${String(err)}`));
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { page, log, close };
  } catch (err) {
    await close();
    throw err;
  }
}
