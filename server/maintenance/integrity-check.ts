import path from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER_FILE = path.join(__dirname, `integrity-worker${path.extname(__filename) || '.js'}`);

export interface IntegrityReport {
  /** PRAGMA integrity_check said "ok". */
  ok: boolean;
  /** What integrity_check found (at most 100 lines). */
  problems: string[];
  /** Rows whose parent row is missing (PRAGMA foreign_key_check), per table and parent table. */
  foreignKeys: { table: string; parent: string; rows: number; firstRowids: number[] }[];
}

/**
 * Runs SQLite's integrity_check and foreign_key_check on the database file in a worker
 * thread, so the engine goes on serving mail meanwhile. A database SQLite cannot open at
 * all is reported as a problem, not thrown.
 */
export function checkDatabase(file: string, signal?: AbortSignal): Promise<IntegrityReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: { file }, execArgv: [] });
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      fn();
    };
    worker.on('message', (reply: { report?: IntegrityReport; error?: string; code?: string }) => {
      if (reply.report) settle(() => resolve(reply.report as IntegrityReport));
      else if (reply.code === 'SQLITE_CORRUPT' || reply.code === 'SQLITE_NOTADB') settle(() => resolve({ ok: false, problems: [reply.error ?? 'the database is damaged'], foreignKeys: [] }));
      else settle(() => reject(new Error(`the database check failed: ${reply.error}`)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', () => settle(() => reject(signal?.aborted ? new Error('the database check was stopped') : new Error('the database check ended without an answer'))));
  });
}
