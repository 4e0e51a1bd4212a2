import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { classifyPaths, verdictLines, type ClassifyOptions, type Score } from './classify-batch';
import type { WorkerInput, WorkerOutput } from './classify-worker';
import { JunkFilter, MIN_LEARNT_PER_CLASS, type LearnOutcome } from './filter';
import { expandDirectories, readMessages } from './mbox';
import type { Permissiveness } from './settings';
import { MAX_SCANNED_BYTES } from './tokenizer';
import type { JunkClass } from './token-store';

/**
 * `pillarbox learn` and `pillarbox classify`: the junk filter's command-line tools.
 * learn takes sa-learn's flags so administrators' habits (and the seed's instructions)
 * carry over. Both work while the engine runs: the engine notices the new counts.
 */

export const LEARN_USAGE = `usage: pillarbox learn --spam|--ham|--forget [--showdots] [--mbox] [--data-dir DIR] PATH...
  PATH is a message file, an mbox file (detected by its "From " first line) or a directory
  (walked recursively: maildir, MH, folders of .eml files). Files that are not mail (their
  first line is neither a header field nor "From "), such as Dovecot's index files, are skipped.
  --spam / --ham   learn the messages as junk / as good mail; learning a message again as
                   the other class moves it over
  --forget         undo what was learnt from the messages
  --showdots       print a dot per message, as sa-learn does
  --mbox           treat every file as an mbox
  --data-dir DIR   the engine's data directory (default: PILLARBOX_DATA_DIR or ./data)
`;

export const CLASSIFY_USAGE = `usage: pillarbox classify [--level least|moderate|most] [--clues N] [--data-dir DIR] FILE...
  Prints, per message: its name, "junk" or "not-junk", the score, the required score, the
  Bayes probability and the tests that fired. FILE may be an mbox or a directory; "-" reads stdin.
  --level    the permissiveness to judge by (default moderate)
  --clues N  also print the N tokens that weighed most
  --threads N  at most N threads for big runs (default: one per idle core; 200 files a thread at least)
`;

interface Parsed {
  flags: Map<string, string | true>;
  paths: string[];
}

const VALUED = new Set(['data-dir', 'level', 'clues', 'threads']);

function parseArgs(argv: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      paths.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      paths.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    if (eq > 0) flags.set(name, a.slice(eq + 1));
    else if (VALUED.has(name)) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      flags.set(name, argv[++i]);
    } else flags.set(name, true);
  }
  return { flags, paths };
}

class UsageError extends Error {}

/** The data directory the engine would use: --data-dir, then PILLARBOX_DATA_DIR, then ./data. */
export function dataDirFrom(flags: Map<string, string | true>, env: NodeJS.ProcessEnv = process.env): string {
  const flag = flags.get('data-dir');
  return path.resolve(typeof flag === 'string' ? flag : (env.PILLARBOX_DATA_DIR ?? 'data'));
}

export interface Output {
  write(text: string): unknown;
}

/** Messages learnt per transaction (and reinforced together, see JunkFilter.learnMany). */
export const LEARN_BATCH = 500;

/** `pillarbox learn`; resolves to the exit code (0 ok, 1 some paths failed, 2 usage). */
export async function learnCommand(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    err.write(`pillarbox learn: ${(e as Error).message}\n${LEARN_USAGE}`);
    return 2;
  }
  const { flags, paths } = parsed;
  if (flags.has('help')) {
    out.write(LEARN_USAGE);
    return 0;
  }
  const modes = (['spam', 'ham', 'forget'] as const).filter((m) => flags.has(m));
  const unknown = [...flags.keys()].filter((k) => !['spam', 'ham', 'forget', 'showdots', 'mbox', 'data-dir'].includes(k));
  if (modes.length !== 1 || paths.length === 0 || unknown.length) {
    const why = unknown.length ? `unknown option --${unknown[0]}` : modes.length !== 1 ? 'give exactly one of --spam, --ham, --forget' : 'no PATH given';
    err.write(`pillarbox learn: ${why}\n${LEARN_USAGE}`);
    return 2;
  }
  const as: JunkClass | undefined = modes[0] === 'forget' ? undefined : modes[0];
  const showDots = flags.has('showdots');
  const filter = JunkFilter.open(dataDirFrom(flags));
  const tally = new Map<LearnOutcome, number>();
  let examined = 0;
  let failed = 0;
  let skippedFiles = 0;
  try {
    let batch: Buffer[] = [];
    const flush = (): void => {
      for (const o of filter.learnMany(batch, as)) tally.set(o, (tally.get(o) ?? 0) + 1);
      batch = [];
    };
    const skip = (skipped: string): void => {
      skippedFiles++;
      err.write(`${showDots ? '\n' : ''}pillarbox learn: skipped ${skipped}: not a mail message\n`);
    };
    for (const p of paths) {
      try {
        for (const m of readMessages([p], flags.has('mbox'), skip)) {
          examined++;
          batch.push(m.raw);
          if (showDots) err.write('.');
          if (batch.length >= LEARN_BATCH) flush();
        }
      } catch (e) {
        failed++;
        err.write(`${showDots ? '\n' : ''}pillarbox learn: ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      }
    }
    if (batch.length) flush();
    if (showDots && examined) err.write('\n');
    // So that the next `classify` (or the engine) loads the counts whole instead of rebuilding them.
    if (changed(tally)) filter.saveSnapshot();
    const skippedNote = skippedFiles ? `; ${skippedFiles} file(s) that are not mail skipped` : '';
    out.write(`${as ? 'Learned' : 'Forgot'} tokens from ${changed(tally)} message(s) (${examined} message(s) examined${skippedNote})\n`);
    const s = filter.stats();
    out.write(`The filter now knows ${s.spamLearnt} junk and ${s.hamLearnt} good message(s), ${s.tokens} token(s).\n`);
    if (s.spamLearnt < MIN_LEARNT_PER_CLASS || s.hamLearnt < MIN_LEARNT_PER_CLASS) {
      out.write(`It scores mail once it has learnt ${MIN_LEARNT_PER_CLASS} of each.\n`);
    }
  } finally {
    filter.close();
  }
  return failed ? 1 : 0;
}

function changed(tally: Map<LearnOutcome, number>): number {
  return (tally.get('learnt') ?? 0) + (tally.get('relearnt') ?? 0) + (tally.get('forgotten') ?? 0);
}

/**
 * Below this many files one thread classifies everything: starting a worker thread
 * (~30 ms, a V8 instance and the junk modules) only pays for itself on big runs.
 */
export const FILES_PER_WORKER = 200;

/**
 * The cores nobody else is using (the cores less the one-minute load average, at least
 * one): each thread pays its own start-up and compilation, which only pays off on a
 * core that would otherwise idle; on a busy mail server the extra threads would slow
 * the run down and take time from delivery.
 */
export function idleCores(cores = os.availableParallelism(), load = os.loadavg()[0]): number {
  return Math.max(1, Math.min(cores, Math.round(cores - load)));
}

/** `pillarbox classify`; resolves to the exit code (0 ok, 1 some paths failed, 2 usage). */
export async function classifyCommand(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    err.write(`pillarbox classify: ${(e as Error).message}\n${CLASSIFY_USAGE}`);
    return 2;
  }
  const { flags, paths } = parsed;
  if (flags.has('help')) {
    out.write(CLASSIFY_USAGE);
    return 0;
  }
  const level = flags.get('level') ?? 'moderate';
  const clues = flags.has('clues') ? Number(flags.get('clues')) : 0;
  const unknown = [...flags.keys()].filter((k) => !['level', 'clues', 'data-dir', 'mbox', 'threads'].includes(k));
  const threads = flags.has('threads') ? Number(flags.get('threads')) : idleCores();
  if (paths.length === 0 || unknown.length || !['least', 'moderate', 'most'].includes(level as string) || !(Number.isInteger(clues) && clues >= 0) || !(Number.isInteger(threads) && threads >= 1)) {
    const why = unknown.length ? `unknown option --${unknown[0]}` : paths.length === 0 ? 'no FILE given' : 'bad --level, --clues or --threads';
    err.write(`pillarbox classify: ${why}\n${CLASSIFY_USAGE}`);
    return 2;
  }
  const options: ClassifyOptions = { level: level as Permissiveness, clues, mbox: flags.has('mbox') };
  const filter = JunkFilter.open(dataDirFrom(flags));
  // One run sees one state of the database, like one bogofilter -B run.
  filter.followOtherWriters = false;
  const errors: string[] = [];
  try {
    const s = filter.learnt();
    if (s.spamLearnt < MIN_LEARNT_PER_CLASS || s.hamLearnt < MIN_LEARNT_PER_CLASS) {
      err.write(`pillarbox classify: the filter has learnt ${s.spamLearnt} junk and ${s.hamLearnt} good message(s); it scores nothing until it has ${MIN_LEARNT_PER_CLASS} of each\n`);
    }
    const score: Score = (raw, withClues) => filter.classify(raw, undefined, withClues);
    const write = (text: string): void => void out.write(text);
    const files = paths.includes('-') ? [] : paths.length >= FILES_PER_WORKER ? paths : expandDirectories(paths);
    const shares = Math.min(threads, Math.floor(files.length / FILES_PER_WORKER));
    if (shares > 1) errors.push(...(await classifyInParallel(files, shares, filter, score, options, write, err)));
    else {
      // Runs of paths between the "-"s, so stdin is read in its place in the order.
      let run: string[] = [];
      const flush = (): void => {
        errors.push(...classifyPaths(run, score, options, write));
        run = [];
      };
      for (const p of paths) {
        if (p !== '-') {
          run.push(p);
          continue;
        }
        flush();
        try {
          const raw = await readAll(stdin);
          write(verdictLines({ name: '-', raw }, score(raw, clues > 0), options));
        } catch (e) {
          errors.push(`-: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      flush();
    }
    for (const e of errors) err.write(`pillarbox classify: ${e}\n`);
  } finally {
    filter.close();
  }
  return errors.length ? 1 : 0;
}

/**
 * Splits the files into `shares` runs in order: the first is classified here, each of
 * the others by a worker thread reading the same table from shared memory. Output stays
 * in the order of the files. A worker that fails has its run classified here instead.
 */
async function classifyInParallel(files: readonly string[], shares: number, filter: JunkFilter, score: Score, options: ClassifyOptions, write: (text: string) => void, err: Output): Promise<string[]> {
  const runs = splitByWork(files, shares);
  // Started before the table is loaded, so that their own start-up overlaps the load.
  const workers = runs.slice(1).map(() => startWorker());
  let counts: ReturnType<JunkFilter['counts']>;
  try {
    counts = filter.counts();
  } catch (e) {
    for (const w of workers) void w.stop();
    throw e;
  }
  const { table, spam, ham } = counts;
  const { slots, size } = table.toShared();
  const results = workers.map((w, k) => {
    w.post({ slots, size, spam, ham, params: filter.params, minLearnt: filter.minLearnt, paths: runs[k + 1], options });
    return w.result;
  });
  const errors = classifyPaths(runs[0], score, options, write);
  for (let k = 0; k < results.length; k++) {
    const result = await results[k];
    if ('out' in result) {
      write(result.out);
      errors.push(...result.errors);
    } else {
      err.write(`pillarbox classify: a worker thread failed (${result.failure}); its files are classified by the main thread\n`);
      errors.push(...classifyPaths(runs[k + 1], score, options, write));
    }
  }
  return errors;
}

/**
 * Scoring costs a fixed part per message plus a part per byte up to MAX_SCANNED_BYTES.
 * Measured on the SpamAssassin corpus (warm): about 46 µs per KB and 51 µs per message,
 * plus about 35 µs to open and read the file, so a message costs as much as 2 KB of text.
 * A file that cannot be stat'ed counts as one small message: classifyPaths reports it.
 */
const COST_PER_MESSAGE_BYTES = 2048;
function scoringCost(file: string): number {
  try {
    return COST_PER_MESSAGE_BYTES + Math.min(fs.statSync(file).size, MAX_SCANNED_BYTES);
  } catch {
    return COST_PER_MESSAGE_BYTES;
  }
}

/**
 * `shares` runs of consecutive files (so the output keeps their order) with about equal
 * scoring work each. Equal numbers of files are not equal work: in a folder sorted by
 * class the junk half is twice the bytes of the good half, and the thread given it
 * would finish last while the other cores idle.
 */
export function splitByWork(files: readonly string[], shares: number, cost: (file: string) => number = scoringCost): string[][] {
  const costs = files.map(cost);
  const total = costs.reduce((a, b) => a + b, 0);
  const runs: string[][] = [];
  let start = 0;
  let done = 0;
  for (let k = 1; k < shares; k++) {
    const target = (total * k) / shares;
    let end = start;
    // At least one file per run while files remain, so no thread starts for nothing.
    while (end < files.length - (shares - k) && (end === start || done + costs[end] / 2 <= target)) done += costs[end++];
    runs.push(files.slice(start, end));
    start = end;
  }
  runs.push(files.slice(start));
  return runs;
}

/** A worker thread waiting for its share (post), and its output or why it gave none (result); stop ends it unused. */
function startWorker(): { post: (input: WorkerInput) => void; stop: () => Promise<number>; result: Promise<WorkerOutput | { failure: string }> } {
  const worker = new Worker(path.join(__dirname, 'classify-worker.js'));
  const result = new Promise<WorkerOutput | { failure: string }>((resolve) => {
    worker.once('message', (m: WorkerOutput) => resolve(m));
    worker.once('error', (e) => resolve({ failure: e.message }));
    worker.once('exit', (code) => resolve({ failure: `exit code ${code}` }));
  });
  return { post: (input) => worker.postMessage(input), stop: () => worker.terminate(), result };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}
