// The auralens CLI in-process (main(args, io)) on a tiny folder: explain with a corrupt WAV among
// good ones (reported, skipped, exit 0), shard + merge byte-identical to a single run, train,
// and user errors (bad paths and options) as one line with exit code 1. CPU backend, short
// clips and few IG steps keep it CI-affordable.
import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/audio/index.js';
import { synth } from '../src/data/index.js';
import { main } from '../src/cli/main.js';
import { DEMO_MODEL_DIR } from '../src/report/index.js';

const MODEL = join(DEMO_MODEL_DIR, 'model.safetensors');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), progress: false }, out, err };
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, root)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

let work: string;
let input: string;
const explainArgs = (out: string, ...extra: string[]) => [
  'explain',
  input,
  '--model',
  MODEL,
  '--backend',
  'cpu',
  '--methods',
  'gradcam,ig',
  '--steps',
  '4',
  '--out',
  out,
  ...extra,
];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'auralens-cli-'));
  input = join(work, 'in');
  await mkdir(join(input, 'sub'), { recursive: true });
  const ds = synth.synthGenreDataset({ perGenre: 1, seed: 11, duration: 0.5, genres: ['rock', 'classical', 'disco'] });
  // A stereo 22.05 kHz file exercises down-mixing and resampling.
  await writeFile(join(input, 'rock.wav'), encodeWav(ds.clips[0]!, 16000));
  await writeFile(join(input, 'sub', 'classical.wav'), encodeWav([ds.clips[1]!, ds.clips[1]!], 22050));
  await writeFile(join(input, 'disco.wav'), encodeWav(ds.clips[2]!, 16000));
  await writeFile(join(input, 'corrupt.wav'), new TextEncoder().encode('RIFF\x10\x00\x00\x00WAVEfmt nonsense'));
}, 60_000);

describe('auralens explain / merge', () => {
  it('explains a folder, reports and skips a corrupt WAV, and shards merge into the single-run report byte for byte', async () => {
    const single = capture();
    expect(await main(explainArgs(join(work, 'single')), single.io)).toBe(0);
    expect(single.err.filter((l) => l.includes('skipped corrupt.wav'))).toHaveLength(1);
    expect(single.err.every((l) => !l.includes('    at '))).toBe(true); // no stack trace
    const report = JSON.parse(await readFile(join(work, 'single', 'report.json'), 'utf8'));
    expect(report.clips.map((c: { id: string }) => c.id)).toEqual(['disco', 'rock', 'sub_classical']);
    expect(report.skipped).toHaveLength(1);
    expect(report.clips[0].attributions.map((a: { method: string }) => a.method)).toEqual(['gradcam', 'ig']);

    for (const k of [1, 2]) expect(await main(explainArgs(join(work, `shard${k}`), '--shard', `${k}/2`), capture().io)).toBe(0);
    const merged = capture();
    expect(await main(['merge', join(work, 'shard2'), join(work, 'shard1'), '--out', join(work, 'merged')], merged.io)).toBe(0);
    const a = await listFiles(join(work, 'single'));
    const b = await listFiles(join(work, 'merged'));
    expect(b).toEqual(a);
    for (const f of a) expect(Buffer.compare(await readFile(join(work, 'single', f)), await readFile(join(work, 'merged', f))), f).toBe(0);
    // A missing shard is refused.
    const partial = capture();
    expect(await main(['merge', join(work, 'shard1'), '--out', join(work, 'partial')], partial.io)).toBe(1);
    expect(partial.err.join('\n')).toMatch(/missing 2/);
  }, 240_000);

  it('gives one-line user errors with exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['explain', join(work, 'nope'), '--model', MODEL, '--out', join(work, 'x')], /input '.*nope' does not exist/],
      [
        ['explain', input, '--model', join(work, 'missing.safetensors'), '--backend', 'cpu', '--out', join(work, 'x')],
        /--model: cannot read/,
      ],
      [['explain', input, '--model', MODEL, '--backend', 'gpu'], /--backend must be cpu, webgpu or auto/],
      [['explain', input, '--model', MODEL, '--shard', '3/2'], /--shard must be k\/n/],
      [['explain', input, '--model', MODEL, '--methods', 'ig,shap'], /unknown method 'shap'/],
      [['explain', input, '--model', MODEL, '--backend', 'cpu', '--target', 'polka'], /--target must be/],
      [['explain', input, '--model', MODEL, '--arch', 'resnet'], /--arch must be one of/],
      [['merge', input, '--out', join(work, 'x')], /not a report folder/],
      [['explian'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const c = capture();
      expect(await main(args, c.io), args.join(' ')).toBe(1);
      expect(c.err.join('\n')).toMatch(re);
      expect(c.err.join('\n')).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
});

describe('auralens evaluate / tcav', () => {
  it('add a metrics section and a TCAV section to one report folder', async () => {
    const out = join(work, 'studies');
    const ev = capture();
    expect(
      await main(
        ['evaluate', input, '--model', MODEL, '--backend', 'cpu', '--methods', 'gradcam,saliency', '--metrics', 'sparseness', '--out', out],
        ev.io,
      ),
    ).toBe(0);
    expect(ev.err.filter((l) => l.includes('skipped corrupt.wav'))).toHaveLength(1);
    // TCAV folders: two concepts, two random sets, inputs; two short clips each.
    const mk = async (dir: string, genre: 'rock' | 'classical' | 'disco', seed: number) => {
      await mkdir(dir, { recursive: true });
      const ds = synth.synthGenreDataset({ perGenre: 2, seed, duration: 0.5, genres: [genre] });
      for (const [i, c] of ds.clips.entries()) await writeFile(join(dir, `${i}.wav`), encodeWav(c, 16000));
    };
    await mk(join(work, 'concepts', 'bright'), 'rock', 1);
    await mk(join(work, 'concepts', 'calm'), 'classical', 2);
    await mk(join(work, 'randoms', 'r0'), 'disco', 3);
    await mk(join(work, 'randoms', 'r1'), 'classical', 4);
    await mk(join(work, 'targets'), 'rock', 5);
    const base = [
      'tcav',
      '--model',
      MODEL,
      '--backend',
      'cpu',
      '--concepts',
      join(work, 'concepts'),
      '--inputs',
      join(work, 'targets'),
      '--target',
      'rock',
      '--layers',
      'fc1',
      '--out',
      out,
    ];
    const tc = capture();
    expect(await main([...base, '--randoms', join(work, 'randoms')], tc.io)).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.sections.map((s: { id: string }) => s.id)).toEqual(['metrics', 'tcav']);
    expect(report.sections[1].tables[0].rows.map((r: unknown[]) => r[0])).toEqual(['bright', 'calm']);
    const bad = capture();
    expect(await main([...base, '--randoms', join(work, 'concepts', 'bright')], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/--randoms .* at least 2 folders/);
    expect(await main(['evaluate', input, '--model', MODEL, '--metrics', 'faithfulness'], capture().io)).toBe(1);
  }, 180_000);
});

describe('auralens train', () => {
  it('trains a tiny genre CNN on synthetic clips and writes weights that explain loads', async () => {
    const out = join(work, 'model');
    const c = capture();
    expect(
      await main(
        [
          'train',
          '--data',
          'synth',
          '--per-class',
          '1',
          '--epochs',
          '1',
          '--width',
          '2',
          '--duration',
          '0.5',
          '--backend',
          'cpu',
          '--out',
          out,
        ],
        c.io,
      ),
    ).toBe(0);
    const spec = JSON.parse(await readFile(join(out, 'spec.json'), 'utf8'));
    expect(spec.classes).toHaveLength(10);
    expect(spec.archOptions.channels).toEqual([2, 4, 8]);
    const e = capture();
    expect(
      await main(
        [
          'explain',
          join(input, 'rock.wav'),
          '--model',
          join(out, 'model.safetensors'),
          '--backend',
          'cpu',
          '--methods',
          'gradcam',
          '--out',
          join(work, 'tiny'),
        ],
        e.io,
      ),
    ).toBe(0);
    expect(await main(['train', '--data', join(work, 'nope'), '--out', out], capture().io)).toBe(1);
  }, 120_000);
});
