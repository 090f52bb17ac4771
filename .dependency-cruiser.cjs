/**
 * The structure `npm run lint` proves (ARCHITECTURE.md explains it):
 * - no import cycles, with no exception (type-only imports do not count). The engine's op files
 *   once imported each other for their backward rules; the rules now live in one table
 *   (src/engine/grads/, one file per op family) that imports the forward ops, and no op file
 *   imports a rule (nor the tape an op or a rule: the engine installs the table);
 * - the engine is a leaf: src/engine/ imports nothing else under src/;
 * - src/engine/index.ts is the engine's only face: code outside the engine imports nothing else
 *   under src/engine/ (the root src/index.ts may also re-export src/engine/ops/index.ts);
 * - floors, top to bottom: cli → report → concepts, metrics → xai, audio, models, train →
 *   nn, data, optim → engine. No import runs up a floor, and nn, data and optim import only
 *   the engine.
 */

/** A rule forbidding `from` folders to import any of the `to` folders under src/. */
function noImport(name, comment, from, to) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/(${from.join('|')})/` },
    to: { path: `^src/(${to.join('|')})/` },
  };
}

const floor2 = ['xai', 'audio', 'models', 'train'];
const floor3 = ['concepts', 'metrics'];
const above1 = [...floor2, ...floor3, 'report', 'cli'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Import cycles make load order matter and hide which module owns what. No exception: backward rules live in ' +
        'src/engine/grads/ and import the forward ops, never the other way round.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'ops-import-no-rules',
      comment:
        'Forward ops record their name and attrs; their backward rules live in src/engine/grads/ and import the ops. ' +
        'An op importing a rule would bring back the cycle the table removed (grads/types.ts holds only types).',
      severity: 'error',
      from: { path: '^src/engine/ops/' },
      to: { path: '^src/engine/grads/', pathNot: '^src/engine/grads/types\\.ts$' },
    },
    {
      name: 'tape-imports-no-ops',
      comment: 'The tape (autograd.ts) imports no op and no rule: it looks rules up in the table the engine installs.',
      severity: 'error',
      from: { path: '^src/engine/autograd\\.ts$' },
      to: { path: '^src/engine/(ops|grads)/', pathNot: '^src/engine/grads/types\\.ts$' },
    },
    {
      name: 'engine-is-a-leaf',
      comment: 'src/engine imports nothing outside itself (npm packages excepted).',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/(engine|types)/' },
    },
    {
      name: 'engine-only-through-its-face',
      comment: 'Outside the engine, import engine things only from src/engine/index.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/engine/', '^src/index\\.ts$'] },
      to: { path: '^src/engine/', pathNot: '^src/engine/index\\.ts$' },
    },
    {
      name: 'root-only-the-face-and-ops',
      comment: 'The root re-exports the engine face and the flat op list, nothing deeper.',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/engine/', pathNot: '^src/engine/(index|ops/index)\\.ts$' },
    },
    ...['nn', 'data', 'optim'].map((d) =>
      noImport(
        `${d}-imports-only-the-engine`,
        'nn, data and optim build only on the engine.',
        [d],
        [...['nn', 'data', 'optim'].filter((o) => o !== d), ...above1],
      ),
    ),
    noImport('floor2-not-upward', 'xai, audio, models and train never import the floors above them.', floor2, [...floor3, 'report', 'cli']),
    noImport('floor3-not-upward', 'concepts and metrics never import report or cli.', floor3, ['report', 'cli']),
    noImport('report-not-upward', 'report never imports cli.', ['report'], ['cli']),
    {
      name: 'no-root-import',
      comment: 'Nothing under src/ imports the root index (it re-exports everything: a cycle).',
      severity: 'error',
      from: { path: '^src/.+/' },
      to: { path: '^src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.generated\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.d.ts'] },
  },
};
