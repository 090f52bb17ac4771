/**
 * Runs the CLI's work in a child Node process whose stderr the parent filters, so a run prints
 * no Dawn limit-normalisation warnings (see stderrFilter.ts for why they cannot be stopped at
 * the source). The child is the same program (same node, same node flags, same arguments) with
 * stdin and stdout inherited; only its stderr goes through the parent. Its exit code, or the
 * signal that ended it, becomes the parent's; SIGINT, SIGTERM and SIGHUP sent to the parent are
 * passed on, and a child whose parent dies any other way (SIGKILL, a crash) ends itself
 * (exitWithParent), so it is never left behind.
 *
 * This module imports only Node built-ins and the filter: the parent loads nothing else (the
 * commands load lazily in main.ts). Measured on a loaded 2-core machine, median of 21 interleaved
 * runs: ~+85 ms a run for the parent (a bare `node -e 0` takes ~70 ms) and ~+40 ms for the
 * child's watcher thread, ~+125 ms in all against a 400 ms `auralens info`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dawnWarningFilterStream } from './stderrFilter.js';

/** Set to 1 (or any value but '' and '0') to run in one process with stderr unfiltered. */
export const RAW_STDERR_ENV = 'AURALENS_RAW_STDERR';
/** Set by the parent in the child's environment, to its pid: the child runs the work itself. */
export const CHILD_ENV = 'AURALENS_CLI_CHILD';
/**
 * Set by the parent when its own stderr is a terminal: its width in columns. The child's stderr
 * is a pipe, so this is how it knows to draw progress bars (progress.ts).
 */
export const STDERR_TTY_ENV = 'AURALENS_STDERR_TTY';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0';

/**
 * True when this process should hand its work to a filtered child: not the child, not opted out,
 * and not under the inspector (`node --inspect`: the work is then debugged where it runs, and a
 * child would fail to bind the same inspector port).
 */
export function shouldRelaunch(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return !on(env[CHILD_ENV]) && !on(env[RAW_STDERR_ENV]) && !execArgv.some((a) => a.startsWith('--inspect'));
}

/** The columns of the terminal stderr is drawn on, in this process or (via the env) the parent's; undefined when not a terminal. */
export function stderrTtyColumns(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (process.stderr.isTTY) return process.stderr.columns || 80;
  const cols = Number(env[STDERR_TTY_ENV]);
  return Number.isInteger(cols) && cols > 0 ? cols : undefined;
}

/**
 * Runs `script args` in a child Node process with a filtered stderr and resolves when it has
 * ended, after setting process.exitCode to its code (or re-raising its signal on this process).
 * Resolves to false, having started nothing, when the child could not be spawned: the caller
 * then runs the work in-process.
 */
export function runInFilteredChild(script: string, args: readonly string[]): Promise<boolean> {
  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: String(process.pid) };
  delete env[STDERR_TTY_ENV];
  if (process.stderr.isTTY) env[STDERR_TTY_ENV] = String(process.stderr.columns || 80);
  // Listen before spawning: spawn() returns only once the child has exec'd, and a signal that
  // arrived in between would otherwise kill this process by default and orphan the child.
  // Signals are handled on the event loop, so `running` is set by the time `forward` runs.
  let running: ChildProcess | undefined;
  const forward = (sig: NodeJS.Signals) => {
    running?.kill(sig);
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['inherit', 'inherit', 'pipe'], env });
  running = child;
  const stopForwarding = () => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  };
  const filter = child.stderr.pipe(dawnWarningFilterStream());
  filter.pipe(process.stderr, { end: false });
  // A closed stderr (`2>&-`, a reader that went away) must neither kill the parent (orphaning the
  // child) nor stall the child on a full pipe: the rest of its stderr is then dropped.
  process.stderr.on('error', () => {
    filter.unpipe(process.stderr);
    filter.resume();
  });
  const filtered = new Promise<void>((resolve) => filter.once('end', resolve).once('close', resolve));
  let spawnFailed = false;
  return new Promise((resolve) => {
    child.once('error', (e) => {
      if (child.pid !== undefined) return; // a failed kill() of a running child: 'close' still comes
      spawnFailed = true;
      stopForwarding();
      process.stderr.write(`auralens: could not start the filtered child process (${e.message}); running in-process\n`);
      resolve(false);
    });
    // 'close' comes after the child's stderr has ended; the filter's last bytes are written once it ends.
    child.once('close', async (code, signal) => {
      if (spawnFailed) return;
      stopForwarding();
      await filtered;
      if (signal) {
        // Die the same way (a shell then reports 128 + n, e.g. 130 for SIGINT); if the signal is
        // ignored here (a background job's SIGINT), exit with 128 + n instead.
        process.exitCode = 128 + (constants.signals[signal] ?? 0);
        process.kill(process.pid, signal);
      } else {
        process.exitCode = code ?? 1;
      }
      resolve(true);
    });
  });
}

/**
 * The child's watch on its parent, in a worker thread so that it runs even while the main thread
 * is busy in a long synchronous stretch: once the parent is gone (this process was re-parented),
 * SIGTERM this process. Checked at once and every 250 ms.
 */
const WATCH_PARENT = `const { workerData: parent } = require('node:worker_threads');
const check = () => { if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM'); };
check();
setInterval(check, 250);`;

/**
 * In the child: end this process within ~250 ms of the filtering parent's death, however it died
 * (SIGKILL, a crash), so no child is ever left running on its own. Costs ~2 ms of the main
 * thread and a small worker; the worker is unref'd and never keeps the process alive. No-op
 * unless CHILD_ENV holds a parent pid.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env): void {
  const parent = Number(env[CHILD_ENV]);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const watcher = new Worker(WATCH_PARENT, { eval: true, workerData: parent });
  watcher.on('error', () => undefined); // a watcher that cannot start must not end the work
  watcher.unref();
}

/**
 * The whole protocol for an entry point (`self`, a script path) run with `args`: as the filtered
 * child, end with the parent; as a command, re-run `self args` in a filtered child; otherwise (the
 * child itself, opted out, under the inspector, or no child could start) run `work` here.
 */
export async function runFilteredOr(self: string, args: readonly string[], work: () => Promise<void>): Promise<void> {
  exitWithParent();
  if (shouldRelaunch() && (await runInFilteredChild(self, args))) return;
  await work();
}
