import fs from 'node:fs';
import type { DeliveryStage, LocalMessage } from '../delivery/types';
import type { Logger } from '../logs/logger';
import type { JunkFilter } from './filter';
import type { JunkAction, JunkSettings } from './settings';
import { spamHeaders } from './spam-headers';
import { type SpamdResult, checkWithSpamd } from './spamd-client';
import { MAX_SCANNED_BYTES } from './tokenizer';
import { verdictFor, type Verdict } from './verdict';

/**
 * What the junk stage decided for one message. The stage itself adds the headers and
 * settles bounce and delete; the rest needs the delivery pipeline (rewriting the stored
 * message, resolving the redirect address, sending notices) and goes to the hooks.
 */
export interface JunkDecision {
  verdict: Verdict;
  /** X-Spam-* header lines (CRLF-terminated), already pushed onto message.addedHeaders. */
  headers: string[];
  /** 'none' for mail that is not junk. */
  action: 'none' | JunkAction;
  /** deliver: put this in front of the Subject (rewrite.ts tagSubject). */
  subjectTag?: string;
  /** deliver: wrap the original as an attachment (rewrite.ts encapsulate). */
  encapsulate?: boolean;
  /** redirect: where the message goes instead. */
  redirectTo?: string;
  /** bounce / delete: who is told (the postmaster, usually). */
  notify?: string;
}

export interface JunkStageHooks {
  /**
   * Called for junk after the stage has done its part: rewrite the message (subject
   * tag, encapsulation), redirect it, notify someone. Not called for clean mail.
   */
  onJunk?(decision: JunkDecision, message: LocalMessage): Promise<void>;
}

/** spamc's limit: SpamAssassin is slow on big messages, and junk is small. */
const SPAMD_MAX_BYTES = 500 * 1024;

/**
 * Junk scoring in local delivery (relayed mail never reaches this pipeline, as in the
 * seed). Scores once per message, whatever the number of recipients, since the token
 * database is the server's, not the user's.
 */
export class JunkStage implements DeliveryStage {
  readonly name = 'junk';
  private readonly decisions = new WeakMap<LocalMessage, JunkDecision>();

  constructor(
    private readonly filter: JunkFilter,
    private readonly settings: () => Readonly<JunkSettings>,
    private readonly hostname: string,
    private readonly hooks: JunkStageHooks = {},
    private readonly log?: Logger,
  ) {}

  /** The decision made for a message this stage has run on. */
  decisionFor(message: LocalMessage): JunkDecision | undefined {
    return this.decisions.get(message);
  }

  async run(message: LocalMessage): Promise<void> {
    const s = this.settings();
    if (!s.junkScanEnabled) return;
    const raw = await readStart(message.entry.file, MAX_SCANNED_BYTES);
    const decision = this.decide(raw, s, s.junkSpamdEnabled ? await this.askSpamd(message, raw, s.junkSpamdAddress) : undefined);
    this.decisions.set(message, decision);
    message.addedHeaders.push(...decision.headers);
    this.log?.message(decision.verdict.isJunk ? 'junk mail' : 'not junk', {
      queueId: message.entry.id,
      score: decision.verdict.score,
      required: decision.verdict.required,
      tests: decision.verdict.tests.join(','),
      action: decision.action,
    });
    if (decision.action === 'none') return;
    for (const t of message.targets) {
      if (t.outcome) continue;
      if (decision.action === 'bounce') t.outcome = { status: 'permanent', diagnostic: '5.7.1 message refused as junk mail' };
      // Deleted junk is settled as handled, so the queue neither retries nor bounces it.
      if (decision.action === 'delete') t.outcome = { status: 'delivered' };
    }
    if (this.hooks.onJunk) await this.hooks.onJunk(decision, message);
  }

  /**
   * spamd's opinion of the whole message (skipped above spamc's 500 KB limit),
   * or undefined when it cannot be had: junk scoring is advice, so a missing second opinion
   * leaves the message to the Bayes filter alone rather than holding it up.
   */
  private async askSpamd(message: LocalMessage, start: Buffer, address: string): Promise<SpamdResult | undefined> {
    if (message.entry.size - message.entry.localPrefix > SPAMD_MAX_BYTES) {
      this.log?.event('too large for spamd; the Bayes filter decides alone', { queueId: message.entry.id, size: message.entry.size });
      return undefined;
    }
    try {
      // The start read for the Bayes filter is usually the whole file already.
      const whole = start.length < MAX_SCANNED_BYTES ? start : await fs.promises.readFile(message.entry.file);
      return await checkWithSpamd(address, whole.subarray(message.entry.localPrefix));
    } catch (err) {
      this.log?.error('spamd could not score the message; the Bayes filter decides alone', { queueId: message.entry.id, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  /** The decision for a message's bytes under the given settings (also used by tests and tools). */
  decide(raw: Buffer, s: Readonly<JunkSettings>, spamd?: SpamdResult): JunkDecision {
    const bayes = this.filter.classify(raw, { acceptedLanguages: s.junkAcceptedLanguages, acceptedLocales: s.junkAcceptedLocales });
    const verdict = verdictFor(bayes, s.junkPermissiveness, spamd);
    const decision: JunkDecision = { verdict, headers: spamHeaders(verdict, this.hostname), action: verdict.isJunk ? s.junkAction : 'none' };
    if (decision.action === 'deliver') {
      if (s.junkTagSubject && s.junkSubjectTag) decision.subjectTag = s.junkSubjectTag;
      if (s.junkEncapsulate) decision.encapsulate = true;
    }
    if (decision.action === 'redirect') {
      // Without an address there is nowhere to redirect to: deliver, marked, rather than lose it.
      if (s.junkRedirectTo) decision.redirectTo = s.junkRedirectTo;
      else decision.action = 'deliver';
    }
    if ((decision.action === 'bounce' || decision.action === 'delete') && s.junkNotify) decision.notify = s.junkNotify;
    return decision;
  }
}

async function readStart(file: string, max: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(max);
    let filled = 0;
    while (filled < max) {
      const { bytesRead } = await handle.read(buf, filled, max - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
