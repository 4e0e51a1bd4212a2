import fs from 'node:fs';
import path from 'node:path';

/** A message the tests write at a source and expect back in our store. */
export interface FixtureMessage {
  messageId: string;
  raw: Buffer;
  /** Our flag names, as the store should hold them. */
  flags: string[];
  date: Date;
}

/** A message with CRLF line ends, so that its bytes are what an IMAP server sends. */
export function makeMessage(folder: string, n: number, flags: string[] = [], bodyLines = 3): FixtureMessage {
  const messageId = `<${folder.replace(/[^A-Za-z0-9]/g, '-')}-${n}@source.example>`;
  const date = new Date(Date.UTC(2020, 0, 1) + n * 3_600_000 + folder.length * 86_400_000);
  const body = Array.from({ length: bodyLines }, (_, i) => `Line ${i} of message ${n} in ${folder}.`);
  const text = [`From: Sender ${n} <sender${n}@source.example>`, 'To: someone@source.example', `Subject: ${folder} #${n}`, `Message-ID: ${messageId}`, `Date: ${date.toUTCString()}`, '', ...body, ''].join('\r\n');
  return { messageId, raw: Buffer.from(text), flags, date };
}

const LETTERS: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };

/**
 * Writes a Maildir folder directly (much faster than delivering): files in cur/ named with
 * their flags, keywords numbered in dovecot-keywords, file times as internal dates, and a
 * dovecot-uidlist with the given UIDVALIDITY so Dovecot keeps it.
 */
export function writeMaildirFolder(dir: string, messages: FixtureMessage[], uidValidity: number): void {
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const keywords = [...new Set(messages.flatMap((m) => m.flags.filter((f) => !LETTERS[f])))];
  if (keywords.length) fs.writeFileSync(path.join(dir, 'dovecot-keywords'), keywords.map((k, i) => `${i} ${k}\n`).join(''));
  const lines: string[] = [];
  messages.forEach((m, i) => {
    const base = `${1_600_000_000 + i}.M${i}P1.source,S=${m.raw.length}`;
    const letters = [...m.flags.map((f) => LETTERS[f] ?? String.fromCharCode(97 + keywords.indexOf(f)))].sort((a, b) => (a < b ? -1 : 1)).join('');
    const file = path.join(dir, 'cur', `${base}:2,${letters}`);
    fs.writeFileSync(file, m.raw);
    fs.utimesSync(file, m.date, m.date);
    lines.push(`${i + 1} :${base}`);
  });
  fs.writeFileSync(path.join(dir, 'dovecot-uidlist'), `3 V${uidValidity} N${messages.length + 1} G0123456789abcdef0123456789abcdef\n${lines.map((l) => l + '\n').join('')}`);
}
