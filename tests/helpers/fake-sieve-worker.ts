import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a stand-in for sieve-worker.js that misbehaves on purpose, chosen by the script's name:
 * "spin" starts its run and never ends, "stuck" never starts, "exit" ends its thread; any other
 * name answers at once with a discard. Returns the file's path (for SievePool's workerFile).
 */
export function writeFakeSieveWorker(dir: string): string {
  const file = path.join(dir, 'fake-sieve-worker.js');
  fs.writeFileSync(
    file,
    `const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const startedAt = new BigInt64Array(workerData.startedAt);
parentPort.on('message', (m) => {
  if (m.type === 'check') return parentPort.postMessage({ type: 'done', id: m.id, check: { errors: [], warnings: [] } });
  if (m.type !== 'run') return;
  const name = m.script.name;
  if (name === 'stuck') for (;;);
  if (name === 'exit') process.exit(3);
  Atomics.store(startedAt, 0, BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)));
  if (name === 'spin') for (;;);
  parentPort.postMessage({ type: 'done', id: m.id, run: { actions: [{ action: 'discard' }], errors: [] } });
});
`,
  );
  return file;
}
