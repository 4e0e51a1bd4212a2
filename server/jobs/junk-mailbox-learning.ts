import type { SettingsService } from '../config/settings';
import type { JunkFilter, LearnOutcome } from '../junk/filter';
import type { UserJunkTables } from '../junk/user-tables';
import type { JunkClass } from '../junk/token-store';
import type { Logger } from '../logs/logger';
import type { ActivityTracker } from '../metrics/activity';
import type { MailStore } from '../store/store';
import type { MailboxInfo, StoreEvents } from '../store/types';

/** Lessons waiting at most; beyond this the oldest are dropped (counted), never the engine's memory. */
const MAX_WAITING = 50_000;
/** Messages learnt per turn of the event loop: a few milliseconds of tokenizing each. */
const BATCH = 8;
const JUNK = '\\Junk';
const TRASH = '\\Trash';

interface Lesson {
  mailboxId: number;
  uid: number;
  as: JunkClass;
}

export interface MailboxLearningStats {
  waiting: number;
  learntAsJunk: number;
  learntAsNotJunk: number;
  alreadyKnown: number;
  dropped: number;
}

/**
 * The junk filter learns from what users do with their mail, as Stalwart, mox and mailcow do:
 * a message filed into the Junk mailbox (special use \Junk) by a move, a copy or an APPEND is
 * junk; one moved out of Junk into any mailbox but Trash is not; the $Junk and $NotJunk
 * keywords (RFC 9051 2.3.2) count the same. Deliveries (the filter's own verdicts, Sieve's
 * fileinto) are not lessons: they come through no user's hand.
 *
 * Asynchronous and bounded: the IMAP command only queues the lesson; a few messages are learnt
 * per turn of the event loop. Idempotent: the filter knows each message by its hash, so a
 * message learnt twice counts once, and one moved back is moved to the other class. Lessons
 * are kept in memory: the ones waiting when the engine stops are not learnt (the next move is).
 * With per-user token tables (junkTokenTables = per-user) a lesson goes into the filing user's
 * own table instead of the global one, as mox keeps them: one user's taste does not decide
 * another's mail. The global table (the fallback) keeps learning from junkmail/notjunkmail.
 */
export class JunkMailboxLearning {
  private readonly waiting: Lesson[] = [];
  private pumping = false;
  private stopped = false;
  private readonly counts = { learntAsJunk: 0, learntAsNotJunk: 0, alreadyKnown: 0, dropped: 0 };
  private readonly onFiled = (e: StoreEvents['filed']) => this.filed(e);
  private readonly onFlags = (e: StoreEvents['flags']) => this.flagged(e);
  /** Runs when the waiting lessons have all been learnt (tests and shutdown wait on it). */
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: MailStore,
    private readonly filters: { global: JunkFilter; users: UserJunkTables },
    private readonly settings: SettingsService,
    private readonly log: Logger,
    private readonly activities: ActivityTracker,
  ) {
    store.on('filed', this.onFiled);
    store.on('flags', this.onFlags);
  }

  stats(): MailboxLearningStats {
    return { waiting: this.waiting.length, ...this.counts };
  }

  /** Resolves once every lesson queued so far has been learnt. */
  idle(): Promise<void> {
    if (!this.waiting.length && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.store.off('filed', this.onFiled);
    this.store.off('flags', this.onFlags);
    this.waiting.length = 0;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private filed(e: StoreEvents['filed']): void {
    if (!this.settings.get().junkLearnFromMailboxes) return;
    const to = this.store.mailboxById(e.mailboxId);
    const from = e.fromMailboxId !== undefined ? this.store.mailboxById(e.fromMailboxId) : undefined;
    if (!to || this.isPublic(to)) return;
    let as: JunkClass | undefined;
    if (to.specialUse === JUNK && from?.specialUse !== JUNK) as = 'spam';
    else if (from?.specialUse === JUNK && to.specialUse !== JUNK && to.specialUse !== TRASH) as = 'ham';
    if (as) this.queue(e.uids.map((uid) => ({ mailboxId: e.mailboxId, uid, as: as as JunkClass })));
  }

  private flagged(e: StoreEvents['flags']): void {
    if (!this.settings.get().junkLearnFromMailboxes) return;
    const box = this.store.mailboxById(e.mailboxId);
    if (!box || this.isPublic(box)) return;
    const lessons: Lesson[] = [];
    // One query for the whole change (a client may set \Seen on 10,000 messages at once).
    for (const { uid, flags } of this.store.messagesByUid(e.mailboxId, e.uids)) {
      const junk = flags.some((f) => f.toLowerCase() === '$junk');
      const notJunk = flags.some((f) => f.toLowerCase() === '$notjunk');
      // Both set says nothing; a message learnt already as what it says is skipped by the filter.
      if (junk !== notJunk) lessons.push({ mailboxId: e.mailboxId, uid, as: junk ? 'spam' : 'ham' });
    }
    this.queue(lessons);
  }

  private isPublic(box: MailboxInfo): boolean {
    return box.userId === this.store.publicOwnerId;
  }

  private queue(lessons: Lesson[]): void {
    if (!lessons.length || this.stopped) return;
    this.waiting.push(...lessons);
    const over = this.waiting.length - MAX_WAITING;
    if (over > 0) {
      this.waiting.splice(0, over);
      this.counts.dropped += over;
      this.log.error('junk lessons dropped: more waiting than the filter can learn', { dropped: over });
    }
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => void this.pump());
    }
  }

  private async pump(): Promise<void> {
    try {
      while (this.waiting.length && !this.stopped) {
        const batch = this.waiting.splice(0, BATCH);
        for (const as of ['spam', 'ham'] as const) {
          const lessons = batch.filter((l) => l.as === as);
          const found = lessons.flatMap((l) => {
            const meta = this.store.message(l.mailboxId, l.uid);
            return meta ? [{ userId: this.store.mailboxById(l.mailboxId)?.userId, meta }] : [];
          });
          if (!found.length) continue;
          // A message expunged meanwhile has no file to read: it is left out, not an error.
          const read = await Promise.all(found.map(async (f) => ({ userId: f.userId, raw: await this.store.readMessage(f.meta).catch(() => undefined) })));
          const learnt = read.filter((r): r is { userId: number | undefined; raw: Buffer } => r.raw !== undefined);
          if (this.stopped) return;
          // Labelled for the event-loop watchdog, which names what ran during a stall.
          const activity = this.activities.start(`junk learning ${learnt.length} from mailboxes`);
          try {
            if (this.settings.get().junkTokenTables === 'per-user') {
              for (const userId of new Set(learnt.map((r) => r.userId))) {
                if (userId !== undefined) this.tally(as, this.filters.users.learnMany(userId, learnt.filter((r) => r.userId === userId).map((r) => r.raw), as));
              }
            } else {
              this.tally(as, this.filters.global.learnMany(learnt.map((r) => r.raw), as));
            }
          } finally {
            activity.close();
          }
        }
        // One batch per turn: IMAP sessions run between them.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.log.error('learning from mailboxes failed', { error: String(err) });
    } finally {
      this.pumping = false;
      if (!this.waiting.length) for (const w of this.idleWaiters.splice(0)) w();
      else if (!this.stopped) {
        this.pumping = true;
        setImmediate(() => void this.pump());
      }
    }
  }

  private tally(as: JunkClass, outcomes: LearnOutcome[]): void {
    let learnt = 0;
    for (const o of outcomes) {
      if (o === 'learnt' || o === 'relearnt') learnt++;
      else this.counts.alreadyKnown++;
    }
    if (as === 'spam') this.counts.learntAsJunk += learnt;
    else this.counts.learntAsNotJunk += learnt;
    if (learnt) this.log.message(`learnt from users' mailboxes as ${as === 'spam' ? 'junk' : 'not junk'}`, { messages: learnt, known: outcomes.length - learnt });
  }
}
