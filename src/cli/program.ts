/**
 * The `auralens` commands (commander): explain, train, evaluate, tcav, merge, info. main.ts loads
 * this on demand, so a parent process that only filters a child's stderr never loads it.
 */
import { Command, CommanderError } from 'commander';
import { mergeReports } from '../report/index.js';
import { type CliIo, EXIT_OK, EXIT_USER, reportError } from './errors.js';
import { explainCommand } from './explain.js';
import { infoCommand } from './info.js';
import { evaluateCommand, tcavCommand } from './studies.js';
import { trainCommand } from './train.js';

const defaultIo: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

/** Builds the program; actions store their exit code in `result.code`. */
function program(io: CliIo, result: { code: number }): Command {
  const p = new Command('auralens')
    .description('Explain audio classifiers: attributions, reports, shards (WebGPU or CPU)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showSuggestionAfterError(true);
  const backend = ['--backend <name>', 'cpu, webgpu or auto', 'auto'] as const;
  p.command('explain')
    .description('explain a .wav, a folder of .wav files or a manifest.jsonl into a report folder')
    .argument('<input>', 'a .wav file, a folder (recursive) or a manifest.jsonl ({"path", "label"?} per line)')
    .requiredOption('--model <weights>', 'weights (.safetensors, PyTorch names)')
    .option('--arch <arch>', 'genre-cnn, digit-cnn or a spec .json (default: spec.json beside the weights)', 'genre-cnn')
    .option('--methods <list>', 'comma-separated: ig, gradcam, occlusion, saliency, lime', 'ig,gradcam,occlusion,lime')
    .option('--lime-samples <n>', 'LIME perturbations per clip', '200')
    .option('--target <class>', "'predicted', a class name or index", 'predicted')
    .option('--out <dir>', 'report folder', 'report')
    .option('--shard <k/n>', 'process only shard k of n (1-based) of the sorted inputs')
    .option('--max-seconds <s>', 'crop longer clips to this many seconds', '30')
    .option('--steps <n>', 'integrated-gradients steps', '32')
    .option('--title <text>', 'report title')
    .option(...backend)
    .action(async (input: string, o) => {
      result.code = await explainCommand(input, o, io);
    });
  p.command('train')
    .description('train the genre CNN and write model.safetensors + spec.json')
    .option('--data <synth|folder>', "'synth' (synthetic genres) or a folder with one sub-folder of .wav files per class", 'synth')
    .option('--out <dir>', 'output folder', 'model')
    .option('--epochs <n>', 'epochs', '12')
    .option('--per-class <n>', 'synthetic clips per class', '40')
    .option('--duration <s>', 'clip length in seconds', '1.5')
    .option('--width <n>', 'channels of the first conv block (then ×2, ×4; fc1 ×8)', '8')
    .option('--seed <n>', 'seed', '7')
    .option(...backend)
    .action(async (o) => {
      result.code = await trainCommand(o, io);
    });
  p.command('evaluate')
    .description('score attribution methods with Quantus-style metrics on clips; adds a table and ranking heatmap to the report')
    .argument('<input>', 'a folder of .wav files or a manifest.jsonl (clips are cropped to the shortest)')
    .requiredOption('--model <weights>', 'weights (.safetensors)')
    .option('--arch <arch>', 'genre-cnn, digit-cnn or a spec .json', 'genre-cnn')
    .option('--methods <list>', 'comma-separated: ig, gradcam, saliency, occlusion', 'ig,gradcam,saliency')
    .option(
      '--metrics <list>',
      'comma-separated metric names (faithfulnessCorrelation, avgSensitivity, sparseness, randomLogit, …)',
      'faithfulnessCorrelation,avgSensitivity,sparseness,randomLogit',
    )
    .option('--out <dir>', 'report folder (the section is added to an existing report)', 'report')
    .option(...backend)
    .action(async (input: string, o) => {
      result.code = await evaluateCommand(input, o, io);
    });
  p.command('tcav')
    .description('test concepts with TCAV; adds the chart and table to the report')
    .requiredOption('--model <weights>', 'weights (.safetensors)')
    .option('--arch <arch>', 'genre-cnn, digit-cnn or a spec .json', 'genre-cnn')
    .requiredOption('--concepts <dir>', 'a folder with one folder of .wav files per concept')
    .requiredOption('--randoms <dir>', 'a folder with ≥ 2 folders of random .wav files (10+ recommended)')
    .requiredOption('--inputs <dir>', 'clips of the target class')
    .requiredOption('--target <class>', 'the class (name or index)')
    .option('--layers <list>', 'comma-separated layer names', 'conv3,fc1')
    .option('--out <dir>', 'report folder (the section is added to an existing report)', 'report')
    .option(...backend)
    .action(async (o) => {
      result.code = await tcavCommand(o, io);
    });
  p.command('merge')
    .description('merge report folders (shards of one job) into one report, identical to a single run')
    .argument('<dirs...>', 'report folders')
    .requiredOption('--out <dir>', 'merged report folder')
    .action(async (dirs: string[], o: { out: string }) => {
      const index = await mergeReports(dirs, o.out);
      io.out(`merged ${dirs.length} report(s); report: ${index}`);
      result.code = EXIT_OK;
    });
  p.command('info')
    .description('show the backend, the adapter and the limits auralens works within (what engine.info() says)')
    .option('--json', 'print one JSON object (unbounded limits as null)')
    .option(...backend)
    .action(async (o) => {
      result.code = await infoCommand(o, io);
    });
  return p;
}

/** Runs the CLI in this process on argv (without 'node' and the script) and returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const result = { code: EXIT_OK };
  try {
    await program(io, result).parseAsync([...args], { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? EXIT_OK : EXIT_USER;
    return reportError(e, io);
  }
}
