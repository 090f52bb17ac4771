// LIME and KernelSHAP in headless Chromium (WebGPU, the browser bundle): a small run of each on the
// genre CNN in a page, checked against the same call on a CPU engine in that page (float64
// reference; same seeds, so the same perturbation rows). Users run LIME in a browser; this guards
// the whole path there (factorization, chunked batched prediction, the host-side surrogate fit).
// With CI set, a missing Chromium fails this test; elsewhere it skips with a message.
import { afterAll, describe, expect, it } from 'vitest';
import { type BundlePage, chromium, haveChromium, inCI, openBundlePage } from './helpers/browser.js';

if (!haveChromium && !inCI) console.warn(`browser.lime.test.ts: skipped, no Chromium at ${chromium}`);

// maxBatch 8 on 24 rows: three chunks of batched prediction on the GPU engine.
const page = `<!doctype html><meta charset="utf-8"><body><script type="module">
import * as A from '/auralens.js';
async function run(backend) {
  const e = await A.createEngine({ backend });
  const model = A.models.genreCNN(e, { seed: 0 }).eval();
  const x = e.randn([1, 1, 64, 40], { seed: 1 });
  let chunks = 0;
  const l = await A.xai.lime(model, x, { factorization: 'segments', numSamples: 24, seed: 3, target: 3, output: 'logits', featureSelection: 'none', maxBatch: 8, onProgress: () => chunks++ });
  const s = await A.xai.kernelShap(model, x, { factorization: 'bands', numSamples: 24, seed: 4, target: 3, maxBatch: 8 });
  const out = { backend: e.backend, chunks, lime: { weights: [...l.weights], intercept: l.intercept, prediction: l.prediction },
    shap: { values: [...s.values], baseValue: s.baseValue, fullValue: s.fullValue } };
  l.dispose(); s.dispose(); model.dispose(); x.dispose();
  return out;
}
window.__result = (async () => {
  try { return { gpu: await run('webgpu'), cpu: await run('cpu') }; }
  catch (err) { return { error: String(err && err.stack || err) }; }
})();
</script>`;

type Run = {
  backend: string;
  chunks: number;
  lime: { weights: number[]; intercept: number; prediction: number };
  shap: { values: number[]; baseValue: number; fullValue: number };
};

/** Largest |a − b| over the largest |b| (1 when b is all zero, so a tiny scale cannot hide a gap). */
function relGap(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1e-6, ...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

let opened: BundlePage | undefined;
afterAll(async () => {
  await opened?.close();
});

describe('LIME and KernelSHAP in Chromium', () => {
  it.skipIf(!haveChromium && !inCI)(
    'run on WebGPU in a page and agree with the CPU engine',
    async () => {
      if (!haveChromium) throw new Error(`No Chromium at ${chromium}: CI must install it so the browser path is tested`);
      opened = await openBundlePage(page, 'lime');
      const { page: p, log } = opened;
      const r = (await p.evaluate('window.__result')) as { error?: string; gpu: Run; cpu: Run };
      expect(r.error, log.join('\n')).toBeUndefined();
      const { gpu, cpu } = r;
      expect(gpu.backend).toBe('webgpu');
      expect(cpu.backend).toBe('cpu');
      expect(gpu.chunks, 'progress reports of a chunked run').toBeGreaterThanOrEqual(3);
      // float32 GPU against the float64 reference: the logits agree to ~1e-5 relative; the
      // surrogate fits amplify that by their conditioning, so allow 1e-3 of the largest weight.
      expect(relGap([gpu.lime.prediction], [cpu.lime.prediction])).toBeLessThan(1e-4);
      expect(relGap(gpu.lime.weights, cpu.lime.weights)).toBeLessThan(1e-3);
      expect(Math.abs(gpu.lime.intercept - cpu.lime.intercept)).toBeLessThan(1e-3 * (1 + Math.abs(cpu.lime.intercept)));
      expect(relGap([gpu.shap.fullValue, gpu.shap.baseValue], [cpu.shap.fullValue, cpu.shap.baseValue])).toBeLessThan(1e-4);
      expect(relGap(gpu.shap.values, cpu.shap.values)).toBeLessThan(1e-3);
      // Not trivially zero.
      expect(cpu.lime.weights.some((w) => Math.abs(w) > 1e-6)).toBe(true);
      expect(cpu.shap.values.some((v) => Math.abs(v) > 1e-6)).toBe(true);
    },
    300_000,
  );
});
