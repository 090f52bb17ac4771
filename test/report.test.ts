// The demo's report (runDemo, as `npm run demo` runs it, with fewer clips and IG steps): every
// file index.html and report.json reference exists and decodes (PNG with fast-png, WAV with
// decodeWav); sections plug in and render; merging is refused for reports of other settings.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, reshape, tidy, type Engine } from '../src/engine/index.js';
import { decodeWav, logMel } from '../src/audio/index.js';
import { synth } from '../src/data/index.js';
import { enginePair } from './helpers/gpu.js';
import {
  DEFAULT_CLIP_SETTINGS,
  DEMO_MODEL_DIR,
  explainClip,
  loadModel,
  mergeReports,
  metricsSection,
  readReport,
  renderHtml,
  runDemo,
  withSection,
  writeReport,
  type ReportData,
} from '../src/report/index.js';

let engine: Engine;
let dir: string;
let report: ReportData;

beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'auralens-report-'));
  ({ report } = await runDemo({
    engine,
    outDir: dir,
    genres: ['metal', 'classical'],
    methods: ['ig', 'gradcam', 'occlusion', 'lime'],
    igSteps: 4,
    limeSamples: 40,
    metrics: [{ metric: 'sparseness' }, { metric: 'faithfulnessCorrelation', options: { nrRuns: 3, subsetSize: 64 } }],
    metricMethods: ['gradcam', 'saliency'],
    tcav: { perSet: 4, randomSets: 3, layers: ['fc1'] },
  }));
}, 120_000);
afterAll(() => engine.dispose());

describe('metrics section', () => {
  it("reports IG's convergence warnings in the section, not on the console", async () => {
    const model = await loadModel(engine, `${DEMO_MODEL_DIR}model.safetensors`, 'genre-cnn');
    const clips = ['metal', 'classical'].map((g) => synth.synthGenreClip(g as synth.Genre, { seed: 3, duration: 1.5 }));
    const flat = new Float32Array(clips.length * clips[0]!.length);
    clips.forEach((c, i) => flat.set(c, i * c.length));
    const inputs = tidy(() => {
      const m = logMel(engine.tensor(flat, [2, clips[0]!.length]), model.meta.frontEnd);
      return reshape(m, [2, 1, m.shape[1]!, m.shape[2]!]);
    });
    const warned: unknown[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => warned.push(a);
    try {
      // One IG step cannot integrate the path: the convergence check fires.
      const section = await metricsSection({
        model,
        inputs,
        targets: [6, 1],
        methods: ['ig'],
        metrics: ['sparseness'],
        igSteps: 1,
        outDir: await mkdtemp(join(tmpdir(), 'auralens-metrics-')), // not the demo report's folder
      });
      expect(section.text!.join(' ')).toMatch(
        /Integrated Gradients \(1 steps\) missed completeness .* in \d+ of its calls inside the metrics/,
      );
    } finally {
      console.warn = warn;
    }
    expect(warned).toEqual([]);
    inputs.dispose();
  });
});

describe('demo report', () => {
  it('references files that exist and decode', async () => {
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => r.endsWith('.png')).length).toBe(2 * 5 + 2); // log-mel + 4 overlays per clip, the ranking heatmap, the TCAV chart
    expect(refs.filter((r) => r.endsWith('.wav')).length).toBe(2 * 4); // clip, Grad-CAM-masked, LIME top 3 and rest
    for (const r of refs) {
      expect(r.startsWith('/') || r.includes('://'), r).toBe(false); // relative links only
      const bytes = new Uint8Array(await readFile(join(dir, r)));
      if (r.endsWith('.png')) {
        const img = decode(bytes);
        expect(img.width).toBeGreaterThan(0);
      } else if (r.endsWith('.wav')) {
        const w = decodeWav(bytes);
        expect(w.sampleRate).toBe(16000);
        expect(w.mono.length).toBeGreaterThan(1000);
        expect(w.mono.some((v) => v !== 0)).toBe(true);
      } else expect(r).toBe('report.json');
    }
    // The picture's size follows the log-mel shape and the scale.
    const c = report.clips[0]!;
    const img = decode(new Uint8Array(await readFile(join(dir, c.attributions[0]!.overlay))));
    expect([img.height, img.width]).toEqual([c.shape[0] * 2, c.shape[1] * 2]);
    expect(c.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(report.model.heldOutAccuracy).toBeGreaterThan(0.5);
    const limeEntry = c.attributions.find((a) => a.method === 'lime')!;
    expect((limeEntry.extra!.components as unknown[]).length).toBeGreaterThan(0);
    const m = report.sections.find((s) => s.id === 'metrics')!;
    expect(m.tables![0]!.rows.map((r) => r[0])).toEqual(['gradcam', 'saliency']);
    expect(html).toContain('Quantus-style metrics');
    const t = report.sections.find((s) => s.id === 'tcav')!;
    expect(t.tables![0]!.rows.map((r) => r[0])).toEqual([
      'high_energy',
      'low_energy',
      'vocal_heavy',
      'instrumental',
      'rhythmic',
      'ambient',
    ]);
  });

  it('plugs in sections, renders them, and merge refuses reports of other settings', async () => {
    const r = withSection(withSection(await readReport(dir), { id: 'tcav', title: 'old', text: ['x'] }), {
      id: 'tcav',
      title: 'TCAV scores',
      text: ['Directional derivatives at fc1.'],
      figures: [{ file: 'sections/tcav/chart.svg', caption: 'TCAV <chart>' }],
      tables: [{ columns: ['concept', 'score'], rows: [['rhythmic', 0.91234567]] }],
    });
    expect(r.sections.filter((s) => s.id === 'tcav')).toHaveLength(1);
    const html = renderHtml(r);
    expect(html).toContain('TCAV scores');
    expect(html).toContain('TCAV &lt;chart&gt;');
    expect(html).toContain('0.9123');
    const other = await mkdtemp(join(tmpdir(), 'auralens-report-other-'));
    await writeReport(other, { ...r, settings: { ...r.settings, igSteps: 8 }, clips: [] });
    await expect(mergeReports([dir, other], join(other, 'merged'))).rejects.toThrow(/another settings/);
  });
});

describe('explainClip', () => {
  it('leaves no tensors or GPU memory behind and does not mutate the clip, on both backends', async () => {
    const pair = await enginePair();
    try {
      const samples = synth.synthGenreClip('disco', { seed: 3, duration: 0.5 });
      const copy = samples.slice();
      const out = await mkdtemp(join(tmpdir(), 'auralens-clip-'));
      const settings = { ...DEFAULT_CLIP_SETTINGS, methods: ['ig', 'gradcam', 'occlusion', 'lime'] as const, igSteps: 4, limeSamples: 20 };
      for (const e of [pair.cpu, pair.gpu]) {
        if (!e) continue;
        const loaded = await loadModel(e, join(DEMO_MODEL_DIR, 'model.safetensors'), 'genre-cnn');
        const clip = { id: 'disco', source: 'disco.wav', samples };
        await explainClip(e, loaded, clip, { ...settings, methods: [...settings.methods] }, out); // warms the front end's constant cache
        const before = e.memory();
        const entry = await explainClip(e, loaded, clip, { ...settings, methods: [...settings.methods] }, out);
        const after = e.memory();
        expect(after.liveTensors, e.backend).toBe(before.liveTensors);
        expect(after.bytesInUse, e.backend).toBe(before.bytesInUse);
        expect(entry.attributions.map((a) => a.method)).toEqual(['ig', 'gradcam', 'occlusion', 'lime']);
      }
      expect(samples).toEqual(copy);
    } finally {
      pair.dispose();
    }
  }, 180_000);
});
