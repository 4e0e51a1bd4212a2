import type { Queue } from '../queue/queue';

/**
 * Queues a message the server made itself (bounce, notice, redirected copy), with the
 * Return-Path line local delivery keeps. `client` names the maker; it has no
 * "[address]", which is how later stages tell such mail from mail that came in.
 * `signDkim` only for text the server wrote itself (bounces, notices), never for a
 * copy of a message that came from elsewhere.
 */
export async function queueGeneratedMail(
  queue: Queue,
  mail: { sender: string; recipients: { address: string; original: string }[]; client: string; content: Buffer; signDkim?: boolean },
): Promise<void> {
  const prefix = Buffer.from(`Return-Path: <${mail.sender}>\r\n`);
  await queue.enqueue({ sender: mail.sender, recipients: mail.recipients, client: mail.client, localPrefix: prefix.length, signDkim: mail.signDkim }, [prefix, mail.content]);
}
