/**
 * Errors a new user meets loading weights and building models (issue 12 points 4-5, issue 11
 * points 5-6), on the CPU engine (the checks are on the host; the model's input check runs on
 * both backends):
 * - loadStateDict(raw file bytes) → a short message saying what to pass instead; half a million
 *   unexpected keys → a count and three examples, never the whole list;
 * - readSafetensors of a PyTorch zip or pickle → says how to export safetensors; duplicate keys
 *   rejected; more entries than the bound rejected before JSON.parse;
 * - fromSpec models check channels and the feature axis: ShapeError "expected input
 *   [B, 1, 64, T], got [2, 1, 128, 40]"; model options are strict with PyTorch spellings.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, ValueError, SafetensorsError } from '../src/engine/errors.js';
import { noGrad, readSafetensors, tensorsToSafetensors } from '../src/engine/index.js';
import { models, nn } from '../src/index.js';
import { StateDictError } from '../src/nn/stateDict.js';
import { enginePair } from './helpers/gpu.js';

const pair = await enginePair();
afterAll(() => pair.dispose());
const e = pair.cpu;

/** A safetensors file whose JSON header is `json` (no tensor data). */
function withHeader(json: string): Uint8Array {
  const h = new TextEncoder().encode(json);
  const b = new Uint8Array(8 + h.length);
  new DataView(b.buffer).setUint32(0, h.length, true);
  b.set(h, 8);
  return b;
}

describe('loadStateDict errors', () => {
  const small = () => models.genreCNN(e, { nMels: 16, channels: [2, 2, 2], bottleneck: 4, nClasses: 3 });

  it('raw file bytes: says to use readSafetensors(bytes).tensors', async () => {
    const m = small();
    const bytes = await tensorsToSafetensors(m.stateDict());
    expect(() => m.loadStateDict(bytes as never)).toThrow(ValueError);
    expect(() => m.loadStateDict(bytes as never)).toThrow(
      /got raw bytes \([\d,]+ bytes\) — did you pass raw file bytes\? use readSafetensors\(bytes\).tensors/,
    );
    expect(() => m.loadStateDict(readSafetensors(bytes) as never)).toThrow(/pass its .tensors/);
    m.loadStateDict(readSafetensors(bytes).tensors);
    m.dispose();
  });

  it('half a million unexpected keys: a count and examples, a short message', () => {
    const m = small();
    const huge: Record<string, unknown> = { ...m.stateDict() };
    for (let i = 0; i < 518_504; i++) huge[String(i)] = 0;
    let err: StateDictError | undefined;
    try {
      m.loadStateDict(huge as never);
    } catch (x) {
      err = x as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.message).toMatch(
      /518,504 unexpected keys, e\.g\. 0, 1, 2 — did you pass raw file bytes\? use readSafetensors\(bytes\)\.tensors/,
    );
    expect(err!.message.length).toBeLessThan(400);
    expect(err!.unexpectedKeys.length).toBe(518_504); // the full list stays on the error
    // Missing keys are capped the same way, with their count.
    expect(() => m.loadStateDict({})).toThrow(/25 missing keys, e\.g\. conv1\.weight, conv1\.bias, bn1\.weight/);
    m.dispose();
  });
});

describe('readSafetensors recognises what it is given', () => {
  it('a PyTorch zip (torch.save) or pickle → how to export safetensors', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => readSafetensors(zip)).toThrow(SafetensorsError);
    expect(() => readSafetensors(zip)).toThrow(
      /zip archive \(a PyTorch \.pt\/\.pth checkpoint from torch\.save\?\), not a safetensors file; export the state_dict in Python: `from safetensors\.torch import save_file/,
    );
    const pickle = new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
    expect(() => readSafetensors(pickle)).toThrow(/Python pickle \(a legacy PyTorch torch\.save file\?\)/);
  });

  it('duplicate keys are rejected (JSON.parse would keep the last silently)', () => {
    const t = '{"dtype":"F32","shape":[0],"data_offsets":[0,0]}';
    expect(() => readSafetensors(withHeader(`{"a":${t},"b":${t},"a":${t}}`))).toThrow(/tensor 'a' appears twice in the header/);
    // Keys nested inside entries, escaped quotes and __metadata__ are not confused with tensor names.
    const ok = readSafetensors(withHeader(`{"__metadata__":{"a":"x\\"y"},"a":${t},"a\\"b":${t}}`));
    expect(Object.keys(ok.tensors).sort()).toEqual(['a', 'a"b']);
  });

  it('more entries than the bound are rejected before parsing', () => {
    const n = 100_003;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const t0 = performance.now();
    expect(() => readSafetensors(withHeader(`{${parts.join(',')}}`))).toThrow(/header describes more than 100,000 tensors/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

for (const kind of ['cpu', 'webgpu'] as const) {
  const eng = kind === 'cpu' ? pair.cpu : pair.gpu;
  describe.skipIf(!eng)(`models check their input on ${kind}`, () => {
    it('channels and the feature axis: ShapeError naming the expected shape', () => {
      const m = models.genreCNN(eng!, { nMels: 64, channels: [2, 2, 2], bottleneck: 4, nClasses: 3 }).eval();
      const x128 = eng!.zeros([2, 1, 128, 40]);
      const x2c = eng!.zeros([2, 2, 64, 40]);
      const wave = eng!.zeros([16000]);
      expect(() => m.call(x128)).toThrow(ShapeError);
      expect(() => m.call(x128)).toThrow('Sequential: expected input [B, 1, 64, T], got [2, 1, 128, 40]');
      expect(() => m.call(x2c)).toThrow(/expected input \[B, 1, 64, T\], got \[2, 2, 64, 40\]/);
      expect(() => m.call(wave)).toThrow(/expected input \[B, 1, 64, T\], got \[16000\]/);
      const ok = eng!.zeros([2, 1, 64, 40]);
      const y = noGrad(() => m.call(ok));
      expect(y.shape).toEqual([2, 3]);
      for (const t of [x128, x2c, wave, ok, y]) t.dispose();
      m.dispose();
    });

    it('model options are strict, with PyTorch spellings accepted', () => {
      expect(() => models.genreCNN(eng!, { nMel: 64 } as never)).toThrow(/genreCNN: unknown option 'nMel' — did you mean 'nMels'/);
      const a = models.genreCNN(eng!, { n_mels: 32, num_classes: 4, channels: [2, 2, 2], bottleneck: 4 } as never);
      expect(a.inputShape).toEqual([1, 32, null]);
      expect((a.getSubmodule('fc2') as unknown as { outFeatures: number }).outFeatures).toBe(4);
      expect(() => models.digitCNN(eng!, { hiden: 3 } as never)).toThrow(/digitCNN: unknown option 'hiden' — did you mean 'hidden'/);
      expect(() => models.fromSpec(eng!, { layers: [{ type: 'relu', name: 'r' }] }, { sed: 1 } as never)).toThrow(
        /fromSpec: unknown option 'sed' — did you mean 'seed'/,
      );
      a.dispose();
    });
  });
}

describe('nn layer options are strict, with PyTorch spellings', () => {
  it('unknown keys name the nearest; snake_case spellings work', () => {
    expect(() => new nn.Conv2d(e, 1, 2, 3, { paddding: 1 } as never)).toThrow(/Conv2d: unknown option 'paddding' — did you mean 'padding'/);
    expect(() => new nn.Linear(e, 2, 3, { biass: false } as never)).toThrow(/Linear: unknown option 'biass' — did you mean 'bias'/);
    expect(() => new nn.MaxPool2d(e, 2, { ceil: true } as never)).toThrow(/MaxPool2d: unknown option 'ceil'/);
    const bn = new nn.BatchNorm2d(e, 4, { track_running_stats: false } as never);
    expect(bn.trackRunningStats).toBe(false);
    const pool = new nn.AvgPool2d(e, 2, { count_include_pad: false } as never);
    expect(pool.countIncludePad).toBe(false);
    for (const m of [bn, pool]) m.dispose();
  });
});
