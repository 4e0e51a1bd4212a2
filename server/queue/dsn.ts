import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { QueueEntry } from './types';
import { rfc5322Date } from '../mail/date';
import { LOCAL_PREFIX } from './targets';

/** One recipient in a delivery status notification. */
export interface ReportRecipient {
  /** The queue target ("local:<id>" or a remote address). */
  address: string;
  /** The address the sending client used. */
  original: string;
  diagnostic: string | null;
}

export interface ReportOptions {
  action: 'failed' | 'delayed';
  hostname: string;
  /** For delay notices: when the queue gives up. */
  retryUntil?: Date;
}

/**
 * A delivery status notification (RFC 3464): multipart/report with a human-readable
 * part, the machine-readable status per recipient, and the original message's header
 * (byte for byte: it may hold raw UTF-8 or Latin-1). Bounces say "failed", delay
 * notices "delayed".
 */
export async function buildDeliveryReport(entry: QueueEntry, recipients: ReportRecipient[], options: ReportOptions): Promise<Buffer> {
  const { action, hostname } = options;
  const header = await readOriginalHeader(entry.file, entry.localPrefix);
  const boundary = `=_report_${crypto.randomBytes(12).toString('hex')}`;
  const failed = action === 'failed';
  const human = failed
    ? ['Your message could not be delivered to one or more recipients.']
    : [
        'THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE.',
        '',
        `Your message could not be delivered for ${Math.floor((Date.now() - entry.createdAt.getTime()) / 3600_000)} hours.` +
          (options.retryUntil ? ` It will be retried until ${rfc5322Date(options.retryUntil)};` : ''),
        'if it still cannot be delivered by then, it will be returned to you.',
      ];
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${hostname}>`,
    `To: ${entry.sender}`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: <${entry.id}.${action}.${Date.now()}@${hostname}>`,
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
    ...human,
    '',
    ...recipients.map((r) => `<${finalRecipient(r)}>: ${r.diagnostic ?? 'delivery temporarily suspended'}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${hostname}`,
    `X-Pillarbox-Queue-ID: ${entry.id}`,
    `Arrival-Date: ${rfc5322Date(entry.createdAt)}`,
    '',
    ...recipients.flatMap((r) => [
      ...(finalRecipient(r) !== r.original ? [`Original-Recipient: rfc822; ${r.original}`] : []),
      `Final-Recipient: rfc822; ${finalRecipient(r)}`,
      `Action: ${action}`,
      `Status: ${statusOf(r.diagnostic, failed ? '5' : '4')}`,
      ...(r.diagnostic ? [`Diagnostic-Code: smtp; ${r.diagnostic.replace(/[\r\n]+/g, ' ')}`] : []),
      ...(!failed && options.retryUntil ? [`Will-Retry-Until: ${rfc5322Date(options.retryUntil)}`] : []),
      '',
    ]),
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    '',
  ];
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), header, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

/** Remote targets name themselves; local ones ("local:<id>") are known by the address the client used. */
function finalRecipient(r: ReportRecipient): string {
  return r.address.startsWith(LOCAL_PREFIX) ? r.original : r.address;
}

/** The status class the report needs (5 failed, 4 delayed), keeping the detail of the last error. */
function statusOf(diagnostic: string | null, cls: '4' | '5'): string {
  const m = diagnostic && /\b[245]\.(\d{1,3}\.\d{1,3})\b/.exec(diagnostic);
  return m ? `${cls}.${m[1]}` : `${cls}.0.0`;
}

/** The original header section (up to 64 KiB), ending with CRLF. */
async function readOriginalHeader(file: string, skip: number): Promise<Buffer> {
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
