/**
 * The gradient table (src/engine/grads/): every op name is either differentiable with exactly
 * one backward rule in the table or declared non-differentiable, never both; the tape records
 * each op under its name with the attrs its rule reads, and never records a non-differentiable
 * op; and the structure lint (dependency-cruiser) fails on a planted import cycle and on an op
 * file importing a rule. Gradient values are checked elsewhere (ops.gradcheck, autograd).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradientTape, withBackwardOverride, type BackwardOverrides } from '../src/engine/autograd.js';
import { createEngine } from '../src/engine/engine.js';
import { ValueError } from '../src/engine/errors.js';
import { CHANNEL_GRADS } from '../src/engine/grads/channel_grad.js';
import { ELEMENTWISE_GRADS } from '../src/engine/grads/elementwise_grad.js';
import { GRADS } from '../src/engine/grads/index.js';
import { LAYERS_GRADS } from '../src/engine/grads/layers_grad.js';
import { MATMUL_GRADS } from '../src/engine/grads/matmul_grad.js';
import { REDUCE_GRADS } from '../src/engine/grads/reduce_grad.js';
import { SHAPE_GRADS } from '../src/engine/grads/shape_grad.js';
import { SIGNAL_GRADS } from '../src/engine/grads/signal_grad.js';
import * as face from '../src/engine/index.js';
import { DIFFERENTIABLE_OPS, NON_DIFFERENTIABLE_OPS, OP_NAMES } from '../src/engine/primitives.js';

const e = await createEngine({ backend: 'cpu' });
afterAll(() => e.dispose());

const FAMILIES = { ELEMENTWISE_GRADS, SHAPE_GRADS, REDUCE_GRADS, MATMUL_GRADS, CHANNEL_GRADS, LAYERS_GRADS, SIGNAL_GRADS };

describe('gradient table covers every op', () => {
  it('each op name is differentiable with a rule or declared non-differentiable, never both', () => {
    const ruled = new Set(Object.keys(GRADS));
    const nonDiff = new Set<string>(NON_DIFFERENTIABLE_OPS);
    for (const op of OP_NAMES) {
      const hasRule = ruled.has(op);
      expect(hasRule !== nonDiff.has(op), `${op}: ${hasRule ? 'has a rule and is declared non-differentiable' : 'has no rule'}`).toBe(true);
      if (hasRule) expect(typeof GRADS[op as keyof typeof GRADS], op).toBe('function');
    }
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length);
    // The table holds rules for the differentiable ops and nothing else.
    expect([...ruled].sort()).toEqual([...DIFFERENTIABLE_OPS].sort());
  });

  it('no op has rules in two family files (a later spread would silently replace the earlier)', () => {
    const seen = new Map<string, string>();
    for (const [family, table] of Object.entries(FAMILIES)) {
      for (const op of Object.keys(table)) {
        expect(seen.get(op), `${op} in ${family} and ${seen.get(op)}`).toBeUndefined();
        seen.set(op, family);
      }
    }
    expect(seen.size).toBe(DIFFERENTIABLE_OPS.length);
  });

  it('every listed op is a function of the engine face (no stale names)', () => {
    const exported = face as unknown as Record<string, unknown>;
    for (const op of OP_NAMES) expect(typeof exported[op], op).toBe('function');
  });
});

describe('recording', () => {
  it('records the op name and the attrs its rule reads', () => {
    const x = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    gradientTape((tape) => {
      face.permute(x, [1, 0]);
      face.slice(x, [0, 1], [2, 2]);
      face.clamp(x, 2, 5);
      face.pow(x, 3);
      expect(tape.nodes.map((n) => [n.op, n.attrs])).toEqual([
        ['permute', { perm: [1, 0] }],
        ['slice', { begin: [0, 1], size: [2, 2] }],
        ['clamp', { min: 2, max: 5 }],
        ['pow', { exponent: 3 }],
      ]);
    });
    x.dispose();
  });

  it('never records a non-differentiable op', () => {
    const x = e.tensor([0.5, -1, 2, 3], [2, 2]);
    const idx = e.tensor([1, 0], [2], 'int32');
    gradientTape((tape) => {
      face.sign(x);
      face.greater(x, 0);
      face.greaterEqual(x, 0);
      face.less(x, 0);
      face.lessEqual(x, 0);
      face.equal(x, 2);
      face.notEqual(x, 2);
      face.argmax(x, 1);
      face.argmin(x, 1);
      face.oneHot(idx, 3);
      face.cast(x, 'int32');
      face.detach(x);
      expect(tape.nodes.map((n) => n.op)).toEqual([]);
    });
    x.dispose();
    idx.dispose();
  });

  it('withBackwardOverride refuses a non-differentiable op by name', () => {
    const rules = { argmax: () => [] } as unknown as BackwardOverrides;
    expect(() => withBackwardOverride(rules, () => 0)).toThrow(ValueError);
    expect(() => withBackwardOverride(rules, () => 0)).toThrow("withBackwardOverride: 'argmax' is not differentiable");
  });

  it('an override receives the attrs the op recorded', async () => {
    const x = e.tensor([1, 2, 3]);
    let seen: unknown;
    const [g] = gradientTape((tape) => {
      const y = face.sum(face.affine(x, 3, 1));
      return withBackwardOverride(
        {
          affine: ([gy], _i, _o, _n, attrs) => {
            seen = attrs;
            return [face.affine(gy, 2 * attrs.scale, 0)];
          },
        },
        () => tape.gradient(y, [x]),
      );
    });
    expect(seen).toEqual({ scale: 3 });
    // d/dx sum(3x + 1) is 3; the override doubles the scale it was handed.
    expect(Array.from(await g.readFloat())).toEqual([6, 6, 6]);
    x.dispose();
    g.dispose();
  });
});

describe('structure lint', () => {
  const root = resolve(import.meta.dirname, '..');
  const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

  /** Runs the project's lint config over planted files; returns [exit code, output]. */
  function lintPlanted(files: Record<string, string>): [number, string] {
    const dir = mkdtempSync(join(tmpdir(), 'auralens-lint-'));
    try {
      cpSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
      cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      try {
        const out = execFileSync(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs'], {
          cwd: dir,
          encoding: 'utf8',
        });
        return [0, out];
      } catch (err) {
        const x = err as { status: number; stdout: string; stderr: string };
        return [x.status, `${x.stdout}${x.stderr}`];
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('passes a clean tree and fails on an import cycle between op files (no exception)', () => {
    const clean = lintPlanted({
      'src/engine/ops/elementwise.ts': 'export const add = 1;\n',
      'src/engine/ops/reduce.ts': "import { add } from './elementwise.js';\nexport const sum = add;\n",
    });
    expect(clean[0], clean[1]).toBe(0);
    // The cycle the old exception allowed: elementwise → shape_ops → reduce → elementwise.
    const [code, out] = lintPlanted({
      'src/engine/ops/elementwise.ts': "import { sumTo } from './shape_ops.js';\nexport const add = sumTo;\n",
      'src/engine/ops/shape_ops.ts': "import { sum } from './reduce.js';\nexport const sumTo = sum;\n",
      'src/engine/ops/reduce.ts': "import { add } from './elementwise.js';\nexport const sum = add;\n",
    });
    expect(code).not.toBe(0);
    expect(out).toContain('no-circular');
  }, 60_000);

  it('fails when an op file imports a backward rule, or the tape an op', () => {
    const [code, out] = lintPlanted({
      'src/engine/grads/types.ts': 'export type Rule = () => void;\n',
      'src/engine/grads/elementwise_grad.ts': 'export const RULES = {};\n',
      'src/engine/ops/elementwise.ts':
        "import { RULES } from '../grads/elementwise_grad.js';\nimport type { Rule } from '../grads/types.js';\nexport const add: [object, Rule | null] = [RULES, null];\n",
      'src/engine/autograd.ts': "import { add } from './ops/elementwise.js';\nexport const tape = add;\n",
    });
    expect(code).not.toBe(0);
    expect(out).toContain('ops-import-no-rules');
    expect(out).toContain('tape-imports-no-ops');
    // grads/types.ts (types only) is allowed.
    expect(out).not.toMatch(/ops-import-no-rules[^\n]*grads\/types/);
  }, 60_000);
});
