import crypto from 'node:crypto';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import type { VirusOutcome } from '../metrics/message-counters';
import { rfc5322Date } from '../mail/date';
import { queueGeneratedMail } from '../queue/generated-mail';
import { targetsFor } from '../queue/targets';
import { ClamdError } from '../virus/clamd-client';
import type { Notifier } from './notifier';
import type { DeliveryStage, LocalMessage } from './types';

/** RFC 3685 virustest values. */
const VIRUSTEST_CLEAN = 1;
const VIRUSTEST_INFECTED = 5;

/**
 * Virus scanning in local delivery, first of the stages: the message goes to clamd
 * (INSTREAM); infected mail is bounced, deleted or quarantined as the seed's setting
 * says, with the optional notices. When scanning is on and clamd cannot give a verdict
 * the delivery is deferred: mail is never delivered unscanned.
 */
export class VirusStage implements DeliveryStage {
  readonly name = 'virus';

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
    private readonly notifier: Notifier,
  ) {}

  async run(message: LocalMessage): Promise<void> {
    const settings = this.ctx.settings.get();
    if (!settings.virusScanEnabled) return;
    const { entry } = message;
    // Mail the server made itself (bounces carry headers only, notices) was never outside.
    if (!entry.client.includes('[')) return;
    if (this.ctx.virus.quarantine.isExempt(entry.id)) {
      this.log.message('released from quarantine, not scanned again', { queueId: entry.id });
      return;
    }
    let result;
    try {
      result = await this.ctx.virus.scan(entry.file, entry.localPrefix);
    } catch (err) {
      const standing = message.targets.filter((t) => !t.outcome);
      if (err instanceof ClamdError && err.code === 'too-large') {
        this.log.error('message larger than clamd accepts (StreamMaxLength); refused', { queueId: entry.id, size: entry.size });
        for (const t of standing) t.outcome = { status: 'permanent', diagnostic: '5.3.4 message too big for the virus scanner (raise clamd StreamMaxLength)' };
        return;
      }
      this.log.error('virus scan failed; delivery deferred', { queueId: entry.id, error: String(err instanceof Error ? err.message : err) });
      for (const t of standing) t.outcome = { status: 'temporary', diagnostic: `4.3.0 virus scanner unavailable, will try again: ${err instanceof Error ? err.message : String(err)}` };
      return;
    }
    if (!result.infected) {
      message.verdicts = { ...message.verdicts, virusScore: VIRUSTEST_CLEAN };
      message.addedHeaders.push(`X-Virus-Scanned: ClamAV on ${this.ctx.options.hostname}\r\n`);
      this.log.event('scanned: clean', { queueId: entry.id, ms: Math.round(result.ms * 10) / 10 });
      return;
    }
    message.verdicts = { ...message.verdicts, virusScore: VIRUSTEST_INFECTED };
    await this.dispose(message, result.virus);
  }

  private async dispose(message: LocalMessage, virus: string): Promise<void> {
    const { entry } = message;
    const settings = this.ctx.settings.get();
    const targets = message.targets.filter((t) => !t.outcome);
    const action = settings.virusAction;
    let where = '';
    if (action === 'quarantine') {
      const q = await this.ctx.virus.quarantine.add({
        kind: 'virus',
        sender: entry.sender,
        recipients: targets.map((t) => ({ address: t.address, original: t.original })),
        virus,
        client: entry.client,
        file: entry.file,
        start: entry.localPrefix,
      });
      where = ` It is kept in quarantine as ${q.id}.`;
      for (const t of targets) t.outcome = { status: 'delivered' };
    } else if (action === 'delete') {
      for (const t of targets) t.outcome = { status: 'delivered' };
    } else {
      for (const t of targets) t.outcome = { status: 'permanent', diagnostic: `5.7.1 message refused: it contains a virus (${virus})` };
    }
    const verb: VirusOutcome = action === 'quarantine' ? 'quarantined' : action === 'delete' ? 'deleted' : 'bounced';
    this.ctx.counters.count('virus', verb);
    this.log.message(`virus found, message ${verb}`, { queueId: entry.id, virus, sender: entry.sender, to: targets.map((t) => t.original).join(', ') });
    const report = [
      `A message containing a virus (${virus}) was ${verb}.${where}`,
      '',
      `Queue ID: ${entry.id}`,
      `Sender: <${entry.sender}>`,
      `Recipients: ${targets.map((t) => t.original).join(', ')}`,
      `Client: ${entry.client}`,
      '',
    ].join('\r\n');
    if (settings.virusNotify) await this.notifyPostmaster(settings.virusNotify, `Virus found: message ${verb}`, report, entry.id);
    if (settings.virusNotifyRecipient) {
      for (const t of targets) {
        await this.notifier.notifyUser(
          t.user,
          'A message to you contained a virus',
          `A message from <${entry.sender}> to ${t.original} contained a virus (${virus}) and was ${verb}; it was not delivered to you.${action === 'quarantine' ? ' Ask your mail administrator if you need it.' : ''}\r\n`,
        );
      }
    }
  }

  private async notifyPostmaster(to: string, subject: string, text: string, queueId: string): Promise<void> {
    const targets = targetsFor(this.ctx.directory, this.ctx.options.hostname, to);
    if (targets.length === 0) {
      this.log.error('virus notification address is unknown', { queueId, to });
      return;
    }
    const notice = [
      `From: Mail Delivery System <MAILER-DAEMON@${this.ctx.options.hostname}>`,
      `To: ${to.includes('@') ? to : `${to}@${this.ctx.options.hostname}`}`,
      `Subject: ${subject}`,
      `Date: ${rfc5322Date(new Date())}`,
      `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${this.ctx.options.hostname}>`,
      'Auto-Submitted: auto-generated',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
    ].join('\r\n');
    await queueGeneratedMail(this.ctx.queue, {
      sender: '',
      recipients: targets.map((t) => ({ address: t, original: to })),
      client: 'virus screening',
      content: Buffer.from(notice, 'utf8'),
      once: { parentId: queueId, key: `virus notice ${to.toLowerCase()}` },
      signDkim: true,
    });
  }
}
