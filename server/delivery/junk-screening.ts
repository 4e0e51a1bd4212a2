import fsp from 'node:fs/promises';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { JunkStage, type JunkDecision } from '../junk/stage';
import type { JunkFilter } from '../junk/filter';
import { encapsulate, tagSubject } from '../junk/rewrite';
import { spamtestValue } from '../junk/verdict';
import { rfc5322Date } from '../mail/date';
import { targetsFor } from '../queue/targets';
import { queueGeneratedMail } from '../queue/generated-mail';
import type { DeliveryStage, LocalMessage } from './types';

/**
 * Junk screening in local delivery: the Bayesian filter's verdict becomes X-Spam-*
 * headers and the spamtest value Sieve reads, and junk gets the seed's disposition —
 * delivered (optionally tagged or encapsulated), bounced, deleted or redirected, with
 * the optional notice to the postmaster.
 */
export class JunkScreening implements DeliveryStage {
  readonly name = 'junk';
  private readonly stage: JunkStage;

  constructor(
    private readonly ctx: EngineContext,
    filter: JunkFilter,
    private readonly log: Logger,
  ) {
    this.stage = new JunkStage(filter, () => ctx.settings.get(), ctx.options.hostname, { onJunk: (d, m) => this.dispose(d, m) }, log);
  }

  async run(message: LocalMessage): Promise<void> {
    // Mail the server made itself (bounces, notices, redirected junk) carries no "[address]"
    // client; screening it again could only loop.
    if (!message.entry.client.includes('[')) return;
    await this.stage.run(message);
    const decision = this.stage.decisionFor(message);
    if (!decision) return;
    const spamScore = spamtestValue(decision.verdict);
    message.verdicts = { ...message.verdicts, spamScore, spamPercent: spamScore === 0 ? 0 : Math.round(decision.verdict.probability * 100) };
  }

  private async dispose(decision: JunkDecision, message: LocalMessage): Promise<void> {
    if (decision.subjectTag || decision.encapsulate) {
      let raw: Buffer = await fsp.readFile(message.entry.file);
      if (decision.encapsulate) raw = encapsulate(raw, decision.verdict, this.ctx.options.hostname, decision.subjectTag ?? '');
      else if (decision.subjectTag) raw = tagSubject(raw, decision.subjectTag);
      message.replacement = raw;
    }
    if (decision.redirectTo) {
      await this.queueCopy(message, 'redirect', decision.redirectTo, (await fsp.readFile(message.entry.file)).subarray(message.entry.localPrefix), message.entry.sender);
      for (const t of message.targets) if (!t.outcome) t.outcome = { status: 'delivered' };
      this.log.message('junk redirected', { queueId: message.entry.id, to: decision.redirectTo });
    }
    if (decision.notify) {
      const notice = [
        `From: Mail Delivery System <MAILER-DAEMON@${this.ctx.options.hostname}>`,
        `To: ${decision.notify}`,
        `Subject: Junk mail ${decision.action === 'bounce' ? 'bounced' : 'deleted'}`,
        `Date: ${rfc5322Date(new Date())}`,
        'Auto-Submitted: auto-generated',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `A message was ${decision.action === 'bounce' ? 'bounced' : 'deleted'} as junk mail.`,
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
