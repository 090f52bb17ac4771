/**
 * Issue 12's acceptance check ("a researcher's first hour"): the gaps a new user's probe found
 * after the issue's points had landed, each pinned by a test (CPU reference backend: these are
 * option and message checks, the same code on both backends; shapes are tiny):
 *
 * - strict options reach the LIME factorizations (temporalSegments, melBands, patches,
 *   onsetSegments, hpss, nmf, stems), their `frontEnd` (torchaudio spellings really apply),
 *   amplitudeToDb / normalizePerClip, the mel filterbank functions, the engine's rand / randn /
 *   createEngine and the ops with option objects (matmul, conv2d, conv1d, pools, crossEntropy,
 *   upsample2d); engine.randn(shape) without a seed is a ValueError, not a TypeError;
 * - lime / kernelShap take Captum's `n_samples`, a target as an array of one or an int32 tensor
 *   [1] (same explanation as the number), and warn about a model in training mode (`warn`);
 * - the remaining helpers with options objects refuse unknown keys too (resample, encodeWav, the
 *   windows, the data generators), and zeros/ones/full given an options object for the dtype are
 *   a DTypeError (they made a tensor whose dtype was that object);
 * - plot's SVG charts and tcavChartSvg refuse unknown keys through the shared helper (plot had its
 *   own copy that always suggested something: 'cmap' → 'max');
 * - tcav takes its targets as an int32 tensor [K] too (the same result as the list);
 * - the metrics warn about a model in training mode and reject an aborted signal at once;
 * - Module.call given a typed array or a string is a ValueError (it was a TypeError);
 * - forwardWithActivations given a module names it in a short message (never serialises it);
 * - Grad-CAM on a waveform model nn.Sequential(LogMel, Normalize, cnn) names the CNN's layers
 *   ('cnn.conv3') and resizes its map onto the log-mel's grid [B, 1, nMels, frames] (it threw a
 *   ShapeError for [B, L] inputs): the same map as Grad-CAM of the CNN on that log-mel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  conv1d,
  conv2d,
  createEngine,
  crossEntropy,
  matmul,
  maxPool2d,
  upsample2d,
  noGrad,
  ValueError,
  type Engine,
} from '../src/engine/index.js';
import { audio, data, models, nn, plot } from '../src/index.js';
import { gradCam, hpss, kernelShap, lime, melBands, nmf, onsetSegments, patches, stems, temporalSegments } from '../src/xai/index.js';
import { complexity, faithfulnessCorrelation, sparseness } from '../src/metrics/index.js';
import { tcav, tcavChartSvg } from '../src/concepts/index.js';

const engines: Engine[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));
async function cpu(): Promise<Engine> {
  const e = await createEngine({ backend: 'cpu' });
  engines.push(e);
  return e;
}
/** A tiny genre CNN on [B, 1, 8, 12] log-mels, 3 classes. */
const tinyCnn = (e: Engine) => models.genreCNN(e, { nMels: 8, nClasses: 3, channels: [2, 2, 2], bottleneck: 4, seed: 0 });

describe('strict options in the LIME factorizations', () => {
  it('refuses unknown keys with the nearest, accepts scikit-learn / librosa names, and applies frontEnd aliases', async () => {
    const e = await cpu();
    const spec = e.randn([1, 1, 8, 12], { seed: 1 });
    const wave = e.randn([1, 1600], { seed: 2 });
    expect(() => temporalSegments(spec, { segments: 4 } as never)).toThrow(ValueError);
    expect(() => temporalSegments(spec, { m: 4 } as never)).toThrow(/temporalSegments: unknown option 'm' — did you mean 'n'\?/);
    expect(() => melBands(spec, { bands: 4 } as never)).toThrow(/melBands: unknown option 'bands'/);
    expect(() => patches(spec, { frq: 2 } as never)).toThrow(/patches: unknown option 'frq' — did you mean 'freq'\?/);
    await expect(onsetSegments(spec, { max_segment: 2 } as never)).rejects.toThrow(/did you mean 'maxSegments'\?/);
    expect(() => hpss(spec, { kernal: 3 } as never)).toThrow(/hpss: unknown option 'kernal' — did you mean 'kernel'\?/);
    expect(() => stems(wave, e.randn([2, 1600], { seed: 3 }), { residul: true } as never)).toThrow(/did you mean 'residual'\?/);
    // scikit-learn's NMF and librosa's hpss spellings are the same options.
    const a = nmf(spec, { n_components: 2, max_iter: 5, random_state: 1 } as never);
    const b = nmf(spec, { components: 2, iterations: 5, seed: 1 });
    expect(a.names).toEqual(b.names);
    expect(Array.from(await a.sources.read())).toEqual(Array.from(await b.sources.read()));
    const h = hpss(spec, { kernel_size: 3 } as never);
    expect(h.names).toEqual(['harmonic', 'percussive']);
    // frontEnd: torchaudio's hop_length must set the hop (it was silently ignored), a typo is refused.
    const viaAlias = temporalSegments(wave, { n: 2, frontEnd: { sample_rate: 8000 } as never });
    const viaKey = temporalSegments(wave, { n: 2, frontEnd: { sampleRate: 8000 } });
    expect(viaAlias.names).toEqual(viaKey.names);
    expect(viaAlias.names[0]).toContain('0.10 s'); // 800 samples at 8 kHz, not 16 kHz's 0.05 s
    const bandsHop = melBands(wave, { n: 2, frontEnd: { n_fft: 256, hop_length: 128 } as never });
    const bandsKey = melBands(wave, { n: 2, frontEnd: { nFft: 256, hop: 128 } });
    expect(Array.from(await bandsHop.sources.read())).toEqual(Array.from(await bandsKey.sources.read()));
    expect(() => melBands(wave, { frontEnd: { hop_lenght: 128 } as never })).toThrow(
      /melBands: options\.frontEnd: unknown option 'hop_lenght' — did you mean 'hop'\?/,
    );
    for (const f of [a, b, h, viaAlias, viaKey, bandsHop, bandsKey]) f.dispose();
  });
});

describe('lime and kernelShap: Captum names, targets, training mode', () => {
  it('accept n_samples and a target as a number, an array of one or an int32 tensor [1]', async () => {
    const e = await cpu();
    const model = tinyCnn(e).eval();
    const x = e.randn([1, 1, 8, 12], { seed: 4 });
    const base = await kernelShap(model, x, { numSamples: 16, factorization: 'patches', target: 2 });
    const captum = await kernelShap(model, x, { n_samples: 16, factorization: 'patches', target: [2] } as never);
    const tensorTarget = e.tensor(new Int32Array([2]), [1]);
    const viaTensor = await kernelShap(model, x, { numSamples: 16, factorization: 'patches', target: tensorTarget });
    expect(captum.target).toBe(2);
    expect(Array.from(captum.values)).toEqual(Array.from(base.values));
    expect(Array.from(viaTensor.values)).toEqual(Array.from(base.values));
    const l = await lime(model, x, { n_samples: 16, factorization: 'patches', target: tensorTarget } as never);
    expect(l.target).toBe(2);
    await expect(lime(model, x, { numSamples: 16, target: [1, 2] })).rejects.toThrow(/lime: options\.target lists 2 classes/);
    await expect(lime(model, x, { numSamples: 16, target: e.tensor([2], [1]) })).rejects.toThrow(/must be int32/);
    for (const r of [base, captum, viaTensor, l]) r.dispose();
  });

  it('warn once about a model in training mode (warn: false silences it)', async () => {
    const e = await cpu();
    const model = tinyCnn(e); // training mode: BatchNorm uses batch statistics
    const x = e.randn([1, 1, 8, 12], { seed: 5 });
    const got: string[] = [];
    const ex = await lime(model, x, { numSamples: 8, factorization: 'patches', warn: (m) => got.push(m) });
    const sh = await kernelShap(model, x, { numSamples: 8, factorization: 'patches', warn: (m) => got.push(m) });
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^lime: the model is in training mode with bn1 \(BatchNorm2d\).*call model\.eval\(\) first/);
    expect(got[1]).toMatch(/^kernelShap: the model is in training mode/);
    const quiet = await lime(tinyCnn(e), x, { numSamples: 8, factorization: 'patches', warn: false });
    for (const r of [ex, sh, quiet]) r.dispose();
  });
});

describe('the metrics: training mode and an aborted signal', () => {
  it('warn about a model in training mode and reject an aborted signal before any work', async () => {
    const e = await cpu();
    const model = tinyCnn(e);
    const x = e.randn([2, 1, 8, 12], { seed: 6 });
    const attributions = e.rand([2, 1, 8, 12], { seed: 7 });
    const got: string[] = [];
    await faithfulnessCorrelation(model, x, [0, 1], { attributions, nrRuns: 2, subsetSize: 8, warn: (m) => got.push(m) });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^faithfulnessCorrelation: the model is in training mode/);
    const ac = new AbortController();
    ac.abort();
    await expect(sparseness(null, x, null, { attributions, signal: ac.signal })).rejects.toThrow(CancelledError);
    await expect(complexity(null, x, null, { attributions, signal: ac.signal })).rejects.toThrow(CancelledError);
    await expect(sparseness(null, x, null, { attributions, warn: 1 } as never)).rejects.toThrow(/options\.warn must be a function/);
  });
});

describe('strict options in the audio helpers', () => {
  it('amplitudeToDb, normalizePerClip and the filterbank functions refuse unknown keys and take torchaudio names', async () => {
    const e = await cpu();
    const p = e.tensor([1, 1e-3, 1e-9, 10], [4]);
    const viaAlias = await audio.amplitudeToDb(p, { top_db: 20 } as never).read();
    const viaKey = await audio.amplitudeToDb(p, { topDb: 20 }).read();
    expect(Array.from(viaAlias)).toEqual(Array.from(viaKey));
    expect(Math.min(...viaKey)).toBeCloseTo(-10, 4); // the 20 dB floor below the 10 dB peak applies
    expect(() => audio.amplitudeToDb(p, { mode: 1 } as never)).toThrow(/amplitudeToDb: unknown option 'mode'/);
    expect(() => audio.normalizePerClip(p, { epsilon: 1 } as never)).toThrow(
      /normalizePerClip: unknown option 'epsilon' — did you mean 'eps'\?/,
    );
    const fb = { nFreqs: 33, nMels: 4, sampleRate: 8000 };
    expect(() => audio.melFilterbank({ ...fb, fmin: 100 } as never)).toThrow(
      /melFilterbank: unknown option 'fmin' — did you mean 'fMin'\?/,
    );
    expect(Array.from(audio.melFilterbank({ ...fb, f_min: 100, mel_scale: 'slaney' } as never))).toEqual(
      Array.from(audio.melFilterbank({ ...fb, fMin: 100, scale: 'slaney' })),
    );
  });
});

describe("strict options in the engine's own calls", () => {
  it('rand / randn need a seed (ValueError, not a TypeError) and refuse unknown keys, as createEngine does', async () => {
    const e = await cpu();
    expect(() => e.randn([2, 3] as never, undefined as never)).toThrow(/randn: options\.seed is required/);
    expect(() => e.rand([2], {} as never)).toThrow(ValueError);
    expect(() => e.randn([2], { seed: 1, sd: 2 } as never)).toThrow(/randn: unknown option 'sd' — did you mean 'std'\?/);
    expect(() => e.rand([2], { seed: 1, min: 0 } as never)).toThrow(/rand: unknown option 'min'/);
    await expect(createEngine({ backnd: 'cpu' } as never)).rejects.toThrow(
      /createEngine: unknown option 'backnd' — did you mean 'backend'\?/,
    );
  });

  it('matmul, conv2d, conv1d, maxPool2d, crossEntropy and upsample2d refuse unknown keys (PyTorch habits named)', async () => {
    const e = await cpu();
    const a = e.randn([2, 3], { seed: 1 });
    const img = e.randn([1, 1, 4, 4], { seed: 2 });
    expect(() => matmul(a, a, { transposeB: true } as never)).toThrow(/matmul: unknown option 'transposeB'/);
    expect(matmul(a, a, { transB: true }).shape).toEqual([2, 2]);
    expect(() => conv2d(img, e.randn([1, 1, 3, 3], { seed: 3 }), null, { pad: 1 } as never)).toThrow(/conv2d: unknown option 'pad'/);
    expect(() => conv1d(e.randn([1, 1, 8], { seed: 4 }), e.randn([1, 1, 3], { seed: 5 }), null, { strides: 2 } as never)).toThrow(
      /conv1d: unknown option 'strides' — did you mean 'stride'\?/,
    );
    expect(() => maxPool2d(img, 2, { ceil_mode: true } as never)).toThrow(
      /maxPool2d: unknown option 'ceil_mode' — did you mean 'ceilMode'\?/,
    );
    const labels = e.tensor(new Int32Array([0, 2]), [2]);
    expect(() => crossEntropy(a, labels, { reductions: 'sum' } as never)).toThrow(/did you mean 'reduction'\?/);
    expect(() => upsample2d(img, { size: [8, 8], mod: 'nearest' } as never)).toThrow(/did you mean 'mode'\?/);
  });
});

describe('forwardWithActivations given a module', () => {
  it('says which module it is in a short message, without serialising it', async () => {
    const e = await cpu();
    const model = tinyCnn(e).eval();
    const x = e.randn([1, 1, 8, 12], { seed: 8 });
    const conv3 = model.namedModules().find(([n]) => n === 'conv3')![1];
    let msg = '';
    try {
      model.forwardWithActivations(x, [conv3 as never]);
    } catch (err) {
      expect(err).toBeInstanceOf(ValueError);
      msg = (err as Error).message;
    }
    expect(msg).toBe(
      "forwardWithActivations: names[0] must be a module name (a string), got a Conv2d module; its name in this model is 'conv3'",
    );
    expect(() => model.forwardWithActivations(x, [model as never])).toThrow(/got a Sequential module; its name in this model is ''/);
    expect(() => model.call(new Float32Array(96) as never)).toThrow(
      /Sequential\.call: x must be a Tensor \(engine\.tensor\(data, shape\)\), got Float32Array/,
    );
    expect(() => model.call('x' as never)).toThrow(ValueError);
    expect(() => model.forwardWithActivations(x, ['conv4'])).toThrow(/unknown module name\(s\) "conv4" \(did you mean 'conv1'\?\)/);
  });
});

describe('Grad-CAM on a waveform model', () => {
  it("names the CNN's layers and maps onto the log-mel's frames", async () => {
    const e = await cpu();
    const cnn = tinyCnn(e);
    const front = new nn.Sequential(e, [
      ['logmel', new audio.LogMel(e, { nMels: 8, nFft: 128, hop: 64 })],
      ['norm', new audio.Normalize(e)],
    ]);
    const model = new nn.Sequential(e, [
      ['logmel', new audio.LogMel(e, { nMels: 8, nFft: 128, hop: 64 })],
      ['norm', new audio.Normalize(e)],
      ['cnn', cnn],
    ]).eval();
    const wave = e.randn([2, 1600], { seed: 9, std: 0.1 });
    const spec = noGrad(() => front.call(wave)); // [2, 1, 8, 26]
    const onWave = await gradCam(model, wave, { target: [1, 2], layer: 'cnn.conv3' });
    const onSpec = await gradCam(cnn, spec, { target: [1, 2], layer: 'conv3' });
    await expect(gradCam(model, wave, { target: 1, layer: 'conv3' })).rejects.toThrow(
      /'conv3' is not a module of the model — did you mean 'cnn\.conv3'\?/,
    );
    expect(onWave.map.shape).toEqual([2, 1, 8, 26]);
    expect(onWave.layerMap.shape).toEqual(onSpec.layerMap.shape);
    const [a, b] = [await onWave.map.read(), await onSpec.map.read()];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    expect((await gradCam(model, wave, { target: 1, layer: 'cnn.conv3', upsample: false })).map.shape).toEqual(onWave.layerMap.shape);
    // A waveform into a model without a LogMel module still needs upsample: false.
    const waveCnn = new nn.Sequential(e, [
      ['flat', new nn.Flatten(e)],
      ['fc', new nn.Linear(e, 16, 3, { seed: 0 })],
    ]).eval();
    await expect(gradCam(waveCnn, e.randn([1, 16], { seed: 1 }), { target: 0, layer: 'fc' })).rejects.toThrow(/audio\.LogMel module/);
  });
});

describe('tcav targets', () => {
  it('takes an int32 tensor [K] as the list of classes', async () => {
    const e = await cpu();
    const model = tinyCnn(e).eval();
    const set = (seed: number) => e.randn([3, 1, 8, 12], { seed });
    const common = { model, layers: ['conv3'], concepts: { a: set(1) }, randoms: [set(2), set(3)], inputs: set(4) };
    const viaList = await tcav({ ...common, targets: [1, 2] });
    const viaTensor = await tcav({ ...common, targets: e.tensor(new Int32Array([1, 2]), [2]) });
    expect(viaTensor.targets).toEqual([1, 2]);
    expect(JSON.stringify(viaTensor)).toBe(JSON.stringify(viaList));
    expect(() => tcavChartSvg(viaList, { titel: 'x' } as never)).toThrow(/tcavChartSvg: unknown option 'titel' — did you mean 'title'\?/);
    expect(tcavChartSvg(viaList, { target: 2, class_names: ['a', 'b', 'c'] } as never)).toContain('TCAV scores for c');
    await expect(tcav({ ...common, targets: e.tensor([1], [1]) })).rejects.toThrow(/tcav: targets as a tensor must be int32/);
  });
});

describe('strict options in the remaining helpers', () => {
  it('resample, encodeWav, the windows and the data generators refuse unknown keys; zeros needs a dtype string', async () => {
    const e = await cpu();
    const x = new Float32Array(64);
    expect(() => audio.resample(x, 16000, 8000, { quality: 'low', lowpass_filter_width: 6 } as never)).toThrow(/resample: unknown option/);
    expect(audio.resample(x, 16000, 8000, { quality: 'low' }).length).toBe(32);
    expect(() => audio.encodeWav(x, 16000, { bits: 16 } as never)).toThrow(/encodeWav: unknown option 'bits'/);
    expect(audio.encodeWav(x, 16000, { bit_depth: 24 } as never).length).toBe(audio.encodeWav(x, 16000, { bitDepth: 24 }).length);
    expect(() => audio.hannWindow(8, { sym: false } as never)).toThrow(/hannWindow: unknown option 'sym'/);
    expect(() => data.digitGlyphTensors(e, { seed: 1, count: 2, sizes: 28 } as never)).toThrow(/did you mean 'size'\?/);
    expect(() => data.synth.synthGenreClip('rock', { seed: 1, duration: 0.1, sr: 8000 } as never)).toThrow(
      /synthGenreClip: unknown option 'sr'/,
    );
    expect(data.synth.synthGenreClip('rock', { seed: 1, duration: 0.1, sample_rate: 8000 } as never).length).toBe(800);
    expect(() => data.synth.synthConceptClips('ambient', { count: 1, seed: 1, durations: 0.1 } as never)).toThrow(
      /did you mean 'duration'\?/,
    );
    expect(() => e.zeros([2], { dtype: 'int32' } as never)).toThrow(
      /dtype: expected 'float32' or 'int32' \(a string, not an options object\), got an object/,
    );
    expect(e.zeros([2], 'int32').dtype).toBe('int32');
    expect(() => plot.heatmapSvg([[1]], ['a'], ['b'], { annotated: true } as never)).toThrow(
      /heatmapSvg: unknown option 'annotated' — did you mean 'annotate'\?/,
    );
    expect(() => plot.barChartSvg({ bars: [{ label: 'a', value: 1 }], ylabel: 'x' } as never)).toThrow(/did you mean 'yLabel'\?/);
    // matplotlib's cmap is an alias of colormap (test/plot.test.ts); a misspelling is not.
    expect(() => plot.heatmapPng(new Float32Array(4), 2, 2, { colourmap: 'viridis' } as never)).toThrow(
      /heatmapPng: unknown option 'colourmap' — did you mean 'colormap'\?/,
    );
  });
});
