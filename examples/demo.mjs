// npm run demo: the built-in example, end to end. The committed genre CNN (assets/genre-cnn,
// trained by scripts/train-demo-model.mjs on the synthetic genres; its held-out accuracy is in
// spec.json) explains five synthetic clips it never saw with Integrated Gradients, Grad-CAM and
// occlusion, and writes report/index.html: the log-mels with the overlays, the clips and the
// Grad-CAM-masked audio as WAVs, and every number in report/report.json.
// AURALENS_BACKEND=cpu|webgpu|auto picks the backend (default auto); AURALENS_DEMO_OUT the folder;
// AURALENS_EXAMPLE_QUICK=1 (the examples test) runs two clips with small settings into a temp folder.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEngine } from '../dist/index.js';
import { runDemo } from '../dist/report/index.js';

const t0 = performance.now();
const engine = await createEngine({ backend: process.env.AURALENS_BACKEND ?? 'auto' });
const quick = process.env.AURALENS_EXAMPLE_QUICK === '1';
const outDir = process.env.AURALENS_DEMO_OUT ?? (quick ? join(tmpdir(), 'auralens-demo-quick') : 'report');
const small = quick
  ? {
      genres: ['metal', 'classical'],
      igSteps: 8,
      limeSamples: 60,
      tcav: { perSet: 4, randomSets: 3, layers: ['fc1'] },
      metrics: [{ metric: 'sparseness' }],
    }
  : {};
console.log(`auralens demo on the ${engine.backend} backend: explaining synthetic clips with the committed genre CNN`);
const { report, index } = await runDemo({
  engine,
  outDir,
  ...small,
  onProgress: ({ done, total, stage }) => console.log(`  [${done}/${total}] ${stage}`),
});
console.log(`model held-out accuracy ${(100 * (report.model.heldOutAccuracy ?? NaN)).toFixed(1)} %`);
for (const c of report.clips) {
  console.log(`  ${c.id}: predicted ${c.predicted} (p = ${Math.max(...c.probabilities).toFixed(2)}), label ${c.label}`);
}
engine.dispose();
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s — open ${resolve(index)}`);
