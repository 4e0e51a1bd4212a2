import crypto from 'node:crypto';
import type { Db } from '../db/database';
import { checkMailboxName } from './mailbox-names';
import { HIERARCHY_SEPARATOR, PUBLIC_PREFIX, normalizeMailboxName } from './types';

/** The names each user subscribes to (IMAP SUBSCRIBE/LSUB), mailboxes or not. */
export class Subscriptions {
  constructor(private readonly db: Db) {}

  /** Every user's subscriptions to a renamed public folder (and its children) follow it, under the IMAP prefix. */
  movePublic(from: string, to: string): void {
    const old = PUBLIC_PREFIX + from;
    const rows = this.db
      .prepare('SELECT user_id, name FROM mailbox_subscriptions WHERE name = ? OR substr(name, 1, ?) = ?')
      .all(old, old.length + 1, old + HIERARCHY_SEPARATOR) as { user_id: number; name: string }[];
    for (const r of rows) {
      this.set(r.user_id, r.name, false);
      this.set(r.user_id, PUBLIC_PREFIX + to + r.name.slice(old.length), true);
    }
  }

  /**
   * Subscribes or unsubscribes a name, whether or not a mailbox of that name exists (RFC 3501
   * 6.3.6). A subscribed name must be one a mailbox could have: LIST and LSUB match patterns
   * against it, at a cost that grows with its length.
   */
  set(userId: number, rawName: string, subscribed: boolean): void {
    const name = normalizeMailboxName(rawName);
    // Any name may be unsubscribed (one stored before names were checked included).
    if (subscribed) checkMailboxName(name);
    if (subscribed) this.db.prepare('INSERT OR IGNORE INTO mailbox_subscriptions (user_id, name) VALUES (?, ?)').run(userId, name);
    else this.db.prepare('DELETE FROM mailbox_subscriptions WHERE user_id = ? AND name = ?').run(userId, name);
  }

  /** Every subscribed name of a user, existing mailbox or not, sorted. */
  list(userId: number): string[] {
    return (this.db.prepare('SELECT name FROM mailbox_subscriptions WHERE user_id = ? ORDER BY name').all(userId) as { name: string }[]).map(
      (r) => r.name,
    );
  }
}

/** The URLAUTH (RFC 4467) keys of users' mailboxes. */
export class UrlauthKeys {
  constructor(private readonly db: Db) {}

  /** The URLAUTH (RFC 4467) key of a user's mailbox, made on first use. */
  key(userId: number, rawName: string): Buffer {
    const name = normalizeMailboxName(rawName);
    const row = this.db.prepare('SELECT key FROM urlauth_keys WHERE user_id = ? AND mailbox = ?').get(userId, name) as { key: Buffer } | undefined;
    if (row) return row.key;
    const key = crypto.randomBytes(32);
    this.db.prepare('INSERT OR IGNORE INTO urlauth_keys (user_id, mailbox, key) VALUES (?, ?, ?)').run(userId, name, key);
    return this.key(userId, name);
  }

  /** RESETKEY: forgets the key of one mailbox, or of all the user's mailboxes, so URLs made with it stop working. */
  reset(userId: number, rawName?: string): void {
    if (rawName === undefined) this.db.prepare('DELETE FROM urlauth_keys WHERE user_id = ?').run(userId);
    else this.db.prepare('DELETE FROM urlauth_keys WHERE user_id = ? AND mailbox = ?').run(userId, normalizeMailboxName(rawName));
  }
}
