import fsp from 'node:fs/promises';
import { type Db, transactionWithoutSync } from './database';

interface Pending {
  fn: () => unknown;
  visibleEarly: boolean;
  onCommitted?: (value: unknown) => void;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Committed {
  op: Pending;
  result: { ok: boolean; value: unknown };
}

export interface GroupCommitOptions {
  /**
   * The change may be seen by others (the queue runner, other readers of the database)
   * between its commit and its fsync; the caller still hears of it only once it is on
   * disk. Such a batch commits without syncing and its WAL is fsynced on libuv's thread
   * pool, so the event loop serves other sessions meanwhile. Only for changes whose being
   * seen and then lost in a crash does no harm (a queued message relayed before its 250:
   * the client sends it again). A batch with any other change syncs in SQLite as before.
   */
  visibleEarly?: boolean;
  /**
   * Told, synchronously and in commit order, as soon as the change is committed (seen by other
   * readers of the database), before it is on disk: the moment the queue runner could first
   * find it, so the queue hands a new message over then instead of searching for it.
   */
  onCommitted?: (value: unknown) => void;
}

/**
 * Group commit: work submitted in the same turn of the event loop runs in one
 * transaction, so many messages share one fsync of the WAL. Each piece runs in its
 * own savepoint: one that throws is undone alone and rejects alone.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Whether the database is a WAL file on disk (else SQLite syncs as configured). */
  private readonly walFile?: string;
  /** Committed, not yet fsynced: they wait for the next sync of the WAL. */
  private unsynced: Committed[] = [];
  private syncing = false;
  /** Awaited before each fsync of the WAL: lets a test hold a commit between its commit and its sync. */
  syncGate?: () => Promise<void>;

  constructor(private readonly db: Db) {
    const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (!db.memory && mode === 'wal') this.walFile = `${db.name}-wal`;
  }

  /** Runs `fn` in the next group transaction; resolves once the change is on disk. */
  run<T>(fn: () => T, options: GroupCommitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, visibleEarly: !!options.visibleEarly, onCommitted: options.onCommitted, resolve: resolve as (v: unknown) => void, reject });
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
    const syncLater = this.walFile !== undefined && !this.db.inTransaction && batch.every((op) => op.visibleEarly);
    const runBatch = () => {
      for (const op of batch) {
        try {
          results.push({ ok: true, value: this.db.transaction(op.fn)() });
        } catch (err) {
          results.push({ ok: false, value: err });
        }
      }
    };
    try {
      if (syncLater) transactionWithoutSync(this.db, runBatch);
      else this.db.transaction(runBatch)();
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => results[i].ok && op.onCommitted?.(results[i].value));
    if (!syncLater) {
      // SQLite synced the WAL, and with it every earlier commit still waiting for a sync;
      // those are settled by their own sync all the same (it finds nothing left to write).
      batch.forEach((op, i) => (results[i].ok ? op.resolve(results[i].value) : op.reject(results[i].value)));
      return;
    }
    this.unsynced.push(...batch.map((op, i) => ({ op, result: results[i] })));
    this.syncUnsynced();
  }

  /** One fsync at a time; commits made while one runs share the next. */
  private syncUnsynced(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    this.syncing = true;
    const covered = this.unsynced.splice(0);
    this.syncWal().then(
      () => {
        for (const { op, result } of covered) {
          if (result.ok) op.resolve(result.value);
          else op.reject(result.value);
        }
      },
      (err: unknown) => {
        for (const { op } of covered) op.reject(err);
      },
    ).finally(() => {
      this.syncing = false;
      this.syncUnsynced();
    });
  }

  /** fsync of the WAL file (a fresh handle each time: nothing to keep track of should SQLite replace the file). */
  private async syncWal(): Promise<void> {
    await this.syncGate?.();
    const wal = this.walFile as string;
    // No WAL file: SQLite checkpointed it into the database and removed it, so sync that.
    const handle = await fsp.open(wal, 'r').catch((err: NodeJS.ErrnoException) => {
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
