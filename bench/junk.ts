import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Corpus, type SideFigures, figures, loadCorpus, runChild, timed } from './junk-common';
import { runRspamd } from './junk-rspamd';
import { RSPAMD } from './lib/rspamd-instance';
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
  { key: 'peakMb', label: 'peak MB', decimals: 0 },
];

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
      await runChild(process.execPath, [bin, 'learn', `--${cls}`, '--data-dir', dataDir, ...corpus.train[cls]]);
    }
  });
  const files = [...corpus.test.ham, ...corpus.test.spam];
  const threads = ctx.flags.has('single-thread') ? ['--threads', '1'] : [];
  ctx.log(`pillarbox: classifying ${files.length} messages`);
  const { stdout, seconds, cpuSeconds, peakMb } = await runChild(process.execPath, [bin, 'classify', '--data-dir', dataDir, '--level', level, ...threads, ...files]);
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
  return { metrics: figures(corpus.test, junk, { classifySeconds: seconds, classifyCpuSeconds: cpuSeconds, trainSeconds, peakMb }), scores };
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
      await runChild(BOGOFILTER, ['-d', db, flag, '-B', ...corpus.train[cls]]);
    }
  });
  const files = [...corpus.test.ham, ...corpus.test.spam];
  ctx.log(`bogofilter: classifying ${files.length} messages`);
  // bogofilter's exit code is the last message's class (0 spam, 1 ham, 2 unsure), not an error.
  const { stdout, seconds, cpuSeconds, peakMb } = await runChild(BOGOFILTER, ['-d', db, '-T', '-B', ...files], [1, 2]);
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
  return { metrics: figures(corpus.test, junk, { classifySeconds: seconds, classifyCpuSeconds: cpuSeconds, trainSeconds, peakMb }), scores };
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
  return (await sidesOf([system], ctx, async () => [await work()]))[0];
}

/** One run that yields several rows (rspamd judged by its Bayes and by its action): all fail together. */
async function sidesOf(systems: string[], ctx: BenchContext, work: () => Promise<SideFigures[]>): Promise<SideResult[]> {
  try {
    const all = await work();
    return systems.map((system, i) => {
      const f = all[i];
      if (ctx.flags.has('sweep') && f.scores) sweep(ctx, system, f.scores);
      return { system, ok: true, metrics: f.metrics };
    });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.log(`${systems.join(' and ')} failed: ${message}`);
    return systems.map((system) => ({ system, ok: false, error: message, metrics: {} }));
  }
}

const SIDES = ['pillarbox', 'bogofilter', 'rspamd'] as const;

/** --only: one system, or "peer" for every system but Pillarbox. */
function chosenSides(only: string | true | undefined): Set<string> {
  if (only === undefined) return new Set(SIDES);
  if (only === 'peer') return new Set(SIDES.filter((s) => s !== 'pillarbox'));
  if (typeof only !== 'string' || !(SIDES as readonly string[]).includes(only)) throw new Error(`--only takes ${SIDES.join(', ')} or peer`);
  return new Set([only]);
}

export const junkBenchmark: Benchmark = {
  name: 'junk',
  description: 'SpamAssassin public corpus, train on half, classify the other half: Pillarbox vs bogofilter and rspamd',
  flags: [
    '--level L     Pillarbox permissiveness: least, moderate (default) or most',
    '--sweep       also log false positives / misses at a range of probability cut-offs',
    '--cv [K]      first cross-validate on the training half (K folds, default 10) and log the figures used for tuning',
    "--params JSON with --cv: parameter sets to compare, e.g. '[{\"s\":0.45,\"minDev\":0.1}]'",
    '--only SIDE   run one side only: pillarbox, bogofilter, rspamd, or peer (both peers)',
    '--single-thread  Pillarbox classifies in one thread (pillarbox classify --threads 1)',
    '--keep        keep the temporary directories (paths are printed)',
    '--user-tables N  instead: per-user token tables at N users (memory), and messages to --recipients R of them (default 100) scored per recipient',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const level = ctx.flags.get('level') ?? 'moderate';
    if (typeof level !== 'string' || !['least', 'moderate', 'most'].includes(level)) throw new Error('--level takes least, moderate or most');
    const wanted = chosenSides(ctx.flags.has('user-tables') ? 'pillarbox' : ctx.flags.get('only'));
    if (wanted.has('bogofilter') && !fs.existsSync(BOGOFILTER)) throw new Error(`${BOGOFILTER} is missing: apt-get install bogofilter`);
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
    // Every side reads the same files; reading them once first puts them in the page cache for all.
    for (const f of [...corpus.train.spam, ...corpus.train.ham, ...corpus.test.spam, ...corpus.test.ham]) fs.readFileSync(f);
    const dir = makeWorkDir(ctx.workDir, 'bench-junk');
    const keep = ctx.flags.has('keep');
    const cleanup = registerCleanup(() => (keep ? ctx.log(`kept ${dir}`) : removeDir(dir)));
    const sides: SideResult[] = [];
    try {
      if (wanted.has('pillarbox')) sides.push(await side('pillarbox', ctx, () => runPillarbox(ctx, corpus, dir, level)));
      if (wanted.has('bogofilter')) sides.push(await side('bogofilter', ctx, () => runBogofilter(ctx, corpus, dir)));
      if (wanted.has('rspamd')) {
        sides.push(...(await sidesOf(['rspamd-bayes', 'rspamd-action'], ctx, async () => {
          const r = await runRspamd(ctx, corpus, dir);
          return [r.bayes, r.action];
        })));
      }
    } finally {
      await cleanup();
    }
    const notes = [
      'split: even positions of the package\'s file list train, odd positions test (same split for every side)',
      'classify s: wall time of one process classifying the whole test half (start-up and database open included); classify CPU s: that process\'s user + system time, all threads; peak MB: its VmHWM',
      'bogofilter: Debian defaults (spam_cutoff 0.99, tristate); "unsure" counts as missed',
      'rspamd: Debian\'s 3.4 config with network modules off, Bayes on a private redis; already running (start-up not counted); classify s: first request to last reply of /checkv2; CPU s and peak MB: rspamd (main, scanners, controller, hs_helper) + redis',
      'rspamd-bayes: junk when BAYES_SPAM fired; rspamd-action: junk when the action is add header, rewrite subject or reject (greylist is not junk)',
    ];
    for (const [bin, flag] of [[BOGOFILTER, '-V'], [RSPAMD, '--version']]) {
      try {
        notes.push((await run(bin, [flag])).stdout.split('\n')[0]);
      } catch {
        // not installed, or version unknown
      }
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
