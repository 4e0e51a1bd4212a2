import type { BayesResult } from './filter';
import type { Permissiveness } from './settings';
import type { SpamdResult } from './spamd-client';

/**
 * From the Bayes probability to a SpamAssassin-style score: points, a required score
 * per permissiveness level, and the names of the tests that fired. Mail clients and
 * Sieve scripts written for SpamAssassin read these unchanged ("five stars or more").
 */

/** The score a message needs to be junk at each level; Moderate is SpamAssassin's 5.0. */
export const REQUIRED_SCORE: Readonly<Record<Permissiveness, number>> = { least: 3, moderate: 5, most: 8 };

/**
 * Points for the Bayes probability: linear between these anchors. A message the filter
 * cannot call (0.5) scores 0. The probabilities that reach each level's required score
 * (Least 0.95, Moderate 0.98, Most 0.999) were chosen by 10-fold cross-validation on the
 * training half of the SpamAssassin public corpus (npm run bench -- junk --cv 10): at
 * Moderate, the lowest cut-off that marked at most 0.1 % of good mail (2 of 2,075).
 * docs/junk-and-virus.md has the figures.
 */
export const BAYES_ANCHORS: readonly (readonly [probability: number, points: number])[] = [
  [0, -2],
  [0.5, 0],
  [0.95, 3],
  [0.98, 5],
  [0.999, 8],
  [1, 10],
];

/** Points for mail in a charset outside the accepted languages (SpamAssassin's CHARSET_FARAWAY is 3.2). */
export const CHARSET_PENALTY = 3;
/** Points for mail from a country outside the accepted locales. */
export const LOCALE_PENALTY = 2;

export interface Verdict {
  isJunk: boolean;
  /** Rounded to one decimal, as in X-Spam-Status. */
  score: number;
  required: number;
  probability: number;
  tests: string[];
  /** False when nothing could judge the message: the Bayes filter abstained (too little training) and spamd was not asked. */
  tested: boolean;
}

export function bayesPoints(probability: number): number {
  for (let i = 1; i < BAYES_ANCHORS.length; i++) {
    const [p1, s1] = BAYES_ANCHORS[i];
    if (probability <= p1) {
      const [p0, s0] = BAYES_ANCHORS[i - 1];
      return s0 + ((probability - p0) / (p1 - p0)) * (s1 - s0);
    }
  }
  return BAYES_ANCHORS[BAYES_ANCHORS.length - 1][1];
}

/** SpamAssassin's BAYES_nn test names: the probability band the message fell in. */
export function bayesTests(probability: number): string[] {
  const bands: [number, string][] = [[0.01, 'BAYES_00'], [0.05, 'BAYES_05'], [0.2, 'BAYES_20'], [0.4, 'BAYES_40'], [0.6, 'BAYES_50'], [0.8, 'BAYES_60'], [0.95, 'BAYES_80'], [0.99, 'BAYES_95']];
  for (const [below, name] of bands) if (probability < below) return [name];
  return probability >= 0.999 ? ['BAYES_99', 'BAYES_999'] : ['BAYES_99'];
}

/**
 * The verdict from the Bayes result and, when spamd was asked, SpamAssassin's rules: its
 * score adds to ours (its required score is not used: the permissiveness sets ours).
 */
export function verdictFor(bayes: BayesResult, permissiveness: Permissiveness, spamd?: SpamdResult): Verdict {
  const tests: string[] = [];
  let score = 0;
  if (spamd) {
    score += spamd.score;
    tests.push(...spamd.symbols);
  }
  if (bayes.trained) {
    score += bayesPoints(bayes.probability);
    tests.push(...bayesTests(bayes.probability));
  }
  if (bayes.foreignCharsets.length) {
    score += CHARSET_PENALTY;
    tests.push('CHARSET_FARAWAY');
  }
  if (bayes.foreignCountries.length) {
    score += LOCALE_PENALTY;
    tests.push('LOCALE_FARAWAY');
  }
  const required = REQUIRED_SCORE[permissiveness];
  score = Math.round(score * 10) / 10;
  return { isJunk: score >= required, score, required, probability: bayes.probability, tests, tested: bayes.trained || !!spamd };
}

/** The spamtest value from which a message is junk: scripts test `spamtest :value "ge" "6"`. */
export const SPAMTEST_JUNK = 6;

/**
 * RFC 3685 spamtest: 0 not tested, 1 clearly not spam … 10 clearly spam. From the Bayes
 * probability, or from the score (the required score is 6) when that says more, e.g. when
 * spamd's rules found what an untrained filter could not. It agrees with the verdict the
 * copy's X-Spam-Flag shows: 6 or more for junk, 5 or less for the rest (a probable message
 * below a lenient level's required score is not junk to Sieve either).
 */
export function spamtestValue(verdict: Verdict): number {
  if (!verdict.tested) return 0;
  const fromProbability = 1 + verdict.probability * 9;
  const fromScore = 1 + 9 * Math.min(1, Math.max(0, verdict.score) / (2 * verdict.required));
  const value = Math.max(1, Math.min(10, Math.round(Math.max(fromProbability, fromScore))));
  return verdict.isJunk ? Math.max(SPAMTEST_JUNK, value) : Math.min(SPAMTEST_JUNK - 1, value);
}

/** spamtest and spamtestplus's :percent for a verdict. */
export function spamtestOf(verdict: Verdict): { spamScore: number; spamPercent: number } {
  const spamScore = spamtestValue(verdict);
  return { spamScore, spamPercent: spamScore === 0 ? 0 : Math.round(verdict.probability * 100) };
}
