/**
 * The backend contract: the small set of primitive kernels that both the WebGPU backend and the
 * plain-TypeScript CPU reference implement. Differentiable ops (src/engine/ops) are written once
 * on top of these primitives, so every op and its backward rule run on either backend.
 *
 * Conventions for every primitive:
 * - inputs are contiguous row-major buffers described by a `Buf` (storage + shape + dtype);
 * - the primitive returns a new storage holding a contiguous row-major result, owned by the
 *   caller (freed with `free`), never aliasing an input;
 * - the caller has already validated shapes, dtypes and arguments (the op layer does that and
 *   names the user's arguments in its errors); primitives may assume valid input.
 * - float32 tensors hold IEEE float32 on the GPU; the CPU reference holds them in float64 and
 *   accumulates in float64 (it is the tests' oracle).
 */
import type { BinaryOp, Primitive, ReduceOp, UnaryOp } from './primitives.js';
import type { Shape } from './shape.js';

export type DType = 'float32' | 'int32';

/** An opaque backend buffer handle. */
export type Storage = object;

/** A primitive's view of a tensor. */
export interface Buf {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The op lists (unary, binary, reduce) and the primitive list live in ./primitives.ts, written
 * once. Unary parameters a and b: clamp: y = min(max(x, a), b); powScalar: y = x^a;
 * affine: y = a*x + b; step: y = x > 0 ? 1 : 0. (ReLU's backward is the binary op 'reluGrad'.)
 */
export type { UnaryOp, BinaryOp, ReduceOp, Primitive } from './primitives.js';

export interface MatmulParams {
  /** Number of matrices in the output batch. */
  batch: number;
  m: number;
  k: number;
  n: number;
  /** a is stored [.., k, m] (true) or [.., m, k] (false). */
  transA: boolean;
  /** b is stored [.., n, k] (true) or [.., k, n] (false). */
  transB: boolean;
  /** Elements between consecutive matrices of a (0 to reuse one matrix for the whole batch). */
  aBatchStride: number;
  bBatchStride: number;
}

/** 2-D convolution geometry (PyTorch Conv2d semantics, NCHW, weights [O, C/groups, kh, kw]). */
export interface Conv2dParams {
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
  groups: number;
}

/**
 * The epilogue of `fusedConv2d`, applied per output channel o to z = conv + bias[o] before the
 * store: y = relu?(scale[o] * z + shift[o]). scale and shift are [O] (absent: 1 and 0); an eval
 * BatchNorm folds into them (scale = gamma / sqrt(var + eps), shift = beta - mean * scale).
 */
export interface ConvEpilogue {
  scale: Buf | null;
  shift: Buf | null;
  relu: boolean;
}

/** 2-D pooling geometry (PyTorch MaxPool2d / AvgPool2d semantics). */
export interface Pool2dParams {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
  ceilMode: boolean;
  /** avgPool2d only: divide by the full window (true, PyTorch's default) or by its in-bounds part. */
  countIncludePad: boolean;
}

export type UpsampleMode = 'nearest' | 'bilinear';

/** Geometry and epilogue of `stftMel` (lengths in samples). */
export interface StftMelParams {
  /** FFT (frame) length. */
  nFft: number;
  /** Samples between frames. */
  hop: number;
  /** Samples of centre padding on both sides (0: none). */
  center: number;
  centerMode: 'reflect' | 'constant';
  /** Project the magnitude |X| instead of the power |X|^2. */
  magnitude: boolean;
  /** Decibels: v -> scale * ln(max(v, amin)) + shift after the projection; null: none. */
  db: { scale: number; shift: number; amin: number } | null;
}

export interface MemoryInfo {
  /** Bytes held by live storages. */
  bytesInUse: number;
  /** Bytes held in the reuse pool (free, not yet returned to the driver). */
  bytesPooled: number;
}

export interface Backend {
  readonly name: 'webgpu' | 'cpu';

  /** Copies host data into a new storage. Float data is stored as float32 (GPU) / float64 (CPU). */
  upload(data: ArrayLike<number>, dtype: DType): Storage;
  /** A new storage of `size` elements all equal to `value`. */
  fill(size: number, value: number, dtype: DType): Storage;
  /** Reads a storage back to the host (float32 as Float32Array, int32 as Int32Array). */
  read(storage: Storage, size: number, dtype: DType): Promise<Float32Array | Int32Array>;
  /** The first `count` values when the backend holds them on the host (CPU), else absent: for util.inspect. */
  peek?(storage: Storage, count: number, dtype: DType): Float32Array | Int32Array;
  /** Releases a storage (to the pool: it may be reused once the work that uses it is submitted). */
  free(storage: Storage): void;
  memory(): MemoryInfo;
  /** Submits recorded work (no-op on the CPU). */
  flush(): void;
  /** Submits recorded work and waits until the device finished it (resolves at once on the CPU). */
  sync(): Promise<void>;
  /** Releases every resource; further calls throw. */
  dispose(): void;

  unary(op: UnaryOp, x: Buf, a?: number, b?: number): Storage;
  binary(op: BinaryOp, a: Buf, b: Buf, outShape: Shape): Storage;
  /** out = cond != 0 ? a : b, all three broadcast to outShape. */
  where(cond: Buf, a: Buf, b: Buf, outShape: Shape): Storage;
  /**
   * Per-channel affine map: x (float32, any shape) viewed as [outer, channels, inner] gives
   * y[i] = x[i] * scale[c] + shift[c] with c = floor(i / inner) % channels; scale and shift are
   * [channels]. Batch norm (eval and train) runs as one of these.
   */
  channelAffine(x: Buf, scale: Buf, shift: Buf, channels: number, inner: number): Storage;
  /**
   * Per-channel moments of a (float32) viewed as [outer, channels, inner], in one read: the result
   * is [2 * channels], m0[c] = sum of a over the channel, then m1[c] = sum (a - shiftA[c]) *
   * (b - shiftB[c]) with b = a when null (b shaped like a). Batch norm's statistics (sum, centred
   * sum of squares) and its backward (sum g, sum g * (x - mean)) are each one of these.
   */
  channelMoments(a: Buf, b: Buf | null, shiftA: Buf, shiftB: Buf, channels: number, inner: number): Storage;
  /** Two-input per-channel affine map: y = a * scaleA[c] + b * scaleB[c] + shift[c] (batch norm's input gradient). */
  channelAffine2(a: Buf, b: Buf, scaleA: Buf, scaleB: Buf, shift: Buf, channels: number, inner: number): Storage;
  /** float32 <-> int32 conversion (float to int truncates toward zero). */
  cast(x: Buf, to: DType): Storage;
  /** Reduces the middle axis of x viewed as [outer, reduce, inner]; result [outer, inner]. */
  reduce(op: ReduceOp, x: Buf, outer: number, reduce: number, inner: number): Storage;
  /** Batched matrix product, result [batch, m, n]. */
  matmul(a: Buf, b: Buf, p: MatmulParams): Storage;
  /**
   * General strided gather: out (contiguous, outShape) at multi-index i reads
   * x[offset + sum_k i_k * strides[k]]. Strides may be 0 (broadcast) or negative (flip).
   * Implements permute, slice with steps, flip and broadcastTo.
   */
  stridedCopy(x: Buf, outShape: Shape, strides: readonly number[], offset: number): Storage;
  /** Concatenates contiguous inputs along `axis`; result has shape outShape. */
  concat(xs: readonly Buf[], axis: number, outShape: Shape): Storage;
  /** Pads each axis by [before, after] with a constant or by reflection (numpy 'reflect'). */
  pad(x: Buf, pads: readonly (readonly [number, number])[], mode: 'constant' | 'reflect', value: number): Storage;
  /**
   * Gathers along `axis` with int32 indices (any shape): out shape is
   * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. Indices are in range (checked by caller).
   */
  gather(x: Buf, indices: Buf, axis: number): Storage;
  /**
   * The adjoint of gather: g has shape x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:];
   * result has x's shape with dimSize at `axis`, summing g into the gathered positions.
   */
  scatterAdd(g: Buf, indices: Buf, axis: number, dimSize: number): Storage;
  /** One-hot float32 rows: out shape [...indices.shape, depth]. */
  oneHot(indices: Buf, depth: number): Storage;
  /**
   * Counter-based random numbers: element i depends only on (seed, i), identically on both
   * backends. 'uniform' draws in [a, b); 'normal' draws with mean a and standard deviation b.
   */
  random(size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number): Storage;

  // ---- layers (output shapes: see src/engine/nnShapes.ts) ----

  /** x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null → [N, O, Ho, Wo]. */
  conv2d(x: Buf, w: Buf, bias: Buf | null, p: Conv2dParams): Storage;
  /**
   * conv2d and its epilogue in one kernel (no extra pass over the output):
   * y[n, o, ., .] = relu?(scale[o] * (conv(x, w)[n, o, ., .] + bias[o]) + shift[o]).
   */
  fusedConv2d(x: Buf, w: Buf, bias: Buf | null, epilogue: ConvEpilogue, p: Conv2dParams): Storage;
  /** d loss / d x of conv2d, from gy [N, O, Ho, Wo]; result has xShape. */
  conv2dBackwardInput(gy: Buf, w: Buf, xShape: Shape, p: Conv2dParams): Storage;
  /** d loss / d w of conv2d, from x and gy; result has wShape. */
  conv2dBackwardWeight(x: Buf, gy: Buf, wShape: Shape, p: Conv2dParams): Storage;
  /**
   * Max pooling: returns [values [N, C, Ho, Wo], argmax int32 [N, C, Ho, Wo]], the argmax being
   * the flat index h * W + w inside the input plane of the first maximum in row-major window
   * order (PyTorch's tie rule; NaN counts as the maximum). Padding never wins.
   */
  maxPool2d(x: Buf, p: Pool2dParams): [Storage, Storage];
  /** Routes gy back to the argmax positions (adding where windows overlap); result has xShape. */
  maxPool2dBackward(gy: Buf, argmax: Buf, xShape: Shape, p: Pool2dParams): Storage;
  avgPool2d(x: Buf, p: Pool2dParams): Storage;
  avgPool2dBackward(gy: Buf, xShape: Shape, p: Pool2dParams): Storage;
  /** PyTorch AdaptiveAvgPool2d: window i spans [floor(i*H/oh), ceil((i+1)*H/oh)). */
  adaptiveAvgPool2d(x: Buf, outH: number, outW: number): Storage;
  adaptiveAvgPool2dBackward(gy: Buf, xShape: Shape): Storage;
  /** PyTorch F.interpolate on NCHW: 'nearest' (src = floor(dst * in / out)) or 'bilinear'. */
  upsample2d(x: Buf, outH: number, outW: number, mode: UpsampleMode, alignCorners: boolean): Storage;
  upsample2dBackward(gy: Buf, xShape: Shape, mode: UpsampleMode, alignCorners: boolean): Storage;

  // ---- audio front end (src/audio; kernels: src/engine/cpu/frames.ts, shaders/frames.wgsl, shaders/fft.wgsl) ----

  /**
   * Overlapping frames of rows: x [B, L] → [B, nFrames, frameLength] with
   * out[b, f, j] = x[b, f * hop + j] and nFrames = floor((L - frameLength) / hop) + 1
   * (the caller ensures L >= frameLength, hop >= 1). With `center` = p > 0 the rows are first
   * padded by p samples on both sides (read in place, never materialised): mirrored without the
   * edge sample ('reflect', needs p < L) or zeros ('constant'); L is then the padded length.
   */
  frame(x: Buf, frameLength: number, hop: number, center?: number, centerMode?: 'reflect' | 'constant'): Storage;
  /**
   * The adjoint of `frame`: frames [B, nFrames, frameLength] → [B, length] with
   * out[b, t] = sum over the frames f with 0 <= t - f * hop < frameLength of frames[b, f, t - f * hop]
   * (a gather: each output sums the frames covering it). Samples no frame covers are 0; frame
   * samples at or past `length` are dropped.
   */
  overlapAdd(frames: Buf, hop: number, length: number): Storage;
  /**
   * Real DFT of windowed rows: x [rows, n], window [n] or null (all ones) → [re, im], each
   * [rows, bins] (1 <= bins <= n), with re[k] + i im[k] = sum_j w[j] x[j] e^(-2 pi i j k / n),
   * unnormalised (a mixed-radix FFT).
   */
  rfft(x: Buf, n: number, bins: number, window: Buf | null): [Storage, Storage];
  /** The power spectrum of `rfft` in one kernel: [rows, bins] with re[k]^2 + im[k]^2. */
  rfftPower(x: Buf, n: number, bins: number, window: Buf | null): Storage;
  /**
   * The adjoint of `rfft` (its backward rule): re, im [rows, bins], window [n] or null → y [rows, n]
   * with y[j] = w[j] sum_{k < bins} re[k] cos(2 pi j k / n) - im[k] sin(2 pi j k / n).
   */
  rfftAdjoint(re: Buf, im: Buf, n: number, window: Buf | null): Storage;
  /**
   * The (decibel) mel spectrogram in one pass: waves x [B, L], window [nFft] or null (ones),
   * filterbank fb [bins, nMels] (bins <= nFft) → [B, nMels, nFrames] with
   * out[b, m, f] = db(sum_k S[b, f, k] fb[k, m]), S = |X|^2 (|X| when magnitude) and X the
   * rfft of frame f of the (centre-padded, see `frame`) wave times the window. nFrames as for
   * `frame` over the padded length (the caller ensures it is >= 1).
   */
  stftMel(x: Buf, window: Buf | null, fb: Buf, params: StftMelParams): Storage;
}

/** The lifecycle members of a Backend; every other member is a kernel named in PRIMITIVES. */
type Lifecycle = 'name' | 'upload' | 'read' | 'peek' | 'free' | 'memory' | 'flush' | 'sync' | 'dispose';

/** The kernels of the contract: exactly the primitives of ./primitives.ts. */
export type Kernels = Pick<Backend, Primitive>;

// Compile-time check, both ways: a kernel missing from PRIMITIVES, or a primitive without a
// kernel in the contract, makes one of these two lines fail to type-check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const kernelsMatchPrimitives: Same<Exclude<keyof Backend, Lifecycle>, Primitive> = true;
