import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { QueueEntry } from '../queue/types';

export interface FailedRecipient {
  original: string;
  diagnostic: string;
}

/**
 * A delivery status notification (RFC 3464) for recipients that failed for good:
 * multipart/report with a human-readable part, the machine-readable status and the
 * original message's header.
 */
export async function buildBounce(entry: QueueEntry, failed: FailedRecipient[], hostname: string): Promise<Buffer> {
  const original = await readHeader(entry.file, entry.localPrefix);
  const boundary = `=_bounce_${crypto.randomBytes(12).toString('hex')}`;
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${hostname}>`,
    `To: ${entry.sender}`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${date}`,
    `Message-ID: <${entry.id}.${Date.now()}@${hostname}>`,
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
    'Your message could not be delivered to one or more recipients.',
    '',
    ...failed.map((f) => `<${f.original}>: ${f.diagnostic}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${hostname}`,
    `X-Pillarbox-Queue-ID: ${entry.id}`,
    `Arrival-Date: ${entry.createdAt.toUTCString().replace('GMT', '+0000')}`,
    '',
    ...failed.flatMap((f) => [
      `Final-Recipient: rfc822; ${f.original}`,
      'Action: failed',
      `Status: ${statusOf(f.diagnostic)}`,
      `Diagnostic-Code: smtp; ${f.diagnostic.replace(/[\r\n]+/g, ' ')}`,
      '',
    ]),
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    original.trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function statusOf(diagnostic: string): string {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(diagnostic);
  return m ? m[1].replace(/^4/, '5') : '5.0.0';
}

async function readHeader(file: string, skip: number): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, skip);
    const text = buf.subarray(0, bytesRead).toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    return end >= 0 ? text.slice(0, end + 2) : text;
  } finally {
    await handle.close();
  }
}
