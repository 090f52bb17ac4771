/**
 * Every fenced ```js block of README.md is a complete program that runs as written (issue 12
 * point 1): each is written to a file inside the repository (so `import 'auralens'` resolves to
 * this package through its own "exports", against dist/) and run with node in a scratch folder
 * that links test/fixtures/readme/ (the snippets load it by the path a clone has; the files a
 * snippet writes land in the scratch folder, which is removed afterwards). A snippet passes when it exits
 * 0; the training snippet must also learn (both printed validation accuracies ≥ 0.8, chance 0.1).
 * dist/ is built by CI before `npm test` (typecheck, build, test); locally it is built here when
 * missing. README_PATH overrides the README checked (to try a draft).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = process.env.README_PATH ?? join(root, 'README.md');
/** Inside the package (for the self-reference import); removed after the run. */
const dir = join(root, 'test', '.readme-snippets');

/** The ```js blocks of a markdown text, with the heading they sit under. */
export function jsBlocks(markdown: string): { heading: string; code: string }[] {
  const out: { heading: string; code: string }[] = [];
  let heading = '(top)';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
    if (h) heading = h[1].trim();
    if (/^```js\s*$/.test(lines[i])) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      out.push({ heading, code: body.join('\n') + '\n' });
    }
  }
  return out;
}

const blocks = jsBlocks(readFileSync(readmePath, 'utf8'));

describe(`README snippets (${readmePath === join(root, 'README.md') ? 'README.md' : readmePath})`, () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    mkdirSync(dir, { recursive: true });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has snippets to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  blocks.forEach(({ heading, code }, k) => {
    it(`snippet ${k + 1} (${heading}) runs as written`, () => {
      const file = join(dir, `snippet-${k + 1}.mjs`);
      writeFileSync(file, code);
      const cwd = join(dir, `cwd-${k + 1}`);
      mkdirSync(join(cwd, 'test', 'fixtures'), { recursive: true });
      symlinkSync(join(root, 'test', 'fixtures', 'readme'), join(cwd, 'test', 'fixtures', 'readme'), 'dir');
      let stdout = '';
      try {
        stdout = execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
      } catch (e) {
        const err = e as { status?: number | null; stdout?: string; stderr?: string };
        throw new Error(
          `README snippet ${k + 1} under "${heading}" failed (exit ${err.status ?? 'none'}):\n--- stderr\n${(err.stderr ?? '').slice(-3000)}\n--- stdout\n${(err.stdout ?? '').slice(-2000)}`,
        );
      }
      // The training snippet trains two models (nn.Sequential and fromSpec): both must learn, and
      // the line must be there (a snippet that stopped printing it would pass unchecked).
      const line = /final validation accuracy: (.*)/.exec(stdout);
      if (heading === 'Training') expect(line, `the training snippet must print its final accuracies:\n${stdout}`).not.toBeNull();
      const accs = line ? [...line[1].matchAll(/\d+\.\d+/g)].map((m) => Number(m[0])) : [];
      if (line) expect(accs.length, line[0]).toBeGreaterThanOrEqual(2);
      for (const acc of accs) expect(acc, `every model of the training snippet must learn:\n${stdout}`).toBeGreaterThanOrEqual(0.8);
    }, 300_000);
  });
});
