// The published entry point: plain Node ESM imports 'auralens' (the package's own name, via its
// "exports" map) from dist/ and runs a computation. Builds dist/ first when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('package entry point', () => {
  it('imports from auralens in plain Node and computes on the CPU backend', () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    const script = `
      import { createEngine, matmul, grad, sum, mul } from 'auralens';
      const e = await createEngine({ backend: 'cpu' });
      const x = e.tensor([1, 2, 3, 4], [2, 2]);
      const y = await matmul(x, x).read();
      const [g] = grad((v) => sum(mul(v, v)))(x);
      console.log(JSON.stringify({ backend: e.backend, y: Array.from(y), g: Array.from(await g.read()) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({ backend: 'cpu', y: [7, 10, 15, 22], g: [2, 4, 6, 8] });
  });

  it('keeps the root to the engine and reaches the methods through namespaces and subpaths', () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    const script = `
      import * as root from 'auralens';
      import { saliency } from 'auralens/xai';
      import { tcav } from 'auralens/concepts';
      import { sparseness } from 'auralens/metrics';
      console.log(JSON.stringify({
        namespaces: ['nn', 'models', 'audio', 'data', 'xai', 'concepts', 'metrics'].filter((k) => typeof root[k] === 'object'),
        flatMethods: ['saliency', 'gradCam', 'lime', 'tcav', 'sparseness'].filter((k) => k in root),
        same: root.xai.saliency === saliency && root.concepts.tcav === tcav && root.metrics.sparseness === sparseness,
        engine: ['createEngine', 'Tensor', 'matmul', 'grad', 'AuralensError'].every((k) => k in root),
      }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({
      namespaces: ['nn', 'models', 'audio', 'data', 'xai', 'concepts', 'metrics'],
      flatMethods: [],
      same: true,
      engine: true,
    });
  });
});
