import type { Accounts } from '../directory/accounts';
import type { Directory } from '../directory/directory';
import type { Settings } from '../config/settings-schema';
import type { DeliveryStage, LocalMessage } from './types';
import type { Notifier } from './notifier';

/**
 * Quota enforcement, with the seed's options: over quota the message waits in the
 * queue (4.2.2) — or is refused for good (5.2.2) when "disable a user's mailbox" is
 * on — and the user gets the over-quota notice, at most once per warning interval.
 */
export class QuotaStage implements DeliveryStage {
  readonly name = 'quota';

  constructor(
    private readonly accounts: Accounts,
    private readonly directory: Directory,
    private readonly settings: () => Readonly<Settings>,
    private readonly notifier: Notifier,
  ) {}

  async run(message: LocalMessage): Promise<void> {
    const s = this.settings();
    for (const target of message.targets) {
      if (target.outcome) continue;
      const quota = this.accounts.quota(target.user);
      if (quota.limitBytes === 0 || quota.usedBytes + message.entry.size <= quota.limitBytes) continue;
      target.outcome = s.disableMailboxOverQuota
        ? { status: 'permanent', diagnostic: '5.2.2 mailbox full' }
        : { status: 'temporary', diagnostic: '4.2.2 mailbox full; the message waits until there is room' };
      if (s.overQuotaNoticeEnabled && this.dueForNotice(target.user.id)) {
        await this.notifier.notifyUser(target.user, 'Your mailbox is full', s.overQuotaMessage);
        this.directory.markQuotaWarned(target.user.id);
      }
    }
  }

  /** After delivery: the quota warning when usage has crossed the warning percentage. */
  async afterDelivery(message: LocalMessage): Promise<void> {
    const s = this.settings();
    if (!s.quotaWarningsEnabled) return;
    const warned = new Set<number>();
    for (const target of message.targets) {
      if (target.outcome?.status !== 'delivered' || warned.has(target.user.id)) continue;
      warned.add(target.user.id);
      const quota = this.accounts.quota(target.user);
      if (quota.limitBytes === 0 || quota.usedBytes * 100 < quota.limitBytes * s.quotaWarningPercent) continue;
      if (!this.dueForNotice(target.user.id)) continue;
      const percent = Math.floor((quota.usedBytes * 100) / quota.limitBytes);
      await this.notifier.notifyUser(target.user, `Your mailbox is ${percent}% full`, s.quotaWarningMessage);
      this.directory.markQuotaWarned(target.user.id);
    }
  }

  private dueForNotice(userId: number): boolean {
    const last = this.directory.quotaWarnedAt(userId);
    return !last || Date.now() - last.getTime() >= this.settings().quotaWarningIntervalDays * 86400_000;
  }
}
