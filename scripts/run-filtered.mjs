#!/usr/bin/env node
// node scripts/run-filtered.mjs <script.mjs> [args...]: runs a Node script the way the `auralens`
// command runs itself (src/cli/relaunch.ts): in a child process whose stderr is passed through a
// filter that drops only Dawn's two lavapipe limit warnings, with exit codes, signals and progress
// bars as in one process. `npm run demo` uses it so that the README's main command prints only
// auralens's own lines. AURALENS_RAW_STDERR=1 runs the script in this process, unfiltered.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runFilteredOr } from '../dist/cli/relaunch.js';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node scripts/run-filtered.mjs <script.mjs> [args...]\n');
  process.exit(1);
}
await runFilteredOr(fileURLToPath(import.meta.url), [script, ...args], async () => {
  // The child (or an opted-out or failed relaunch): run the script here, with its own argv.
  process.argv = [process.argv[0], resolve(script), ...args];
  await import(pathToFileURL(resolve(script)).href);
});
