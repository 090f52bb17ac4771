// Engine core: a 1024^3 matmul and a batched elementwise chain, WebGPU against the CPU
// reference (plain TypeScript, float64 accumulation), as ms, GFLOP/s and speed-up.
import { createEngine, matmul, mul, add, tanh, sigmoid, exp, sum } from '../../dist/index.js';
import { runSuite } from '../harness.mjs';

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const engines = gpu.backend === 'webgpu' ? [gpu, cpu] : [cpu];
  const results = [];

  const n = 1024;
  const mm = engines.map((e) => {
    const a = e.randn([n, n], { seed: 1 });
    const w = e.randn([n, n], { seed: 2 });
    return {
      name: `matmul ${n}^3 (${e.backend})`,
      flops: 2 * n * n * n,
      engine: e,
      fn: async () => {
        const y = matmul(a, w);
        await e.sync();
        y.dispose();
      },
      options: e.backend === 'cpu' ? { minSamples: 2, maxTime: 2 } : {},
    };
  });
  results.push(await runSuite('engine-matmul', mm, { baseline: `matmul ${n}^3 (cpu)` }));

  // 64 clips x 16,000 samples; five elementwise ops (transcendentals counted as one flop).
  const shape = [64, 16000];
  const elems = shape[0] * shape[1];
  const chain = engines.map((e) => {
    const x = e.randn(shape, { seed: 3 });
    return {
      name: `elementwise chain [64, 16000] x5 (${e.backend})`,
      flops: 5 * elems,
      engine: e,
      fn: async () => {
        const y = e.tidy(() => sigmoid(tanh(add(mul(exp(mul(x, 0.1)), 1.5), 0.3))));
        await e.sync();
        y.dispose();
      },
    };
  });
  results.push(await runSuite('engine-elementwise', chain, { baseline: `elementwise chain [64, 16000] x5 (cpu)` }));

  const red = engines.map((e) => {
    const x = e.randn(shape, { seed: 4 });
    return {
      name: `sum over axis 1 of [64, 16000] (${e.backend})`,
      flops: elems,
      engine: e,
      fn: async () => {
        const y = sum(x, 1);
        await e.sync();
        y.dispose();
      },
    };
  });
  results.push(await runSuite('engine-reduce', red, { baseline: `sum over axis 1 of [64, 16000] (cpu)` }));
  gpu.dispose();
  cpu.dispose();
  return results;
}
