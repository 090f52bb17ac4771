/**
 * Layer fusion in containers: nn.Sequential runs Conv2d → BatchNorm2d (eval) → ReLU, Conv2d →
 * BatchNorm2d (eval) and Conv2d → ReLU as one fused kernel (Conv2d.forwardFused: the conv kernel
 * applies the folded batch norm and the ReLU before its store), so the block's output is written
 * once instead of two or three times.
 *
 * A block is fused only when the result cannot differ from running its layers one by one:
 * - the layers are exactly Conv2d, BatchNorm2d and ReLU (not subclasses, whose forward may differ);
 * - the BatchNorm2d is in eval mode and tracks running statistics (train mode normalises with the
 *   batch's statistics and updates the running ones: that takes the unfused path);
 * - no forwardWithActivations pass captures or replaces the conv's or the batch norm's output
 *   (Grad-CAM / TCAV layers): a fused block never hides a layer someone asked for. The block's
 *   last layer (the ReLU, or the batch norm) may be asked for: the fused output is its output;
 * - no withBackwardOverride for conv2d, batchNorm or channelAffine is active during the forward
 *   pass (a ReLU override is honoured inside the fused op's backward).
 * Opt out per container with `sequential.fuse = false`, or for a whole model with
 * `setFusion(model, false)`.
 *
 * ReLU → max-pool is not fused separately: max(relu(x)) = relu(max(x)), and in the seed models
 * every ReLU before a pool already runs in the conv's epilogue, so a relu+pool kernel would save
 * no pass there (profiled on lavapipe, genre CNN forward: the fused blocks remove the batch norm
 * and ReLU passes, ~14 % of the unfused kernel time; max pooling is ~7 % and stays one pass).
 */
import { backwardOverride, type Tensor } from '../engine/index.js';
import { ReLU } from './activation.js';
import { Conv2d } from './conv.js';
import { applyHooks, hookTouches } from './hooks.js';
import type { Module } from './module.js';
import { BatchNorm2d } from './norm.js';

/** A run of a container's children executed as one fused call. */
export interface FusedBlock {
  /** How many children it covers. */
  length: number;
  run(x: Tensor): Tensor;
}

const exactly = <T>(m: Module | undefined, cls: abstract new (...a: never[]) => T): m is Module & T =>
  m !== undefined && Object.getPrototypeOf(m) === cls.prototype;

/** The fused block starting at children[i], or null when it must run layer by layer. */
export function fusedBlockAt(children: readonly Module[], i: number): FusedBlock | null {
  const conv = children[i];
  if (!exactly(conv, Conv2d) || hookTouches(conv)) return null;
  if (backwardOverride('conv2d') || backwardOverride('batchNorm') || backwardOverride('channelAffine')) return null;
  let j = i + 1;
  let bn: BatchNorm2d | null = null;
  const next = children[j];
  if (exactly(next, BatchNorm2d)) {
    if (next.training || !next.trackRunningStats || next.numFeatures !== conv.outChannels || hookTouches(next)) return null;
    bn = next;
    j++;
  }
  const relu = exactly(children[j], ReLU) ? children[j] : null;
  if (!bn && !relu) return null;
  const last = relu ?? bn!;
  return {
    length: j - i + (relu ? 1 : 0),
    // Only the block's last layer can be named by a hook here: its output is the fused output.
    run: (x) => applyHooks(last, conv.forwardFused(x, bn, relu !== null)),
  };
}

/** Containers that fuse layer blocks (see this file's comment). */
export interface Fusable {
  fuse: boolean;
}

/**
 * Turns layer fusion on (default) or off for every nn.Sequential in `model`'s tree; returns the
 * model. Off, every layer runs on its own (e.g. to compare, or to time layers separately).
 */
export function setFusion<M extends Module>(model: M, enabled: boolean): M {
  for (const m of model.modules()) if ('fuse' in m && typeof (m as Partial<Fusable>).fuse === 'boolean') (m as Fusable).fuse = !!enabled;
  return model;
}
