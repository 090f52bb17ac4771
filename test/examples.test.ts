// The runnable examples (examples/*.mjs, which the README points to) run in plain Node against
// dist/ and print what they claim. Forced onto the CPU backend (AURALENS_BACKEND=cpu) with small
// sizes (AURALENS_EXAMPLE_QUICK=1), so the whole file takes a few seconds. Builds dist/ first when
// it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs examples/<name>.mjs on the CPU backend; returns stdout (throws with the output on a non-zero exit). */
function runExample(name: string): string {
  try {
    return execFileSync(process.execPath, [join('examples', `${name}.mjs`)], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      env: { ...process.env, AURALENS_BACKEND: 'cpu', AURALENS_EXAMPLE_QUICK: '1' },
    });
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
    throw new Error(
      `examples/${name}.mjs failed (exit ${err.status ?? 'none'}): ${err.message}\n--- stdout\n${err.stdout ?? ''}\n--- stderr\n${err.stderr ?? ''}`,
    );
  }
}

/** The number captured by `re` in `out` (fails the test when the line is missing). */
function numberIn(out: string, re: RegExp): number {
  const m = re.exec(out);
  expect(m, `no line matching ${re}`).not.toBeNull();
  return Number(m![1]);
}

describe('examples', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  }, 180_000);

  it('demo.mjs explains clips with the committed genre CNN and writes a report', () => {
    const out = runExample('demo');
    expect(out).toContain('auralens demo on the cpu backend');
    expect(numberIn(out, /model held-out accuracy ([\d.]+) %/)).toBeGreaterThanOrEqual(90);
    expect(out).toContain('metal-synthetic: predicted metal');
    expect(out).toMatch(/open .*index\.html/);
  });

  it('engine.mjs: tensors, ops, tidy, memory and autograd', () => {
    const out = runExample('engine');
    expect(out).toContain('engine: cpu backend');
    expect(out).toContain('arange(0, 10, 2): [0, 2, 4, 6, 8]');
    expect(out).toContain('max |diff| = 0');
    expect(out).toContain('live tensors +1');
    expect(out).toContain('typed error: ShapeError');
    expect(out).toContain('grad(sum(x^2)) = 2x: [2, 4, 6, 8, 10, 12]');
    expect(out).toMatch(/d loss \/ d w\[1\]\[1\] = (-?[\d.]+) \(finite difference \1\)/);
    expect(out).toContain('max |g - W[:, target]| = 0');
    expect(out).toContain('guided grad [0, 0, 7, 0]');
    expect(out).toContain('dv = [1, 1, 1, 1]');
    expect(out).toContain('"liveTensors":0');
    expect(out).toContain('engine example OK');
  });

  it('train-digits.mjs: fit with validation and a checkpoint round trip', () => {
    const out = runExample('train-digits');
    expect(out).toContain('train-digits on the cpu backend');
    expect(out).toMatch(/epoch 1: loss [\d.]+, train accuracy [\d.]+ %, validation accuracy [\d.]+ %/);
    expect(out).toContain('predictions identical to the trained model: true');
    expect(numberIn(out, /final validation accuracy: ([\d.]+) %/)).toBeGreaterThan(20); // chance is 10 %
  });

  it('attributions.mjs: every attribution method', () => {
    const out = runExample('attributions');
    for (const m of [
      'saliency',
      'inputXGradient',
      'integratedGradients',
      'smoothGrad',
      'guidedBackprop',
      'deconvolution',
      'gradCam layerMap',
      'gradCam map',
      'guidedGradCam',
      'occlusion',
      'featureAblation',
    ]) {
      expect(out, m).toMatch(new RegExp(`^${m}\\s+\\[2,1,`, 'm'));
    }
    expect(out).toMatch(/^gradCam layerMap\s+\[2,1,8,8\]/m);
    const delta = /delta \[([^\]]+)\]/.exec(out);
    expect(delta).not.toBeNull();
    for (const d of delta![1].split(',')) expect(Math.abs(Number(d))).toBeLessThan(0.05);
    expect(out).toContain('input | integrated gradients (positive) | Grad-CAM (conv2)');
    expect(out).toContain('all 10 methods ran');
  });

  it('audio.mjs: synth, logMel, stft, maskToAudio, WAV round trip, waveform saliency', () => {
    const out = runExample('audio');
    expect(out).toContain('audio on the cpu backend');
    expect(out).toContain('logMel: [1,64,201]');
    expect(out).toContain('stft: re, im [1,201,201]');
    expect(numberIn(out, /energy below 500 Hz now ([\d.]+) %/)).toBeGreaterThan(99);
    expect(out).toContain('decodeWav: 16000 Hz, 1 channel(s), 2.00 s');
    expect(numberIn(out, /max \|diff\| ([\d.e+-]+) \(16-bit\)/)).toBeLessThan(1e-4);
    expect(out).toContain('loadAudioFile at 8 kHz, 1.5 s: 12000 samples');
    expect(out).toContain('saliency on the waveform (model = wave → logMel → CNN, one call): [1,16000]');
    expect(out).toContain('audio example OK');
  });
});
