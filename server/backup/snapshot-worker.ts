import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { SnapshotReply, SnapshotRequest } from './snapshot';

// Off the engine's thread: VACUUM INTO reads one consistent snapshot of a database in a
// single read transaction (WAL lets the engine go on committing meanwhile) and writes it
// compacted to a new file; then the files the main database's snapshot names are listed.
const request = workerData as SnapshotRequest;

function run(): SnapshotReply {
  for (const { source, dest } of request.databases) {
    const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare('VACUUM INTO ?').run(dest);
    } finally {
      db.close();
    }
  }
  const db = new BetterSqlite3(request.main, { readonly: true, fileMustExist: true });
  try {
    const paths = (sql: string) => (db.prepare(sql).raw().all() as [string][]).map((r) => r[0]);
    const locations = db.prepare("SELECT value FROM settings WHERE key = 'storeLocations'").pluck().get() as string | undefined;
    return {
      schemaVersion: (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0,
      locations: locations ? (JSON.parse(locations) as { name: string; path: string }[]) : [],
      files: [...paths('SELECT path FROM messages'), ...paths('SELECT path FROM queue'), ...paths('SELECT path FROM quarantine'), ...paths('SELECT key_file FROM dkim_keys')],
    };
  } finally {
    db.close();
  }
}

try {
  parentPort?.postMessage(run());
} catch (err) {
  parentPort?.postMessage({ error: { message: (err as Error).message ?? String(err), code: (err as { code?: string }).code } });
}
