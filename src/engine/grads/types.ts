/**
 * The types of the gradient table: what each differentiable op saves on the tape for its
 * backward rule (`OpAttrs`), the rule's signature (`GradRule`) and the table itself
 * (`GradTable`, one rule per name of DIFFERENTIABLE_OPS, so that a missing rule is a compile
 * error). The forward op (src/engine/ops/) records `record(name, inputs, outputs, attrs)`; the
 * tape (src/engine/autograd.ts) hands the attrs back to the rule at backward time.
 *
 * Attrs hold plain values (numbers, shapes, flags), never tensors: a tensor a rule needs rides
 * along as an input (the tape keeps inputs and outputs alive), as batchNorm's mean and maxPool2d's
 * argmax do.
 */
import type { Conv2dParams, Pool2dParams, UpsampleMode } from '../backend.js';
import type { DifferentiableOp } from '../primitives.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** An op that saves nothing beyond its inputs and outputs. */
type None = void;

/** What each differentiable op saves for its backward rule (void: nothing beyond inputs and outputs). */
export interface OpAttrs {
  // elementwise (ops/elementwise.ts)
  add: None;
  sub: None;
  mul: None;
  div: None;
  /** exponent: the number of `pow(x, p)` (one input, x); null when the exponent is inputs[1]. */
  pow: { exponent: number | null };
  maximum: None;
  minimum: None;
  where: None;
  affine: { scale: number };
  neg: None;
  exp: None;
  log: None;
  sqrt: None;
  square: None;
  reciprocal: None;
  abs: None;
  sin: None;
  cos: None;
  relu: None;
  sigmoid: None;
  tanh: None;
  clamp: { min: number; max: number };
  // shape and indexing (ops/shape_ops.ts)
  reshape: None;
  /** perm: output axis i is input axis perm[i]. */
  permute: { perm: readonly number[] };
  broadcastTo: None;
  /** The block taken: begin and size on every axis. */
  slice: { begin: readonly number[]; size: readonly number[] };
  flip: { axes: readonly number[] };
  concat: { axis: number };
  /** [before, after] on every axis. */
  pad: { pads: readonly (readonly [number, number])[]; mode: 'constant' | 'reflect' };
  gather: { axis: number };
  // reductions (ops/reduce.ts)
  /** kept: the output shape with the reduced axes kept as size 1. */
  sum: { kept: Shape };
  max: { axes: readonly number[]; kept: Shape };
  min: { axes: readonly number[]; kept: Shape };
  // matmul (ops/matmul.ts): the broadcast batch shape and m, n of the 2-D-ified product.
  matmul: { transA: boolean; transB: boolean; batch: Shape; m: number; n: number };
  // layers (ops/layers.ts, ops/channel.ts)
  conv2d: { params: Conv2dParams };
  // inputs [x, weight, bias?, scale?, shift?]: the indices of the optional ones (-1 when absent).
  fusedConv2d: { params: Conv2dParams; relu: boolean; biasIndex: number; scaleIndex: number; shiftIndex: number };
  maxPool2d: { params: Pool2dParams };
  avgPool2d: { params: Pool2dParams };
  adaptiveAvgPool2d: None;
  upsample2d: { mode: UpsampleMode; alignCorners: boolean };
  channelAffine: { axis: number };
  /** Where weight and bias sit among the inputs [x, mean, invStd, weight?, bias?] (-1: absent). */
  batchNorm: { weightIndex: number; biasIndex: number };
  // signal (ops/signal.ts); lengths in samples.
  frame: { hop: number; length: number };
  frameCentered: { hop: number; center: number; mode: 'reflect' | 'constant' };
  overlapAdd: { hop: number; length: number };
  rfft: { n: number };
  rfftPower: { n: number };
  rfftAdjoint: { n: number };
  /** Inputs [x, window?, filterbank]; x viewed as [batch, length]; db as StftMelParams.db. */
  stftMel: {
    nFft: number;
    hop: number;
    center: number;
    mode: 'reflect' | 'constant';
    power: 1 | 2;
    db: { scale: number; shift: number; amin: number } | null;
    windowed: boolean;
    batch: number;
    length: number;
    nFrames: number;
  };
}

/**
 * The backward rule of op K: given the gradients of the outputs (same shapes as the outputs),
 * returns the gradient of each input (same shape as that input), or null where `needs[i]` is
 * false or the input is not differentiable. Rules are written with differentiable ops, so they
 * run on either backend.
 */
export type GradRule<K extends DifferentiableOp> = (
  gys: readonly Tensor[],
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  needs: readonly boolean[],
  attrs: OpAttrs[K],
) => (Tensor | null)[];

/** One backward rule per differentiable op: a name without its rule does not compile. */
export type GradTable = { readonly [K in DifferentiableOp]: GradRule<K> };

/** The attrs argument of `record(op, ...)`: absent for an op that saves nothing. */
export type AttrsArg<K extends DifferentiableOp> = OpAttrs[K] extends void ? [] : [attrs: OpAttrs[K]];

/** Compiles only when T is never: OpAttrs lists no name that is not a differentiable op. */
type MustBeEmpty<T extends never> = T;
export type StaleAttrs = MustBeEmpty<Exclude<keyof OpAttrs, DifferentiableOp>>;

/** A rule of some op, its attrs type erased: the tape calls it with the attrs its node saved. */
export type AnyGradRule = GradRule<never>;
