import type { Db } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import { type QueueFilter, queueFilterSql } from './queue-search';
import type { Deferral, NewQueueRow, QueueRecipientRow, QueueRow, QueueStore, RecipientChange } from './queue-store';

/**
 * The queue's tables in the engine's SQLite database. Reads answer at once; writes go through
 * the group commit (visible early: a change seen and then lost in a crash only makes the
 * message go again). One engine owns this database, so a claim is the runner's in-flight set
 * and a check that the entry is still there and not held.
 */
export class SqliteQueueStore implements QueueStore {
  readonly backend = 'sqlite';

  constructor(
    readonly db: Db,
    private readonly commits: GroupCommit,
  ) {}

  insert(rows: NewQueueRow[], onCommitted?: () => void): Promise<void> {
    return this.commits.run(() => this.insertNow(rows), { visibleEarly: true, onCommitted });
  }

  /** Inserts inside the caller's transaction (a list's fan-out commits them with its own changes). */
  insertNow(rows: NewQueueRow[], building = false): void {
    const entry = this.db.prepare(
      `INSERT INTO queue (id, created_at, sender, size, path, local_prefix, client, authenticated_user, state, next_attempt, sign_dkim, dkim_domain, building)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows) {
      entry.run(r.id, r.createdAt, r.sender, r.size, r.file, r.localPrefix, r.client, r.authenticatedUser, building ? 'held' : 'active', r.createdAt, r.signDkim ? 1 : 0, r.dkimDomain, building ? 1 : 0);
      this.addRecipientsNow(r.id, r.recipients);
      if (r.once) this.db.prepare('INSERT INTO queue_generated (parent_id, key, child_id) VALUES (?, ?, ?)').run(r.once.parentId, r.once.key, r.id);
    }
  }

  /** Adds recipients (a repeated address is kept once, its first); how many were new. */
  addRecipientsNow(id: string, recipients: { address: string; original: string }[]): number {
    const rcpt = this.db.prepare('INSERT OR IGNORE INTO queue_recipients (queue_id, address, original) VALUES (?, ?, ?)');
    return recipients.reduce((n, r) => n + rcpt.run(id, r.address, r.original).changes, 0);
  }

  /** A staged entry (Queue.stage) becomes queued, inside the caller's transaction; false when it is gone. */
  activateNow(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE queue SET state = 'active', building = 0, created_at = ?, next_attempt = ? WHERE id = ? AND building = 1`).run(now, now, id).changes === 1;
  }

  discardStagedNow(id: string): void {
    this.db.prepare('DELETE FROM queue WHERE id = ? AND building = 1').run(id);
  }

  /**
   * Marks recipients delivered inside the caller's transaction (the store's delivery commit):
   * the message is in the mailbox and off the queue in one commit, never twice. A joint
   * transaction with the store's tables: a PostgreSQL queue needs the store there too.
   */
  markDeliveredNow(id: string, addresses: string[]): void {
    const update = this.db.prepare(`UPDATE queue_recipients SET status = 'delivered', diagnostic = NULL WHERE queue_id = ? AND address = ?`);
    for (const a of addresses) update.run(id, a);
    // The common case, everyone delivered, finishes the message in this same commit.
    const left = this.db.prepare(`SELECT COUNT(*) AS n FROM queue_recipients WHERE queue_id = ? AND status != 'delivered'`).get(id) as { n: number };
    if (left.n === 0) this.db.prepare('DELETE FROM queue WHERE id = ?').run(id);
  }

  has(id: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM queue WHERE id = ?').get(id);
  }

  claimDue(limit: number, now: number, exclude: string[]): QueueRow[] {
    return this.db
      .prepare(
        `SELECT * FROM queue WHERE state != 'held' AND next_attempt <= ?
         ${exclude.length ? `AND id NOT IN (${exclude.map(() => '?').join(',')})` : ''}
         ORDER BY next_attempt LIMIT ?`,
      )
      .all(now, ...exclude, limit) as QueueRow[];
  }

  claim(id: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM queue WHERE id = ? AND state != 'held'`).get(id);
  }

  nextAttemptAfter(now: number): number | undefined {
    const next = this.db.prepare(`SELECT MIN(next_attempt) AS t FROM queue WHERE state != 'held' AND next_attempt > ?`).get(now) as { t: number | null };
    return next.t ?? undefined;
  }

  dueCount(now: number): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM queue WHERE state != 'held' AND next_attempt <= ?`).get(now) as { n: number }).n;
  }

  recipients(id: string, page?: { after: string; limit: number }): QueueRecipientRow[] {
    if (!page) return this.db.prepare('SELECT address, original, status, diagnostic FROM queue_recipients WHERE queue_id = ? ORDER BY rowid').all(id) as QueueRecipientRow[];
    return this.db
      .prepare('SELECT address, original, status, diagnostic FROM queue_recipients WHERE queue_id = ? AND address > ? ORDER BY address LIMIT ?')
      .all(id, page.after, page.limit) as QueueRecipientRow[];
  }

  recipientCount(id: string, upTo: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM (SELECT 1 FROM queue_recipients WHERE queue_id = ? LIMIT ?)').get(id, upTo) as { n: number }).n;
  }

  setRecipients(id: string, change: RecipientChange): Promise<void> {
    return this.commits.run(() => this.setRecipientsNow(id, change), { visibleEarly: true });
  }

  /** One statement for the whole change: a list post's copy has 100,000 recipients. */
  private setRecipientsNow(id: string, change: RecipientChange): void {
    this.db
      .prepare('UPDATE queue_recipients SET status = ?, diagnostic = ? WHERE queue_id = ? AND address IN (SELECT value FROM json_each(?))')
      .run(change.status, change.diagnostic, id, JSON.stringify(change.addresses));
  }

  dropRecipients(id: string, limit: number): Promise<void> {
    return this.commits.run(() => void this.db.prepare('DELETE FROM queue_recipients WHERE rowid IN (SELECT rowid FROM queue_recipients WHERE queue_id = ? LIMIT ?)').run(id, limit), {
      visibleEarly: true,
    });
  }

  finish(id: string): Promise<void> {
    return this.commits.run(() => void this.db.prepare('DELETE FROM queue WHERE id = ?').run(id), { visibleEarly: true });
  }

  settle(id: string, last: RecipientChange | undefined, deferral: Deferral | undefined): Promise<void> {
    return this.commits.run(() => {
      if (last) this.setRecipientsNow(id, last);
      if (!deferral) return;
      this.db
        .prepare(`UPDATE queue SET state = CASE WHEN state = 'held' THEN 'held' ELSE 'deferred' END, attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?`)
        .run(deferral.attempts, deferral.nextAttempt, deferral.lastError, id);
      if (deferral.delayWarned) this.db.prepare('UPDATE queue SET delay_warned = 1 WHERE id = ?').run(id);
    }, { visibleEarly: true });
  }

  postpone(id: string, nextAttempt: number, lastError: string): void {
    this.db.prepare('UPDATE queue SET next_attempt = ?, last_error = ? WHERE id = ?').run(nextAttempt, lastError, id);
  }

  paths(): string[] {
    return (this.db.prepare('SELECT path FROM queue').all() as { path: string }[]).map((r) => r.path);
  }

  removeUnfinished(): number {
    return this.db.prepare('DELETE FROM queue WHERE building = 1').run().changes;
  }

  get(id: string): QueueRow | undefined {
    return this.db.prepare('SELECT * FROM queue WHERE id = ?').get(id) as QueueRow | undefined;
  }

  /** Every entry not being built, oldest first. */
  all(): QueueRow[] {
    return this.db.prepare('SELECT * FROM queue WHERE building = 0 ORDER BY created_at').all() as QueueRow[];
  }

  page(filter: QueueFilter, after: string | undefined, limit: number): { rows: QueueRow[]; total: number } {
    const { where, params } = queueFilterSql(filter);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM queue q WHERE ${where}`).get(...params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT q.* FROM queue q WHERE ${where} AND q.id > ? ORDER BY q.id LIMIT ?`).all(...params, after ?? '', limit) as QueueRow[];
    return { rows, total };
  }

  counts(): { active: number; deferred: number; held: number } {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM queue WHERE building = 0 GROUP BY state').all() as { state: string; n: number }[];
    const out = { active: 0, deferred: 0, held: 0 };
    for (const r of rows) out[r.state as keyof typeof out] = r.n;
    return out;
  }

  oldestWaiting(): number | undefined {
    const row = this.db.prepare(`SELECT MIN(created_at) AS t FROM queue WHERE state != 'held'`).get() as { t: number | null };
    return row.t ?? undefined;
  }

  hold(id: string): boolean {
    return this.db.prepare(`UPDATE queue SET state = 'held' WHERE id = ?`).run(id).changes > 0;
  }

  release(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE queue SET state = 'active', next_attempt = ? WHERE id = ? AND state = 'held' AND building = 0`).run(now, id).changes > 0;
  }

  retry(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE queue SET state = 'active', next_attempt = ? WHERE id = ? AND state != 'held'`).run(now, id).changes > 0;
  }

  remove(id: string): string | undefined {
    const row = this.db.prepare('SELECT path FROM queue WHERE id = ?').get(id) as { path: string } | undefined;
    if (row) this.db.prepare('DELETE FROM queue WHERE id = ?').run(id);
    return row?.path;
  }

  generatedBefore(parentId: string, key: string): string | undefined {
    const row = this.db.prepare('SELECT child_id FROM queue_generated WHERE parent_id = ? AND key = ?').get(parentId, key) as { child_id: string } | undefined;
    return row?.child_id;
  }
}
