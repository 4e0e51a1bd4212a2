import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = BetterSqlite3.Database;

/**
 * Opens the engine's SQLite database in WAL mode with full durability: every commit
 * is fsynced before it returns, which the "250 means on disk" promise relies on.
 */
export function openDatabase(file: string): Db {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  cacheStatements(db);
  return db;
}

/**
 * Runs `fn` in a transaction that commits to the WAL without an fsync (synchronous =
 * NORMAL for this one commit): the next synced commit or checkpoint takes it to disk, and
 * SQLite stays consistent either way. Inside an outer transaction it is a savepoint of it.
 */
export function transactionWithoutSync<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return db.transaction(fn)();
  db.prepare('PRAGMA synchronous = NORMAL').run();
  try {
    return db.transaction(fn)();
  } finally {
    db.prepare('PRAGMA synchronous = FULL').run();
  }
}

/**
 * Compiling SQL is a large part of a small query's cost, so `prepare` hands out one
 * cached statement per SQL text. (Callers must not switch a shared statement's mode
 * with pluck/raw/expand; none on this database does.)
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 2000) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as Db['prepare'];
}

export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        new Date().toISOString(),
      );
    })();
  }
}
