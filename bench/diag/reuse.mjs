// Diagnosis: does reusing released buffers inside one batch (instead of after the submit) speed up
// the batched training step? Experiment only: patches the pool so releases are reusable at once.
import { createEngine, models, crossEntropy, gradientTape, noGrad } from '../../dist/index.js';
import { backendOf } from '../../dist/engine/backendOf.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const n = +(process.argv[2] ?? 16);
const patch = process.argv[3] === 'reuse';
const e = await createEngine({ backend: 'webgpu' });
const ctx = backendOf(e).ctx;
let created = 0,
  createdBytes = 0;
const origCreate = ctx.device.createBuffer.bind(ctx.device);
ctx.device.createBuffer = (d) => {
  created++;
  createdBytes += d.size;
  return origCreate(d);
};
if (patch) {
  const pool = ctx.pool;
  const rel = pool.release.bind(pool);
  pool.release = (s) => {
    rel(s);
    pool.afterSubmit();
  };
}
const model = models.genreCNN(e, { seed: 0 });
const x = e.randn([n, 1, 64, 301], { seed: 5 });
const y = e.tensor(
  Array.from({ length: n }, (_, i) => i % 10),
  [n],
  'int32',
);
const step = () => {
  model.train();
  return gradientTape((tape) => tape.gradient(crossEntropy(model.call(x), y), model.parameters()));
};
for (let i = 0; i < 3; i++) {
  created = 0;
  createdBytes = 0;
  const t0 = performance.now();
  for (const t of step()) t.dispose();
  await e.sync();
  console.log(
    `${patch ? 'reuse' : 'base'} run ${i}: ${(performance.now() - t0).toFixed(0)} ms, buffers created ${created} (${(createdBytes / 2 ** 20).toFixed(0)} MiB), pooled ${(ctx.pool.bytesPooled / 2 ** 20).toFixed(0)} MiB`,
  );
}
e.dispose();
