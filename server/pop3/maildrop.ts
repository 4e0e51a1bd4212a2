import type { MailStore } from '../store/store';
import type { MailboxInfo, MessageMeta } from '../store/types';

export type Lookup = { ok: true; message: MessageMeta } | { ok: false; error: string };

/**
 * A POP3 maildrop: the user's INBOX as it was at login (RFC 1939 section 4). Message
 * numbers stay fixed for the session; deletions and \Seen flags are only remembered
 * here and applied by `commit` in the UPDATE state.
 */
export class Maildrop {
  private readonly deleted = new Set<number>();
  private readonly retrieved = new Set<number>();

  private constructor(
    private readonly store: MailStore,
    readonly mailbox: MailboxInfo,
    private readonly messages: MessageMeta[],
  ) {}

  static open(store: MailStore, userId: number): Maildrop {
    let inbox = store.mailbox(userId, 'INBOX');
    if (!inbox) {
      store.ensureDefaultMailboxes(userId);
      inbox = store.mailbox(userId, 'INBOX');
      if (!inbox) throw new Error('the user has no INBOX');
    }
    return new Maildrop(store, inbox, store.messages(inbox.id));
  }

  /** Messages not marked deleted, with their message numbers. */
  *visible(): Generator<[number, MessageMeta]> {
    for (let i = 0; i < this.messages.length; i++) {
      if (!this.deleted.has(i + 1)) yield [i + 1, this.messages[i]];
    }
  }

  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const [, m] of this.visible()) {
      count++;
      octets += m.size;
    }
    return { count, octets };
  }

  /** Resolves a message-number argument ("1", "2", ...) as RFC 1939 describes. */
  lookup(arg: string | undefined): Lookup {
    if (arg === undefined || !/^[0-9]{1,10}$/.test(arg)) return { ok: false, error: 'invalid message number' };
    const n = Number(arg);
    if (n < 1 || n > this.messages.length) return { ok: false, error: 'no such message' };
    if (this.deleted.has(n)) return { ok: false, error: `message ${n} already deleted` };
    return { ok: true, message: this.messages[n - 1] };
  }

  /** A unique id that never changes for the message (UIDL): UIDVALIDITY and UID of the INBOX. */
  uniqueId(message: MessageMeta): string {
    return `${this.mailbox.uidValidity}.${message.uid}`;
  }

  markDeleted(n: number): void {
    this.deleted.add(n);
  }

  markRetrieved(n: number): void {
    this.retrieved.add(n);
  }

  /** RSET: forget every mark made in this session. */
  reset(): void {
    this.deleted.clear();
    this.retrieved.clear();
  }

  get deletedCount(): number {
    return this.deleted.size;
  }

  /** The UPDATE state: flag retrieved messages \Seen, then remove the deleted ones. */
  async commit(): Promise<{ removed: number; remaining: number }> {
    const uidsOf = (numbers: Iterable<number>) => [...numbers].map((n) => this.messages[n - 1].uid);
    const seen = uidsOf([...this.retrieved].filter((n) => !this.deleted.has(n)));
    if (seen.length > 0) this.store.setFlags(this.mailbox.id, seen, 'add', ['\\Seen']);
    const removed = this.deleted.size > 0 ? await this.store.expunge(this.mailbox.id, uidsOf(this.deleted)) : [];
    return { removed: removed.length, remaining: this.messages.length - this.deleted.size };
  }
}
