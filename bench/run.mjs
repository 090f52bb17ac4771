// npm run bench: runs every suite in bench/suites (or those named on the command line; `--peers`
// is the same as naming `peers`) in turn, after measuring the same-run 1024^3 matmul ceiling, then
// writes bench/results/summary.json and summary.md (see bench/summary.mjs).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureCeiling, writeSummary } from './summary.mjs';

process.env.XDG_RUNTIME_DIR ??= '/tmp';
const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'suites');
const wanted = process.argv.slice(2).map((a) => (a === '--peers' ? 'peers' : a));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => !wanted.length || wanted.includes(f.replace(/\.mjs$/, '')));
const since = new Date();
const lib = await import('../dist/index.js');
const ceiling = await measureCeiling(lib);
console.log(ceiling ? `ceiling: ${ceiling.name} ${ceiling.ms} ms, ${ceiling.gflops} GFLOP/s` : 'ceiling: no WebGPU adapter');
for (const f of suites) {
  console.log(`\n=== ${f} ===`);
  const mod = await import(pathToFileURL(join(dir, f)).href);
  await mod.run();
}
const s = writeSummary({ dir: join(here, 'results'), since, ceiling, suites: suites.map((f) => f.replace(/\.mjs$/, '')) });
console.log(`\nsummary: ${s.rows.length} rows -> bench/results/summary.md, summary.json`);
