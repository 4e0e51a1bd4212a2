import type { Queue } from '../queue/queue';

/**
 * Queues a message the server made itself (bounce, notice, redirected copy), with the
 * Return-Path line local delivery keeps. `client` names the maker; it has no
 * "[address]", which is how later stages tell such mail from mail that came in.
 */
export async function queueGeneratedMail(
  queue: Queue,
  mail: { sender: string; recipients: { address: string; original: string }[]; client: string; content: Buffer },
): Promise<void> {
  const prefix = Buffer.from(`Return-Path: <${mail.sender}>\r\n`);
  await queue.enqueue({ sender: mail.sender, recipients: mail.recipients, client: mail.client, localPrefix: prefix.length }, [prefix, mail.content]);
}
