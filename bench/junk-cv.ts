import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PARAMETERS, scoreTokens, type BayesParameters } from '../server/junk/classifier';
import { LEARN_BATCH } from '../server/junk/cli';
import { MIN_LEARNT_PER_CLASS, REINFORCE_HAM_ABOVE } from '../server/junk/filter';
import { leaveOneOutHamProbability } from '../server/junk/scoring';
import { TokenTable } from '../server/junk/token-table';
import { tokenize } from '../server/junk/tokenizer';
import { BAYES_ANCHORS, REQUIRED_SCORE } from '../server/junk/verdict';

/** A parameter set to cross-validate: the filter's parameters, and whether good mail is reinforced. */
export type CvParameters = Partial<BayesParameters> & { reinforce?: boolean };

interface Message {
  file: string;
  spam: boolean;
  tokens: string[];
}

/**
 * `npm run bench -- junk --cv K`: K-fold cross-validation on the training half only, the
 * way the filter's parameters and the permissiveness cut-offs were chosen without
 * looking at the test half. Message i of the training half is in fold i mod K; each
 * fold is scored by a filter that learnt the other K − 1 the way `pillarbox learn` does
 * in the benchmark: all junk, then the good mail in batches of LEARN_BATCH, each batch
 * reinforced as JunkFilter.learnMany does (same functions and constants, an in-memory
 * table instead of SQLite). Logs, per parameter set (--params '[{"s":0.45}, {"reinforce":
 * false}, …]', merged over the defaults), the false positives and misses at a range of
 * cut-offs and the fewest misses possible with at most k false positives.
 */
export function crossValidate(train: { spam: string[]; ham: string[] }, folds: number, paramSets: CvParameters[], log: (line: string) => void): void {
  const messages: Message[] = [...train.spam.map((f) => ({ f, spam: true })), ...train.ham.map((f) => ({ f, spam: false }))].map((m) => ({
    file: m.f,
    spam: m.spam,
    tokens: [...tokenize(fs.readFileSync(m.f)).tokens],
  }));
  for (const over of paramSets) {
    const { reinforce = true, ...bayes } = over;
    const p = { ...DEFAULT_PARAMETERS, ...bayes };
    const scores: { spam: boolean; p: number; file: string }[] = [];
    let reinforced = 0;
    for (let k = 0; k < folds; k++) {
      const learning = messages.filter((_, i) => i % folds !== k);
      const counts = { table: new TokenTable(), spam: 0, ham: 0 };
      const learn = (m: Message): void => {
        for (const t of m.tokens) counts.table.add(t, m.spam ? 1 : 0, m.spam ? 0 : 1);
        counts[m.spam ? 'spam' : 'ham']++;
      };
      learning.filter((m) => m.spam).forEach(learn);
      const ham = learning.filter((m) => !m.spam);
      for (let b = 0; b < ham.length; b += LEARN_BATCH) {
        const batch = ham.slice(b, b + LEARN_BATCH);
        batch.forEach(learn);
        if (!reinforce || counts.spam < MIN_LEARNT_PER_CLASS || counts.ham < MIN_LEARNT_PER_CLASS) continue;
        const again = batch.filter((m) => leaveOneOutHamProbability(m.tokens, counts, p) > REINFORCE_HAM_ABOVE);
        again.forEach(learn);
        reinforced += again.length;
      }
      messages.forEach((m, i) => {
        if (i % folds === k) scores.push({ file: m.file, spam: m.spam, p: scoreTokens(m.tokens, counts.table, counts.spam, counts.ham, p).probability });
      });
    }
    const ham = scores.filter((s) => !s.spam).map((s) => s.p).sort((a, b) => b - a);
    const spam = scores.filter((s) => s.spam).map((s) => s.p);
    const cuts = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999];
    const at = cuts.map((c) => `${c}: ${ham.filter((x) => x >= c).length}/${spam.filter((x) => x < c).length}`);
    const best = fewestMissed(scores, [0, 1, 2, 3, 4, 6, 8]);
    log(`cv ${folds}-fold ${JSON.stringify({ ...p, reinforce })} (${ham.length} ham, ${spam.length} spam; ${(reinforced / folds).toFixed(1)} ham reinforced per fold)`);
    log(`  false positives/missed at p >= ${at.join(', ')}`);
    log(`  fewest missed with at most k false positives: ${best}`);
    // The good mail that sets the cut-off: at most 0.1 % false positives lets only the first two through.
    const worst = scores.filter((s) => !s.spam).sort((a, b) => b.p - a.p).slice(0, 4);
    log(`  most junk-like good mail: ${worst.map((s) => `${s.p.toFixed(4)} ${path.basename(path.dirname(s.file))}/${path.basename(s.file).slice(0, 5)}`).join(', ')}`);
  }
  const levels = Object.entries(REQUIRED_SCORE).map(([level, points]) => `${level} p >= ${probabilityFor(points)}`);
  log(`cut-offs in use: ${levels.join(', ')}`);
}

/**
 * "k: n, …": for each k, the fewest junk messages missed by a cut-off that marks at most
 * k good ones (the cut just above the (k+1)th most junk-like good message).
 */
export function fewestMissed(scores: readonly { spam: boolean; p: number }[], ks: readonly number[]): string {
  const ham = scores.filter((s) => !s.spam).map((s) => s.p).sort((a, b) => b - a);
  const spam = scores.filter((s) => s.spam).map((s) => s.p);
  return ks.map((k) => `${k}: ${spam.filter((x) => x <= (ham[k] ?? -1)).length}`).join(', ');
}

/** The probability at which the Bayes points reach `points` (inverse of verdict.ts bayesPoints). */
function probabilityFor(points: number): number {
  for (let i = 1; i < BAYES_ANCHORS.length; i++) {
    const [p0, s0] = BAYES_ANCHORS[i - 1];
    const [p1, s1] = BAYES_ANCHORS[i];
    if (points <= s1) return p0 + ((points - s0) / (s1 - s0)) * (p1 - p0);
  }
  return 1;
}
