import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { IntegrityReport } from './integrity-check';

/** Problems named at most; SQLite stops looking after this many. */
const MAX_PROBLEMS = 100;

/**
 * SQLite's own checks of the engine's database, on a read-only connection of this thread
 * (WAL lets it read a consistent snapshot while the engine writes): integrity_check reads
 * every page, which takes seconds on a big database, so it must not run on the engine's thread.
 */
function check(file: string): IntegrityReport {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const integrity = (db.pragma(`integrity_check(${MAX_PROBLEMS})`) as { integrity_check: string }[]).map((r) => r.integrity_check);
    const violations = db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
    const foreignKeys = new Map<string, { table: string; parent: string; rows: number; firstRowids: number[] }>();
    for (const v of violations) {
      const key = `${v.table}->${v.parent}`;
      const entry = foreignKeys.get(key) ?? { table: v.table, parent: v.parent, rows: 0, firstRowids: [] };
      entry.rows++;
      if (entry.firstRowids.length < 10 && v.rowid !== null) entry.firstRowids.push(v.rowid);
      foreignKeys.set(key, entry);
    }
    return { ok: integrity.length === 1 && integrity[0] === 'ok', problems: integrity.filter((p) => p !== 'ok'), foreignKeys: [...foreignKeys.values()] };
  } finally {
    db.close();
  }
}

const port = parentPort;
if (!port) throw new Error('integrity-worker runs as a worker thread');
try {
  port.postMessage({ report: check((workerData as { file: string }).file) });
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code });
}
