import fs from 'node:fs';
import path from 'node:path';

/**
 * A big mailbox for `bench imap-large`, written once as a Maildir++ tree both sides load:
 * INBOX with N generated messages (varied subjects, senders and dates; threads through
 * References; bodies of words, some quoted-printable UTF-8, some multipart with a base64
 * attachment) and F folders of one message each. Deterministic (a seeded generator), so
 * runs compare. Files are named and dated as Dovecot writes them (mtime = arrival time).
 */

/** Words the search programs look for, and how often they occur (so the answers are known to be non-trivial). */
export const CORPUS_TERMS = {
  /** In about 1 % of subjects. */
  subject: 'quarterly',
  /** In about 0.5 % of bodies (and in no header). */
  body: 'quetzalcoatl',
};

/** A small, fast seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ro', 'ta', 'vu', 'shi', 'den', 'mar', 'pol', 'ter', 'gan', 'bri', 'cos', 'fel', 'ham', 'jor', 'lin', 'quo', 'sa', 'ul', 'wen', 'zor'];
const COMMON = 'the of and to in is that for it as with was on be at by this have from or an are not but what all were when we there can your which their said if will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know'.split(' ');
const SUBJECT_WORDS = 'meeting report budget review plan update invoice schedule proposal release notes minutes agenda feedback question request order delivery project launch draft contract status summary weekly monthly travel lunch party'.split(' ');
const FIRST = 'Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Zoë Jürgen Ségolène Łukasz Åsa'.split(' ');
const LAST = 'Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Müller Dubois Rossi Novak García Kowalski'.split(' ');
const DOMAINS = ['example.org', 'example.com', 'example.net', 'mail.example.org', 'lists.example.com'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

/** A vocabulary of made-up words beside the common ones, so bodies have many distinct terms. */
function vocabulary(r: () => number, n: number): string[] {
  return Array.from({ length: n }, () => Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(r, SYLLABLES)).join(''));
}

function encodedName(name: string): string {
  // Non-ASCII display names as RFC 2047 encoded words, as mail clients send them.
  return /^[\x20-\x7e]*$/.test(name) ? `"${name}"` : `=?UTF-8?B?${Buffer.from(name).toString('base64')}?=`;
}

function qp(text: string): string {
  const bytes = Buffer.from(text);
  let out = '';
  let line = 0;
  for (const b of bytes) {
    const piece = b === 0x0a ? '\n' : (b >= 0x21 && b <= 0x7e && b !== 0x3d) || b === 0x20 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (piece === '\n') line = 0;
    else if (line + piece.length > 75) {
      out += '=\n';
      line = 0;
    }
    out += piece;
    line += piece === '\n' ? 0 : piece.length;
  }
  return out;
}

interface Thread {
  subject: string;
  ids: string[];
}

export interface CorpusInfo {
  messages: number;
  folders: number;
  bytes: number;
  folderNames: string[];
}

/** Writes the Maildir++ tree under `root` (INBOX = root; folders `.Name`). */
export function writeLargeCorpus(root: string, messages: number, folders: number, seed = 16): CorpusInfo {
  const r = random(seed);
  const words = [...COMMON, ...vocabulary(r, 3000)];
  const people = Array.from({ length: 800 }, (_, i) => {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    return { name: `${first} ${last}`, address: `${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${last.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}${i}@${pick(r, DOMAINS)}` };
  });
  const threads: Thread[] = [];
  const start = Date.UTC(2023, 0, 1) / 1000;
  const span = 3 * 365 * 86400;
  let bytes = 0;
  const sentence = () => {
    const n = 6 + Math.floor(r() * 12);
    const s = Array.from({ length: n }, () => pick(r, words)).join(' ');
    return s[0].toUpperCase() + s.slice(1) + '.';
  };
  const writeFolder = (dir: string, count: number, offset: number) => {
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    for (let i = 0; i < count; i++) {
      const n = offset + i;
      // Arrival times grow with the message number, with jitter: dates and UIDs mostly agree, as in real mailboxes.
      const time = Math.floor(start + (span * n) / Math.max(1, messages) + r() * 3600);
      const date = new Date(time * 1000);
      const from = pick(r, people);
      const to = pick(r, people);
      const id = `<${n}.${time}@${from.address.split('@')[1]}>`;
      let subject: string;
      let refs: string[] = [];
      if (threads.length > 0 && r() < 0.35) {
        const t = threads[Math.floor(Math.pow(r(), 0.3) * threads.length)];
        subject = `Re: ${t.subject}`;
        refs = t.ids.slice(-10);
        t.ids.push(id);
      } else {
        subject = Array.from({ length: 2 + Math.floor(r() * 5) }, () => (r() < 0.5 ? pick(r, SUBJECT_WORDS) : pick(r, words))).join(' ');
        if (r() < 0.01) subject += ` ${CORPUS_TERMS.subject}`;
        subject = subject[0].toUpperCase() + subject.slice(1);
        threads.push({ subject, ids: [id] });
        if (threads.length > 5000) threads.splice(0, 1000);
      }
      const paragraphs = Array.from({ length: 1 + Math.floor(r() * 5) }, () => Array.from({ length: 1 + Math.floor(r() * 4) }, sentence).join(' '));
      if (r() < 0.005) paragraphs.splice(Math.floor(r() * paragraphs.length), 0, `See the ${CORPUS_TERMS.body} notes.`);
      const text = paragraphs.map((p) => p.replace(/(.{1,72})(\s|$)/g, '$1\n')).join('\n');
      const head = [
        `Return-Path: <${from.address}>`,
        `Message-ID: ${id}`,
        `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
        `From: ${encodedName(from.name)} <${from.address}>`,
        `To: ${encodedName(to.name)} <${to.address}>`,
        `Subject: ${subject}`,
        ...(refs.length ? [`In-Reply-To: ${refs.at(-1)}`, `References: ${refs.join(' ')}`] : []),
        'MIME-Version: 1.0',
      ];
      const kind = r();
      let body: string;
      if (kind < 0.1) {
        const boundary = `b${n}`;
        head.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
        const attachment = Buffer.from(Array.from({ length: 600 + Math.floor(r() * 3000) }, () => Math.floor(r() * 256))).toString('base64').replace(/(.{76})/g, '$1\n');
        body = `--${boundary}\nContent-Type: text/plain; charset=utf-8\n\n${text}\n--${boundary}\nContent-Type: application/octet-stream; name="data${n}.bin"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="data${n}.bin"\n\n${attachment}\n--${boundary}--\n`;
      } else if (kind < 0.2) {
        head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable');
        body = qp(`Grüße, ${from.name}.\n\n${text}`);
      } else {
        head.push('Content-Type: text/plain; charset=us-ascii');
        body = text;
      }
      const raw = Buffer.from(`${head.join('\n')}\n\n${body}`.replace(/\n/g, '\r\n'));
      bytes += raw.length;
      const seen = r() < 0.8 ? 'S' : '';
      const flagged = r() < 0.03 ? 'F' : '';
      const file = path.join(dir, 'cur', `${time}.M${n}P1.bench,S=${raw.length}:2,${flagged}${seen}`);
      fs.writeFileSync(file, raw);
      fs.utimesSync(file, date, date);
    }
  };
  writeFolder(root, messages, 0);
  const folderNames: string[] = [];
  for (let f = 0; f < folders; f++) {
    // Two levels, as people file: Projects/P0001, Archive/2019/…; ten top-level groups.
    const name = `Group${String(f % 10).padStart(2, '0')}.Folder${String(f).padStart(4, '0')}`;
    folderNames.push(name.replace('.', '/'));
    writeFolder(path.join(root, `.${name}`), 1, messages + f);
  }
  return { messages, folders, bytes, folderNames };
}
