import type { TestEngine } from '../helpers/engine';
import { newQueueId } from '../../server/queue/queue';
import type { QueueEntry } from '../../server/queue/types';

/**
 * Puts a message in the queue as the SMTP service would (Return-Path line first,
 * counted as the local-only prefix) and resolves once its first delivery attempt
 * has been recorded.
 */
export async function queueAndAttempt(t: TestEngine, sender: string, recipients: string[], message: string): Promise<QueueEntry | undefined> {
  const q = t.engine.ctx.queue;
  const id = newQueueId();
  const attempted = nextAttempt(t, id);
  const prefix = Buffer.from(`Return-Path: <${sender}>\r\n`);
  await q.enqueue(
    { id, sender, recipients: recipients.map((a) => ({ address: a, original: a })), client: 'outbound test', localPrefix: prefix.length },
    [prefix, Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'utf8')],
  );
  return attempted;
}

/** Resolves with the entry (undefined once it left the queue) after its next attempt is recorded. */
export function nextAttempt(t: TestEngine, id: string): Promise<QueueEntry | undefined> {
  const q = t.engine.ctx.queue;
  return new Promise((resolve) => {
    const onSettled = (settledId: string) => {
      if (settledId !== id) return;
      q.off('settled', onSettled);
      resolve(q.entry(id));
    };
    q.on('settled', onSettled);
  });
}

/** The messages in a user's INBOX, as text. */
export async function inbox(t: TestEngine, user: string): Promise<string[]> {
  const { store, directory } = t.engine.ctx;
  const u = directory.userByName(user);
  const box = u && store.mailbox(u.id, 'INBOX');
  if (!box) return [];
  return Promise.all(store.messages(box.id).map(async (m) => (await store.readMessage(m)).toString('utf8')));
}

export function message(subject: string, body = 'Hello from Pillarbox.\r\n', from = 'alice@example.test', to = 'someone@remote.test'): string {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.test>`, '', body].join('\r\n');
}

/** Makes a queued message look `hours` old (expiry and delay notices without waiting hours). */
export function age(t: TestEngine, id: string, hours: number): void {
  t.engine.ctx.db.prepare('UPDATE queue SET created_at = ? WHERE id = ?').run(Date.now() - hours * 3600_000, id);
}
