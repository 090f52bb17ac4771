/**
 * Backward rules of the layer ops (src/engine/ops/layers.ts): convolution and pooling run their
 * own backward kernels; batch norm's analytic backward is one moments pass and one
 * channelAffine2 pass (the derivation is in the comment of layers.ts's batchNormTrain).
 */
import { backwardOverride } from '../autograd.js';
import { backendOf } from '../backendOf.js';
import { sumPerChannel } from '../ops/channel.js';
import { wrap } from '../ops/core.js';
import { affine, mul, sub } from '../ops/elementwise.js';
import { channelMoments } from '../ops/layers.js';
import { slice } from '../ops/shape_ops.js';
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
  // Backward rule of fusedConv2d (src/engine/ops/fused.ts): y = relu?(scale · (conv(x, w) + bias) + shift)
  // per output channel. From g = dL/dy:
  // 1. the ReLU: g' = g where y > 0 (the mask from the output: y > 0 exactly where the
  //    pre-activation is); an active withBackwardOverride({ relu }) rule (Guided Backprop) runs
  //    instead, on the recomputed pre-activation, so fusion does not bypass it;
  // 2. gz = scale · g' (one channelAffine pass), the gradient of z = conv + bias, feeds conv2d's
  //    input and weight backward kernels;
  // 3. d shift = Σ g', d bias = scale · Σ g', d scale = Σ g' · z. z is recomputed (one conv
  //    forward) only when scale's gradient is requested — the cheapest choice: saving z would cost
  //    an extra output write in every forward, inference included, and z = (y - shift) / scale
  //    breaks where scale is 0 (a zero-initialised BatchNorm weight). One channelMoments pass then
  //    gives Σ g' and Σ g' · z together.
  fusedConv2d: ([g], ins, [yo], needs, { params: p, relu, biasIndex, scaleIndex, shiftIndex }) => {
    const [xi, wi] = ins;
    const e = xi.engine;
    const be = backendOf(e);
    const bi = biasIndex >= 0 ? ins[biasIndex] : null;
    const si = scaleIndex >= 0 ? ins[scaleIndex] : null;
    const ti = shiftIndex >= 0 ? ins[shiftIndex] : null;
    const shape = yo.shape;
    const o = shape[1];
    const inner = shape[2] * shape[3];
    // d L / d (pre-ReLU value).
    let gm = g;
    if (relu) {
      const rule = backwardOverride('relu');
      if (rule) {
        const pre = wrap(e, be.fusedConv2d(xi, wi, bi, { scale: si, shift: ti, relu: false }, p), shape);
        gm = rule([g], [pre], [yo], [true], undefined as never)[0] ?? e.zeros(shape);
      } else {
        gm = wrap(e, be.binary('reluGrad', g, yo, shape), shape);
      }
    }
    // d L / d z, z = conv + bias.
    let gz = gm;
    if (si) gz = wrap(e, be.channelAffine(gm, si, e.zeros([o]), o, inner), shape);
    const gx = needs[0] ? wrap(e, be.conv2dBackwardInput(gz, wi, xi.shape, p), xi.shape) : null;
    const gw = needs[1] ? wrap(e, be.conv2dBackwardWeight(xi, gz, wi.shape, p), wi.shape) : null;
    const needScale = scaleIndex >= 0 && needs[scaleIndex];
    const needSum = (biasIndex >= 0 && needs[biasIndex]) || (shiftIndex >= 0 && needs[shiftIndex]);
    let sumG: Tensor | null = null;
    let gScale: Tensor | null = null;
    if (needScale) {
      const z = wrap(e, be.conv2d(xi, wi, bi, p), shape);
      const zero = e.zeros([o]);
      const m = wrap(e, be.channelMoments(gm, z, zero, zero, o, inner), [2 * o]);
      sumG = slice(m, [0], [o]);
      gScale = slice(m, [o], [o]);
    } else if (needSum) {
      sumG = sumPerChannel(gm, 1);
    }
    const out: (Tensor | null)[] = [gx, gw];
    if (biasIndex >= 0) out.push(needs[biasIndex] ? (si ? mul(si, sumG!) : sumG) : null);
    if (scaleIndex >= 0) out.push(gScale);
    if (shiftIndex >= 0) out.push(needs[shiftIndex] ? sumG : null);
    return out;
  },
} satisfies Partial<GradTable>;
