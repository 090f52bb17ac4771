// npm run soak [-- --quick]   (after `npm run build`; XDG_RUNTIME_DIR=/tmp on lavapipe)
//
// Long-running checks at the sizes that crashed or leaked before (issue 11), too slow for CI
// (test/fit.progress.test.ts runs the fit check at 8x8 images):
// 1. fit: one epoch of 16,000 digit glyphs (28x28) at batch 4 (4,000 steps) completes, memory flat;
// 2. 100,000 small ops in one synchronous loop, then a read: completes (the engine bounds its queue);
// 3. 100,000 reads: the JS heap does not grow by more than a few MB (no per-read listener leak);
// 4. 2,000 more training steps: live tensors and bytes in use are the same after as before.
// AURALENS_BACKEND=cpu|webgpu|auto (default auto). --quick divides every size by 10; naming checks
// (fit, ops, reads, steps) runs only those: `npm run soak -- fit steps`. Exits 1 on failure.
import { createEngine, data, exp, fit, nn, noGrad } from 'auralens';

const quick = process.argv.includes('--quick');
const scale = quick ? 10 : 1;
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const run = (name) => named.length === 0 || named.includes(name);
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
console.log(`soak on ${engine.backend}${quick ? ' (quick)' : ''}`);
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const secs = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function digitNet(seed) {
  return new nn.Sequential(engine, [
    ['conv1', new nn.Conv2d(engine, 1, 4, 3, { padding: 1, seed })],
    ['relu1', new nn.ReLU(engine)],
    ['pool1', new nn.MaxPool2d(engine, 4)],
    ['flatten', new nn.Flatten(engine)],
    ['fc', new nn.Linear(engine, 4 * 7 * 7, 10, { seed: seed + 1 })],
  ]);
}

// 1. The fit epoch of issue 11 point 1.
if (run('fit')) {
  const count = 16000 / scale;
  const train = data.digitGlyphTensors(engine, { seed: 1, count });
  const net = digitNet(1);
  const before = engine.memory();
  const t0 = performance.now();
  let batches = 0;
  let lastBeat = performance.now();
  const history = await fit(net, train, {
    epochs: 1,
    batchSize: 4,
    seed: 0,
    lr: 3e-3,
    onProgress: ({ done, total }) => {
      batches++;
      if (performance.now() - lastBeat > 5000) {
        lastBeat = performance.now();
        console.log(`     fit: ${done}/${total} batches`);
      }
    },
  });
  const after = engine.memory();
  check(
    batches === count / 4 && Number.isFinite(history[0].loss),
    `fit: ${count} examples at batch 4 (${batches} steps) in ${secs(t0)}, loss ${history[0].loss.toFixed(3)}, train accuracy ${history[0].trainAccuracy.toFixed(2)}`,
  );
  check(
    after.liveTensors === before.liveTensors && after.bytesInUse === before.bytesInUse,
    `fit: memory flat (live ${before.liveTensors} → ${after.liveTensors}, bytes ${before.bytesInUse} → ${after.bytesInUse})`,
  );
  net.dispose();
  train.x.dispose();
  train.y.dispose();
}

// 2. A long synchronous op loop, then one read.
if (run('ops')) {
  const n = 100000 / scale;
  const x = engine.rand([64], { seed: 1 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) noGrad(() => engine.tidy(() => (exp(x), null)));
  const v = await x.read();
  check(v.length === 64, `${n} ops in one synchronous loop, then a read, in ${secs(t0)}`);
  x.dispose();
}

// 3. Reads do not leak JS heap.
if (run('reads')) {
  const n = 100000 / scale;
  const x = engine.ones([4]);
  for (let i = 0; i < 1000; i++) await x.read();
  globalThis.gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await x.read();
  globalThis.gc?.();
  const grown = (process.memoryUsage().heapUsed - h0) / 2 ** 20;
  // Without --expose-gc the heap is noisy: allow 16 MB (the leak was 0.5 GB per million reads).
  check(grown < 16, `${n} reads in ${secs(t0)}: heap grew ${grown.toFixed(1)} MB`);
  x.dispose();
}

// 4. Many more training steps, memory flat.
if (run('steps')) {
  const train = data.digitGlyphTensors(engine, { seed: 3, count: 8000 / scale });
  const net = digitNet(5);
  await fit(net, train, { epochs: 1, batchSize: 4, seed: 0 }); // the optimiser's first state
  const before = engine.memory();
  const t0 = performance.now();
  await fit(net, train, { epochs: 1, batchSize: 4, seed: 1 });
  const after = engine.memory();
  check(
    after.liveTensors === before.liveTensors && after.bytesInUse === before.bytesInUse,
    `${8000 / scale / 4} more steps in ${secs(t0)}: live tensors ${before.liveTensors} → ${after.liveTensors}, bytes ${before.bytesInUse} → ${after.bytesInUse}`,
  );
  net.dispose();
  train.x.dispose();
  train.y.dispose();
}

engine.dispose();
console.log(failures.length ? `soak: ${failures.length} failure(s)` : 'soak: all checks passed');
process.exit(failures.length ? 1 : 0);
