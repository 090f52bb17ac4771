// Peers in the same run: the genre CNN with the same weights and inputs in auralens (WebGPU) and in
// TensorFlow.js (@tensorflow/tfjs + @tensorflow/tfjs-backend-webgpu, devDependencies; nothing is
// installed at run time). Rows as shared/design/peer-figures.md: forward b64, saliency b16,
// Integrated Gradients 4 clips x 50 steps, Grad-CAM b16 on the last conv, log-mel of 30 s.
// Each row reports both times, the agreement of the outputs (max |auralens - tfjs| / max |tfjs|)
// and the ratio tfjs ms / auralens ms (> 1: auralens is faster).
//
// tfjs-backend-webgpu needs navigator.gpu; in Node the `webgpu` package (Dawn, the same one the
// auralens engine uses) provides it through create(). If the webgpu backend cannot start, tfjs's
// cpu backend is measured instead and every row is labelled tfjs-cpu.
//
// The tfjs model runs NHWC (tfjs's native layout): the input is transposed once, conv weights
// [O, C, kh, kw] become [kh, kw, C, O]. Batch norm runs in eval mode with non-trivial running
// statistics (drawn once, loaded into both models). IG uses riemann_middle in both (alphas
// (k + 0.5) / steps, weights 1 / steps: no all-zero point, where every max-pool window is a tie
// that implementations may route differently), zero baseline, target 3.
//
// GFLOP per workload: conv and linear multiply-adds x 2, as peer-figures.md counts them.
//
// Sizes: slow rows are timed on a prefix (fewer clips, fewer IG steps) and scaled linearly to the
// full workload, as peer-figures.md did (marked in the results); AURALENS_BENCH_FULL=1 times the
// full workloads. Each case: one warm-up, then the median of AURALENS_BENCH_RUNS runs (default 1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, models, nn, audio, noGrad } from '../../dist/index.js';
import { saliency, integratedGradients, gradCam } from '../../dist/xai/index.js'; // 'auralens/xai' for package users
import { topKernels } from '../harness.mjs';

const N_MELS = 64;
const FRAMES = 301;
const TARGET = 3;
const FULL = process.env.AURALENS_BENCH_FULL === '1';
const RUNS = Math.max(1, Number(process.env.AURALENS_BENCH_RUNS ?? 1));

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** TensorFlow.js with the webgpu backend if it starts, else the cpu backend (with the reason). */
async function loadTfjs() {
  let reason = null;
  try {
    const { create, globals } = await import('webgpu');
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) globalThis[k] = v;
    const gpu = create([]);
    if (!globalThis.navigator) globalThis.navigator = {};
    if (!globalThis.navigator.gpu) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
    globalThis.__auralensTfjsGpu = gpu; // Dawn aborts if its GPU object is collected
  } catch (err) {
    reason = `no navigator.gpu: ${err?.message ?? err}`;
  }
  const tf = await import('@tensorflow/tfjs');
  if (!reason) {
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (await tf.setBackend('webgpu')) {
        await tf.ready();
        return { tf, label: 'tfjs-webgpu', reason: null };
      }
      reason = 'tf.setBackend("webgpu") returned false';
    } catch (err) {
      reason = `tfjs-backend-webgpu failed: ${err?.message ?? err}`;
    }
  }
  await tf.setBackend('cpu');
  return { tf, label: 'tfjs-cpu', reason };
}

/** The genre CNN's forward in tfjs (NHWC), from host copies of the auralens state dict. */
function tfjsGenreCNN(tf, sd) {
  const t = (name, perm) => {
    const v = sd[name];
    const x = tf.tensor(v.data, v.shape, 'float32');
    if (!perm) return x;
    const y = tf.transpose(x, perm);
    x.dispose();
    return y;
  };
  const P = {};
  for (const k of [1, 2, 3]) {
    P[`w${k}`] = t(`conv${k}.weight`, [2, 3, 1, 0]);
    P[`b${k}`] = t(`conv${k}.bias`);
    for (const s of ['weight', 'bias', 'running_mean', 'running_var']) P[`bn${k}.${s}`] = t(`bn${k}.${s}`);
  }
  P.fc1 = t('fc1.weight', [1, 0]);
  P.fc1b = t('fc1.bias');
  P.fc2 = t('fc2.weight', [1, 0]);
  P.fc2b = t('fc2.bias');
  const block = (h, k) => tf.add(tf.conv2d(h, P[`w${k}`], 1, 'same'), P[`b${k}`]);
  const after = (h, k) => {
    const bn = tf.batchNorm(h, P[`bn${k}.running_mean`], P[`bn${k}.running_var`], P[`bn${k}.bias`], P[`bn${k}.weight`], 1e-5);
    return tf.maxPool(tf.relu(bn), 2, 2, 'valid');
  };
  const head = (h) => {
    const g = tf.mean(h, [1, 2]);
    const f = tf.relu(tf.add(tf.matMul(g, P.fc1), P.fc1b));
    return tf.add(tf.matMul(f, P.fc2), P.fc2b); // dropout is the identity in eval
  };
  /** NHWC input → conv3's output (before bn3). */
  const toConv3 = (x) => block(after(block(after(block(x, 1), 1), 2), 2), 3);
  /** conv3's output → logits. */
  const fromConv3 = (a) => head(after(a, 3));
  return { forward: (x) => fromConv3(toConv3(x)), toConv3, fromConv3, dispose: () => Object.values(P).forEach((v) => v.dispose()) };
}

/** max |a - b| / max |b| over two host arrays of equal length. */
function agreement(a, b) {
  if (a.length !== b.length) return `shape mismatch (${a.length} vs ${b.length})`;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return +(d / (m || 1)).toExponential(2);
}

/** NCHW host array → NHWC host array (C = 1 inputs only need a reshape). */
const toNhwc = (tf, data, shape) => tf.tensor(data, [shape[0], shape[2], shape[3], shape[1]]);

export async function run() {
  const e = await createEngine({ backend: 'auto' });
  const { tf, label: peer, reason } = await loadTfjs();
  console.log(
    `peers: auralens ${e.backend} (${e.info().adapter ?? 'cpu'}) against ${peer}${reason ? ` (webgpu backend unavailable: ${reason})` : ''}`,
  );

  // One set of weights: the seeded genre CNN with batch-norm running statistics drawn once.
  const model = models.genreCNN(e, { seed: 0 });
  const sd = {};
  for (const [k, v] of Object.entries(model.stateDict())) sd[k] = { data: await v.read(), shape: v.shape };
  for (const k of [1, 2, 3]) {
    const c = sd[`bn${k}.running_mean`].shape[0];
    const mean = new Float32Array(c).map((_, i) => 0.1 * Math.sin(i + k));
    const vr = new Float32Array(c).map((_, i) => 0.5 + 0.4 * Math.cos(i * k) ** 2);
    const w = new Float32Array(c).map((_, i) => 1 + 0.2 * Math.sin(3 * i + k));
    const b = new Float32Array(c).map((_, i) => 0.05 * Math.cos(2 * i + k));
    Object.assign(sd, {
      [`bn${k}.running_mean`]: { data: mean, shape: [c] },
      [`bn${k}.running_var`]: { data: vr, shape: [c] },
      [`bn${k}.weight`]: { data: w, shape: [c] },
      [`bn${k}.bias`]: { data: b, shape: [c] },
    });
  }
  const load = {};
  for (const [k, v] of Object.entries(sd))
    load[k] = e.tensor(v.dtype === 'int32' ? v.data : v.data, v.shape, v.data instanceof Int32Array ? 'int32' : 'float32');
  model.loadStateDict(load);
  for (const t of Object.values(load)) t.dispose();
  // Eval mode: nn.Sequential runs each Conv → BN → ReLU block as one fused kernel (said explicitly
  // here; it is the default). Grad-CAM on conv3 runs that one block unfused, as it must.
  nn.setFusion(model.eval(), true);
  const tfm = tfjsGenreCNN(tf, sd);

  const clipsInput = (n, seed) => e.randn([n, 1, N_MELS, FRAMES], { seed });

  // Each workload: full size, timed prefix, an auralens fn and a tfjs fn returning host arrays.
  const workloads = [
    {
      key: 'forward',
      label: 'forward, batch 64',
      gflop: 23.36,
      size: 64,
      prefix: 8,
      aur: async (x) => noGrad(() => model.call(x)),
      tfjs: (xt) => tfm.forward(xt),
    },
    {
      key: 'saliency',
      label: 'saliency (input gradient), batch 16',
      gflop: 11.68,
      size: 16,
      prefix: 4,
      aur: async (x) => saliency(model, x, { target: TARGET }),
      tfjs: (xt) => {
        const f = (z) => tf.sum(tf.slice(tfm.forward(z), [0, TARGET], [-1, 1]));
        return tf.abs(tf.grad(f)(xt));
      },
    },
    {
      key: 'ig',
      label: 'Integrated Gradients, 4 clips x 50 steps',
      gflop: 146.02,
      size: 4 * 50,
      prefix: FULL ? 4 * 50 : 10,
      clips: (n) => Math.max(1, Math.floor(n / 50)),
      steps: (n) => (n >= 50 ? 50 : n),
      aur: async (x, steps) => integratedGradients(model, x, { target: TARGET, steps, method: 'riemann_middle' }),
      tfjs: (xt, steps) => {
        const f = (z) => tf.sum(tf.slice(tfm.forward(z), [0, TARGET], [-1, 1]));
        const g = tf.grad(f);
        let acc = tf.zerosLike(xt);
        for (let s = 0; s < steps; s++) {
          const alpha = (s + 0.5) / steps;
          const w = 1 / steps;
          const gs = g(tf.mul(xt, alpha));
          const next = tf.add(acc, tf.mul(gs, w));
          acc.dispose();
          acc = next;
        }
        return tf.mul(acc, xt);
      },
    },
    {
      key: 'gradcam',
      label: 'Grad-CAM on the last conv, batch 16',
      gflop: 5.85,
      size: 16,
      prefix: 4,
      aur: async (x) => {
        const r = await gradCam(model, x, { target: TARGET, layer: 'conv3' });
        r.map.dispose();
        return r.layerMap;
      },
      tfjs: (xt) => {
        const a = tfm.toConv3(xt);
        const f = (z) => tf.sum(tf.slice(tfm.fromConv3(z), [0, TARGET], [-1, 1]));
        const g = tf.grad(f)(a);
        const w = tf.mean(g, [1, 2], true);
        return tf.relu(tf.sum(tf.mul(w, a), 3)); // [B, H, W] = auralens's layerMap [B, 1, H, W]
      },
    },
  ];

  const rows = [];
  const add = (row) => {
    rows.push(row);
    console.log(JSON.stringify(row));
  };
  for (const w of workloads) {
    const n = FULL ? w.size : w.prefix;
    const clips = w.clips ? w.clips(n) : n;
    const steps = w.steps ? w.steps(n) : undefined;
    const scale = w.size / n;
    const x = clipsInput(clips, 11);
    const xHost = await x.read();
    const xt = toNhwc(tf, xHost, x.shape);
    try {
      const aurOnce = async () => {
        const t0 = performance.now();
        const y = await w.aur(x, steps);
        const host = await y.read();
        const ms = performance.now() - t0;
        y.dispose();
        return { ms, host };
      };
      const tfOnce = async () => {
        const t0 = performance.now();
        const y = tf.tidy(() => w.tfjs(xt, steps));
        const host = await y.data();
        const ms = performance.now() - t0;
        y.dispose();
        return { ms, host };
      };
      // Warm both, then time round-robin (A T A T ...) so that a shared machine's drift
      // falls on both sides of the ratio alike.
      await aurOnce();
      await tfOnce();
      const a = [];
      const t = [];
      for (let i = 0; i < RUNS; i++) {
        a.push(await aurOnce());
        t.push(await tfOnce());
      }
      const aMs = median(a.map((r) => r.ms)) * scale;
      const tMs = median(t.map((r) => r.ms)) * scale;
      const top = await topKernels(e, async () => (await w.aur(x, steps)).dispose(), `auralens ${w.label}`);
      add({
        name: `${w.label}`,
        workload: `peers:${w.key}`,
        gflop: w.gflop,
        auralensMs: +aMs.toFixed(1),
        [`${peer}Ms`]: +tMs.toFixed(1),
        peer,
        agreement: agreement(a[0].host, t[0].host),
        ratio: +(tMs / aMs).toFixed(2),
        timed: steps ? `${clips} clip(s) x ${steps} steps` : `${clips} clip(s)`,
        scaled: scale !== 1,
        topKernels: top,
      });
    } catch (err) {
      add({ name: w.label, workload: `peers:${w.key}`, peer, error: String(err?.message ?? err) });
    } finally {
      x.dispose();
      xt.dispose();
    }
  }

  // Log-mel of 30 s at 16 kHz: auralens's front end against tf.signal.stft (reflect-padded by
  // nFft/2 as torch's center=True, periodic Hann) + |X|^2 + the same mel matrix + 10 log10.
  {
    const SR = 16000;
    const wave = e.randn([1, 30 * SR], { seed: 7, std: 0.1 });
    const host = await wave.read();
    const fb = audio.melFilterbank({ nFreqs: 201, nMels: 64, sampleRate: SR, fMin: 0, fMax: SR / 2, scale: 'htk', norm: null });
    const fbT = tf.tensor(Float32Array.from(fb), [201, 64]);
    const wt = tf.tensor(host, [30 * SR]);
    try {
      const aurOnce = async () => {
        const t0 = performance.now();
        const y = audio.logMel(wave);
        const h = await y.read();
        const ms = performance.now() - t0;
        y.dispose();
        return { ms, host: h };
      };
      const tfOnce = async () => {
        const t0 = performance.now();
        const y = tf.tidy(() => {
          const padded = tf.mirrorPad(wt, [[200, 200]], 'reflect');
          const s = tf.signal.stft(padded, 400, 160, 400, tf.signal.hannWindow);
          const p = tf.add(tf.square(tf.real(s)), tf.square(tf.imag(s)));
          const mel = tf.matMul(p, fbT); // [frames, 64]
          const db = tf.mul(tf.log(tf.maximum(mel, 1e-10)), 10 / Math.LN10);
          return tf.transpose(db); // [64, frames] as auralens's [1, 64, frames]
        });
        const h = await y.data();
        const ms = performance.now() - t0;
        y.dispose();
        return { ms, host: h };
      };
      await aurOnce();
      await tfOnce();
      const a = [];
      const t = [];
      for (let i = 0; i < Math.max(3, RUNS); i++) {
        a.push(await aurOnce());
        if (i < RUNS) t.push(await tfOnce());
      }
      const aMs = median(a.map((r) => r.ms));
      const tMs = median(t.map((r) => r.ms));
      const top = await topKernels(e, () => audio.logMel(wave).dispose(), 'auralens log-mel of 30 s');
      add({
        name: 'log-mel of 30 s at 16 kHz',
        workload: 'peers:logmel30s',
        auralensMs: +aMs.toFixed(1),
        [`${peer}Ms`]: +tMs.toFixed(1),
        peer,
        agreement: agreement(a[0].host, t[0].host),
        ratio: +(tMs / aMs).toFixed(2),
        timed: '30 s',
        scaled: false,
        topKernels: top,
      });
    } catch (err) {
      add({ name: 'log-mel of 30 s at 16 kHz', workload: 'peers:logmel30s', peer, error: String(err?.message ?? err) });
    } finally {
      wave.dispose();
      fbT.dispose();
      wt.dispose();
    }
  }

  console.table(
    rows.map(({ name, auralensMs, peer: p, agreement: ag, ratio, scaled, timed, error, topKernels: _t, ...rest }) => ({
      name,
      auralensMs,
      peerMs: rest[`${p}Ms`],
      peer: p,
      agreement: ag,
      'peer ms / auralens ms': ratio,
      scaled: scaled ? `* (${timed})` : '',
      error,
    })),
  );
  const out = {
    suite: 'peers',
    date: new Date().toISOString(),
    baseline: peer,
    context: {
      auralens: `${e.backend} (${e.info().adapter ?? 'cpu'})`,
      peer,
      peerFallbackReason: reason,
      model: 'models.genreCNN({ seed: 0 }) with drawn batch-norm statistics, eval; the same weights in tfjs (NHWC)',
      fusion: 'on: each Conv2d → BatchNorm2d → ReLU block runs as one fused kernel (nn.setFusion)',
      agreement: 'max |auralens - peer| / max |peer| on the timed outputs',
      ratio: 'peer ms / auralens ms (> 1: auralens faster)',
      scaled: FULL ? 'none: full workloads timed' : 'rows marked scaled were timed on a prefix and scaled linearly',
      runs: RUNS,
    },
    results: rows,
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'peers.json'), JSON.stringify(out, null, 2));
  tfm.dispose();
  model.dispose();
  e.dispose();
  return out;
}
