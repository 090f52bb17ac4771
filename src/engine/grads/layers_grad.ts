/**
 * Backward rules of the layer ops (src/engine/ops/layers.ts): convolution and pooling run their
 * own backward kernels; batch norm's analytic backward is one moments pass and one
 * channelAffine2 pass (the derivation is in the comment of layers.ts's batchNormTrain).
 */
import { backendOf } from '../backendOf.js';
import { sumPerChannel } from '../ops/channel.js';
import { wrap } from '../ops/core.js';
import { affine, mul, sub } from '../ops/elementwise.js';
import { channelMoments } from '../ops/layers.js';
import type { Tensor } from '../tensor.js';
import type { GradTable } from './types.js';

export const LAYERS_GRADS = {
  conv2d: ([g], [xi, wi, bias], _o, needs, { params }) => {
    const e = xi.engine;
    return [
      needs[0] ? wrap(e, backendOf(e).conv2dBackwardInput(g, wi, xi.shape, params), xi.shape) : null,
      needs[1] ? wrap(e, backendOf(e).conv2dBackwardWeight(xi, g, wi.shape, params), wi.shape) : null,
      // One per-channel reduction pass (no transpose of g into channel-major order).
      ...(bias ? [needs[2] ? sumPerChannel(g, 1) : null] : []),
    ];
  },
  // inputs [x, argmax]: the gradient goes to the first maximum of each window (as PyTorch).
  maxPool2d: ([g], [xi, am], _o, _n, { params }) => [
    wrap(xi.engine, backendOf(xi.engine).maxPool2dBackward(g, am, xi.shape, params), xi.shape),
    null,
  ],
  avgPool2d: ([g], [xi], _o, _n, { params }) => [wrap(xi.engine, backendOf(xi.engine).avgPool2dBackward(g, xi.shape, params), xi.shape)],
  adaptiveAvgPool2d: ([g], [xi]) => [wrap(xi.engine, backendOf(xi.engine).adaptiveAvgPool2dBackward(g, xi.shape), xi.shape)],
  upsample2d: ([g], [xi], _o, _n, { mode, alignCorners }) => [
    wrap(xi.engine, backendOf(xi.engine).upsample2dBackward(g, xi.shape, mode, alignCorners), xi.shape),
  ],
  // inputs [x, mean, invStd, weight?, bias?]; mean and invStd ride along (no gradient).
  batchNorm: ([g], ins, _o, needs, { weightIndex: wi, biasIndex: bi }) => {
    const [xi, mu, invStd] = ins;
    const e = xi.engine;
    const c = xi.shape[1];
    const inner = xi.size / (xi.shape[0] * c);
    const count = xi.size / c;
    const grads: (Tensor | null)[] = ins.map(() => null);
    const zeros = e.zeros([c]);
    const [sg, sgx] = channelMoments(g, xi, zeros, mu, c);
    const dWeightRaw = mul(invStd, sgx); // sum g * xhat
    if (wi >= 0 && needs[wi]) grads[wi] = dWeightRaw;
    if (bi >= 0 && needs[bi]) grads[bi] = sg;
    if (needs[0]) {
      const a = wi >= 0 ? mul(ins[wi], invStd) : invStd;
      const b = affine(mul(mul(a, invStd), dWeightRaw), -1 / count, 0);
      const shift = sub(affine(mul(a, sg), -1 / count, 0), mul(b, mu));
      grads[0] = wrap(e, backendOf(e).channelAffine2(g, xi, a, b, shift, c, inner), xi.shape);
    }
    return grads;
  },
} satisfies Partial<GradTable>;
