/** State-dict loading and validation of nn modules: StateDictError, the option/result types and the check-then-build part of loadStateDict. */
import {
  cast,
  checkHostTensor,
  clone,
  fmt,
  type HostTensor,
  keep,
  noGrad,
  shapesEqual,
  type Tensor,
  toFloat32,
  toInt32,
  ValueError,
} from '../engine/index.js';
import { capList } from '../util/options.js';
import type { Module } from './module.js';
import { describe, isTensor, join } from './moduleUtils.js';

/** A state_dict value: a tensor on the model's engine, or host data (e.g. from readSafetensors). */
export type StateDictValue = Tensor | HostTensor;

export interface LoadStateDictOptions {
  /**
   * true (default): every key of the model must be given and no other key. false: missing and
   * unexpected keys are allowed (and reported in the result); shape mismatches still fail.
   */
  strict?: boolean;
}

export interface LoadStateDictResult {
  /** Keys of the model that were not given (always [] with strict). */
  missingKeys: string[];
  /** Given keys that the model does not have (always [] with strict). */
  unexpectedKeys: string[];
}

/** Thrown by loadStateDict; lists every problem found, and the model is left unchanged. */
export class StateDictError extends ValueError {
  constructor(
    message: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    /** 'key: checkpoint [..] vs model [..]' per mismatch. */
    readonly shapeMismatches: readonly string[],
    /** Values that cannot be loaded (wrong type, other engine, disposed, bad host data). */
    readonly invalid: readonly string[],
  ) {
    super(message);
  }
}

export type Slot = { owner: Module; kind: 'param' | 'buffer'; local: string; current: Tensor };

/** Every parameter and buffer slot of the model's tree, by full PyTorch name, in PyTorch's order. */
export function stateSlots(model: Module): Map<string, Slot> {
  const out = new Map<string, Slot>();
  for (const [p, m] of model.namedModules()) {
    for (const [n, t] of m._parameters) if (t) out.set(join(p, n), { owner: m, kind: 'param', local: n, current: t });
    for (const [n, t] of m._buffers) if (t) out.set(join(p, n), { owner: m, kind: 'buffer', local: n, current: t });
  }
  return out;
}

/** The checks and tensor building of Module.loadStateDict (see there): everything but the final swap, which stays in Module (swap is private). */
export function prepareLoadStateDict(
  model: Module,
  tensors: Record<string, StateDictValue>,
  options: LoadStateDictOptions = {},
): { plan: { slot: Slot; value: StateDictValue }[]; built: Tensor[]; result: LoadStateDictResult } {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || isTensor(tensors)) {
    throw new ValueError(`loadStateDict: expected a record of name → tensor, got ${describe(tensors)}`);
  }
  if (ArrayBuffer.isView(tensors) || tensors instanceof ArrayBuffer) {
    const n = (tensors as ArrayBufferLike | ArrayBufferView).byteLength.toLocaleString('en-US');
    throw new ValueError(
      `loadStateDict: expected a record of name → tensor, got raw bytes (${n} bytes) — did you pass raw file bytes? use readSafetensors(bytes).tensors, or loadCheckpoint(model, bytes)`,
    );
  }
  const maybeFile = tensors as { tensors?: unknown; metadata?: unknown };
  if (maybeFile.tensors && typeof maybeFile.tensors === 'object' && 'metadata' in maybeFile && Object.keys(tensors).length <= 3) {
    throw new ValueError(`loadStateDict: got the whole readSafetensors() result { tensors, metadata }; pass its .tensors`);
  }
  const strict = options.strict ?? true;
  const slots = stateSlots(model);
  const missing: string[] = [];
  const unexpected: string[] = [];
  const mismatched: string[] = [];
  const invalid: string[] = [];
  const plan: { slot: Slot; value: StateDictValue }[] = [];
  for (const [key, slot] of slots) {
    if (!Object.prototype.hasOwnProperty.call(tensors, key)) {
      missing.push(key);
      continue;
    }
    const v = tensors[key];
    const want = slot.current;
    let shape: readonly number[];
    if (isTensor(v)) {
      if (v.isDisposed) {
        invalid.push(`${key}: the tensor was disposed`);
        continue;
      }
      if (v.engine !== model.engine) {
        invalid.push(`${key}: the tensor belongs to another engine`);
        continue;
      }
      shape = v.shape;
    } else {
      try {
        checkHostTensor(v, key);
        if (want.dtype === 'int32' && !['I32', 'I64'].includes(v.dtype)) {
          // Integer buffers take integer data; float data is accepted only when integral.
          const f = toFloat32(v);
          if (!f.every((x) => Number.isInteger(x) && Math.abs(x) <= 2147483647))
            throw new ValueError(`${key}: int32 buffer needs integer values, got ${v.dtype} data with fractions`);
        } else if (want.dtype === 'int32') {
          toInt32(v); // range check of I64
        }
      } catch (e) {
        invalid.push(e instanceof Error ? e.message : String(e));
        continue;
      }
      shape = v.shape;
    }
    // A 1-element value fits a 1-element slot of another rank ([] vs [1]) only as in PyTorch: not at all.
    if (!shapesEqual(shape, want.shape)) {
      mismatched.push(`${key}: checkpoint ${fmt(shape)} vs model ${fmt(want.shape)}`);
      continue;
    }
    plan.push({ slot, value: v });
  }
  for (const key of Object.keys(tensors)) if (!slots.has(key)) unexpected.push(key);
  const fatalMissing = strict ? missing : [];
  const fatalUnexpected = strict ? unexpected : [];
  if (fatalMissing.length || fatalUnexpected.length || mismatched.length || invalid.length) {
    // Every list is capped (a few examples and a count): the error must stay readable for a
    // checkpoint of half a million keys; the full lists are on the error object.
    const parts: string[] = [];
    if (fatalMissing.length) parts.push(capList(fatalMissing, 'missing keys', 8));
    if (fatalUnexpected.length) {
      const numeric = fatalUnexpected.length > 16 && fatalUnexpected.slice(0, 16).every((k) => /^\d+$/.test(k));
      parts.push(
        capList(fatalUnexpected, 'unexpected keys', 8) +
          (numeric ? ' — did you pass raw file bytes? use readSafetensors(bytes).tensors' : ''),
      );
    }
    if (mismatched.length) parts.push(capList(mismatched, 'shape mismatches', 8, '; '));
    if (invalid.length) parts.push(capList(invalid, 'invalid values', 4, '; '));
    throw new StateDictError(
      `loadStateDict (${model.constructor.name}): nothing was loaded, the model is unchanged.\n  ${parts.join('\n  ')}`,
      fatalMissing,
      fatalUnexpected,
      mismatched,
      invalid,
    );
  }
  // Build every new tensor first; only then swap, so a failure cannot leave a half-loaded model.
  const built: Tensor[] = [];
  try {
    noGrad(() => {
      for (const { slot, value } of plan) built.push(keep(materialise(model, value, slot.current)));
    });
  } catch (e) {
    for (const t of built) t.dispose();
    throw e;
  }
  return { plan, built, result: { missingKeys: strict ? [] : missing, unexpectedKeys: strict ? [] : unexpected } };
}

/** A new tensor of `like`'s dtype and shape holding `v`'s values. */
function materialise(model: Module, v: StateDictValue, like: Tensor): Tensor {
  const e = model.engine;
  if (isTensor(v)) {
    if (v.dtype === like.dtype) {
      // An int32 scalar with a known value is re-created from the host so its value stays known.
      const r = v.intRange;
      if (v.dtype === 'int32' && v.size === 1 && r && r[0] === r[1]) return e.tensor([r[0]], like.shape, 'int32');
      return clone(v);
    }
    return cast(v, like.dtype);
  }
  if (like.dtype === 'int32') {
    const data = v.dtype === 'I32' || v.dtype === 'I64' ? toInt32(v) : Int32Array.from(toFloat32(v));
    return e.tensor(data, like.shape, 'int32');
  }
  return e.tensor(toFloat32(v), like.shape, 'float32');
}
