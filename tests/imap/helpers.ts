import { LineClient } from '../helpers/line-client';
import { type TestEngine, startEngine } from '../helpers/engine';
import type { Settings } from '../../server/config/settings-schema';

export const ALICE = { shortName: 'alice', password: 'alice-password-1' };
export const BOB = { shortName: 'bob', password: 'bob-password-1' };

export function startImapEngine(settings: Partial<Settings> = {}, users = [ALICE]): Promise<TestEngine> {
  return startEngine({ users, settings });
}

export function userId(t: TestEngine, shortName = 'alice'): number {
  return t.engine.ctx.directory.loginUser(shortName)!.id;
}

/** Puts a message into a mailbox the way delivery does, and returns its UID. */
export async function putMessage(t: TestEngine, message: string | Buffer, opts: { mailbox?: string; flags?: string[]; user?: string; date?: Date } = {}): Promise<number> {
  const [r] = await t.engine.ctx.store.append([
    {
      userId: userId(t, opts.user),
      mailbox: opts.mailbox ?? 'INBOX',
      flags: opts.flags,
      internalDate: opts.date,
      source: { parts: [typeof message === 'string' ? Buffer.from(message) : message] },
    },
  ]);
  return r.uid;
}

export function simpleMessage(subject: string, body = 'Hello there.\r\n', extra = ''): string {
  return (
    `From: Sender Person <sender@example.org>\r\n` +
    `To: Alice <alice@mail.example.test>\r\n` +
    `Subject: ${subject}\r\n` +
    `Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n` +
    extra +
    `\r\n` +
    body
  );
}

export const MULTIPART = [
  'From: "Bob Q. Example" <bob@example.org>',
  'To: alice@mail.example.test, Group: carol@example.org, dave@example.org;',
  'Subject: =?utf-8?q?caf=C3=A9?= report',
  'Date: Tue, 8 Feb 1994 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'The quarterly caf=C3=A9 report.',
  'Second line.',
  '--outer',
  'Content-Type: application/octet-stream; name="data.bin"',
  'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQFBgc=',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'From: inner@example.org',
  'Subject: inner message',
  '',
  'Inner body.',
  '--outer--',
  'epilogue',
  '',
].join('\r\n');

/** A raw client logged in as alice over implicit TLS. */
export async function loggedIn(t: TestEngine, user = ALICE): Promise<LineClient> {
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  await c.waitFor('* OK');
  await c.command(`a0 LOGIN ${user.shortName} ${user.password}`, /^a0 /);
  return c;
}

/** Sends a command and returns every line up to and including its tagged reply. */
export async function run(c: LineClient, tag: string, command: string): Promise<string[]> {
  const from = c.lines.length;
  await c.command(`${tag} ${command}`, new RegExp(`^${tag} (OK|NO|BAD)`));
  return c.lines.slice(from);
}
