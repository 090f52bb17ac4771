// Audio front end: the log-mel spectrogram (16 kHz, nFft 400, hop 160, 64 htk mels, periodic
// Hann, power 2, dB) of 30 s of audio and of a batch of 64 clips of 3 s, on WebGPU with the
// two DFT implementations (the mixed-radix Stockham FFT kernel and the DFT-as-matmul with a
// cached basis) against the CPU reference (fft.js, float64), as ms and speed-up.
// Peers on this machine (shared/design/peer-figures.md, 30 s): PyTorch 4.4 ms, tfjs-webgpu 1,807 ms,
// tfjs-cpu 22,834 ms.
import { createEngine, audio } from '../../dist/index.js';
import { runSuite } from '../harness.mjs';

const SR = 16000;

export async function run() {
  const gpu = await createEngine({ backend: 'auto' });
  const cpu = await createEngine({ backend: 'cpu' });
  const variants = [
    ...(gpu.backend === 'webgpu'
      ? [
          { e: gpu, method: 'fft' },
          { e: gpu, method: 'matmul' },
        ]
      : []),
    { e: cpu, method: 'fft' },
  ];
  const label = (v) => (v.e.backend === 'cpu' ? 'cpu reference (fft.js)' : `webgpu ${v.method === 'fft' ? 'FFT' : 'DFT-matmul'}`);
  const workloads = [
    { suite: 'frontend-logmel-30s', what: 'log-mel 30 s', shape: [1, 30 * SR] },
    { suite: 'frontend-logmel-64x3s', what: 'log-mel 64 x 3 s', shape: [64, 3 * SR] },
  ];
  const results = [];
  for (const w of workloads) {
    const cases = variants.map((v) => {
      const x = v.e.randn(w.shape, { seed: 7, std: 0.1 });
      const frames = 1 + Math.floor(w.shape[1] / 160);
      // DFT-matmul flops: frames x 400 x (2 x 201) multiply-adds per clip.
      const flops = v.method === 'matmul' ? 2 * w.shape[0] * frames * 400 * 402 : undefined;
      return {
        name: `${w.what} (${label(v)})`,
        flops,
        engine: v.e,
        fn: async () => {
          const y = audio.logMel(x, { method: v.method });
          await v.e.sync();
          y.dispose();
        },
        options: v.e.backend === 'cpu' ? { minSamples: 2, maxTime: 2 } : {},
      };
    });
    const base = `${w.what} (cpu reference (fft.js))`;
    const out = await runSuite(w.suite, cases, {
      baseline: base,
      context: {
        sampleRate: SR,
        nFft: 400,
        hop: 160,
        nMels: 64,
        shape: w.shape,
        defaultMethod: audio.DEFAULT_DFT_METHOD,
        peers30s: { pytorchMs: 4.4, tfjsWebgpuMs: 1807 },
      },
    });
    const fft = out.results.find((r) => r.name.includes('webgpu FFT'));
    const mm = out.results.find((r) => r.name.includes('DFT-matmul'));
    if (fft && mm)
      console.log(
        `${w.what}: webgpu FFT ${fft.ms} ms, DFT-matmul ${mm.ms} ms -> FFT is ${(mm.ms / fft.ms).toFixed(2)}x the speed of DFT-matmul`,
      );
    results.push(out);
  }
  gpu.dispose();
  cpu.dispose();
  return results;
}
