import type { Db } from '../db/database';

/**
 * What earlier runs copied, per user, source and source folder (migration 10): the
 * UIDVALIDITY and last UID copied (IMAP), and a key per message copied. Written in the
 * store's own transaction with the messages it describes, so both are there or neither.
 */
export class MigrationLedger {
  constructor(
    private readonly db: Db,
    readonly userId: number,
    readonly source: string,
  ) {}

  folderState(folder: string): { uidValidity: number; lastUid: number } | undefined {
    const row = this.db
      .prepare('SELECT uidvalidity, last_uid FROM migration_folders WHERE user_id = ? AND source = ? AND folder = ?')
      .get(this.userId, this.source, folder) as { uidvalidity: number; last_uid: number } | undefined;
    return row && { uidValidity: row.uidvalidity, lastUid: row.last_uid };
  }

  /** Must run inside a transaction (the store's append): the messages and their record commit together. */
  record(folder: string, keys: string[], state?: { uidValidity: number; lastUid: number }): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO migration_messages (user_id, source, folder, key) VALUES (?, ?, ?, ?)');
    for (const key of keys) insert.run(this.userId, this.source, folder, key);
    if (state) this.setFolderState(folder, state);
  }

  setFolderState(folder: string, state: { uidValidity: number; lastUid: number }): void {
    this.db
      .prepare(
        `INSERT INTO migration_folders (user_id, source, folder, uidvalidity, last_uid) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id, source, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid`,
      )
      .run(this.userId, this.source, folder, state.uidValidity, state.lastUid);
  }

  /** The keys among `keys` already copied from this folder. */
  copiedKeys(folder: string, keys: string[]): Set<string> {
    const found = new Set<string>();
    const select = this.db.prepare('SELECT key FROM migration_messages WHERE user_id = ? AND source = ? AND folder = ? AND key IN (SELECT value FROM json_each(?))');
    for (let i = 0; i < keys.length; i += 500) {
      for (const row of select.all(this.userId, this.source, folder, JSON.stringify(keys.slice(i, i + 500))) as { key: string }[]) found.add(row.key);
    }
    return found;
  }
}
