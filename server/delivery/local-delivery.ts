import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from '../queue/types';
import type { QueueProcessor, RecipientOutcome } from '../queue/queue';
import { buildDeliveryReport } from '../queue/dsn';
import { Notifier } from './notifier';
import { QuotaStage } from './quota-stage';
import { SieveStage } from './sieve-stage';
import { JunkStage } from './junk-stage';
import { VirusStage } from './virus-stage';
import { localUserId, targetsFor } from '../queue/targets';
import { LIST_TARGET_PREFIX } from '../lists/addresses';
import { queueGeneratedMail } from '../queue/generated-mail';
import { copySources } from './copy-content';
import type { DeliveryStage, DeliveryTarget, LocalMessage } from './types';
import type { Activity } from '../metrics/activity';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Delivers queued messages to local mailboxes through an ordered list of stages
 * (virus, junk, Sieve, quota), then stores the message for every target still standing.
 * Remote targets go to `remote` when one is set.
 */
/** Recipients sorted between turns of the event loop (a list post's copy may have 100,000). */
const RECIPIENTS_PER_TURN = 5000;

export class LocalDelivery implements QueueProcessor {
  private readonly quota: QuotaStage;
  readonly stages: DeliveryStage[];
  remote?: QueueProcessor;

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
  ) {
    const notifier = new Notifier(ctx.store, ctx.options.hostname);
    this.quota = new QuotaStage(ctx.accounts, ctx.directory, () => ctx.settings.get(), notifier);
    // Screening first, so Sieve can test its verdicts (virustest, spamtest); viruses before
    // junk, so infected mail is never scored or learnt; quota last.
    this.stages = [
      new VirusStage(ctx, ctx.logs.logger('junk'), notifier),
      new JunkStage(ctx, ctx.logs.logger('junk')),
      new SieveStage(ctx, ctx.sieve, ctx.logs.logger('sieve'), notifier),
      this.quota,
    ];
  }

  async process(entry: QueueEntry): Promise<Map<string, RecipientOutcome>> {
    // For the event-loop watchdog: "delivery sieve <queue id>", stage by stage.
    const activity = this.ctx.activities.start(`delivery ${entry.id}`);
    try {
      const outcomes = new Map<string, RecipientOutcome>();
      // One pass: a list post's copy may have 100,000 recipients.
      const local: QueueEntry['recipients'] = [];
      const lists: QueueEntry['recipients'] = [];
      const remote: QueueEntry['recipients'] = [];
      let seen = 0;
      for (const r of entry.recipients) {
        // A turn of the event loop now and then (the stall watchdog's 100 ms).
        if (++seen % RECIPIENTS_PER_TURN === 0) await nextTurn();
        if (r.status !== 'pending') continue;
        if (localUserId(r.address) !== undefined) local.push(r);
        else if (r.address.startsWith(LIST_TARGET_PREFIX)) lists.push(r);
        else remote.push(r);
      }
      if (local.length) await this.deliverLocal(entry, local, outcomes, activity);
      if (lists.length) {
        activity.begin(`delivery lists ${entry.id}`);
        for (const [k, v] of await this.ctx.lists.deliver(entry, lists)) outcomes.set(k, v);
      }
      if (remote.length) {
        if (this.remote) {
          activity.begin(`delivery remote ${entry.id}`);
          const remoteOutcomes = await this.remote.process({ ...entry, recipients: remote });
          for (const [k, v] of remoteOutcomes) if (outcomes.set(k, v).size % RECIPIENTS_PER_TURN === 0) await nextTurn();
        } else {
          for (const r of remote) {
            outcomes.set(r.address, { status: 'temporary', diagnostic: '4.4.0 remote delivery is not enabled on this server yet' });
          }
        }
      }
      return outcomes;
    } finally {
      activity.close();
    }
  }

  private async deliverLocal(entry: QueueEntry, recipients: QueueEntry['recipients'], outcomes: Map<string, RecipientOutcome>, activity: Activity): Promise<void> {
    const message: LocalMessage = { entry, addedHeaders: [], targets: [] };
    for (const r of recipients) {
      const user = this.ctx.directory.user(localUserId(r.address) as number);
      if (!user) {
        outcomes.set(r.address, { status: 'permanent', diagnostic: '5.1.1 the recipient\u2019s account no longer exists' });
        continue;
      }
      message.targets.push({ address: r.address, original: r.original, user, mailbox: 'INBOX', flags: [] });
    }
    for (const stage of this.stages) {
      if (message.targets.every((t) => t.outcome)) break;
      activity.begin(`delivery ${stage.name} ${entry.id}`);
      await stage.run(message);
    }
    const standing = message.targets.filter((t) => !t.outcome);
    activity.begin(`delivery store ${entry.id}`);
    if (standing.length) await this.store(message, standing);
    for (const t of message.targets) if (t.outcome) outcomes.set(t.address, t.outcome);
    await this.quota.afterDelivery(message);
  }

  private async store(message: LocalMessage, targets: DeliveryTarget[]): Promise<void> {
    const { entry } = message;
    const sourceFor = copySources(message);
    // One stored copy per (target, folder): Sieve may ask for several.
    const copies = targets.flatMap((t) => (t.copies?.length ? t.copies : [{ mailbox: t.mailbox, flags: t.flags }]).map((c) => ({ t, ...c })));
    for (const c of copies) {
      if (this.ctx.store.mailbox(c.ownerId ?? c.t.user.id, c.mailbox)) continue;
      c.mailbox = 'INBOX';
      c.ownerId = undefined;
      if (!this.ctx.store.mailbox(c.t.user.id, 'INBOX')) this.ctx.store.ensureDefaultMailboxes(c.t.user.id);
    }
    try {
      const results = await this.ctx.store.append(
        copies.map((c) => ({
          userId: c.ownerId ?? c.t.user.id,
          mailbox: c.mailbox,
          flags: c.flags,
          // In a public folder a Sieve-set \Seen is the recipient's own.
          seenBy: c.t.user.id,
          source: sourceFor(c.t),
        })),
        () => this.ctx.queue.markDelivered(entry.id, targets.map((t) => t.address)),
      );
      copies.forEach((c, i) => {
        c.t.outcome = { status: 'delivered' };
        this.log.message('delivered', { queueId: entry.id, to: c.t.original, user: c.t.user.shortName, mailbox: c.mailbox, uid: results[i].uid });
      });
      this.ctx.counters.count('delivered', '', copies.length);
    } catch (err) {
      this.log.error('local delivery failed', { queueId: entry.id, error: String(err) });
      for (const t of targets) t.outcome = { status: 'temporary', diagnostic: `4.3.0 could not store the message: ${String(err)}` };
    }
  }

  /** Returns failed mail to its sender as a DSN; null senders (bounces themselves) get none. */
  async bounce(entry: QueueEntry, failed: { address: string; original: string; diagnostic: string }[]): Promise<void> {
    const activity = this.ctx.activities.start(`delivery bounce ${entry.id}`);
    try {
      await this.sendBounce(entry, failed);
    } finally {
      activity.close();
    }
  }

  private async sendBounce(entry: QueueEntry, failed: { address: string; original: string; diagnostic: string }[]): Promise<void> {
    for (const f of failed) this.log.message('bounced', { queueId: entry.id, to: f.original, reason: f.diagnostic });
    if (!entry.sender) return;
    const { directory, options } = this.ctx;
    // A list's -bounces address takes the bounces of its posts.
    const listTarget = this.ctx.lists.targetFor(entry.sender);
    const targets = listTarget ? [listTarget] : targetsFor(directory, options.hostname, entry.sender);
    if (targets.length === 0) {
      this.log.error('bounce sender is unknown, bounce dropped', { queueId: entry.id, sender: entry.sender });
      return;
    }
    const recipients = targets.map((t) => ({ address: t, original: entry.sender }));
    // "Copy undeliverable messages to" also receives every bounce, original header included.
    const copyTo = this.ctx.settings.get().copyUndeliverableTo;
    if (copyTo) for (const t of targetsFor(directory, options.hostname, copyTo)) if (!targets.includes(t)) recipients.push({ address: t, original: copyTo });
    const dsn = await buildDeliveryReport(entry, failed, { action: 'failed', hostname: options.hostname });
    await queueGeneratedMail(this.ctx.queue, { sender: '', recipients, client: 'local bounce', content: dsn, signDkim: true });
  }
}
