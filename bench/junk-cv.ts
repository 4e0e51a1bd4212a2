import fs from 'node:fs';
import { DEFAULT_PARAMETERS, pack, scoreTokens, type BayesParameters } from '../server/junk/classifier';
import { tokenize } from '../server/junk/tokenizer';
import { BAYES_ANCHORS, REQUIRED_SCORE } from '../server/junk/verdict';

/**
 * `npm run bench -- junk --cv K`: K-fold cross-validation on the training half only, the
 * way the filter's parameters and the permissiveness cut-offs were chosen without
 * looking at the test half. Message i of the training half is in fold i mod K; each
 * fold is scored by a filter that learnt the other K − 1. Logs, per parameter set
 * (--params '[{"s":0.45,"minDev":0.1}, …]', merged over the defaults), the false
 * positives and misses at a range of cut-offs and the fewest misses possible with at
 * most k false positives.
 */
export function crossValidate(train: { spam: string[]; ham: string[] }, folds: number, paramSets: Partial<BayesParameters>[], log: (line: string) => void): void {
  const messages = [...train.spam.map((f) => ({ f, spam: true })), ...train.ham.map((f) => ({ f, spam: false }))].map((m) => ({
    spam: m.spam,
    tokens: [...tokenize(fs.readFileSync(m.f)).tokens],
  }));
  for (const over of paramSets) {
    const p = { ...DEFAULT_PARAMETERS, ...over };
    const scores: { spam: boolean; p: number }[] = [];
    for (let k = 0; k < folds; k++) {
      const counts = new Map<string, [number, number]>();
      let nSpam = 0;
      let nHam = 0;
      messages.forEach((m, i) => {
        if (i % folds === k) return;
        if (m.spam) nSpam++;
        else nHam++;
        for (const t of m.tokens) {
          let c = counts.get(t);
          if (!c) counts.set(t, (c = [0, 0]));
          c[m.spam ? 0 : 1]++;
        }
      });
      const table = new Map<string, number>();
      for (const [t, [s, h]] of counts) table.set(t, pack(s, h));
      messages.forEach((m, i) => {
        if (i % folds === k) scores.push({ spam: m.spam, p: scoreTokens(m.tokens, table, nSpam, nHam, p).probability });
      });
    }
    const ham = scores.filter((s) => !s.spam).map((s) => s.p).sort((a, b) => b - a);
    const spam = scores.filter((s) => s.spam).map((s) => s.p);
    const cuts = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999];
    const at = cuts.map((c) => `${c}: ${ham.filter((x) => x >= c).length}/${spam.filter((x) => x < c).length}`);
    // The fewest misses with at most k false positives: the cut just above the (k+1)th most junk-like ham.
    const best = [0, 2, 4, 6, 8].map((k) => `${k}: ${spam.filter((x) => x <= (ham[k] ?? -1)).length}`);
    log(`cv ${folds}-fold ${JSON.stringify(p)} (${ham.length} ham, ${spam.length} spam)`);
    log(`  false positives/missed at p >= ${at.join(', ')}`);
    log(`  fewest missed with at most k false positives: ${best.join(', ')}`);
  }
  const levels = Object.entries(REQUIRED_SCORE).map(([level, points]) => `${level} p >= ${probabilityFor(points)}`);
  log(`cut-offs in use: ${levels.join(', ')}`);
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
