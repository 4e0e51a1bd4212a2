import { ImapFlow } from 'imapflow';
import { swaks } from '../helpers/smtp';
import type { TestEngine } from '../helpers/engine';
import { gqlOk } from '../graphql/client';

/**
 * Mail over SMTP with swaks, as a client on the Internet sends it; resolves once the engine is
 * idle again. `headers` are added, except Message-Id, Date and From, which replace swaks's own.
 */
export async function mail(t: TestEngine, from: string, to: string, subject: string, body = 'Hello.', headers: string[] = []): Promise<string> {
  const r = await swaks([
    '--server', '127.0.0.1', '--port', String(t.ports.smtp), '--helo', 'client.remote.test',
    '--from', from, '--to', to, '--header', `Subject: ${subject}`, ...headers.flatMap((h) => [/^(message-id|date|from):/i.test(h) ? '--header' : '--add-header', h.replace(/^message-id:/i, 'Message-Id:')]), '--body', body,
  ]);
  await t.engine.ctx.queue.idle();
  return r.output;
}

/** A user's INBOX messages, as text, in the order delivered. */
export async function inbox(t: TestEngine, user: string): Promise<string[]> {
  const { store, directory } = t.engine.ctx;
  const u = directory.userByName(user);
  const box = u && store.mailbox(u.id, 'INBOX');
  if (!box) return [];
  return Promise.all(store.messages(box.id).map(async (m) => (await store.readMessage(m)).toString('utf8')));
}

/** The unfolded value of a header field of a message given as text. */
export function header(message: string, name: string): string | undefined {
  const head = message.slice(0, message.indexOf('\r\n\r\n'));
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return m?.[1].replace(/\r\n[ \t]+/g, ' ').trim();
}

/** The decoded text of a quoted-printable body (the lists' own mails). */
export function qpBody(message: string): string {
  const body = message.slice(message.indexOf('\r\n\r\n') + 4);
  return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

export async function members(t: TestEngine, token: string, list: string): Promise<string[]> {
  const data = await gqlOk<{ listMembers: { nodes: { address: string }[] } }>(t.ports.http, `query ($l: String!) { listMembers(list: $l, first: 500) { nodes { address } } }`, { token, variables: { l: list } });
  return data.listMembers.nodes.map((n) => n.address);
}

/** Opens a user's INBOX over IMAPS with imapflow (password `USER-password-1`), runs `fn`, logs out. */
export async function inImapInbox<T>(t: TestEngine, user: string, fn: (imap: ImapFlow) => Promise<T>): Promise<T> {
  const imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user, pass: `${user}-password-1` }, tls: { rejectUnauthorized: false }, logger: false });
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      return await fn(imap);
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
}

/** One body part of the newest message in the open mailbox, decoded, as text. */
export async function newestPart(imap: ImapFlow, part: string): Promise<string> {
  const { content } = await imap.download('*', part);
  const chunks: Buffer[] = [];
  for await (const c of content) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
