import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './types';
import { type Corpus, type SideFigures, figures, timed } from './junk-common';
import { RspamdInstance, postMessage } from './lib/rspamd-instance';
import { TreeMemorySampler } from './lib/memory';
import { treeCpuSeconds } from './lib/procs';

/** Requests in flight at once: enough to keep every scanner process busy (rspamd starts one per core). */
const CONCURRENCY = Math.max(4, 2 * os.cpus().length);

/** Actions that mean the message is treated as junk; "greylist" only defers it and "no action" lets it in. */
const JUNK_ACTIONS = new Set(['reject', 'add header', 'rewrite subject']);

export interface RspamdFigures {
  /** Junk = the BAYES_SPAM symbol fired. */
  bayes: SideFigures;
  /** Junk = the overall action (content rules plus Bayes) is add header, rewrite subject or reject. */
  action: SideFigures;
}

/** Runs fn over items with at most `limit` at once; results in the items' order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** The Bayes probability of spam from BAYES_SPAM/BAYES_HAM's option ("97.52%": the confidence, (p − 0.5) × 200); 0.5 without either. */
function bayesProbability(symbols: Record<string, { options?: string[] }>): number {
  for (const [name, sign] of [['BAYES_SPAM', 1], ['BAYES_HAM', -1]] as const) {
    const option = symbols[name]?.options?.[0];
    if (option === undefined) continue;
    const confidence = Math.abs(parseFloat(option)) / 100;
    return 0.5 + (sign * (Number.isFinite(confidence) ? confidence : 0)) / 2;
  }
  return 0.5;
}

/**
 * rspamd 3.4 as Debian ships it, with its Bayes classifier on a private Redis (bench/lib/rspamd-instance.ts):
 * learns the training half over the controller (/learnspam, /learnham with the password,
 * "Learn-Type: bulk" so every message is learnt, as bogofilter -s/-n and pillarbox learn do),
 * then scans the test half over the scanner's /checkv2 with CONCURRENCY requests in flight.
 * The daemon is started and its hyperscan database loaded before any clock runs: it is a
 * long-lived service, like the engine whose junk stage Pillarbox's classify stands for.
 */
export async function runRspamd(ctx: BenchContext, corpus: Corpus, dir: string): Promise<RspamdFigures> {
  const rspamd = new RspamdInstance(path.join(dir, 'rspamd'));
  try {
    ctx.log('rspamd: starting (private redis-server, rspamd compiling its hyperscan database)');
    const [, startSeconds] = await timed(() => rspamd.start());
    ctx.log(`rspamd: ready after ${startSeconds.toFixed(1)} s (pids ${rspamd.pids.join(', ')})`);
    const [, trainSeconds] = await timed(async () => {
      for (const cls of ['spam', 'ham'] as const) {
        ctx.log(`rspamd: learning ${corpus.train[cls].length} ${cls}`);
        const replies = await pool(corpus.train[cls], CONCURRENCY, async (f) =>
          postMessage(rspamd.controllerPort, `/learn${cls}`, await fs.promises.readFile(f), { Password: rspamd.password, 'Learn-Type': 'bulk' }),
        );
        const learnt = replies.filter((r) => r.success === true).length;
        const refused = replies.filter((r) => r.success !== true).map((r) => String(r.error));
        const notDuplicate = refused.filter((e) => !/already learned/.test(e));
        ctx.log(`rspamd: ${learnt} ${cls} learnt, ${refused.length - notDuplicate.length} already learnt (the same message twice), ${notDuplicate.length} refused${notDuplicate.length ? ` (${notDuplicate[0]})` : ''}`);
        if (notDuplicate.length > replies.length / 10) throw new Error(`rspamd refused to learn ${notDuplicate.length} ${cls}: ${notDuplicate[0]}`);
      }
    });
    const files = [...corpus.test.ham, ...corpus.test.spam];
    ctx.log(`rspamd: scanning ${files.length} messages, ${CONCURRENCY} at a time`);
    const memory = new TreeMemorySampler(() => rspamd.pids, 50);
    const cpuBefore = treeCpuSeconds(rspamd.pids);
    memory.start();
    const [replies, classifySeconds] = await timed(() => pool(files, CONCURRENCY, async (f) => postMessage(rspamd.normalPort, '/checkv2', await fs.promises.readFile(f))));
    const classifyCpuSeconds = treeCpuSeconds(rspamd.pids) - cpuBefore;
    const peakMb = memory.stop().peakRssMb;
    const speed = { classifySeconds, classifyCpuSeconds, trainSeconds, peakMb };
    const spam = new Set(corpus.test.spam);
    const byBayes = new Set<string>();
    const byAction = new Set<string>();
    const scores: SideFigures['scores'] = [];
    replies.forEach((r, i) => {
      const symbols = (r.symbols ?? {}) as Record<string, { options?: string[] }>;
      if (typeof r.action !== 'string') throw new Error(`rspamd: no action for ${files[i]}: ${JSON.stringify(r).slice(0, 200)}`);
      if (symbols.BAYES_SPAM) byBayes.add(files[i]);
      if (JUNK_ACTIONS.has(r.action)) byAction.add(files[i]);
      scores.push({ spam: spam.has(files[i]), p: bayesProbability(symbols) });
    });
    const noBayes = replies.filter((r) => !r.symbols || !('BAYES_SPAM' in (r.symbols as object) || 'BAYES_HAM' in (r.symbols as object))).length;
    ctx.log(`rspamd: ${noBayes} of ${files.length} messages got neither BAYES_SPAM nor BAYES_HAM (too few tokens, or a probability within 0.05 of 0.5)`);
    return {
      bayes: { metrics: figures(corpus.test, byBayes, speed), scores },
      action: { metrics: figures(corpus.test, byAction, speed) },
    };
  } finally {
    await rspamd.stop();
  }
}
