import { junkForUser, type UserJunkPreferences } from './user-preferences';
import { REQUIRED_SCORE, spamtestOf, type Verdict } from './verdict';

export type UserVerdictReason = 'allowed' | 'blocked' | 'own level' | 'own token table' | 'server';

export interface UserVerdict {
  /** What this user's copy says in its X-Spam-* headers. */
  verdict: Verdict;
  reason: UserVerdictReason;
  /** Sieve's spamtest and spamtestplus :percent for this user's copy. */
  spamScore: number;
  spamPercent: number;
}

/**
 * SpamAssassin 4's rules for its welcomelist_from and blocklist_from, with their points, so a
 * user's allowed or blocked sender reads in X-Spam-Status as it would under SpamAssassin.
 */
const LISTED = { allowed: { test: 'USER_IN_WELCOMELIST', points: -100 }, blocked: { test: 'USER_IN_BLOCKLIST', points: 100 } } as const;

/**
 * One user's verdict on a message (server/delivery/junk-stage.ts): `own` is the message's verdict
 * by the user's own token table, or the server's; then the user's allowed and blocked senders and
 * own level (junkForUser). The result is what that user's copy carries: headers, spamtest, filing.
 */
export function userVerdict(own: Verdict, ownTable: boolean, prefs: UserJunkPreferences | undefined, senders: readonly string[]): UserVerdict {
  const judged = prefs ? junkForUser(prefs, senders, own) : { isJunk: own.isJunk, reason: 'server' as const };
  // The user's own level is the required score their copy shows, whatever decided it.
  let verdict: Verdict = { ...own, isJunk: judged.isJunk, required: prefs?.permissiveness ? REQUIRED_SCORE[prefs.permissiveness] : own.required };
  if (judged.reason === 'allowed' || judged.reason === 'blocked') {
    const { test, points } = LISTED[judged.reason];
    verdict = { ...verdict, score: Math.round((own.score + points) * 10) / 10, tests: [...own.tests, test], tested: true };
  }
  // A listed sender is sure either way, whatever the filter's probability.
  const spamtest = judged.reason === 'allowed' ? { spamScore: 1, spamPercent: 0 } : judged.reason === 'blocked' ? { spamScore: 10, spamPercent: 100 } : spamtestOf(verdict);
  return { verdict, reason: judged.reason === 'server' && ownTable ? 'own token table' : judged.reason, ...spamtest };
}
