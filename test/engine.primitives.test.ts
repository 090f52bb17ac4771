/**
 * The typed primitive list (src/engine/primitives.ts) is the one source of the kernels both
 * backends implement and of the elementwise op ids the WGSL uses: the compile-time checks live in
 * the sources (backend.ts, cpu/elementwise.ts); these tests check what only runs at run time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BINARY_OPS, OP_NAMES, PRIMITIVES, UNARY_OPS } from '../src/engine/primitives.js';
import { CpuBackend } from '../src/engine/cpu/cpuBackend.js';
import { shaderSources } from '../src/engine/webgpu/shaderSources.generated.js';
import { nearest } from '../src/engine/suggest.js';
import { gpuBackend } from './helpers/gpu.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

describe('primitive list', () => {
  it('every primitive is a method of both backends', () => {
    const backends = [new CpuBackend(), ...(gpu ? [gpu] : [])];
    for (const be of backends) {
      for (const p of PRIMITIVES) expect(typeof (be as unknown as Record<string, unknown>)[p], `${be.name}.${p}`).toBe('function');
    }
  });

  it('lists have no duplicates', () => {
    for (const list of [PRIMITIVES, UNARY_OPS, BINARY_OPS, OP_NAMES] as readonly (readonly string[])[]) {
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('the bundled WGSL op ids are generated from UNARY_OPS and BINARY_OPS (id = index)', () => {
    const snake = (op: string) => op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    UNARY_OPS.forEach((op, i) => expect(shaderSources.elementwise_unary).toContain(`const ${snake(op)} = ${i}u;`));
    BINARY_OPS.forEach((op, i) => expect(shaderSources.elementwise_binary).toContain(`const ${snake(op)} = ${i}u;`));
    // No include directive survives bundling.
    for (const src of Object.values(shaderSources)) expect(src).not.toMatch(/^[ \t]*\/\/!include/m);
  });

  it('nearest() suggests plausible typos only', () => {
    expect(nearest('rleu', OP_NAMES)).toBe('relu');
    expect(nearest('Conv2D', OP_NAMES)).toBe('conv2d');
    expect(nearest('zzzzzzzz', OP_NAMES)).toBeUndefined();
  });
});
