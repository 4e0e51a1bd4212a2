import path from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER_FILE = path.join(__dirname, `snapshot-worker${path.extname(__filename) || '.js'}`);

export interface SnapshotRequest {
  /** Databases to copy: each source to a new file at dest. */
  databases: { source: string; dest: string }[];
  /** The copy of the main database, whose rows name the message, spool and quarantine files. */
  main: string;
}

export interface DatabaseSnapshot {
  schemaVersion: number;
  /** The store locations besides the default, as the snapshot's settings name them. */
  locations: { name: string; path: string }[];
  /** Every file the snapshot's rows name (messages, queued mail, quarantine), absolute. */
  files: string[];
}

export type SnapshotReply = DatabaseSnapshot | { error: { message: string; code?: string } };

/** Takes consistent copies of the databases in a worker thread, so the engine's loop never waits on them. */
export function snapshotDatabases(request: SnapshotRequest): Promise<DatabaseSnapshot> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: request, execArgv: [] });
    let settled = false;
    worker.once('message', (reply: SnapshotReply) => {
      settled = true;
      if ('error' in reply) reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else resolve(reply);
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the database snapshot worker exited with code ${code}`));
    });
  });
}
