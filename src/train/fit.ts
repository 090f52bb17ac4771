/**
 * A minimal training loop for classifiers, and safetensors checkpoints.
 *
 * fit(model, { x, y }, options): per epoch, a seeded shuffle (a permutation computed on the host
 * from (seed, epoch), identical on every backend), minibatches gathered on the device from the
 * data tensors (only the permutation is uploaded, once per epoch), model.train(), cross-entropy,
 * gradients of the parameters from one backward pass, an optimiser step; then model.eval() and
 * the validation accuracy (argmax == y, mean) on the device. Loss, training and validation
 * accuracy come back in one read per epoch.
 *
 * saveCheckpoint / loadCheckpoint: model.stateDict() as safetensors (PyTorch key names), and back.
 */
import {
  add,
  affine,
  argmax,
  cast,
  concat,
  crossEntropy,
  DTypeError,
  type Engine,
  equal,
  fmt,
  gather,
  gradientTape,
  hashPair,
  type HostTensor,
  keep,
  max,
  min,
  noGrad,
  pcgHash,
  readSafetensors,
  reshape,
  seedKey,
  ShapeError,
  slice,
  stack,
  sum,
  Tensor,
  tensorsToSafetensors,
  tidy,
  ValueError,
} from '../engine/index.js';
import { checkCallback, checkSignal, parseOptions, positiveInt, throwIfAborted, withSnakeCase, yieldToEventLoop } from '../util/options.js';
import { Adam } from '../optim/adam.js';
import { Optimizer, type ParamRef } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';

/** What fit trains: a classifier with forward(x) → logits [N, C], its parameters, and train/eval modes. */
export interface FitModel {
  forward(x: Tensor): Tensor;
  parameterRefs(): readonly ParamRef[];
  train(mode?: boolean): unknown;
  eval(): unknown;
}

/** Examples x [N, ...] (float32) with int32 class labels y [N]. */
export interface FitData {
  x: Tensor;
  y: Tensor;
}

export interface FitProgress {
  /** 1 for the first epoch. */
  epoch: number;
  /** Mean training cross-entropy over the epoch's examples (each batch's mean weighted by its size). */
  loss: number;
  /** Fraction of the epoch's training examples classified correctly while training (train mode, before each step). */
  trainAccuracy: number;
  /** Fraction of the validation examples classified correctly after the epoch (eval mode); absent without validation data. */
  valAccuracy?: number;
}

/**
 * What onProgress receives after every training batch: `done` of `total` batches over all epochs,
 * `stage` 'epoch N'. The report of an epoch's last batch comes after the epoch's one device read
 * and also carries the epoch's results (loss, trainAccuracy, valAccuracy: see FitProgress); the
 * other batch reports carry `epoch` and `batch` only, since reading a loss per batch would cost a
 * host round trip per step.
 */
export interface FitBatchProgress extends Partial<Omit<FitProgress, 'epoch'>> {
  done: number;
  total: number;
  stage: string;
  /** 1 for the first epoch. */
  epoch: number;
  /** 1 for the epoch's first batch. */
  batch: number;
}

export interface FitOptions {
  /** Number of passes over the data (at most 1,000,000). */
  epochs: number;
  /** Examples per step; the last batch of an epoch may be smaller. */
  batchSize: number;
  /** Learning rate of the optimiser fit creates (default 1e-3); not allowed with an optimiser instance. */
  lr?: number;
  /** Seed of the shuffles (integer). */
  seed: number;
  /** 'adam' (default), 'sgd', or an optimiser over (some of) the model's parameters, which the caller keeps and disposes. */
  optimizer?: 'adam' | 'sgd' | Optimizer;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Held-out data for the accuracy reported after each epoch. */
  validation?: FitData;
  /** Called after every batch (see FitBatchProgress; awaited when it returns a promise). */
  onProgress?: (progress: FitBatchProgress) => void | Promise<void>;
  /** Called after each epoch with that epoch's history entry (awaited when it returns a promise). */
  onEpoch?: (progress: FitProgress) => void | Promise<void>;
  /** Aborting it stops training between batches with a CancelledError (the model keeps the steps taken, in eval mode). */
  signal?: AbortSignal;
}

/** fit's options; Keras / PyTorch Lightning spellings accepted (`batch_size`, `learning_rate`, `max_epochs`, `validation_data`). */
const FIT_SPEC = withSnakeCase(
  ['epochs', 'batchSize', 'lr', 'seed', 'optimizer', 'shuffle', 'validation', 'onProgress', 'onEpoch', 'signal'],
  {
    epochs: ['maxEpochs', 'max_epochs'],
    lr: ['learningRate', 'learning_rate'],
    validation: ['validationData', 'validation_data'],
  },
);

/** Training batches between waits for the device to finish the queued work. */
const SYNC_EVERY = 16;

/** Most epochs fit accepts (a typo such as 1e9 would otherwise run for ever). */
export const MAX_EPOCHS = 1_000_000;

function checkData(d: unknown, what: string, engine?: Engine): FitData {
  if (d === null || typeof d !== 'object')
    throw new ValueError(`fit: ${what} must be { x: Tensor, y: Tensor }, got ${d === null ? 'null' : typeof d}`);
  const { x, y } = d as FitData;
  if (!(x instanceof Tensor)) throw new ValueError(`fit: ${what}.x must be a Tensor`);
  if (!(y instanceof Tensor)) throw new ValueError(`fit: ${what}.y must be a Tensor`);
  x.assertLive(`fit: ${what}.x`);
  y.assertLive(`fit: ${what}.y`);
  if (x.dtype !== 'float32') throw new DTypeError(`fit: ${what}.x must be float32, got ${x.dtype}`);
  if (y.dtype !== 'int32') throw new DTypeError(`fit: ${what}.y must be int32 class indices, got ${y.dtype}`);
  if (x.rank < 1) throw new ShapeError(`fit: ${what}.x must be [N, ...], got a scalar`);
  if (y.rank !== 1 || y.shape[0] !== x.shape[0])
    throw new ShapeError(`fit: ${what}.y must be [${x.shape[0]}] (one label per row of ${what}.x ${fmt(x.shape)}), got ${fmt(y.shape)}`);
  if (x.shape[0] === 0) throw new ShapeError(`fit: ${what} has no examples`);
  if (x.engine !== y.engine || (engine && x.engine !== engine))
    throw new ValueError(`fit: ${what}.x and .y must live on the model's engine`);
  return { x, y };
}

/**
 * The order of the examples in `epoch` (0-based) for `seed`: a Fisher–Yates shuffle driven by
 * the engine's counter-based hash (48-bit uniforms), so every backend sees the same batches.
 */
export function shuffleOrder(n: number, seed: number, epoch: number): Int32Array {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`shuffleOrder: seed must be an integer, got ${String(seed)}`);
  const key = pcgHash((seedKey(seed) ^ pcgHash((epoch + 0x9e3779b9) >>> 0)) >>> 0);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const [h1, h2] = hashPair(key, i);
    const u = (h1 >>> 8) / 2 ** 24 + (h2 >>> 8) / 2 ** 48;
    const j = Math.floor(u * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Number of rows of `logits` whose argmax equals the label (a float32 scalar on the device). */
function correctCount(logits: Tensor, y: Tensor): Tensor {
  return sum(equal(cast(argmax(logits, 1), 'float32'), cast(y, 'float32')));
}

function checkLogits(logits: unknown, n: number, labelMax: number | undefined): Tensor {
  if (!(logits instanceof Tensor)) throw new ValueError('fit: model.forward(x) must return a Tensor of logits [N, C]');
  if (logits.rank !== 2 || logits.shape[0] !== n)
    throw new ShapeError(`fit: model.forward(x) must return logits [${n}, C] for a batch of ${n}, got ${fmt(logits.shape)}`);
  if (labelMax !== undefined && labelMax >= logits.shape[1]) {
    throw new ValueError(
      `fit: labels go up to ${labelMax}, but the model has ${logits.shape[1]} classes (labels must be in [0, ${logits.shape[1] - 1}])`,
    );
  }
  return logits;
}

/** The smallest and largest label (from intRange when known, else one small read). */
async function labelRange(y: Tensor): Promise<[number, number]> {
  if (y.intRange) return [y.intRange[0], y.intRange[1]];
  const mm = tidy(() => {
    const f = cast(y, 'float32');
    return stack([min(f), max(f)]);
  });
  const v = await mm.read();
  mm.dispose();
  return [v[0], v[1]];
}

/**
 * Trains `model` on `data` and returns the per-epoch history (what onEpoch received). The
 * model is left in eval mode. Memory is flat across epochs: every intermediate is freed, the
 * parameters are replaced in place through parameterRefs(), and the optimiser fit creates is
 * disposed at the end (an optimiser passed in keeps its state).
 *
 * Long work: onProgress is called after every batch, the event loop gets a turn between batches
 * (so timers, a browser's rendering and the device's callbacks run, and no synchronous run of
 * dispatches can grow the device queue without bound), and `signal` stops training between
 * batches with a CancelledError. One device read per epoch.
 */
export async function fit(model: FitModel, data: FitData, options: FitOptions): Promise<FitProgress[]> {
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function' || typeof model.parameterRefs !== 'function') {
    throw new ValueError('fit: model must have forward(x) and parameterRefs() (an nn.Module)');
  }
  if (typeof model.train !== 'function' || typeof model.eval !== 'function')
    throw new ValueError('fit: model must have train() and eval() (an nn.Module)');
  if (options === null || typeof options !== 'object') throw new ValueError('fit: options { epochs, batchSize, seed, ... } are required');
  const o = parseOptions<FitOptions>(options, FIT_SPEC, 'fit');
  const epochs = positiveInt(o.epochs, 'options.epochs', 'fit', { max: MAX_EPOCHS });
  const batchSize = positiveInt(o.batchSize, 'options.batchSize', 'fit');
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new ValueError(`fit: options.seed must be an integer, got ${String(seed)}`);
  const shuffle = o.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new ValueError(`fit: options.shuffle must be a boolean, got ${String(shuffle)}`);
  const onProgress = checkCallback<FitOptions['onProgress']>(o.onProgress, 'options.onProgress', 'fit');
  const onEpoch = checkCallback<FitOptions['onEpoch']>(o.onEpoch, 'options.onEpoch', 'fit');
  const signal = checkSignal(o.signal, 'fit');
  const { x, y } = checkData(data, 'data');
  const engine = x.engine;
  const val = o.validation === undefined ? undefined : checkData(o.validation, 'options.validation', engine);
  throwIfAborted(signal, 'fit');

  let opt: Optimizer;
  let ownOpt = false;
  const choice = o.optimizer ?? 'adam';
  if (choice instanceof Optimizer) {
    if (o.lr !== undefined)
      throw new ValueError('fit: options.lr applies to the optimiser fit creates; set the learning rate on the optimiser instance instead');
    if (choice.isDisposed) throw new ValueError('fit: options.optimizer was disposed');
    opt = choice;
  } else if (choice === 'adam' || choice === 'sgd') {
    const lr = o.lr ?? 1e-3;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
      throw new ValueError(`fit: options.lr must be a finite number >= 0, got ${String(lr)}`);
    opt = choice === 'adam' ? new Adam(model, { lr }) : new SGD(model, { lr });
    ownOpt = true;
  } else {
    throw new ValueError(`fit: options.optimizer must be 'adam', 'sgd' or an optimiser instance (Adam, SGD), got ${String(choice)}`);
  }
  try {
    const refs = opt.params;
    if (refs.length === 0) throw new ValueError('fit: the model has no parameters to train');
    for (const r of refs)
      if (r.get().engine !== engine) throw new ValueError(`fit: parameter '${r.name}' lives on another engine than data.x`);
    const [lo, hi] = await labelRange(y);
    if (lo < 0) throw new ValueError(`fit: data.y must hold class indices >= 0, got ${lo}`);
    let valHi: number | undefined;
    if (val) {
      const [vlo, vhi] = await labelRange(val.y);
      if (vlo < 0) throw new ValueError(`fit: options.validation.y must hold class indices >= 0, got ${vlo}`);
      valHi = vhi;
    }
    const n = x.shape[0];
    const perEpoch = Math.ceil(n / batchSize);
    const history: FitProgress[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const args: EpochArgs = {
        n,
        batchSize,
        seed,
        epoch,
        shuffle,
        labelMax: hi,
        valLabelMax: valHi,
        engine,
        signal,
        perEpoch,
        total: perEpoch * epochs,
        onProgress,
      };
      const stats = await runEpoch(model, opt, { x, y }, val, args);
      const v = await stats.read();
      stats.dispose();
      const progress: FitProgress = { epoch: epoch + 1, loss: v[0], trainAccuracy: v[1] };
      if (val) progress.valAccuracy = v[2];
      history.push(progress);
      if (onProgress)
        await onProgress({
          done: (epoch + 1) * perEpoch,
          total: perEpoch * epochs,
          stage: `epoch ${epoch + 1}`,
          batch: perEpoch,
          ...progress,
        });
      if (onEpoch) await onEpoch({ ...progress });
      if (epoch + 1 < epochs) {
        // A turn of the event loop between epochs too: with one batch per epoch on the CPU engine
        // nothing else awaits a macrotask, so timers, I/O and an abort from a timer never ran.
        await yieldToEventLoop();
        throwIfAborted(signal, 'fit');
      }
    }
    return history;
  } finally {
    model.eval();
    if (ownOpt) opt.dispose();
  }
}

interface EpochArgs {
  n: number;
  batchSize: number;
  seed: number;
  epoch: number;
  shuffle: boolean;
  labelMax: number;
  valLabelMax?: number;
  engine: Engine;
  signal?: AbortSignal;
  /** Batches per epoch, and over all epochs. */
  perEpoch: number;
  total: number;
  onProgress?: FitOptions['onProgress'];
}

/** Replaces *ref with next and disposes the old tensor (accumulators carried across awaits, outside any tidy). */
function swap(old: Tensor, next: Tensor): Tensor {
  old.dispose();
  return next;
}

/**
 * One epoch on the device; resolves to [mean loss, train accuracy, (validation accuracy)] as one
 * tensor. Each batch is its own tidy scope; the accumulator and the permutation are kept by hand
 * across the event-loop turns between batches (tidy scopes must not span an await).
 */
async function runEpoch(model: FitModel, opt: Optimizer, data: FitData, val: FitData | undefined, a: EpochArgs): Promise<Tensor> {
  const { n, batchSize, engine } = a;
  const refs = opt.params;
  const order = a.shuffle ? shuffleOrder(n, a.seed, a.epoch) : null;
  const perm = order ? keep(engine.tensor(order, [n], 'int32')) : null;
  // [sum of loss * batch size, correct count], accumulated on the device.
  let acc = keep(engine.zeros([2]));
  let correct: Tensor | null = null;
  try {
    model.train();
    for (let start = 0, batch = 1; start < n; start += batchSize, batch++) {
      const len = Math.min(batchSize, n - start);
      const next = tidy(() => {
        let xb: Tensor;
        let yb: Tensor;
        if (perm) {
          const idx = slice(perm, [start], [len]);
          xb = gather(data.x, idx, 0);
          yb = gather(data.y, idx, 0);
        } else {
          xb = slice(data.x, [start], [len]);
          yb = slice(data.y, [start], [len]);
        }
        const params = refs.map((r) => r.get());
        const { loss, grads, correct } = gradientTape((tape) => {
          const logits = checkLogits(model.forward(xb), len, start === 0 ? a.labelMax : undefined);
          const loss = crossEntropy(logits, yb);
          return { loss, grads: tape.gradient(loss, params), correct: noGrad(() => correctCount(logits, yb)) };
        });
        opt.step(grads);
        return add(acc, stack([affine(loss, len, 0), correct]));
      });
      acc = swap(acc, keep(next));
      if (start + len < n) {
        // The epoch's last batch is reported by fit, after the read, with the epoch's results.
        if (a.onProgress)
          await a.onProgress({
            done: a.epoch * a.perEpoch + batch,
            total: a.total,
            stage: `epoch ${a.epoch + 1}`,
            epoch: a.epoch + 1,
            batch,
          });
        // Bound the device queue from here too: recording runs ahead of a slow device (lavapipe)
        // without limit otherwise, and thousands of queued submits crashed Dawn (issue 11.1).
        if (batch % SYNC_EVERY === 0) await engine.sync();
        else await yieldToEventLoop();
        throwIfAborted(a.signal, 'fit');
      }
    }
    model.eval();
    if (!val) return tidy(() => affine(acc, 1 / n, 0));
    const nv = val.x.shape[0];
    correct = keep(engine.zeros([]));
    for (let start = 0; start < nv; start += batchSize) {
      const len = Math.min(batchSize, nv - start);
      const c = correct;
      const next = noGrad(() =>
        tidy(() => {
          const xb = slice(val.x, [start], [len]);
          const yb = slice(val.y, [start], [len]);
          const logits = checkLogits(model.forward(xb), len, start === 0 ? a.valLabelMax : undefined);
          return add(c, correctCount(logits, yb));
        }),
      );
      correct = swap(correct, keep(next));
      if (start + len < nv) {
        await yieldToEventLoop();
        throwIfAborted(a.signal, 'fit');
      }
    }
    const cv = correct;
    return tidy(() => concat([affine(acc, 1 / n, 0), reshape(affine(cv, 1 / nv, 0), [1])]));
  } finally {
    acc.dispose();
    correct?.dispose();
    perm?.dispose();
  }
}

/** A model with PyTorch-style state dicts (an nn.Module). */
export interface CheckpointModel<R = unknown> {
  stateDict(): Record<string, Tensor>;
  loadStateDict(tensors: Record<string, HostTensor>, options?: { strict?: boolean }): R;
}

/**
 * The model's parameters and buffers (model.stateDict(), PyTorch key names such as
 * 'conv1.weight', 'bn1.running_mean') as a safetensors file: float32 → F32, int32 → I32
 * (num_batches_tracked; PyTorch's load_state_dict casts it back to int64). Metadata
 * { format: 'pt' }, as safetensors.torch.save_model writes.
 */
export async function saveCheckpoint(model: CheckpointModel): Promise<Uint8Array> {
  if (model === null || typeof model !== 'object' || typeof model.stateDict !== 'function')
    throw new ValueError('saveCheckpoint: model must have stateDict() (an nn.Module)');
  return tensorsToSafetensors(model.stateDict(), { format: 'pt' });
}

/**
 * Loads a safetensors checkpoint (from saveCheckpoint, or PyTorch's safetensors.torch.save_file
 * of a state_dict) into the model through readSafetensors + model.loadStateDict (strict by
 * default: every key must match; the model is unchanged if anything does not). Returns what
 * loadStateDict returns (missing / unexpected keys when strict is false).
 */
export function loadCheckpoint<R>(model: CheckpointModel<R>, bytes: Uint8Array | ArrayBuffer, options: { strict?: boolean } = {}): R {
  if (model === null || typeof model !== 'object' || typeof model.loadStateDict !== 'function')
    throw new ValueError('loadCheckpoint: model must have loadStateDict() (an nn.Module)');
  const { tensors } = readSafetensors(bytes);
  return model.loadStateDict(tensors, options);
}
