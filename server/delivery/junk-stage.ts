import fs from 'node:fs';
import type { Settings } from '../config/settings-schema';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { decideJunk, deliveredJunkRewrite, type JunkDecision } from '../junk/decision';
import { rewriteJunk } from '../junk/rewrite';
import { spamHeaders } from '../junk/spam-headers';
import { type SpamdResult, checkWithSpamd } from '../junk/spamd-client';
import { MAX_SCANNED_BYTES } from '../junk/tokenizer';
import { userVerdict } from '../junk/user-verdict';
import { spamtestOf, type Verdict, verdictFor } from '../junk/verdict';
import { addressesIn, headerFields } from '../mail/header-fields';
import { rfc5322Date } from '../mail/date';
import { queueGeneratedMail } from '../queue/generated-mail';
import { targetsFor } from '../queue/targets';
import type { DeliveryStage, DeliveryTarget, LocalMessage } from './types';

/** spamc's limit: SpamAssassin is slow on big messages, and junk is small. */
const SPAMD_MAX_BYTES = 500 * 1024;

/**
 * Junk screening in local delivery (relayed mail never reaches this pipeline, as in the
 * seed). Scores once per message, whatever the number of recipients, since the token
 * database is the server's, not the user's. The verdict becomes X-Spam-* headers and the
 * spamtest value Sieve reads, and junk gets the seed's disposition: delivered (optionally
 * tagged or encapsulated), bounced, deleted or redirected, or (beyond the seed, as mailcow and
 * rspamd do) quarantined, with the optional notice to the postmaster. A message released from
 * the quarantine is not screened again. A user's own preferences (level, allowed and blocked
 * senders) and own token table then decide that user's copy where they differ from the server's
 * verdict: their junk is filed into the user's Junk folder marked $Junk, mail they allow is
 * exempt from the disposition, and the copy carries the user's own X-Spam-* headers and subject
 * tag (a target's own addedHeaders and replacement; the store writes each distinct copy once).
 */
export class JunkStage implements DeliveryStage {
  readonly name = 'junk';

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
  ) {}

  async run(message: LocalMessage): Promise<void> {
    // Mail the server made itself (bounces, notices, redirected junk) carries no "[address]"
    // client; screening it again could only loop.
    if (!message.entry.client.includes('[')) return;
    const s = this.ctx.settings.get();
    if (!s.junkScanEnabled) return;
    if (this.ctx.virus.quarantine.isExempt(message.entry.id)) {
      this.log.message('released from quarantine, not screened again', { queueId: message.entry.id });
      return;
    }
    const raw = await readStart(message.entry.file, MAX_SCANNED_BYTES);
    const spamd = s.junkSpamdEnabled ? await this.askSpamd(message, raw, s.junkSpamdAddress) : undefined;
    // The global table is read off the event loop too when it is not loaded (start, `pillarbox learn`).
    await this.ctx.junkFilter.prepare(this.ctx.junkTables.loader.load).catch(() => undefined);
    const decision = decideJunk(this.ctx.junkFilter, raw, s, this.ctx.options.hostname, spamd);
    // What the stages before added (X-Virus-Scanned): a user's own header list starts from it too.
    const before = [...message.addedHeaders];
    message.addedHeaders.push(...decision.headers);
    this.log.message(decision.verdict.isJunk ? 'junk mail' : 'not junk', {
      queueId: message.entry.id,
      score: decision.verdict.score,
      required: decision.verdict.required,
      tests: decision.verdict.tests.join(','),
      action: decision.action,
    });
    if (decision.verdict.isJunk) this.ctx.counters.count('junk', decision.action);
    const exempt = await this.applyUserVerdicts(message, raw, decision, before, s, spamd);
    const standing = decision.action === 'none' ? [] : message.targets.filter((t) => !t.outcome && !exempt.has(t));
    if (standing.length) {
      for (const t of standing) {
        if (decision.action === 'bounce') t.outcome = { status: 'permanent', diagnostic: '5.7.1 message refused as junk mail' };
        // Deleted junk is settled as handled, so the queue neither retries nor bounces it.
        if (decision.action === 'delete') t.outcome = { status: 'delivered' };
      }
      await this.dispose(decision, message, standing);
    }
    message.verdicts = { ...message.verdicts, ...spamtestOf(decision.verdict) };
  }

  /**
   * Each recipient's own verdict where the user has one: from the user's own token table
   * (junkTokenTables = per-user, once it has learnt enough) and the user's preferences
   * (server/junk/user-verdict.ts). The user's copy carries that verdict: its own X-Spam-*
   * headers where they read differently from the server's, its spamtest, and when only the user
   * calls it junk, the Junk folder with $Junk and the delivered-junk rewrite (subject tag); when
   * only the server does, no rewrite. Returns the targets whose user calls it not junk, to be
   * left out of the server's disposition.
   */
  private async applyUserVerdicts(message: LocalMessage, raw: Buffer, decision: JunkDecision, before: string[], s: Readonly<Settings>, spamd: SpamdResult | undefined): Promise<Set<DeliveryTarget>> {
    const exempt = new Set<DeliveryTarget>();
    const server = decision.verdict;
    const { hostname } = this.ctx.options;
    let senders: string[] | undefined;
    let rewrite: ((verdict: Verdict) => Promise<Buffer | undefined>) | undefined;
    const acceptance = { acceptedLanguages: s.junkAcceptedLanguages, acceptedLocales: s.junkAcceptedLocales };
    const standing = message.targets.filter((t) => !t.outcome);
    // The verdicts of the recipients' own tables (those that have learnt enough), once per user.
    const byTable =
      s.junkTokenTables === 'per-user' ? await this.ctx.junkTables.scoreFor(standing.map((t) => t.user.id), (table) => verdictFor(table.classify(raw, acceptance), s.junkPermissiveness, spamd)) : undefined;
    for (const t of standing) {
      const table = byTable?.get(t.user.id);
      const hasPreferences = this.ctx.userJunk.hasAny(t.user.id);
      if (!table && !hasPreferences) continue;
      const own = table ?? server;
      senders ??= sendersOf(message.entry.sender, raw);
      const mine = userVerdict(own, !!table, hasPreferences ? this.ctx.userJunk.get(t.user.id) : undefined, senders);
      t.verdicts = { spamScore: mine.spamScore, spamPercent: mine.spamPercent };
      const headers = spamHeaders(mine.verdict, hostname);
      if (headers.join('') !== decision.headers.join('')) t.addedHeaders = [...before, ...headers];
      if (mine.verdict.isJunk === server.isJunk) continue;
      this.log.message(mine.verdict.isJunk ? 'junk mail for this user' : 'not junk for this user', { queueId: message.entry.id, user: t.user.shortName, reason: mine.reason, score: mine.verdict.score });
      if (!mine.verdict.isJunk) {
        exempt.add(t);
        // Not the server's rewrite (subject tag, wrapper) either: the copy as it came.
        t.replacement = null;
        continue;
      }
      const junkBox = this.ctx.store.mailboxes(t.user.id).find((m) => m.specialUse === '\\Junk');
      if (junkBox) t.mailbox = junkBox.name;
      if (!t.flags.includes('$Junk')) t.flags = [...t.flags, '$Junk'];
      rewrite ??= this.rewriter(message, s);
      const rewritten = await rewrite(mine.verdict);
      if (rewritten) t.replacement = rewritten;
    }
    return exempt;
  }

  /**
   * The delivered-junk rewrite of the message for a user's own junk verdict. The spool file is
   * read once; a subject tag alone does not depend on the verdict, so it is made once and its
   * one buffer shared (the store then writes one file for all those users).
   */
  private rewriter(message: LocalMessage, s: Readonly<Settings>): (verdict: Verdict) => Promise<Buffer | undefined> {
    const options = deliveredJunkRewrite(s);
    let whole: Promise<Buffer> | undefined;
    let tagged: Buffer | undefined;
    return async (verdict) => {
      if (!options.subjectTag && !options.encapsulate) return undefined;
      const raw = await (whole ??= fs.promises.readFile(message.entry.file));
      if (options.encapsulate) return rewriteJunk(raw, verdict, this.ctx.options.hostname, options);
      return (tagged ??= rewriteJunk(raw, verdict, this.ctx.options.hostname, options));
    };
  }

  /**
   * spamd's opinion of the whole message (skipped above spamc's 500 KB limit),
   * or undefined when it cannot be had: junk scoring is advice, so a missing second opinion
   * leaves the message to the Bayes filter alone rather than holding it up.
   */
  private async askSpamd(message: LocalMessage, start: Buffer, address: string): Promise<SpamdResult | undefined> {
    if (message.entry.size - message.entry.localPrefix > SPAMD_MAX_BYTES) {
      this.log.event('too large for spamd; the Bayes filter decides alone', { queueId: message.entry.id, size: message.entry.size });
      return undefined;
    }
    try {
      // The start read for the Bayes filter is usually the whole file already.
      const whole = start.length < MAX_SCANNED_BYTES ? start : await fs.promises.readFile(message.entry.file);
      return await checkWithSpamd(address, whole.subarray(message.entry.localPrefix));
    } catch (err) {
      this.log.error('spamd could not score the message; the Bayes filter decides alone', { queueId: message.entry.id, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  /** What junk needs beyond its outcome, for the targets it applies to: the rewritten message, the redirected or quarantined copy, the notice. */
  private async dispose(decision: JunkDecision, message: LocalMessage, standing: LocalMessage['targets']): Promise<void> {
    const { hostname } = this.ctx.options;
    let kept = '';
    if (decision.action === 'quarantine') {
      const { entry } = message;
      // Kept with the verdict's headers, as the recipients would have had it.
      const q = await this.ctx.virus.quarantine.add({
        kind: 'junk',
        sender: entry.sender,
        recipients: standing.map((t) => ({ address: t.address, original: t.original })),
        junkScore: decision.verdict.score,
        headers: decision.headers,
        client: entry.client,
        file: entry.file,
        start: entry.localPrefix,
      });
      // Settled as handled only once the copy is on disk: a failure above defers the delivery instead.
      for (const t of standing) t.outcome = { status: 'delivered' };
      kept = ` It is kept in quarantine as ${q.id}.`;
      this.log.message('junk quarantined', { queueId: entry.id, quarantineId: q.id, score: decision.verdict.score });
    }
    if (decision.subjectTag || decision.encapsulate) message.replacement = rewriteJunk(await fs.promises.readFile(message.entry.file), decision.verdict, hostname, decision);
    if (decision.redirectTo) {
      await this.queueCopy(message, 'redirect', decision.redirectTo, (await fs.promises.readFile(message.entry.file)).subarray(message.entry.localPrefix), message.entry.sender);
      for (const t of standing) if (!t.outcome) t.outcome = { status: 'delivered' };
      this.log.message('junk redirected', { queueId: message.entry.id, to: decision.redirectTo });
    }
    if (decision.notify) {
      const verb = decision.action === 'bounce' ? 'bounced' : decision.action === 'quarantine' ? 'quarantined' : 'deleted';
      const notice = [
        `From: Mail Delivery System <MAILER-DAEMON@${hostname}>`,
        `To: ${decision.notify}`,
        `Subject: Junk mail ${verb}`,
        `Date: ${rfc5322Date(new Date())}`,
        'Auto-Submitted: auto-generated',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `A message was ${verb} as junk mail.${kept}`,
        '',
        `Queue ID: ${message.entry.id}`,
        `Sender: <${message.entry.sender}>`,
        `Recipients: ${message.targets.map((t) => t.original).join(', ')}`,
        `Score: ${decision.verdict.score.toFixed(1)} (required ${decision.verdict.required.toFixed(1)})`,
        '',
      ].join('\r\n');
      await this.queueCopy(message, 'notice', decision.notify, Buffer.from(notice, 'utf8'), '');
    }
  }

  /** Queues `content` for `to` (a user, alias or address) with the given envelope sender, once per queued message. */
  private async queueCopy(message: LocalMessage, kind: 'redirect' | 'notice', to: string, content: Buffer, sender: string): Promise<void> {
    const targets = targetsFor(this.ctx.directory, this.ctx.options.hostname, to);
    if (targets.length === 0) {
      this.log.error('junk disposition address is unknown', { queueId: message.entry.id, to });
      return;
    }
    const recipients = targets.map((t) => ({ address: t, original: to }));
    await queueGeneratedMail(this.ctx.queue, { sender, recipients, client: 'junk screening', content, once: { parentId: message.entry.id, key: `junk ${kind} ${to.toLowerCase()}` }, signDkim: kind === 'notice' });
  }
}

/** The envelope sender and the From header's addresses: what users' allowed and blocked senders are matched against. */
function sendersOf(envelope: string, raw: Buffer): string[] {
  const end = raw.indexOf('\r\n\r\n');
  const header = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  return [envelope, ...headerFields(header, 'from').flatMap(addressesIn)].filter((a) => a.includes('@'));
}

/** The first `max` bytes of a file (all of it when shorter). */
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
