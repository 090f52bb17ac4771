/**
 * A small JSON description of Sequential-style CNNs, from which `fromSpec` builds an
 * nn.Sequential whose module names are the layer names, so a PyTorch state_dict of the same
 * model (e.g. a safetensors file saved with `save_file(model.state_dict())`) loads directly.
 *
 * {
 *   "input": [1, 64, null],                    // optional per-example shape [C, H, W]; null = any
 *   "layers": [
 *     { "type": "conv2d", "name": "conv1", "in": 1, "out": 32, "kernel": 3, "padding": 1 },
 *     { "type": "batchnorm2d", "name": "bn1", "features": 32 },
 *     { "type": "relu", "name": "relu1" },
 *     { "type": "maxpool2d", "name": "pool1", "kernel": 2 },
 *     { "type": "adaptiveavgpool2d", "name": "gap", "output": 1 },
 *     { "type": "flatten", "name": "flatten" },
 *     { "type": "linear", "name": "fc1", "in": 32, "out": 10 }
 *   ]
 * }
 *
 * Pairs (kernel, stride, padding, dilation, output) are a number or [h, w]. A
 * `{ "type": "sequential", "name": "features", "layers": [...] }` layer nests a container, whose
 * children are then named 'features.conv1' etc. The spec is validated before anything is built:
 * unknown types or fields, bad values, duplicate names and channel / feature counts that do not
 * chain (and, when `input` is given, spatial sizes that do not fit) are reported with the layer's
 * path.
 */
import { parseOptions } from '../util/options.js';
import { convOutSize, type Engine, poolOutSize, ValueError } from '../engine/index.js';
import { Dropout, Flatten, Identity, ReLU, Sigmoid, Tanh } from '../nn/activation.js';
import { Sequential } from '../nn/container.js';
import { Conv1d, Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { deriveSeed, type Module } from '../nn/module.js';
import { BatchNorm2d } from '../nn/norm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/pool.js';

export type IntPair = number | [number, number];

interface Named {
  /** Module name (the state_dict prefix): non-empty, no '.'. */
  name: string;
}

export interface Conv2dLayerSpec extends Named {
  type: 'conv2d';
  in: number;
  out: number;
  kernel: IntPair;
  stride?: IntPair;
  padding?: IntPair | 'same' | 'valid';
  dilation?: IntPair;
  groups?: number;
  bias?: boolean;
}

export interface Conv1dLayerSpec extends Named {
  type: 'conv1d';
  in: number;
  out: number;
  kernel: number;
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export interface BatchNorm2dLayerSpec extends Named {
  type: 'batchnorm2d';
  features: number;
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export interface ActivationLayerSpec extends Named {
  type: 'relu' | 'sigmoid' | 'tanh' | 'identity';
}

export interface MaxPool2dLayerSpec extends Named {
  type: 'maxpool2d';
  kernel: IntPair;
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
  ceilMode?: boolean;
}

export interface AvgPool2dLayerSpec extends Named {
  type: 'avgpool2d';
  kernel: IntPair;
  stride?: IntPair;
  padding?: IntPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

export interface AdaptiveAvgPool2dLayerSpec extends Named {
  type: 'adaptiveavgpool2d';
  output: IntPair;
}

export interface FlattenLayerSpec extends Named {
  type: 'flatten';
  /** Default 1 (keep the batch axis), as torch.nn.Flatten. */
  startDim?: number;
  endDim?: number;
}

export interface LinearLayerSpec extends Named {
  type: 'linear';
  in: number;
  out: number;
  bias?: boolean;
}

export interface DropoutLayerSpec extends Named {
  type: 'dropout';
  /** Default 0.5. */
  p?: number;
}

export interface SequentialLayerSpec extends Named {
  type: 'sequential';
  layers: LayerSpec[];
}

export type LayerSpec =
  | Conv2dLayerSpec
  | Conv1dLayerSpec
  | BatchNorm2dLayerSpec
  | ActivationLayerSpec
  | MaxPool2dLayerSpec
  | AvgPool2dLayerSpec
  | AdaptiveAvgPool2dLayerSpec
  | FlattenLayerSpec
  | LinearLayerSpec
  | DropoutLayerSpec
  | SequentialLayerSpec;

export interface ModelSpec {
  /** Per-example input shape without the batch axis ([C, H, W], [C, L] or [F]); null entries = any size. */
  input?: (number | null)[];
  layers: LayerSpec[];
}

export interface FromSpecOptions {
  /** Seed of the default init: layer k (in order, nested included) draws from a seed derived from (seed, k). Default 0. */
  seed?: number;
}

type Dims = (number | null)[] | null;

const FIELDS: Record<LayerSpec['type'], { required: string[]; optional: string[] }> = {
  conv2d: { required: ['in', 'out', 'kernel'], optional: ['stride', 'padding', 'dilation', 'groups', 'bias'] },
  conv1d: { required: ['in', 'out', 'kernel'], optional: ['stride', 'padding', 'dilation', 'groups', 'bias'] },
  batchnorm2d: { required: ['features'], optional: ['eps', 'momentum', 'affine', 'trackRunningStats'] },
  relu: { required: [], optional: [] },
  sigmoid: { required: [], optional: [] },
  tanh: { required: [], optional: [] },
  identity: { required: [], optional: [] },
  maxpool2d: { required: ['kernel'], optional: ['stride', 'padding', 'dilation', 'ceilMode'] },
  avgpool2d: { required: ['kernel'], optional: ['stride', 'padding', 'ceilMode', 'countIncludePad'] },
  adaptiveavgpool2d: { required: ['output'], optional: [] },
  flatten: { required: [], optional: ['startDim', 'endDim'] },
  linear: { required: ['in', 'out'], optional: ['bias'] },
  dropout: { required: [], optional: ['p'] },
  sequential: { required: ['layers'], optional: [] },
};

/** The layer types a spec may use. */
export const LAYER_TYPES = Object.keys(FIELDS) as LayerSpec['type'][];

class SpecChecker {
  constructor(private readonly where: string) {}

  fail(msg: string): never {
    throw new ValueError(`model spec: ${this.where}: ${msg}`);
  }

  int(v: unknown, field: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.fail(`${field} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  pair(v: unknown, field: string, min: number): [number, number] {
    if (typeof v === 'number') return [this.int(v, field, min), v];
    if (!Array.isArray(v) || v.length !== 2) this.fail(`${field} must be an integer or [h, w], got ${JSON.stringify(v)}`);
    return [this.int(v[0], `${field}[0]`, min), this.int(v[1], `${field}[1]`, min)];
  }

  bool(v: unknown, field: string): void {
    if (typeof v !== 'boolean') this.fail(`${field} must be true or false, got ${JSON.stringify(v)}`);
  }

  num(v: unknown, field: string, lo: number, hi: number, hiOpen = false): void {
    if (typeof v !== 'number' || !(v >= lo && (hiOpen ? v < hi : v <= hi)))
      this.fail(`${field} must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${JSON.stringify(v)}`);
  }
}

function fmtDims(d: Dims): string {
  return d === null ? '(unknown)' : `[${d.map((v) => (v === null ? '?' : v)).join(', ')}]`;
}

/** Validates one list of layers and infers the per-example shape after it. */
function checkLayers(layers: unknown, path: string, dims: Dims): Dims {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new ValueError(`model spec: ${path || 'spec'}.layers must be a non-empty array of layers, got ${JSON.stringify(layers)}`);
  const names = new Set<string>();
  layers.forEach((raw: unknown, i) => {
    const at = `${path}layers[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new ValueError(`model spec: ${at} must be an object {type, name, ...}, got ${JSON.stringify(raw)}`);
    const l = raw as Record<string, unknown>;
    const c0 = new SpecChecker(at);
    if (typeof l.type !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, l.type)) {
      c0.fail(`unknown layer type ${JSON.stringify(l.type)} (valid types: ${LAYER_TYPES.join(', ')})`);
    }
    const type = l.type as LayerSpec['type'];
    if (typeof l.name !== 'string' || l.name === '' || l.name.includes('.'))
      c0.fail(`name must be a non-empty string without '.', got ${JSON.stringify(l.name)}`);
    const name = l.name as string;
    const c = new SpecChecker(`${at} '${name}' (${type})`);
    if (names.has(name)) c.fail(`duplicate layer name '${name}'`);
    names.add(name);
    const { required, optional } = FIELDS[type];
    for (const f of required) if (l[f] === undefined) c.fail(`missing field '${f}' (required: ${required.join(', ')})`);
    const allowed = new Set(['type', 'name', ...required, ...optional]);
    const extra = Object.keys(l).filter((k) => !allowed.has(k));
    if (extra.length) c.fail(`unknown field(s) ${extra.map((k) => `'${k}'`).join(', ')} (allowed: ${[...allowed].join(', ')})`);
    dims = checkLayer(c, type, l, dims, `${path}${name}.`);
  });
  return dims;
}

function checkLayer(c: SpecChecker, type: LayerSpec['type'], l: Record<string, unknown>, dims: Dims, childPath: string): Dims {
  const needRank = (r: number, what: string) => {
    if (dims !== null && dims.length !== r)
      c.fail(`expects ${what} input, but the layers before give a per-example shape ${fmtDims(dims)}`);
  };
  const channels = (want: number, field: string) => {
    if (dims !== null && dims[0] !== null && dims[0] !== want)
      c.fail(`${field} = ${want} does not match the ${dims[0]} channels coming in (shape ${fmtDims(dims)})`);
  };
  const spatial = (f: (size: number, axis: number) => number, minOk: (size: number, axis: number) => boolean, what: string) => {
    if (dims === null) return null;
    return dims.map((d, i) => {
      if (i === 0 || d === null) return d;
      if (!minOk(d, i - dims.length + 2)) c.fail(`input ${fmtDims(dims)} is too small for the ${what}`);
      const o = f(d, i - dims.length + 2);
      if (o < 1) c.fail(`input ${fmtDims(dims)} is too small for the ${what}`);
      return o;
    });
  };
  switch (type) {
    case 'conv2d': {
      const cin = c.int(l.in, 'in', 1);
      const cout = c.int(l.out, 'out', 1);
      const k = c.pair(l.kernel, 'kernel', 1);
      const s = l.stride === undefined ? [1, 1] : c.pair(l.stride, 'stride', 1);
      const d = l.dilation === undefined ? [1, 1] : c.pair(l.dilation, 'dilation', 1);
      const g = l.groups === undefined ? 1 : c.int(l.groups, 'groups', 1);
      if (cin % g || cout % g) c.fail(`in (${cin}) and out (${cout}) must both divide by groups = ${g}`);
      if (l.bias !== undefined) c.bool(l.bias, 'bias');
      let same = false;
      let p: [number, number] = [0, 0];
      if (l.padding === 'same') {
        if (s[0] !== 1 || s[1] !== 1) c.fail("padding 'same' needs stride 1");
        same = true;
      } else if (l.padding !== undefined && l.padding !== 'valid') {
        p = c.pair(l.padding, 'padding', 0);
      }
      if (dims === null) return [cout, null, null];
      needRank(3, 'a [C, H, W]');
      channels(cin, 'in');
      return [
        cout,
        ...(
          spatial(
            (n, ax) => (same ? n : convOutSize(n, k[ax], s[ax], p[ax], d[ax])),
            () => true,
            `kernel ${JSON.stringify(l.kernel)}`,
          ) ?? []
        ).slice(1),
      ];
    }
    case 'conv1d': {
      const cin = c.int(l.in, 'in', 1);
      const cout = c.int(l.out, 'out', 1);
      const k = c.int(l.kernel, 'kernel', 1);
      const s = l.stride === undefined ? 1 : c.int(l.stride, 'stride', 1);
      const d = l.dilation === undefined ? 1 : c.int(l.dilation, 'dilation', 1);
      const g = l.groups === undefined ? 1 : c.int(l.groups, 'groups', 1);
      if (cin % g || cout % g) c.fail(`in (${cin}) and out (${cout}) must both divide by groups = ${g}`);
      if (l.bias !== undefined) c.bool(l.bias, 'bias');
      let same = false;
      let p = 0;
      if (l.padding === 'same') {
        if (s !== 1) c.fail("padding 'same' needs stride 1");
        same = true;
      } else if (l.padding !== undefined && l.padding !== 'valid') {
        p = c.int(l.padding, 'padding', 0);
      }
      if (dims === null) return [cout, null];
      needRank(2, 'a [C, L]');
      channels(cin, 'in');
      const len = dims[1];
      if (len === null || same) return [cout, len];
      const o = convOutSize(len, k, s, p, d);
      if (o < 1) c.fail(`input ${fmtDims(dims)} is too small for kernel ${k}`);
      return [cout, o];
    }
    case 'batchnorm2d': {
      const f = c.int(l.features, 'features', 1);
      if (l.eps !== undefined) c.num(l.eps, 'eps', 0, Infinity);
      if (l.momentum !== undefined && l.momentum !== null) c.num(l.momentum, 'momentum', 0, 1);
      if (l.affine !== undefined) c.bool(l.affine, 'affine');
      if (l.trackRunningStats !== undefined) c.bool(l.trackRunningStats, 'trackRunningStats');
      if (dims === null) return [f, null, null];
      needRank(3, 'a [C, H, W]');
      channels(f, 'features');
      return dims;
    }
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'identity':
      return dims;
    case 'dropout':
      if (l.p !== undefined) c.num(l.p, 'p', 0, 1, true);
      return dims;
    case 'maxpool2d':
    case 'avgpool2d': {
      const k = c.pair(l.kernel, 'kernel', 1);
      const s = l.stride === undefined ? k : c.pair(l.stride, 'stride', 1);
      const p = l.padding === undefined ? [0, 0] : c.pair(l.padding, 'padding', 0);
      const d = type === 'maxpool2d' && l.dilation !== undefined ? c.pair(l.dilation, 'dilation', 1) : [1, 1];
      if (p[0] * 2 > k[0] || p[1] * 2 > k[1])
        c.fail(`padding ${JSON.stringify(l.padding)} must be at most half the kernel ${JSON.stringify(l.kernel)}`);
      if (l.ceilMode !== undefined) c.bool(l.ceilMode, 'ceilMode');
      if (l.countIncludePad !== undefined) c.bool(l.countIncludePad, 'countIncludePad');
      if (dims === null) return null;
      needRank(3, 'a [C, H, W]');
      const ceil = !!l.ceilMode;
      return spatial(
        (n, ax) => poolOutSize(n, k[ax], s[ax], p[ax], d[ax], ceil),
        (n, ax) => n + 2 * p[ax] >= d[ax] * (k[ax] - 1) + 1,
        `pooling window ${JSON.stringify(l.kernel)}`,
      );
    }
    case 'adaptiveavgpool2d': {
      const o = c.pair(l.output, 'output', 1);
      if (dims === null) return [null, o[0], o[1]];
      needRank(3, 'a [C, H, W]');
      return [dims[0], o[0], o[1]];
    }
    case 'flatten': {
      const s = l.startDim === undefined ? 1 : l.startDim;
      const e = l.endDim === undefined ? -1 : l.endDim;
      if (!Number.isInteger(s) || !Number.isInteger(e))
        c.fail(`startDim and endDim must be integers, got ${JSON.stringify(l.startDim)}, ${JSON.stringify(l.endDim)}`);
      if (dims === null) return null;
      const full = [0, ...dims]; // batch axis first (its size does not matter here)
      const r = full.length;
      const a = (s as number) < 0 ? (s as number) + r : (s as number);
      const b = (e as number) < 0 ? (e as number) + r : (e as number);
      if (a < 0 || b >= r || b < a) c.fail(`startDim ${String(s)} / endDim ${String(e)} do not fit an input of rank ${r}`);
      if (a === 0) return null; // flattening the batch axis: per-example shape unknown
      const block = full.slice(a, b + 1);
      const merged = block.some((v) => v === null) ? null : (block as number[]).reduce((x, y) => x * y, 1);
      return [...full.slice(1, a), merged, ...full.slice(b + 1)];
    }
    case 'linear': {
      const fin = c.int(l.in, 'in', 1);
      const fout = c.int(l.out, 'out', 1);
      if (l.bias !== undefined) c.bool(l.bias, 'bias');
      if (dims === null) return [fout];
      const last = dims[dims.length - 1];
      if (last !== null && last !== fin)
        c.fail(`in = ${fin} does not match the ${last} features coming in (per-example shape ${fmtDims(dims)})`);
      return [...dims.slice(0, -1), fout];
    }
    case 'sequential':
      return checkLayers(l.layers, childPath, dims);
  }
}

/**
 * Checks a spec without building it; returns the inferred per-example output shape (null
 * entries where the input size is not given). Throws a ValueError naming the layer at fault.
 */
export function validateSpec(spec: ModelSpec): (number | null)[] | null {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new ValueError(`model spec: expected an object { layers: [...] }, got ${JSON.stringify(spec)}`);
  const extra = Object.keys(spec).filter((k) => k !== 'layers' && k !== 'input');
  if (extra.length) throw new ValueError(`model spec: unknown field(s) ${extra.map((k) => `'${k}'`).join(', ')} (allowed: input, layers)`);
  let dims: Dims = null;
  if (spec.input !== undefined) {
    const inp = spec.input as unknown;
    if (!Array.isArray(inp) || inp.length < 1 || !inp.every((d) => d === null || (Number.isInteger(d) && d >= 1))) {
      throw new ValueError(
        `model spec: input must be the per-example shape, e.g. [C, H, W], of positive integers or null, got ${JSON.stringify(inp)}`,
      );
    }
    dims = inp.slice();
  }
  return checkLayers(spec.layers, '', dims);
}

function buildLayers(engine: Engine, layers: LayerSpec[], seed: number, counter: { k: number }): Sequential {
  const seq = new Sequential(engine);
  for (const l of layers) seq.registerModule(l.name, buildLayer(engine, l, seed, counter));
  return seq;
}

function buildLayer(engine: Engine, l: LayerSpec, seed: number, counter: { k: number }): Module {
  const next = () => deriveSeed(seed, counter.k++);
  switch (l.type) {
    case 'conv2d':
      return new Conv2d(engine, l.in, l.out, l.kernel, {
        stride: l.stride,
        padding: l.padding,
        dilation: l.dilation,
        groups: l.groups,
        bias: l.bias,
        seed: next(),
      });
    case 'conv1d':
      return new Conv1d(engine, l.in, l.out, l.kernel, {
        stride: l.stride,
        padding: l.padding,
        dilation: l.dilation,
        groups: l.groups,
        bias: l.bias,
        seed: next(),
      });
    case 'batchnorm2d':
      return new BatchNorm2d(engine, l.features, {
        eps: l.eps,
        momentum: l.momentum,
        affine: l.affine,
        trackRunningStats: l.trackRunningStats,
      });
    case 'relu':
      return new ReLU(engine);
    case 'sigmoid':
      return new Sigmoid(engine);
    case 'tanh':
      return new Tanh(engine);
    case 'identity':
      return new Identity(engine);
    case 'maxpool2d':
      return new MaxPool2d(engine, l.kernel, { stride: l.stride, padding: l.padding, dilation: l.dilation, ceilMode: l.ceilMode });
    case 'avgpool2d':
      return new AvgPool2d(engine, l.kernel, {
        stride: l.stride,
        padding: l.padding,
        ceilMode: l.ceilMode,
        countIncludePad: l.countIncludePad,
      });
    case 'adaptiveavgpool2d':
      return new AdaptiveAvgPool2d(engine, l.output);
    case 'flatten':
      return new Flatten(engine, l.startDim ?? 1, l.endDim ?? -1);
    case 'linear':
      return new Linear(engine, l.in, l.out, { bias: l.bias, seed: next() });
    case 'dropout':
      return new Dropout(engine, l.p ?? 0.5, { seed: next() });
    case 'sequential':
      return buildLayers(engine, l.layers, seed, counter);
  }
}

/**
 * Builds an nn.Sequential from a spec (validated first). Module names are the layer names, so
 * `model.loadStateDict(readSafetensors(bytes).tensors)` loads the PyTorch weights of the same
 * architecture. Parameters start from PyTorch's default init, reproducible from `options.seed`.
 * With `spec.input`, the model checks its input on every forward: ShapeError "expected input
 * [B, 1, 64, T], got [B, 1, 128, T]".
 */
export function fromSpec(engine: Engine, spec: ModelSpec, options: FromSpecOptions = {}): Sequential {
  validateSpec(spec);
  const seed = parseOptions<FromSpecOptions>(options, { seed: [] }, 'fromSpec').seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`fromSpec: seed must be an integer, got ${JSON.stringify(seed)}`);
  const model = buildLayers(engine, spec.layers, seed, { k: 0 });
  // The spec's input shape is checked on every forward (channels and feature axis).
  if (spec.input) model.inputShape = spec.input.slice();
  return model;
}
