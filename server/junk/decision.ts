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
  if (decision.action === 'deliver') {
    if (s.junkTagSubject && s.junkSubjectTag) decision.subjectTag = s.junkSubjectTag;
    if (s.junkEncapsulate) decision.encapsulate = true;
  }
  if (decision.action === 'redirect') {
    // Without an address there is nowhere to redirect to: deliver, marked, rather than lose it.
    if (s.junkRedirectTo) decision.redirectTo = s.junkRedirectTo;
    else decision.action = 'deliver';
  }
  if ((decision.action === 'bounce' || decision.action === 'delete' || decision.action === 'quarantine') && s.junkNotify) decision.notify = s.junkNotify;
  return decision;
}
