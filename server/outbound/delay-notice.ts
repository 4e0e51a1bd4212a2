import type { OutboundContext } from './outbound-context';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from '../queue/types';
import { targetsFor } from '../queue/targets';
import { queueGeneratedMail } from '../queue/generated-mail';
import { buildDeliveryReport, type ReportRecipient } from '../queue/dsn';

export type DelayedRecipient = ReportRecipient;

/**
 * Tells senders that their message is still queued (RFC 3464, Action: delayed), once
 * per message, when the queue reports it (Queue.onDelayed) after the warning time.
 * The message stays queued; the usual bounce follows if it expires.
 */
export class DelayNotifier {
  constructor(
    private readonly ctx: OutboundContext,
    private readonly log: Logger,
  ) {}

  /** Becomes the queue's delay hook. */
  attach(): void {
    this.ctx.queue.onDelayed = (entry, recipients) => this.notify(entry, recipients);
  }

  detach(): void {
    this.ctx.queue.onDelayed = undefined;
  }

  async notify(entry: QueueEntry, recipients: DelayedRecipient[]): Promise<void> {
    for (const r of recipients) this.log.message('delayed', { queueId: entry.id, to: r.original, reason: r.diagnostic });
    // Null senders are bounces themselves: never answer them (RFC 5321 6.1).
    if (!entry.sender || recipients.length === 0) return;
    const targets = targetsFor(this.ctx.directory, this.ctx.options.hostname, entry.sender);
    if (targets.length === 0) return;
    try {
      const lifetimeHours = this.ctx.settings.get().localDeliveryLifetimeHours;
      const notice = await buildDeliveryReport(entry, recipients, {
        action: 'delayed',
        hostname: this.ctx.options.hostname,
        retryUntil: new Date(entry.createdAt.getTime() + lifetimeHours * 3600_000),
      });
      const to = targets.map((t) => ({ address: t, original: entry.sender }));
      await queueGeneratedMail(this.ctx.queue, { sender: '', recipients: to, client: 'local delay notice', content: notice, signDkim: true });
    } catch (err) {
      this.log.error('could not create a delay notice', { queueId: entry.id, error: String(err) });
    }
  }
}
