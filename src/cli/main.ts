#!/usr/bin/env node
/**
 * The `auralens` command line: explain (attributions into a report folder), train (the genre CNN
 * on synthetic or foldered clips), evaluate and tcav (report sections), merge (shards into one
 * report), info (backend, adapter, limits). Exit codes: 0 ok, 1 user error (one line, no stack
 * trace), 2 internal error. See `auralens <command> --help`.
 *
 * Run as a command, it does its work in a child process and filters that child's stderr, so the
 * two Dawn warnings lavapipe triggers never reach the terminal (relaunch.ts; AURALENS_RAW_STDERR=1
 * runs everything in one process, unfiltered). Imported, `main` runs in-process.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './errors.js';
import { runFilteredOr } from './relaunch.js';

/**
 * Runs the CLI in this process on argv (without 'node' and the script) and returns the exit code;
 * `io` receives stdout and stderr lines (default: the process's streams).
 */
export async function main(args: readonly string[], io?: CliIo): Promise<number> {
  // Loaded here, not at the top: the filtering parent must not pay for the commands' imports.
  const { runCli } = await import('./program.js');
  return runCli(args, io);
}

// Run when executed as the bin (not when imported by tests).
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && realpathSync(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  void runFilteredOr(self, args, async () => process.exit(await main(args)));
}
