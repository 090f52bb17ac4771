// npm run bench: runs every suite in bench/suites (or those named on the command line) in turn.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.XDG_RUNTIME_DIR ??= '/tmp';
const dir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const wanted = process.argv.slice(2);
const suites = readdirSync(dir).filter((f) => f.endsWith('.mjs')).filter((f) => !wanted.length || wanted.includes(f.replace(/\.mjs$/, '')));
for (const f of suites) {
  console.log(`\n=== ${f} ===`);
  const mod = await import(pathToFileURL(join(dir, f)).href);
  await mod.run();
}
