/**
 * The audio front end's options and bounds, the LogMel / Normalize modules and audio.baselines,
 * on the CPU engine and on WebGPU:
 * - torchaudio spellings are aliases (n_fft, hop_length / hopLength, win_length, n_mels, f_min,
 *   f_max, sample_rate): the same numbers as the canonical keys (compared exactly);
 * - unknown keys throw a ValueError naming the nearest known key; a key given twice throws;
 * - documented bounds (nFft ≤ 65,536, hop ≤ 2^24, nMels ≤ 4,096, sample rates ≤ 768 kHz,
 *   outputs ≤ 2^28 samples) are ValueErrors before any work (issue 11 points 3 and 7);
 * - a WAV of 200,000 empty chunks gives a short message (issue 11 point 6);
 * - LogMel as a module equals logMel plus a channel axis; in nn.Sequential its layers have names
 *   (forwardWithActivations 'logmel', 'cnn.conv1'); Normalize (fixed and per clip);
 * - baselines: silence is zeros, noise has the asked RMS, blurred keeps a constant and smooths,
 *   uniform stays in range; memory back to the start after each.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noGrad, tidy } from '../src/engine/index.js';
import { ValueError } from '../src/engine/errors.js';
import { audio, nn, xai } from '../src/index.js';
const { gradCam } = xai;
import { loadAudioFile } from '../src/audio/load.js';
import { enginePair } from './helpers/gpu.js';

const pair = await enginePair();
afterAll(() => pair.dispose());

/** A deterministic test wave [B, L] (two tones and a ramp). */
function wave(b: number, l: number): Float32Array {
  const out = new Float32Array(b * l);
  for (let i = 0; i < b; i++)
    for (let t = 0; t < l; t++)
      out[i * l + t] = 0.5 * Math.sin((2 * Math.PI * (440 + 110 * i) * t) / 16000) + 0.1 * Math.sin(t / 7) + (0.001 * t) / l;
  return out;
}

describe('audio options (engine-free checks)', () => {
  it('rejects unknown keys with the nearest suggestion, and keys given twice', async () => {
    const e = pair.cpu;
    const w = e.tensor(wave(1, 4000), [1, 4000]);
    expect(() => audio.logMel(w, { hopLenght: 256 } as never)).toThrow(ValueError);
    expect(() => audio.logMel(w, { hopLenght: 256 } as never)).toThrow(/logMel: unknown option 'hopLenght' — did you mean 'hop'\?/);
    expect(() => audio.logMel(w, { nfft: 512 } as never)).toThrow(/did you mean 'nFft'/);
    expect(() => audio.logMel(w, { n_mel: 40 } as never)).toThrow(/did you mean 'nMels'/);
    expect(() => audio.logMel(w, { hop: 160, hop_length: 256 } as never)).toThrow(
      /options 'hop' and 'hop_length' are the same option 'hop'; give it once/,
    );
    expect(() => audio.stft(w, { nFft: 256, bogus: 1 } as never)).toThrow(/stft: unknown option 'bogus'/);
    expect(() => audio.spectrogram(w, { nFft: 256, powr: 2 } as never)).toThrow(/did you mean 'power'/);
    expect(() => audio.melSpectrogram(w, { topDb: 80 } as never)).toThrow(/melSpectrogram: option 'topDb' applies to logMel/);
    expect(() => audio.logMel(w, 5 as never)).toThrow(/logMel: options must be an object, got 5/);
    w.dispose();
  });

  it('bounds the front-end sizes, sample rates and output lengths up front', async () => {
    const e = pair.cpu;
    const w = e.tensor(wave(1, 2000), [1, 2000]);
    const before = e.memory();
    expect(() => audio.logMel(w, { nFft: 1e9 })).toThrow(ValueError);
    expect(() => audio.logMel(w, { nFft: 1e9 })).toThrow(/logMel: nFft = 1000000000 exceeds the limit of 65536/);
    expect(() => audio.logMel(w, { n_fft: 2 ** 17 } as never)).toThrow(/nFft = 131072 exceeds the limit of 65536/);
    expect(() => audio.logMel(w, { hop: 2 ** 30 })).toThrow(/hop = 1073741824 exceeds the limit of 16777216/);
    expect(() => audio.logMel(w, { nMels: 1e6 })).toThrow(/nMels = 1000000 exceeds the limit of 4096/);
    expect(() => audio.stft(w, { nFft: 1e9 })).toThrow(/stft: nFft = 1000000000 exceeds the limit of 65536/);
    expect(() => audio.logMel(w, { nFft: 0 })).toThrow(/nFft must be a positive integer, got 0/);
    expect(e.memory()).toEqual(before);
    w.dispose();
    // Resampling: rates and output length.
    const x = new Float32Array(1600).fill(0.1);
    expect(() => audio.resample(x, 16000, 1e9)).toThrow(/resample: toRate: at most 768,000 Hz is supported, got 1,000,000,000/);
    expect(() => audio.resample(x, 0, 16000)).toThrow(/resample: fromRate: expected a positive integer sample rate/);
    expect(() => audio.resample(new Float32Array(2 ** 22), 8000, 768000)).toThrow(/more than the 268,435,456 supported/);
    expect(audio.resample(x, 16000, 8000).length).toBe(800);
  });

  it('loadAudioFile: sampleRate bounded, torchaudio/librosa aliases, unknown keys refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auralens-opts-'));
    const file = join(dir, 'a.wav');
    writeFileSync(file, audio.encodeWav(wave(1, 800), 8000));
    await expect(loadAudioFile(file, { sampleRate: 1e9 })).rejects.toThrow(/loadAudioFile: sampleRate: at most 768,000 Hz is supported/);
    await expect(loadAudioFile(file, { sampleRat: 16000 } as never)).rejects.toThrow(
      /loadAudioFile: unknown option 'sampleRat' — did you mean 'sampleRate'/,
    );
    const a = await loadAudioFile(file, { sampleRate: 16000 });
    const b = await loadAudioFile(file, { sample_rate: 16000 } as never);
    const c = await loadAudioFile(file, { sr: 16000 } as never);
    expect(a.length).toBe(1600);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(a));
  });

  it('a WAV of 200,000 empty chunks gives a short message with the count', () => {
    const n = 200_000;
    const b = new Uint8Array(12 + 8 * n);
    b.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
    new DataView(b.buffer).setUint32(4, b.length - 8, true);
    b.set([0x57, 0x41, 0x56, 0x45], 8); // WAVE
    for (let i = 0; i < n; i++) b.set([0x4a, 0x55, 0x4e, 0x4b], 12 + 8 * i); // 'JUNK', size 0
    let msg = '';
    try {
      audio.decodeWav(b);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/no 'fmt ' chunk/);
    expect(msg).toMatch(/200,000 chunks/);
    expect(msg.length).toBeLessThan(300);
  });
});

for (const kind of ['cpu', 'webgpu'] as const) {
  const e = kind === 'cpu' ? pair.cpu : pair.gpu;
  describe.skipIf(!e)(`audio options, modules and baselines on ${kind}`, () => {
    it('torchaudio spellings give exactly the canonical result', async () => {
      const w = e!.tensor(wave(2, 3000), [2, 3000]);
      const [a, b, c] = tidy(() => [
        audio.logMel(w, { nFft: 512, hop: 128, winLength: 400, nMels: 40, fMin: 50, fMax: 7000, sampleRate: 16000 }),
        audio.logMel(w, { n_fft: 512, hop_length: 128, win_length: 400, n_mels: 40, f_min: 50, f_max: 7000, sample_rate: 16000 } as never),
        audio.logMel(w, { nFft: 512, hopLength: 128, winLength: 400, nMels: 40, fMin: 50, fMax: 7000 } as never),
      ]);
      expect(a.shape).toEqual([2, 40, 1 + Math.floor(3000 / 128)]);
      const av = Array.from(await a.readFloat());
      expect(Array.from(await b.readFloat())).toEqual(av);
      expect(Array.from(await c.readFloat())).toEqual(av);
      // hopLength is honoured (not silently 160): the frame count follows it.
      const d = audio.logMel(w, { hopLength: 256 } as never);
      expect(d.shape[2]).toBe(1 + Math.floor(3000 / 256));
      const s1 = audio.stft(w, { n_fft: 256, hop_length: 64 } as never);
      const s2 = audio.stft(w, { nFft: 256, hop: 64 });
      expect(Array.from(await s1.re.readFloat())).toEqual(Array.from(await s2.re.readFloat()));
      const m = audio.melSpectrogram(w, { nMels: 40 });
      const m2 = audio.logMel(w, { nMels: 40, db: false });
      expect(Array.from(await m.readFloat())).toEqual(Array.from(await m2.readFloat()));
      for (const t of [w, a, b, c, d, s1.re, s1.im, s2.re, s2.im, m, m2]) t.dispose();
    });

    it('LogMel and Normalize modules: logMel with a channel axis, layers named in a Sequential', async () => {
      const w = e!.tensor(wave(2, 3200), [2, 3200]);
      // The window and filterbank are cached per engine on first use (not a leak): made before counting.
      const ref = noGrad(() => audio.logMel(w, { nMels: 32 }));
      const before = e!.memory();
      const lm = new audio.LogMel(e!, { n_mels: 32, hop_length: 160 } as never);
      const out = noGrad(() => lm.call(w));
      expect(out.shape).toEqual([2, 1, 32, 21]);
      expect(Array.from(await out.readFloat())).toEqual(Array.from(await ref.readFloat()));
      const w1 = e!.tensor(wave(1, 3200), [3200]);
      expect(() => lm.call(w1)).toThrow(/LogMel: expected a batch of waveforms \[B, samples\], got \[3200\] \(add a batch axis/);
      expect(() => new audio.LogMel(e!, { nFFT: 512 } as never)).toThrow(/LogMel: unknown option 'nFFT' — did you mean 'nFft'/);
      const cnn = new nn.Sequential(e!, [
        ['conv1', new nn.Conv2d(e!, 1, 4, 3, { padding: 1, seed: 1 })],
        ['relu1', new nn.ReLU(e!)],
        ['gap', new nn.AdaptiveAvgPool2d(e!, 1)],
        ['flatten', new nn.Flatten(e!)],
        ['fc', new nn.Linear(e!, 4, 3, { seed: 2 })],
      ]);
      const model = new nn.Sequential(e!, [
        ['logmel', lm],
        ['norm', new audio.Normalize(e!)],
        ['cnn', cnn],
      ]);
      expect(Object.keys(model.stateDict())).toEqual(['cnn.conv1.weight', 'cnn.conv1.bias', 'cnn.fc.weight', 'cnn.fc.bias']);
      const { output, activations } = noGrad(() => model.forwardWithActivations(w, ['logmel', 'norm', 'cnn.conv1']));
      expect(output.shape).toEqual([2, 3]);
      expect(activations['cnn.conv1'].shape).toEqual([2, 4, 32, 21]);
      // Per-clip normalisation: mean 0, std 1 per example.
      const nv = await activations.norm.readFloat();
      const per = 32 * 21;
      for (let i = 0; i < 2; i++) {
        const row = nv.subarray(i * per, (i + 1) * per);
        const mu = row.reduce((s, v) => s + v, 0) / per;
        const sd = Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / per);
        expect(Math.abs(mu)).toBeLessThan(1e-4);
        expect(Math.abs(sd - 1)).toBeLessThan(1e-3);
      }
      // Grad-CAM names a layer inside the waveform model: d logit / d cnn.conv1, per frame.
      const cam = await gradCam(model, w, { target: 1, layer: 'cnn.conv1', upsample: false });
      expect(cam.layerMap.shape).toEqual([2, 1, 32, 21]);
      expect((await cam.layerMap.readFloat()).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      cam.layerMap.dispose();
      if (cam.map !== cam.layerMap) cam.map.dispose();
      const fixed = new audio.Normalize(e!, { mean: 2, std: 4 });
      const f3 = e!.tensor([2, 6, -2], [1, 3]);
      const f = noGrad(() => fixed.call(f3));
      expect(Array.from(await f.readFloat())).toEqual([0, 1, -1]);
      expect(() => new audio.Normalize(e!, { mean: 1 })).toThrow(/give both mean and std/);
      for (const t of [out, output, f, f3, w1, ...Object.values(activations)]) t.dispose();
      model.dispose();
      const after = e!.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      ref.dispose();
      w.dispose();
    });

    it('baselines: silence, noise at a dB floor, blurred spectrogram, uniform', async () => {
      const w = e!.tensor(wave(2, 4000), [2, 4000]);
      const before = e!.memory();
      const z = audio.baselines.silence(w);
      expect(z.shape).toEqual([2, 4000]);
      expect((await z.readFloat()).every((v) => v === 0)).toBe(true);
      const n = audio.baselines.noise(w, { db: -40, seed: 3 });
      const nv = await n.readFloat();
      const rms = Math.sqrt(nv.reduce((s, v) => s + v * v, 0) / nv.length);
      expect(Math.abs(rms - 0.01) / 0.01).toBeLessThan(0.05);
      expect(() => audio.baselines.noise(w, { db: 10 })).toThrow(/db must be <= 0/);
      // A constant spectrogram stays constant; a spike spreads out and keeps its mass (away from edges).
      const c = e!.full([1, 8, 12], 3);
      const bc = audio.baselines.blurred(c, { sigma: [1, 2] });
      for (const v of await bc.readFloat()) expect(v).toBeCloseTo(3, 5);
      const spike = new Float32Array(16 * 40);
      spike[8 * 40 + 20] = 1;
      const sp = e!.tensor(spike, [1, 1, 16, 40]);
      const bs = audio.baselines.blurred(sp, { sigma: [1.5, 3] });
      expect(bs.shape).toEqual([1, 1, 16, 40]);
      const bv = await bs.readFloat();
      expect(bv.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      expect(bv[8 * 40 + 20]).toBeLessThan(0.2);
      expect(bv[8 * 40 + 22]).toBeGreaterThan(0);
      const u = audio.baselines.uniform(w, { seed: 1 });
      const uv = await u.readFloat();
      const wv = await w.readFloat();
      const [lo, hi] = [Math.min(...wv), Math.max(...wv)];
      expect(uv.every((v) => v >= lo - 1e-6 && v <= hi + 1e-6)).toBe(true);
      const u2 = audio.baselines.uniform(w, { low: -1, high: 1, seed: 1 });
      expect((await u2.readFloat()).every((v) => v >= -1 && v < 1)).toBe(true);
      expect(() => audio.baselines.blurred(w, { sigmas: 2 } as never)).toThrow(/unknown option 'sigmas' — did you mean 'sigma'/);
      for (const t of [z, n, c, bc, sp, bs, u, u2]) t.dispose();
      expect(e!.memory().liveTensors).toBe(before.liveTensors);
      w.dispose();
    });
  });
}
