import crypto from 'node:crypto';
import type { MailStore } from '../store/store';
import type { User } from '../directory/types';

/** Puts system notices (quota warnings) straight into a user's INBOX, whatever the quota. */
export class Notifier {
  constructor(
    private readonly store: MailStore,
    private readonly hostname: string,
  ) {}

  async notifyUser(user: User, subject: string, text: string): Promise<void> {
    const message = [
      `From: Postmaster <postmaster@${this.hostname}>`,
      `To: ${user.shortName}@${this.hostname}`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${this.hostname}>`,
      'Auto-Submitted: auto-generated',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      '',
    ].join('\r\n');
    this.store.ensureDefaultMailboxes(user.id);
    await this.store.append([{ userId: user.id, mailbox: 'INBOX', source: { parts: [Buffer.from(message, 'utf8')] } }]);
  }
}
