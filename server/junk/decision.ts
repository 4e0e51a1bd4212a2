import type { JunkFilter } from './filter';
import type { JunkAction, JunkSettings } from './settings';
import { spamHeaders } from './spam-headers';
import type { SpamdResult } from './spamd-client';
import { verdictFor, type Verdict } from './verdict';

/**
 * What junk screening decided for one message: the verdict, its X-Spam-* headers and the
 * seed's disposition. The delivery stage (server/delivery/junk-stage.ts) carries it out.
 */
export interface JunkDecision {
  verdict: Verdict;
  /** X-Spam-* header lines, CRLF-terminated. */
  headers: string[];
  /** 'none' for mail that is not junk. */
  action: 'none' | JunkAction;
  /** deliver: put this in front of the Subject (rewrite.ts tagSubject). */
  subjectTag?: string;
  /** deliver: wrap the original as an attachment (rewrite.ts encapsulate). */
  encapsulate?: boolean;
  /** redirect: where the message goes instead. */
  redirectTo?: string;
  /** bounce / delete / quarantine: who is told (the postmaster, usually). */
  notify?: string;
}

/** The decision for a message's bytes under the given settings, with spamd's opinion when there is one. */
export function decideJunk(filter: JunkFilter, raw: Buffer, s: Readonly<JunkSettings>, hostname: string, spamd?: SpamdResult): JunkDecision {
  const bayes = filter.classify(raw, { acceptedLanguages: s.junkAcceptedLanguages, acceptedLocales: s.junkAcceptedLocales });
  const verdict = verdictFor(bayes, s.junkPermissiveness, spamd);
  const decision: JunkDecision = { verdict, headers: spamHeaders(verdict, hostname), action: verdict.isJunk ? s.junkAction : 'none' };
  if (decision.action === 'deliver') Object.assign(decision, deliveredJunkRewrite(s));
  if (decision.action === 'redirect') {
    // Without an address there is nowhere to redirect to: deliver, marked, rather than lose it.
    if (s.junkRedirectTo) decision.redirectTo = s.junkRedirectTo;
    else decision.action = 'deliver';
  }
  if ((decision.action === 'bounce' || decision.action === 'delete' || decision.action === 'quarantine') && s.junkNotify) decision.notify = s.junkNotify;
  return decision;
}

/**
 * The seed's "Delivered" options: how a delivered junk message is rewritten. Also what a user's
 * copy gets when only that user's verdict calls it junk (it is delivered, into the Junk folder).
 */
export function deliveredJunkRewrite(s: Readonly<JunkSettings>): Pick<JunkDecision, 'subjectTag' | 'encapsulate'> {
  const out: Pick<JunkDecision, 'subjectTag' | 'encapsulate'> = {};
  if (s.junkTagSubject && s.junkSubjectTag) out.subjectTag = s.junkSubjectTag;
  if (s.junkEncapsulate) out.encapsulate = true;
  return out;
}
