import { parentPort } from 'node:worker_threads';
import type { BayesParameters } from './classifier';
import { classifyPaths, type ClassifyOptions } from './classify-batch';
import { ACCEPT_ALL, scoreMessage } from './scoring';
import { TokenTable } from './token-table';

/**
 * A worker thread of `pillarbox classify` (cli.ts): scores its share of the files
 * against the table the main thread loaded and shares, and hands back the output
 * lines. It never opens the database, so it loads neither SQLite nor the store.
 */

export interface WorkerInput {
  slots: Int32Array;
  size: number;
  spam: number;
  ham: number;
  params: BayesParameters;
  minLearnt: number;
  paths: string[];
  options: ClassifyOptions;
}

export interface WorkerOutput {
  out: string;
  errors: string[];
}

// The share arrives as a message: the thread starts while the main thread loads the table.
parentPort?.once('message', (input: WorkerInput) => {
  const counts = { table: TokenTable.over(input.slots, input.size), spam: input.spam, ham: input.ham };
  const chunks: string[] = [];
  const errors = classifyPaths(
    input.paths,
    (raw, withClues) => scoreMessage(raw, counts, input.params, input.minLearnt, ACCEPT_ALL, withClues),
    input.options,
    (text) => chunks.push(text),
  );
  parentPort?.postMessage({ out: chunks.join(''), errors } satisfies WorkerOutput);
});
