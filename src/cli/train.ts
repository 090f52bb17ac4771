/**
 * `auralens train`: trains the genre CNN on log-mels of labelled clips and writes
 * model.safetensors + spec.json (the description `explain --arch genre-cnn` reads beside them).
 * --data synth uses the synthetic genres; --data <folder> reads <folder>/<class>/*.wav.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { argmax, cast, createEngine, type Engine, equal, mean, noGrad, reshape, type Tensor, tidy } from '../engine/index.js';
import { logMel } from '../audio/index.js';
import { synth } from '../data/index.js';
import { genreCNN, genreCNNSpec } from '../models/index.js';
import { Adam } from '../optim/index.js';
import { collectSources, decodeSource } from '../report/index.js';
import { fit, saveCheckpoint } from '../train/fit.js';
import { type CliIo, UsageError } from './errors.js';
import { parseBackend } from './explain.js';
import { startBar } from './progress.js';

export interface TrainArgs {
  data: string;
  out: string;
  epochs: string;
  perClass: string;
  duration: string;
  width: string;
  seed: string;
  backend: string;
}

const FRONT_END = { sampleRate: 16000, nFft: 400, hop: 160, nMels: 64, normalize: true };

function int(text: string, name: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got '${text}'`);
  return v;
}

/** Clips of equal length → log-mel batch [N, 1, nMels, frames]. */
function features(engine: Engine, clips: Float32Array[], len: number): Tensor {
  const flat = new Float32Array(clips.length * len);
  clips.forEach((c, i) => flat.set(c.subarray(0, len), i * len));
  return tidy(() => {
    const m = logMel(engine.tensor(flat, [clips.length, len]), FRONT_END);
    return reshape(m, [clips.length, 1, m.shape[1]!, m.shape[2]!]);
  });
}

async function folderData(dir: string, duration: number): Promise<{ clips: Float32Array[]; labels: number[]; classes: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new UsageError(`--data must be 'synth' or a folder of class folders; cannot read '${dir}'`);
  });
  const classes = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (classes.length < 2) throw new UsageError(`--data ${dir} must hold one folder of .wav files per class (at least two)`);
  const clips: Float32Array[] = [];
  const labels: number[] = [];
  for (const [ci, c] of classes.entries()) {
    for (const s of await collectSources(join(dir, c))) {
      const x = await decodeSource(s, FRONT_END.sampleRate, duration);
      const padded = new Float32Array(Math.round(duration * FRONT_END.sampleRate));
      padded.set(x.subarray(0, padded.length));
      clips.push(padded);
      labels.push(ci);
    }
  }
  return { clips, labels, classes };
}

export async function trainCommand(a: TrainArgs, io: CliIo): Promise<number> {
  const epochs = int(a.epochs, '--epochs', 1);
  const per = int(a.perClass, '--per-class', 1);
  const width = int(a.width, '--width', 1);
  const seed = int(a.seed, '--seed', 0);
  const duration = Number(a.duration);
  if (!(duration > 0.1 && duration <= 30)) throw new UsageError(`--duration must be seconds in (0.1, 30], got '${a.duration}'`);
  let data: { clips: Float32Array[]; labels: number[]; classes: string[] };
  if (a.data === 'synth') {
    const ds = synth.synthGenreDataset({ perGenre: per, seed, duration, sampleRate: FRONT_END.sampleRate });
    data = { clips: ds.clips, labels: Array.from(ds.labels), classes: [...ds.genres] };
  } else {
    data = await folderData(a.data, duration);
  }
  // Every 5th clip is held out (deterministic).
  const idx = data.labels.map((_, i) => i);
  const trainIdx = idx.filter((i) => i % 5 !== 4);
  const valIdx = idx.filter((i) => i % 5 === 4);
  if (valIdx.length === 0) throw new UsageError('train: too few clips to hold any out (need at least 5)');
  const engine = await createEngine({ backend: parseBackend(a.backend) });
  try {
    const len = Math.round(duration * FRONT_END.sampleRate);
    const mk = (ids: number[]) => ({
      x: features(
        engine,
        ids.map((i) => data.clips[i]!),
        len,
      ),
      y: engine.tensor(Int32Array.from(ids.map((i) => data.labels[i]!)), [ids.length], 'int32'),
    });
    const train = mk(trainIdx);
    const val = mk(valIdx);
    const archOptions = {
      nMels: FRONT_END.nMels,
      nClasses: data.classes.length,
      channels: [width, 2 * width, 4 * width],
      bottleneck: 8 * width,
      dropout: 0.3,
      seed,
    };
    const net = genreCNN(engine, archOptions);
    const opt = new Adam(net, { lr: 3e-3 });
    io.out(
      `auralens train: ${trainIdx.length} training / ${valIdx.length} held-out clips, ${data.classes.length} classes, ${epochs} epochs on ${engine.backend}`,
    );
    const bar = startBar(io, 'train', epochs);
    const history = await fit(net, train, {
      epochs,
      batchSize: 32,
      seed,
      optimizer: opt,
      validation: val,
      onProgress: (p) => bar.update(p.epoch, `held-out ${(100 * (p.valAccuracy ?? 0)).toFixed(1)} %`),
    }).finally(() => bar.stop());
    opt.dispose();
    net.eval();
    const acc = noGrad(() => tidy(() => mean(cast(equal(cast(argmax(net.call(val.x), 1), 'float32'), cast(val.y, 'float32')), 'float32'))));
    const accuracy = await acc.item();
    await mkdir(a.out, { recursive: true });
    await writeFile(join(a.out, 'model.safetensors'), await saveCheckpoint(net));
    const meta = {
      arch: 'genre-cnn',
      archOptions,
      spec: genreCNNSpec(archOptions),
      classes: data.classes,
      frontEnd: FRONT_END,
      clip: { duration, sampleRate: FRONT_END.sampleRate },
      training: { command: 'auralens train', data: a.data, seed, epochs, history },
      accuracy: { heldOut: accuracy, heldOutClips: valIdx.length },
    };
    await writeFile(join(a.out, 'spec.json'), JSON.stringify(meta, null, 2) + '\n');
    io.out(`held-out accuracy ${(100 * accuracy).toFixed(1)} %; wrote ${resolve(a.out, 'model.safetensors')} and spec.json`);
    return 0;
  } finally {
    engine.dispose();
  }
}
