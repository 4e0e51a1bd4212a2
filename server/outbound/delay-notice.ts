import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from '../queue/types';
import { LOCAL_PREFIX, resolveTargets } from '../delivery/targets';

export interface DelayedRecipient {
  address: string;
  original: string;
  diagnostic: string | null;
}

/**
 * Tells senders that their message is still queued (RFC 3464, Action: delayed), once
 * per message, when the queue reports it (Queue.onDelayed) after the warning time.
 * The message stays queued; the usual bounce follows if it expires.
 */
export class DelayNotifier {
  constructor(
    private readonly ctx: EngineContext,
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
    const resolution = resolveTargets(this.ctx.directory, entry.sender);
    const targets = resolution.kind === 'ok' ? resolution.targets : resolution.kind === 'remote' ? [entry.sender] : [];
    if (targets.length === 0) return;
    try {
      const lifetimeHours = this.ctx.settings.get().localDeliveryLifetimeHours;
      const notice = await buildDelayNotice(entry, recipients, this.ctx.options.hostname, new Date(entry.createdAt.getTime() + lifetimeHours * 3600_000));
      const prefix = Buffer.from('Return-Path: <>\r\n');
      await this.ctx.queue.enqueue(
        { sender: '', recipients: targets.map((t) => ({ address: t, original: entry.sender })), client: 'local delay notice', localPrefix: prefix.length },
        [prefix, notice],
      );
    } catch (err) {
      this.log.error('could not create a delay notice', { queueId: entry.id, error: String(err) });
    }
  }
}

/** A multipart/report delivery-status notification saying the message is delayed, not failed. */
export async function buildDelayNotice(entry: QueueEntry, delayed: DelayedRecipient[], hostname: string, retryUntil: Date): Promise<Buffer> {
  const header = await readHeader(entry.file, entry.localPrefix);
  const boundary = `=_delay_${crypto.randomBytes(12).toString('hex')}`;
  const hours = Math.floor((Date.now() - entry.createdAt.getTime()) / 3600_000);
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${hostname}>`,
    `To: ${entry.sender}`,
    'Subject: Delayed Mail (still being retried)',
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: <${entry.id}.delay.${Date.now()}@${hostname}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `This is the mail system at ${hostname}.`,
    '',
    'THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE.',
    '',
    `Your message could not be delivered for ${hours} hours. It will be retried until ${rfc5322Date(retryUntil)};`,
    'if it still cannot be delivered by then, it will be returned to you.',
    '',
    ...delayed.map((r) => `<${finalRecipient(r)}>: ${r.diagnostic ?? 'delivery temporarily suspended'}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${hostname}`,
    `X-Pillarbox-Queue-ID: ${entry.id}`,
    `Arrival-Date: ${rfc5322Date(entry.createdAt)}`,
    '',
    ...delayed.flatMap((r) => [
      ...(finalRecipient(r) !== r.original ? [`Original-Recipient: rfc822; ${r.original}`] : []),
      `Final-Recipient: rfc822; ${finalRecipient(r)}`,
      'Action: delayed',
      `Status: ${delayStatus(r.diagnostic)}`,
      ...(r.diagnostic ? [`Diagnostic-Code: smtp; ${r.diagnostic.replace(/[\r\n]+/g, ' ')}`] : []),
      `Will-Retry-Until: ${rfc5322Date(retryUntil)}`,
      '',
    ]),
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    '',
  ];
  // The original header goes in byte for byte: it may hold raw UTF-8 or Latin-1.
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), header, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

/** Remote targets name themselves; local ones ("local:<id>") are known by the address the client used. */
function finalRecipient(r: DelayedRecipient): string {
  return r.address.startsWith(LOCAL_PREFIX) ? r.original : r.address;
}

/** A delay is a transient condition: 4.x.x, from the last error when it has one. */
function delayStatus(diagnostic: string | null): string {
  const m = diagnostic && /\b[245]\.(\d{1,3}\.\d{1,3})\b/.exec(diagnostic);
  return m ? `4.${m[1]}` : '4.0.0';
}

function rfc5322Date(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

/** The original header section (up to 64 KiB), ending with CRLF. */
async function readHeader(file: string, skip: number): Promise<Buffer> {
  const handle = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, skip);
    const data = buf.subarray(0, bytesRead);
    const end = data.indexOf('\r\n\r\n');
    if (end >= 0) return data.subarray(0, end + 2);
    const lastLine = data.lastIndexOf('\r\n');
    return lastLine >= 0 ? data.subarray(0, lastLine + 2) : Buffer.from('\r\n');
  } finally {
    await handle.close();
  }
}
