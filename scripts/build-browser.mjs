// Bundles src/index.ts for the browser: dist/browser/auralens.js (ESM, minified, with a source map).
// Shaders are inlined as strings: src/engine/webgpu/shaderSources.generated.ts is regenerated first
// (scripts/bundle-shaders.mjs, as `npm run shaders`). Node-only code must never be reached in the browser: src/audio/load.ts
// lives under the 'auralens/node' subpath and is not imported from src/index.ts; the `webgpu` package
// is only imported dynamically under Node through a variable specifier. node: builtins and 'webgpu'
// are still marked external so that a stray import shows up as an import in the bundle instead of
// failing the build; the check below fails the build if any remain.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'browser', 'auralens.js');

execFileSync(process.execPath, [join(root, 'scripts', 'bundle-shaders.mjs')], { cwd: root, stdio: 'inherit' });

const result = await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  metafile: true,
  // Prefer a package's "browser" build, then its ES module ("module"), then "main".
  mainFields: ['browser', 'module', 'main'],
  external: ['node:*', 'webgpu'],
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs);
const leaked = inputs.filter((p) => /src\/audio\/load\.ts$/.test(p));
const nodeImports = Object.values(result.metafile.outputs)
  .flatMap((o) => o.imports ?? [])
  .filter((i) => i.external)
  .map((i) => i.path);
if (leaked.length || nodeImports.length) {
  console.error(`build-browser: Node-only code reached the browser bundle: ${[...leaked, ...nodeImports].join(', ')}`);
  process.exit(1);
}

const code = readFileSync(outfile);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`dist/browser/auralens.js: ${kib(statSync(outfile).size)} minified, ${kib(gzipSync(code, { level: 9 }).length)} gzip`);
