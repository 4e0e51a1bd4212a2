/**
 * One fuzz file's targets for the long run (`npm run fuzz`, see run.ts), in a plain process
 * rather than under `node --test`: the test runner's async hook tracks every promise, and the
 * asynchronous targets (readers fed through streams, whole sessions) create several per input.
 * CI runs the same files with `node --test` and a short budget.
 *
 *   node dist/tests/fuzz/run-file.js dist/tests/fuzz/imap.test.js
 */
import path from 'node:path';

process.env.PILLARBOX_FUZZ_STANDALONE = '1';

async function main(file: string): Promise<number> {
  // The target file declares its targets with the driver loaded here (one module instance).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file is named on the command line
  const { runTargets } = require('./driver') as typeof import('./driver');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file is named on the command line
  require(path.resolve(file));
  return runTargets();
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node run-file.js <fuzz test file>');
  process.exit(2);
}
main(file).then(
  (failed) => {
    // Engines and watchdogs are stopped by the targets; exit even if a library left a handle open.
    process.exit(failed > 0 ? 1 : 0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
