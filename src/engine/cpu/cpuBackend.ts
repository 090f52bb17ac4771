/**
 * The plain-TypeScript CPU reference backend: the tests' oracle and the fallback where no GPU
 * exists. float32 tensors are held (and accumulated) in float64; int32 tensors in Int32Array.
 * Kernels live in small files next to this one; this class owns storages and their lifetime.
 */
import { OutOfMemoryError } from '../errors.js';
import type {
  Backend,
  BinaryOp,
  Buf,
  Conv2dParams,
  ConvEpilogue,
  DType,
  MatmulParams,
  MemoryInfo,
  Pool2dParams,
  ReduceOp,
  StftMelParams,
  Storage,
  UnaryOp,
  UpsampleMode,
} from '../backend.js';
import { DisposedError } from '../errors.js';
import type { Shape } from '../shape.js';
import { binaryKernel, castKernel, channelAffineKernel, unaryKernel, whereKernel } from './elementwise.js';
import { concatKernel, padKernel, stridedCopyKernel } from './copy.js';
import { gatherKernel, oneHotKernel, scatterAddKernel } from './indexing.js';
import { randomKernel } from './random.js';
import { matmulKernel } from './matmul.js';
import { reduceKernel } from './reduce.js';
import { channelAffine2Kernel, channelMomentsKernel } from './channel.js';
import * as conv from './conv.js';
import * as pool from './pool.js';
import { frameKernel, overlapAddKernel } from './frames.js';
import { rfftAdjointKernel, rfftKernel } from './fft.js';
import { stftMelKernel } from './stftMel.js';
import { CpuStorage, floatsToInt32, toInt32, type CpuArray } from './storage.js';

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;

  private readonly live = new Set<CpuStorage>();
  private bytesInUse = 0;
  private disposed = false;

  // ---- storage lifetime -------------------------------------------------------------------

  private checkAlive(): void {
    if (this.disposed) throw new DisposedError('cpu backend: used after dispose()');
  }

  /** The typed array behind a storage this backend created and has not freed. */
  private data(s: Storage): CpuArray {
    this.checkAlive();
    if (!(s instanceof CpuStorage) || s.owner !== this) {
      throw new Error('cpu backend: storage does not belong to this backend');
    }
    if (s.freed) throw new DisposedError('cpu backend: storage used after free()');
    return s.data;
  }

  /** @param maxBindingBytes results above this many bytes (4 per element) throw OutOfMemoryError, as on a GPU. */
  constructor(readonly maxBindingBytes = 2 ** 30) {}

  private wrap(data: CpuArray): CpuStorage {
    if (data.length * 4 > this.maxBindingBytes) {
      throw new OutOfMemoryError(
        `cannot allocate a tensor of ${data.length * 4} bytes: this engine binds at most ${this.maxBindingBytes} bytes per tensor; process the batch in smaller chunks`,
        data.length * 4,
      );
    }
    const s = new CpuStorage(data, this);
    this.live.add(s);
    this.bytesInUse += s.bytes;
    return s;
  }

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    this.checkAlive();
    if (dtype === 'int32') return this.wrap(data instanceof Int32Array ? data.slice() : floatsToInt32(data));
    const out = new Float64Array(data.length);
    for (let i = 0; i < out.length; i++) out[i] = data[i];
    return this.wrap(out);
  }

  fill(size: number, value: number, dtype: DType): Storage {
    this.checkAlive();
    if (dtype === 'int32') return this.wrap(new Int32Array(size).fill(toInt32(value)));
    return this.wrap(new Float64Array(size).fill(value));
  }

  peek(storage: Storage, count: number, dtype: DType): Float32Array | Int32Array {
    const src = this.data(storage).subarray(0, count);
    return dtype === 'int32' ? (src instanceof Int32Array ? src.slice() : floatsToInt32(src)) : new Float32Array(src);
  }

  read(storage: Storage, size: number, dtype: DType): Promise<Float32Array | Int32Array> {
    // Throw synchronously on misuse, like the other calls.
    const d = this.data(storage);
    const src = d.subarray(0, size);
    const out = dtype === 'int32' ? (src instanceof Int32Array ? src.slice() : floatsToInt32(src)) : new Float32Array(src);
    return Promise.resolve(out);
  }

  free(storage: Storage): void {
    this.data(storage);
    const s = storage as CpuStorage;
    s.freed = true;
    this.live.delete(s);
    this.bytesInUse -= s.bytes;
  }

  memory(): MemoryInfo {
    this.checkAlive();
    return { bytesInUse: this.bytesInUse, bytesPooled: 0 };
  }

  sync(): Promise<void> {
    this.checkAlive();
    return Promise.resolve();
  }

  flush(): void {
    this.checkAlive();
  }

  /** Frees every storage; later calls throw. A second dispose() is a no-op. */
  dispose(): void {
    if (this.disposed) return;
    for (const s of this.live) s.freed = true;
    this.live.clear();
    this.bytesInUse = 0;
    this.disposed = true;
  }

  // ---- primitives ---------------------------------------------------------------------------

  unary(op: UnaryOp, x: Buf, a?: number, b?: number): Storage {
    return this.wrap(unaryKernel(op, this.data(x.storage), a, b));
  }

  binary(op: BinaryOp, a: Buf, b: Buf, outShape: Shape): Storage {
    return this.wrap(binaryKernel(op, this.data(a.storage), a.shape, this.data(b.storage), b.shape, outShape));
  }

  where(cond: Buf, a: Buf, b: Buf, outShape: Shape): Storage {
    return this.wrap(
      whereKernel(this.data(cond.storage), cond.shape, this.data(a.storage), a.shape, this.data(b.storage), b.shape, outShape),
    );
  }

  channelAffine(x: Buf, scale: Buf, shift: Buf, channels: number, inner: number): Storage {
    return this.wrap(channelAffineKernel(this.data(x.storage), this.data(scale.storage), this.data(shift.storage), channels, inner));
  }

  channelMoments(a: Buf, b: Buf | null, shiftA: Buf, shiftB: Buf, channels: number, inner: number): Storage {
    return this.wrap(
      channelMomentsKernel(
        this.data(a.storage),
        b ? this.data(b.storage) : null,
        this.data(shiftA.storage),
        this.data(shiftB.storage),
        channels,
        inner,
      ),
    );
  }

  channelAffine2(a: Buf, b: Buf, scaleA: Buf, scaleB: Buf, shift: Buf, channels: number, inner: number): Storage {
    return this.wrap(
      channelAffine2Kernel(
        this.data(a.storage),
        this.data(b.storage),
        this.data(scaleA.storage),
        this.data(scaleB.storage),
        this.data(shift.storage),
        channels,
        inner,
      ),
    );
  }

  cast(x: Buf, to: DType): Storage {
    return this.wrap(castKernel(this.data(x.storage), to));
  }

  reduce(op: ReduceOp, x: Buf, outer: number, reduce: number, inner: number): Storage {
    return this.wrap(reduceKernel(op, this.data(x.storage), outer, reduce, inner));
  }

  matmul(a: Buf, b: Buf, p: MatmulParams): Storage {
    return this.wrap(matmulKernel(this.data(a.storage), this.data(b.storage), p));
  }

  stridedCopy(x: Buf, outShape: Shape, strides: readonly number[], offset: number): Storage {
    return this.wrap(stridedCopyKernel(this.data(x.storage), outShape, strides, offset));
  }

  concat(xs: readonly Buf[], axis: number, outShape: Shape): Storage {
    const arrays = xs.map((x) => this.data(x.storage));
    const dtype: DType = xs.length > 0 ? xs[0].dtype : 'float32';
    return this.wrap(
      concatKernel(
        arrays,
        xs.map((x) => x.shape),
        axis,
        outShape,
        dtype,
      ),
    );
  }

  pad(x: Buf, pads: readonly (readonly [number, number])[], mode: 'constant' | 'reflect', value: number): Storage {
    return this.wrap(padKernel(this.data(x.storage), x.shape, pads, mode, value));
  }

  gather(x: Buf, indices: Buf, axis: number): Storage {
    return this.wrap(gatherKernel(this.data(x.storage), x.shape, this.data(indices.storage), axis));
  }

  scatterAdd(g: Buf, indices: Buf, axis: number, dimSize: number): Storage {
    return this.wrap(scatterAddKernel(this.data(g.storage), g.shape, this.data(indices.storage), indices.shape.length, axis, dimSize));
  }

  oneHot(indices: Buf, depth: number): Storage {
    return this.wrap(oneHotKernel(this.data(indices.storage), depth));
  }

  random(size: number, seed: number, dist: 'uniform' | 'normal', a: number, b: number): Storage {
    this.checkAlive();
    return this.wrap(randomKernel(size, seed, dist, a, b));
  }

  // ---- layers: kernels in conv.ts and pool.ts take typed arrays and shapes ----------------

  conv2d(x: Buf, w: Buf, bias: Buf | null, p: Conv2dParams): Storage {
    return this.wrap(conv.conv2d(this.data(x.storage), x.shape, this.data(w.storage), w.shape, bias ? this.data(bias.storage) : null, p));
  }

  fusedConv2d(x: Buf, w: Buf, bias: Buf | null, e: ConvEpilogue, p: Conv2dParams): Storage {
    const opt = (b: Buf | null) => (b ? this.data(b.storage) : null);
    return this.wrap(
      conv.fusedConv2d(this.data(x.storage), x.shape, this.data(w.storage), w.shape, opt(bias), opt(e.scale), opt(e.shift), e.relu, p),
    );
  }

  conv2dBackwardInput(gy: Buf, w: Buf, xShape: Shape, p: Conv2dParams): Storage {
    return this.wrap(conv.conv2dBackwardInput(this.data(gy.storage), gy.shape, this.data(w.storage), w.shape, xShape, p));
  }

  conv2dBackwardWeight(x: Buf, gy: Buf, wShape: Shape, p: Conv2dParams): Storage {
    return this.wrap(conv.conv2dBackwardWeight(this.data(x.storage), x.shape, this.data(gy.storage), gy.shape, wShape, p));
  }

  maxPool2d(x: Buf, p: Pool2dParams): [Storage, Storage] {
    const [v, i] = pool.maxPool2d(this.data(x.storage), x.shape, p);
    return [this.wrap(v), this.wrap(i)];
  }

  maxPool2dBackward(gy: Buf, argmax: Buf, xShape: Shape, p: Pool2dParams): Storage {
    return this.wrap(pool.maxPool2dBackward(this.data(gy.storage), gy.shape, this.data(argmax.storage), xShape, p));
  }

  avgPool2d(x: Buf, p: Pool2dParams): Storage {
    return this.wrap(pool.avgPool2d(this.data(x.storage), x.shape, p));
  }

  avgPool2dBackward(gy: Buf, xShape: Shape, p: Pool2dParams): Storage {
    return this.wrap(pool.avgPool2dBackward(this.data(gy.storage), gy.shape, xShape, p));
  }

  adaptiveAvgPool2d(x: Buf, outH: number, outW: number): Storage {
    return this.wrap(pool.adaptiveAvgPool2d(this.data(x.storage), x.shape, outH, outW));
  }

  adaptiveAvgPool2dBackward(gy: Buf, xShape: Shape): Storage {
    return this.wrap(pool.adaptiveAvgPool2dBackward(this.data(gy.storage), gy.shape, xShape));
  }

  upsample2d(x: Buf, outH: number, outW: number, mode: UpsampleMode, alignCorners: boolean): Storage {
    return this.wrap(pool.upsample2d(this.data(x.storage), x.shape, outH, outW, mode, alignCorners));
  }

  upsample2dBackward(gy: Buf, xShape: Shape, mode: UpsampleMode, alignCorners: boolean): Storage {
    return this.wrap(pool.upsample2dBackward(this.data(gy.storage), gy.shape, xShape, mode, alignCorners));
  }

  // ---- audio front end: frames.ts (framing) and fft.ts (fft.js) ----------------------------

  frame(x: Buf, frameLength: number, hop: number, center = 0, centerMode: 'reflect' | 'constant' = 'constant'): Storage {
    return this.wrap(frameKernel(this.data(x.storage), x.shape[0], x.shape[1], frameLength, hop, center, centerMode === 'reflect'));
  }

  overlapAdd(frames: Buf, hop: number, length: number): Storage {
    const [b, f, n] = frames.shape;
    return this.wrap(overlapAddKernel(this.data(frames.storage), b, f, n, hop, length));
  }

  rfft(x: Buf, n: number, bins: number, window: Buf | null): [Storage, Storage] {
    const [re, im] = rfftKernel(this.data(x.storage), n, bins, window ? this.data(window.storage) : null);
    return [this.wrap(re), this.wrap(im)];
  }

  rfftPower(x: Buf, n: number, bins: number, window: Buf | null): Storage {
    const [re, im] = rfftKernel(this.data(x.storage), n, bins, window ? this.data(window.storage) : null);
    for (let i = 0; i < re.length; i++) re[i] = re[i] * re[i] + im[i] * im[i];
    return this.wrap(re);
  }

  rfftAdjoint(re: Buf, im: Buf, n: number, window: Buf | null): Storage {
    const bins = re.shape[re.shape.length - 1];
    return this.wrap(rfftAdjointKernel(this.data(re.storage), this.data(im.storage), n, bins, window ? this.data(window.storage) : null));
  }

  stftMel(x: Buf, window: Buf | null, fb: Buf, params: StftMelParams): Storage {
    const [batch, length] = x.shape;
    const [bins, nMels] = fb.shape;
    const w = window ? this.data(window.storage) : null;
    return this.wrap(stftMelKernel(this.data(x.storage), batch, length, w, this.data(fb.storage), bins, nMels, params));
  }
}
