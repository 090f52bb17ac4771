/**
 * The WebGPU backend: implements the Backend contract by recording WGSL kernels (./kernels/,
 * one wrapper per shader family) into the GpuContext's open command encoder.
 */
import type {
  Backend,
  Buf,
  Conv2dParams,
  ConvEpilogue,
  DType,
  MatmulParams,
  Pool2dParams,
  ReduceOp,
  Storage,
  UnaryOp,
  UpsampleMode,
  BinaryOp,
  MemoryInfo,
  StftMelParams,
} from '../backend.js';
import type { Shape } from '../shape.js';
import { GpuContext } from './context.js';
import type { GpuStorage } from './bufferPool.js';
import type { GBuf } from './kernels/common.js';
import * as elementwise from './kernels/elementwise.js';
import * as reduceK from './kernels/reduce.js';
import * as matmulK from './kernels/matmul.js';
import * as copyK from './kernels/copy.js';
import * as indexing from './kernels/indexing.js';
import * as randomK from './kernels/random.js';
import * as convK from './kernels/conv.js';
import * as poolK from './kernels/pool.js';
import * as framesK from './kernels/frames.js';
import * as channelK from './kernels/channelStats.js';
import * as fftK from './kernels/fft.js';
import * as stftMelK from './kernels/stftMel.js';

/** A Buf of this backend: its storage is always a GPU buffer this backend allocated. */
const g = (b: Buf) => b as GBuf;

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;

  constructor(
    readonly ctx: GpuContext,
    readonly adapterInfo: string,
  ) {}

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    // queue.writeBuffer copies at call time, so a Float32Array/Int32Array of the right kind is
    // passed as it is (never retained, never mutated); anything else is converted once.
    const arr =
      dtype === 'float32'
        ? data instanceof Float32Array
          ? data
          : Float32Array.from(data)
        : data instanceof Int32Array
          ? data
          : Int32Array.from(data, (v) => Math.trunc(v));
    return this.ctx.upload(arr, arr.byteLength);
  }

  fill(size: number, value: number, dtype: DType): Storage {
    return elementwise.fill(this.ctx, size, value, dtype);
  }

  async read(storage: Storage, size: number, dtype: DType): Promise<Float32Array | Int32Array> {
    const bytes = await this.ctx.read(storage as GpuStorage, size * 4);
    return dtype === 'float32' ? new Float32Array(bytes) : new Int32Array(bytes);
  }

  free(storage: Storage): void {
    this.ctx.free(storage as GpuStorage);
  }

  memory(): MemoryInfo {
    return { bytesInUse: this.ctx.pool.bytesInUse, bytesPooled: this.ctx.pool.bytesPooled };
  }

  flush(): void {
    this.ctx.flush();
  }

  sync(): Promise<void> {
    return this.ctx.sync();
  }

  dispose(): void {
    this.ctx.dispose();
  }

  unary(op: UnaryOp, x: Buf, a?: number, b?: number): Storage {
    return elementwise.unary(this.ctx, op, g(x), a, b);
  }

  binary(op: BinaryOp, a: Buf, b: Buf, outShape: Shape): Storage {
    return elementwise.binary(this.ctx, op, g(a), g(b), outShape);
  }

  where(cond: Buf, a: Buf, b: Buf, outShape: Shape): Storage {
    return elementwise.where(this.ctx, g(cond), g(a), g(b), outShape);
  }

  channelAffine(x: Buf, scale: Buf, shift: Buf, channels: number, inner: number): Storage {
    return elementwise.channelAffine(this.ctx, g(x), g(scale), g(shift), channels, inner);
  }

  channelMoments(a: Buf, b: Buf | null, shiftA: Buf, shiftB: Buf, channels: number, inner: number): Storage {
    return channelK.channelMoments(this.ctx, g(a), b ? g(b) : null, g(shiftA), g(shiftB), channels, inner);
  }

  channelAffine2(a: Buf, b: Buf, scaleA: Buf, scaleB: Buf, shift: Buf, channels: number, inner: number): Storage {
    return channelK.channelAffine2(this.ctx, g(a), g(b), g(scaleA), g(scaleB), g(shift), channels, inner);
  }

  cast(x: Buf, to: DType): Storage {
    return elementwise.cast(this.ctx, g(x), to);
  }

  reduce(op: ReduceOp, x: Buf, outer: number, reduce: number, inner: number): Storage {
    return reduceK.reduce(this.ctx, op, g(x), outer, reduce, inner);
  }

  matmul(a: Buf, b: Buf, p: MatmulParams): Storage {
    return matmulK.matmul(this.ctx, g(a), g(b), p);
  }

  stridedCopy(x: Buf, outShape: Shape, strides: readonly number[], offset: number): Storage {
    return copyK.stridedCopy(this.ctx, g(x), outShape, strides, offset);
  }

  concat(xs: readonly Buf[], axis: number, outShape: Shape): Storage {
    return copyK.concat(this.ctx, xs.map(g), axis, outShape);
  }

  pad(x: Buf, pads: readonly (readonly [number, number])[], mode: 'constant' | 'reflect', value: number): Storage {
    return copyK.pad(this.ctx, g(x), pads, mode, value);
  }

  gather(x: Buf, indices: Buf, axis: number): Storage {
    return indexing.gather(this.ctx, g(x), g(indices), axis);
  }

  scatterAdd(gr: Buf, indices: Buf, axis: number, dimSize: number): Storage {
    return indexing.scatterAdd(this.ctx, g(gr), g(indices), axis, dimSize);
  }

  oneHot(indices: Buf, depth: number): Storage {
    return indexing.oneHot(this.ctx, g(indices), depth);
  }

  random(size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number): Storage {
    return randomK.random(this.ctx, size, seed, dist, a, b);
  }

  conv2d(x: Buf, w: Buf, bias: Buf | null, p: Conv2dParams): Storage {
    return convK.conv2d(this.ctx, g(x), g(w), bias ? g(bias) : null, p);
  }

  fusedConv2d(x: Buf, w: Buf, bias: Buf | null, e: ConvEpilogue, p: Conv2dParams): Storage {
    const epilogue = { scale: e.scale ? g(e.scale) : null, shift: e.shift ? g(e.shift) : null, relu: e.relu };
    return convK.conv2d(this.ctx, g(x), g(w), bias ? g(bias) : null, p, undefined, epilogue);
  }

  conv2dBackwardInput(gy: Buf, w: Buf, xShape: Shape, p: Conv2dParams): Storage {
    return convK.conv2dBackwardInput(this.ctx, g(gy), g(w), xShape, p);
  }

  conv2dBackwardWeight(x: Buf, gy: Buf, wShape: Shape, p: Conv2dParams): Storage {
    return convK.conv2dBackwardWeight(this.ctx, g(x), g(gy), wShape, p);
  }

  maxPool2d(x: Buf, p: Pool2dParams): [Storage, Storage] {
    return poolK.maxPool2d(this.ctx, g(x), p);
  }

  maxPool2dBackward(gy: Buf, argmax: Buf, xShape: Shape, p: Pool2dParams): Storage {
    return poolK.maxPool2dBackward(this.ctx, g(gy), g(argmax), xShape, p);
  }

  avgPool2d(x: Buf, p: Pool2dParams): Storage {
    return poolK.avgPool2d(this.ctx, g(x), p);
  }

  avgPool2dBackward(gy: Buf, xShape: Shape, p: Pool2dParams): Storage {
    return poolK.avgPool2dBackward(this.ctx, g(gy), xShape, p);
  }

  adaptiveAvgPool2d(x: Buf, outH: number, outW: number): Storage {
    return poolK.adaptiveAvgPool2d(this.ctx, g(x), outH, outW);
  }

  adaptiveAvgPool2dBackward(gy: Buf, xShape: Shape): Storage {
    return poolK.adaptiveAvgPool2dBackward(this.ctx, g(gy), xShape);
  }

  upsample2d(x: Buf, outH: number, outW: number, mode: UpsampleMode, alignCorners: boolean): Storage {
    return poolK.upsample2d(this.ctx, g(x), outH, outW, mode, alignCorners);
  }

  upsample2dBackward(gy: Buf, xShape: Shape, mode: UpsampleMode, alignCorners: boolean): Storage {
    return poolK.upsample2dBackward(this.ctx, g(gy), xShape, mode, alignCorners);
  }

  frame(x: Buf, frameLength: number, hop: number, center = 0, centerMode: 'reflect' | 'constant' = 'constant'): Storage {
    return framesK.frame(this.ctx, g(x), frameLength, hop, center, centerMode);
  }

  overlapAdd(frames: Buf, hop: number, length: number): Storage {
    return framesK.overlapAdd(this.ctx, g(frames), hop, length);
  }

  rfft(x: Buf, n: number, bins: number, window: Buf | null): [Storage, Storage] {
    return fftK.rfft(this.ctx, g(x), n, bins, window ? g(window) : null);
  }

  rfftPower(x: Buf, n: number, bins: number, window: Buf | null): Storage {
    return fftK.rfftPower(this.ctx, g(x), n, bins, window ? g(window) : null);
  }

  rfftAdjoint(re: Buf, im: Buf, n: number, window: Buf | null): Storage {
    return fftK.rfftAdjoint(this.ctx, g(re), g(im), n, window ? g(window) : null);
  }

  stftMel(x: Buf, window: Buf | null, fb: Buf, params: StftMelParams): Storage {
    return stftMelK.stftMel(this.ctx, g(x), window ? g(window) : null, g(fb), params);
  }
}
