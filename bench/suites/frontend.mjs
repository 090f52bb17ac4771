// Audio front end: the log-mel spectrogram (16 kHz, nFft 400, hop 160, 64 htk mels, periodic
// Hann, power 2, dB) of 30 s of audio and of a batch of 64 clips of 3 s, on WebGPU with the
// two DFT implementations (the mixed-radix Stockham FFT kernel and the DFT-as-matmul with a
// cached basis) against the CPU reference (fft.js, float64), as ms and speed-up.
// Peers on this machine (shared/design/peer-figures.md, 30 s): PyTorch 4.4 ms, tfjs-webgpu 1,807 ms,
// tfjs-cpu 22,834 ms.
//
// The WebGPU FFT rows run the fused path (one stftMel kernel, audio.logMel's default: for nFft 400
// the straight-line kernel generated for that nFft, src/engine/webgpu/kernels/stftMelCodegen.ts;
// bench/diag/stft-mel-codegen.mjs times it against the previous `lanes2` kernel). The
// `frontend-logmel-fused-*` suites time it against the unfused chain (fused: false: frame, FFT
// power, mel matmul, transpose, dB) round-robin in one process, and report the ratio per round
// and the ratio to PyTorch's figure scaled to the workload's audio length (issue 13: 30 s within
// 15 ms, 64 x 3 s within 3x PyTorch).
import { createEngine, audio } from '../../dist/index.js';
import { runInterleaved, runSuite } from '../harness.mjs';

const SR = 16000;
/** PyTorch (CPU, 2 threads) log-mel of 30 s at 16 kHz on this kind of machine, ms (peer-figures.md). */
const PYTORCH_30S_MS = 4.4;

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
    if (gpu.backend === 'webgpu') results.push(await fusedVsUnfused(gpu, w));
  }
  gpu.dispose();
  cpu.dispose();
  return results;
}

/** Fused vs unfused log-mel on WebGPU, interleaved; ratios per round and to PyTorch scaled to the audio length. */
async function fusedVsUnfused(gpu, w) {
  const x = gpu.randn(w.shape, { seed: 7, std: 0.1 });
  const pytorchMs = (PYTORCH_30S_MS * (w.shape[0] * w.shape[1])) / (30 * SR);
  const mk = (fused) => ({
    name: `${w.what} (webgpu, ${fused ? 'fused stftMel' : 'unfused'})`,
    engine: gpu,
    fn: async () => {
      const y = audio.logMel(x, { fused });
      await gpu.sync();
      y.dispose();
    },
  });
  const unfused = mk(false);
  const out = await runInterleaved(`frontend-logmel-fused-${w.suite.replace('frontend-logmel-', '')}`, [mk(true), unfused], {
    baseline: unfused.name,
    rounds: w.shape[0] > 1 ? 7 : 15,
    context: { shape: w.shape, pytorchScaledMs: +pytorchMs.toFixed(2), targetMs: w.shape[0] > 1 ? 3 * pytorchMs : 15 },
  });
  const [f, u] = out.results;
  console.log(
    `${w.what}: fused ${f.ms} ms, unfused ${u.ms} ms: fused takes ${f.ratioToBaseline}x the unfused time (median per round), ` +
      `${(f.ms / pytorchMs).toFixed(2)}x PyTorch's ${pytorchMs.toFixed(1)} ms (scaled from ${PYTORCH_30S_MS} ms for 30 s)`,
  );
  x.dispose();
  return out;
}
