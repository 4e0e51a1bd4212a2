import fsp from 'node:fs/promises';
import type { Db } from './database';

interface Pending {
  fn: () => unknown;
  committed?: (value: unknown) => void;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: work submitted in the same turn of the event loop runs in one
 * transaction, so many messages share one fsync of the WAL. Each piece runs in its
 * own savepoint: one that throws is undone alone and rejects alone.
 *
 * The fsync runs on libuv's thread pool, not in SQLite: the transaction commits without
 * syncing (synchronous = NORMAL, for this transaction only) and the WAL file is then
 * fsynced, which is what synchronous = FULL does after each commit, so a piece resolves
 * only once it is on disk, as before; but the event loop serves other sessions meanwhile.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Whether the database is a WAL file on disk (else SQLite syncs as configured). */
  private readonly walFile?: string;

  constructor(private readonly db: Db) {
    const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (!db.memory && mode === 'wal') this.walFile = `${db.name}-wal`;
  }

  /**
   * Runs `fn` in the next group transaction; resolves once it is on disk. `committed`, if
   * given, is called as soon as the transaction has committed, before the fsync: others
   * then see the change in the database and hear of it at the same moment.
   */
  run<T>(fn: () => T, committed?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, committed: committed as ((v: unknown) => void) | undefined, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    const results: { ok: boolean; value: unknown }[] = [];
    const syncLater = this.walFile !== undefined && !this.db.inTransaction;
    try {
      if (syncLater) this.db.prepare('PRAGMA synchronous = NORMAL').run();
      try {
        this.db.transaction(() => {
          for (const op of batch) {
            try {
              results.push({ ok: true, value: this.db.transaction(op.fn)() });
            } catch (err) {
              results.push({ ok: false, value: err });
            }
          }
        })();
      } finally {
        if (syncLater) this.db.prepare('PRAGMA synchronous = FULL').run();
      }
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => {
      if (!results[i].ok || !op.committed) return;
      try {
        op.committed(results[i].value);
      } catch (err) {
        results[i] = { ok: false, value: err };
      }
    });
    const settle = () => batch.forEach((op, i) => (results[i].ok ? op.resolve(results[i].value) : op.reject(results[i].value)));
    if (!syncLater) return settle();
    this.syncWal().then(settle, (err: unknown) => {
      for (const op of batch) op.reject(err);
    });
  }

  /** fsync of the WAL file (a fresh handle each time: nothing to keep track of when SQLite replaces the file). */
  private async syncWal(): Promise<void> {
    // No WAL file: SQLite checkpointed it into the database and removed it, so sync that.
    const handle = await fsp.open(this.walFile!, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return fsp.open(this.db.name, 'r');
      throw err;
    });
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
