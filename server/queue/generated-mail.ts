import type { Queue } from './queue';

export interface GeneratedMail {
  sender: string;
  recipients: { address: string; original: string }[];
  client: string;
  content: Buffer;
  /** Made while delivering a queued message: a retried delivery does not make it again. */
  once?: { parentId: string; key: string };
  /** DKIM-sign it when it leaves: only for text the server wrote itself (bounces, notices), never for a copy of a message that came from elsewhere. */
  signDkim?: boolean;
}

/**
 * Queues a message the server made itself (bounce, notice, redirected copy), with the
 * Return-Path line local delivery keeps. `client` names the maker; it has no
 * "[address]", which is how later stages tell such mail from mail that came in.
 * Returns the new queue ID, or the earlier one when `once` finds it was made before.
 */
export async function queueGeneratedMail(queue: Queue, mail: GeneratedMail): Promise<{ id: string; before: boolean }> {
  const earlier = mail.once && queue.generatedBefore(mail.once.parentId, mail.once.key);
  if (earlier) return { id: earlier, before: true };
  const prefix = Buffer.from(`Return-Path: <${mail.sender}>\r\n`);
  const entry = await queue.enqueue(
    { sender: mail.sender, recipients: mail.recipients, client: mail.client, localPrefix: prefix.length, once: mail.once, signDkim: mail.signDkim },
    [prefix, mail.content],
  );
  return { id: entry.id, before: false };
}
