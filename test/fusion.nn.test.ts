/**
 * Automatic layer fusion in nn.Sequential and the seed models (src/nn/fusion.ts), on both
 * engines: the genre CNN (Conv2d → BatchNorm2d → ReLU blocks) and the digit CNN (Conv2d → ReLU)
 * in eval mode give the same logits fused and with fusion off (setFusion(model, false)), and the
 * same Grad-CAM / Guided Grad-CAM maps; asking for a conv's or a batch norm's activation by name
 * runs that block unfused (the activation is returned and is correct); train-mode BatchNorm is
 * never fused; memory stays flat across repeated fused calls.
 *
 * Tolerance: max |fused - unfused| / max |unfused| <= 1e-5 for logits and activations, 1e-4 for
 * Grad-CAM maps (a ratio of gradient sums); the fused kernel differs from the unfused passes only
 * by float32 rounding of the same arithmetic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import { backendOf } from '../src/engine/backendOf.js';
import { batchNorm, conv2d, models, nn, type Tensor, xai } from '../src/index.js';
import { enginePair } from './helpers/gpu.js';
import { maxAbsRel, randArray } from './helpers/random.js';

const pair = await enginePair();
afterAll(() => pair.dispose());
const engines: [string, Engine][] = [['cpu', pair.cpu], ...(pair.gpu ? [['webgpu', pair.gpu] as [string, Engine]] : [])];

const CHANNELS = [4, 6, 5];

/** A small genre CNN in eval mode with non-trivial BatchNorm statistics and affine parameters. */
function genre(e: Engine, seed = 1) {
  const m = models.genreCNN(e, { nMels: 16, channels: CHANNELS, bottleneck: 8, nClasses: 3, seed });
  const sd: Record<string, Tensor> = {};
  CHANNELS.forEach((c, i) => {
    const k = i + 1;
    sd[`bn${k}.running_mean`] = e.tensor(randArray(c, seed * 10 + k, -0.2, 0.2), [c]);
    sd[`bn${k}.running_var`] = e.tensor(randArray(c, seed * 20 + k, 0.05, 0.3), [c]);
    sd[`bn${k}.weight`] = e.tensor(randArray(c, seed * 30 + k, 0.5, 1.5), [c]);
    sd[`bn${k}.bias`] = e.tensor(randArray(c, seed * 40 + k, -0.2, 0.2), [c]);
  });
  m.loadStateDict(sd, { strict: false });
  Object.values(sd).forEach((t) => t.dispose());
  return m.eval();
}

/** Counts calls of the fused primitive on an engine's backend while fn runs. */
async function countFused<T>(e: Engine, fn: () => Promise<T> | T): Promise<{ value: T; calls: number }> {
  const be = backendOf(e) as unknown as { fusedConv2d: (...a: unknown[]) => unknown };
  const orig = be.fusedConv2d;
  let calls = 0;
  be.fusedConv2d = function (this: unknown, ...a: unknown[]) {
    calls++;
    return orig.apply(this, a);
  };
  try {
    return { value: await fn(), calls };
  } finally {
    be.fusedConv2d = orig;
  }
}

const input = (e: Engine, b = 3, t = 20) => e.tensor(randArray(b * 16 * t, 5, -1, 1), [b, 1, 16, t]);

describe('fusion in nn.Sequential and the seed models', () => {
  for (const [name, e] of engines) {
    it(`${name}: genre CNN eval logits fused = unfused (one fused kernel per block)`, async () => {
      const m = genre(e);
      const x = input(e);
      const fused = await countFused(e, () => m.call(x));
      expect(fused.calls).toBe(CHANNELS.length);
      nn.setFusion(m, false);
      const plain = await countFused(e, () => m.call(x));
      expect(plain.calls).toBe(0);
      expect(maxAbsRel(await fused.value.read(), await plain.value.read())).toBeLessThanOrEqual(1e-5);
      for (const t of [fused.value, plain.value, x]) t.dispose();
      m.dispose();
    });

    it(`${name}: Grad-CAM and Guided Grad-CAM on named layers are the same fused and unfused`, async () => {
      const m = genre(e);
      const x = input(e);
      for (const layer of ['relu2', 'conv3', 'bn2']) {
        const maps: ArrayLike<number>[] = [];
        const guided: ArrayLike<number>[] = [];
        for (const fuse of [true, false]) {
          nn.setFusion(m, fuse);
          const cam = await xai.gradCam(m, x, { target: [0, 1, 2], layer, upsample: false });
          maps.push(await cam.layerMap.read());
          cam.layerMap.dispose();
          cam.map.dispose();
          const g = await xai.guidedGradCam(m, x, { target: [2, 1, 0], layer });
          guided.push(await g.read());
          g.dispose();
        }
        expect(maxAbsRel(maps[0], maps[1]), `${layer} Grad-CAM`).toBeLessThanOrEqual(1e-4);
        expect(maxAbsRel(guided[0], guided[1]), `${layer} Guided Grad-CAM`).toBeLessThanOrEqual(1e-4);
      }
      x.dispose();
      m.dispose();
    });

    it(`${name}: asking for a conv's (or batch norm's) activation runs that block unfused`, async () => {
      const m = genre(e);
      const x = input(e);
      const { value: r, calls } = await countFused(e, () => m.forwardWithActivations(x, ['conv2', 'bn1', 'relu3']));
      // Blocks 1 (bn1 asked) and 2 (conv2 asked) run layer by layer; block 3 fuses, its ReLU output is returned.
      expect(calls).toBe(1);
      expect(Object.keys(r.activations).sort()).toEqual(['bn1', 'conv2', 'relu3']);
      // conv2's activation is the conv of pool1's output: recompute it from pool1 and compare.
      const ref = m.forwardWithActivations(x, ['pool1', 'conv3', 'relu3']);
      const conv2 = m.getSubmodule('conv2') as nn.Conv2d;
      const want = conv2d(ref.activations.pool1, conv2.weight, conv2.bias, { padding: 1 });
      expect(maxAbsRel(await r.activations.conv2.read(), await want.read())).toBeLessThanOrEqual(1e-5);
      // relu3 = relu(bn3(conv3)), from the unfused conv3 of the second pass.
      const bn3 = m.getSubmodule('bn3') as nn.BatchNorm2d;
      const bnOut = batchNorm(ref.activations.conv3, bn3.getBuffer('running_mean'), bn3.getBuffer('running_var'), bn3.weight, bn3.bias, {
        training: false,
      }).y;
      const relu3 = Float32Array.from(await bnOut.read(), (v) => Math.max(v, 0));
      expect(maxAbsRel(await r.activations.relu3.read(), relu3)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsRel(await r.output.read(), await ref.output.read())).toBeLessThanOrEqual(1e-5);
      for (const t of [r.output, ...Object.values(r.activations), ref.output, ...Object.values(ref.activations), want, bnOut, x])
        t.dispose();
      m.dispose();
    });

    it(`${name}: train-mode BatchNorm is never fused; Conv2d → ReLU (digit CNN) is`, async () => {
      const m = genre(e).train();
      const x = input(e);
      const t = await countFused(e, () => m.call(x));
      expect(t.calls).toBe(0);
      t.value.dispose();
      m.dispose();
      const d = models.digitCNN(e, { inputSize: [16, 24], channels: [3, 4], hidden: 6 }).eval();
      const xd = e.tensor(randArray(2 * 16 * 24, 8), [2, 1, 16, 24]);
      const fused = await countFused(e, () => d.call(xd));
      expect(fused.calls).toBe(2);
      nn.setFusion(d, false);
      const plain = d.call(xd);
      expect(maxAbsRel(await fused.value.read(), await plain.read())).toBeLessThanOrEqual(1e-5);
      for (const v of [fused.value, plain, x, xd]) v.dispose();
      d.dispose();
    });

    it(`${name}: memory is flat across repeated fused forward and Grad-CAM calls`, async () => {
      const m = genre(e);
      const x = input(e);
      const step = async () => {
        const y = m.call(x);
        await y.read();
        y.dispose();
        const cam = await xai.gradCam(m, x, { target: [0, 0, 0], layer: 'relu3' });
        cam.layerMap.dispose();
        cam.map.dispose();
      };
      await step();
      const before = e.memory();
      for (let i = 0; i < 3; i++) await step();
      const after = e.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      x.dispose();
      m.dispose();
    });
  }
});
