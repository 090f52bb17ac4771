/**
 * Test helper for the headless-Chromium suites (browser bundle, browser example page): where
 * Chromium is, whether the suites may skip (never under CI), a browser bundle that is rebuilt when
 * older than its sources, and one Chromium launch with WebGPU enabled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';

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
