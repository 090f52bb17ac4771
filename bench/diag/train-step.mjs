// Diagnosis: per-dispatch timing of the genre CNN training step (timed submits: each dispatch is
// submitted alone and its completion time observed). Usage: node bench/diag/train-step.mjs [batch] [mode]
import { createEngine, models, crossEntropy, gradientTape, noGrad } from '../../dist/index.js';
import { backendOf } from '../../dist/engine/backendOf.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const n = +(process.argv[2] ?? 16);
const mode = process.argv[3] ?? 'train';
const e = await createEngine({ backend: 'webgpu' });
const ctx = backendOf(e).ctx;
const model = models.genreCNN(e, { seed: 0 });
const x = e.randn([n, 1, 64, 301], { seed: 5 });
const y = e.tensor(
  Array.from({ length: n }, (_, i) => i % 10),
  [n],
  'int32',
);
function step() {
  if (mode === 'fwd') {
    model.eval();
    return [noGrad(() => model.call(x))];
  }
  model.train();
  const params = model.parameters();
  return gradientTape((tape) => tape.gradient(crossEntropy(model.call(x), y), params));
}
// warm-up (pipelines)
for (const t of step()) t.dispose();
await e.sync();
let t0 = performance.now();
for (const t of step()) t.dispose();
await e.sync();
console.log(`${mode} batch ${n}: ${(performance.now() - t0).toFixed(0)} ms (batched)`);
const recs = [];
const orig = ctx.dispatch.bind(ctx);
ctx.dispatch = (shader, o) => {
  orig(shader, o);
  const r = { k: `${shader}/${o.entry ?? 'main'}`, wg: o.workgroups, u: o.uniforms, t: 0 };
  recs.push(r);
  ctx.flush();
  ctx.device.queue.onSubmittedWorkDone().then(() => {
    r.t = performance.now();
  });
};
t0 = performance.now();
for (const t of step()) t.dispose();
await e.sync();
const total = performance.now() - t0;
let prev = t0;
const fam = new Map();
const rows = [];
for (const r of recs) {
  const d = r.t - prev;
  prev = r.t;
  rows.push([d, r]);
  const f = fam.get(r.k) ?? { n: 0, ms: 0 };
  f.n++;
  f.ms += d;
  fam.set(r.k, f);
}
console.log(`timed submits total ${total.toFixed(0)} ms, ${recs.length} dispatches`);
for (const [k, f] of [...fam].sort((a, b) => b[1].ms - a[1].ms))
  console.log(k.padEnd(34), String(f.n).padStart(4), f.ms.toFixed(1).padStart(9), 'ms');
console.log('--- top dispatches');
for (const [d, r] of rows.sort((a, b) => b[0] - a[0]).slice(0, 25))
  console.log(d.toFixed(1).padStart(8), r.k, JSON.stringify(r.wg), JSON.stringify(r.u).slice(0, 200));
e.dispose();
