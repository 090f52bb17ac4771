/** A cli-progress bar on stderr for a long step, or nothing when progress is off (tests, pipes). */
import cliProgress from 'cli-progress';
import type { CliIo } from './errors.js';

export interface Bar {
  update(done: number, stage?: string): void;
  stop(): void;
}

/** Starts a bar for `total` steps named `title`. */
export function startBar(io: CliIo, title: string, total: number): Bar {
  const on = io.progress ?? Boolean(process.stderr.isTTY);
  if (!on) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} {stage}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: '' });
  return { update: (done, stage = '') => bar.update(done, { stage }), stop: () => bar.stop() };
}
