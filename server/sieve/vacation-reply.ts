import crypto from 'node:crypto';
import { encodeQuotedPrintable } from '../mail/compose';
import type { VacationAction } from './actions';
import type { SieveMessage } from './message';

/** RFC 2047 encoded-word for a header value that is not plain ASCII. */
function encodeHeader(value: string): string {
   
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/**
 * The automatic reply of a vacation action (RFC 5230 section 5, RFC 3834): From the user, To the
 * envelope sender, In-Reply-To/References to the original, Auto-Submitted: auto-replied. The
 * caller sends it with the null reverse path, so nothing answers it in turn.
 */
export function buildVacationReply(a: VacationAction, original: SieveMessage, from: string, hostname: string, now = new Date()): Buffer {
  const messageId = original.values('message-id')[0]?.trim();
  const references = original.values('references')[0]?.trim();
  const refs = [references, messageId].filter((x): x is string => !!x).join(' ');
  const header = [
    `From: ${a.from ?? from}`,
    `To: ${a.to}`,
    `Subject: ${encodeHeader(a.subject)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${crypto.randomBytes(12).toString('hex')}.vacation@${hostname}>`,
    ...(messageId ? [`In-Reply-To: ${messageId}`] : []),
    ...(refs ? [`References: ${refs}`] : []),
    'Auto-Submitted: auto-replied (vacation)',
    'Precedence: bulk',
    'MIME-Version: 1.0',
  ];
  if (a.mime) {
    // :mime: the reason is a whole MIME entity (its own Content-Type and body).
    const entity = crlf(a.reason).replace(/^(\r\n)+/, '');
    return Buffer.from(header.join('\r\n') + '\r\n' + (entity.endsWith('\r\n') ? entity : entity + '\r\n'), 'utf8');
  }
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(a.reason);
  header.push('Content-Type: text/plain; charset=utf-8', `Content-Transfer-Encoding: ${ascii ? '7bit' : 'quoted-printable'}`);
  const body = ascii ? crlf(a.reason) : encodeQuotedPrintable(a.reason);
  return Buffer.from(header.join('\r\n') + '\r\n\r\n' + body + (body.endsWith('\r\n') ? '' : '\r\n'), 'utf8');
}
