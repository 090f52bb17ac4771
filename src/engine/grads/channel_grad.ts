/** Backward rule of the per-channel affine map (src/engine/ops/channel.ts). */
import { channelAffine, sumPerChannel } from '../ops/channel.js';
import { mul } from '../ops/elementwise.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { GradTable } from './types.js';

export const CHANNEL_GRADS = {
  // dx is another channelAffine (scale, no shift); d scale and d shift are per-channel sums.
  channelAffine: ([g], [xi, si], _o, needs, { axis }) => {
    let gx: Tensor | null = null;
    if (needs[0]) {
      const zero = xi.engine.zeros([xi.shape[axis]]);
      gx = channelAffine(g, si, zero, axis);
      zero.dispose();
    }
    return [gx, needs[1] ? tidy(() => sumPerChannel(mul(g, xi), axis)) : null, needs[2] ? sumPerChannel(g, axis) : null];
  },
} satisfies Partial<GradTable>;
