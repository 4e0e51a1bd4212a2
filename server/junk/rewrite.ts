import { randomBytes } from 'node:crypto';
import { blankLineEnd } from '../mail/mime/header';
import type { Verdict } from './verdict';

/**
 * The seed's "Delivered" options for junk: a tag in front of the subject, and the
 * original wrapped as a MIME attachment under a short report (SpamAssassin's
 * report_safe), so a junk message's HTML and scripts are not rendered by accident.
 */

/** The message with `tag` put in front of its Subject (a Subject is added when there is none). */
export function tagSubject(raw: Buffer, tag: string): Buffer {
  const end = blankLineEnd(raw);
  const header = raw.toString('latin1', 0, end < 0 ? raw.length : end);
  const m = /^subject:[ \t]?/im.exec(header);
  if (m) {
    const at = Buffer.byteLength(header.slice(0, m.index + m[0].length), 'latin1');
    return Buffer.concat([raw.subarray(0, at), Buffer.from(`${tag} `, 'utf8'), raw.subarray(at)]);
  }
  return Buffer.concat([Buffer.from(`Subject: ${tag}\r\n`, 'utf8'), raw]);
}

/** The delivered junk message as the rewrite options say (wrapped, tagged, or both); undefined when they ask for none. */
export function rewriteJunk(raw: Buffer, verdict: Verdict, hostname: string, options: { subjectTag?: string; encapsulate?: boolean }): Buffer | undefined {
  if (options.encapsulate) return encapsulate(raw, verdict, hostname, options.subjectTag ?? '');
  return options.subjectTag ? tagSubject(raw, options.subjectTag) : undefined;
}

/** Header fields copied from the original onto the wrapper, so the mail still sorts and threads. */
const KEPT = /^(from|to|cc|date|message-id|reply-to|return-path|received|subject|in-reply-to|references):/i;

export function encapsulate(raw: Buffer, verdict: Verdict, hostname: string, tag = ''): Buffer {
  const end = blankLineEnd(raw);
  const header = raw.toString('latin1', 0, end < 0 ? raw.length : end);
  const fields: string[] = [];
  let keeping = false;
  for (const line of header.split(/\r?\n/)) {
    if (line === '') continue;
    if (!/^[ \t]/.test(line)) keeping = KEPT.test(line);
    if (keeping) fields.push(line);
  }
  let wrapperHeader = fields.join('\r\n');
  if (tag) {
    wrapperHeader = /^subject:/im.test(wrapperHeader)
      ? wrapperHeader.replace(/^subject:[ \t]?/im, (s) => `${s}${tag} `)
      : `${wrapperHeader}\r\nSubject: ${tag}`;
  }
  const boundary = `----------=_${randomBytes(8).toString('hex')}`;
  const report = [
    `This message was judged to be junk mail by the mail server ${hostname}.`,
    `Its score was ${verdict.score.toFixed(1)}; ${verdict.required.toFixed(1)} or more counts as junk.`,
    `Tests: ${verdict.tests.join(', ') || 'none'}.`,
    '',
    'The original message is attached unchanged. If it is not junk, tell your',
    'administrator, or forward it to the "notjunkmail" account so the filter learns.',
  ].join('\r\n');
  const head = [
    wrapperHeader,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Disposition: inline',
    'Content-Transfer-Encoding: 7bit',
    '',
    report,
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822; x-spam-type=original',
    'Content-Description: original message before junk mail screening',
    'Content-Disposition: attachment',
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n');
  const tail = `\r\n--${boundary}--\r\n`;
  const body = raw.length && raw[raw.length - 1] === 10 ? raw.subarray(0, raw.length - (raw[raw.length - 2] === 13 ? 2 : 1)) : raw;
  return Buffer.concat([Buffer.from(head, 'utf8'), body, Buffer.from(tail, 'latin1')]);
}
