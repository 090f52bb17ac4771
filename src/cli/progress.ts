/**
 * A cli-progress bar on stderr for a long step, or nothing when progress is off (tests, pipes).
 * Under the filtering parent (relaunch.ts) this process's stderr is a pipe to the parent; the
 * parent says its own stderr is a terminal, and how wide, in AURALENS_STDERR_TTY, and the bar is
 * drawn as on a terminal (cli-progress draws only on a stream that says it is a TTY).
 */
import cliProgress from 'cli-progress';
import type { CliIo } from './errors.js';
import { stderrTtyColumns } from './relaunch.js';

export interface Bar {
  update(done: number, stage?: string): void;
  stop(): void;
}

/** Room a bar line leaves for the bar itself: the title, the counts and a short stage name. */
function barSize(columns: number, title: string, total: number): number {
  const counts = 2 * String(total).length + 1;
  return Math.max(10, Math.min(40, columns - title.length - counts - 4 - 16));
}

/** Starts a bar for `total` steps named `title`. */
export function startBar(io: CliIo, title: string, total: number): Bar {
  const columns = stderrTtyColumns();
  const on = io.progress ?? columns !== undefined;
  if (!on) return { update: () => undefined, stop: () => undefined };
  // Under the filtering parent: a terminal-like view of the pipe (cli-progress reads only
  // isTTY and columns, and writes text and cursor codes; writing straight through keeps the bar
  // in order with the lines the commands print).
  const stream: NodeJS.WritableStream =
    process.stderr.isTTY || columns === undefined
      ? process.stderr
      : ({ isTTY: true, columns, write: process.stderr.write.bind(process.stderr) } as unknown as NodeJS.WritableStream);
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {value}/{total} {stage}`,
      stream,
      barsize: barSize(columns ?? 80, title, total),
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: '' });
  return { update: (done, stage = '') => bar.update(done, { stage }), stop: () => bar.stop() };
}
