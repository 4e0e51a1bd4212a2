import { parentPort } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { SAVE_SNAPSHOT, readTable } from './token-store';
import { TokenTable } from './token-table';

/**
 * The engine's token-table loader thread (table-loader.ts): reads a token table from its
 * SQLite file on a read-only connection of its own (WAL lets it read beside the engine's
 * writer) and hands back the slots without a copy: their memory (the snapshot's blob, see
 * TokenTable.fromBuffer, or a table rebuilt from the tokens) is transferred. A rebuilt
 * table is stored as the snapshot here too, so the next load is the cheap one and the
 * engine's thread never writes the blob.
 */

export interface LoadRequest {
  id: number;
  file: string;
}

export type LoadReply =
  | { id: number; slots: Int32Array; size: number; spam: number; ham: number; generation: number; lastLearnt: number; fromSnapshot: boolean }
  | { id: number; error: string };

function load(file: string): Omit<Extract<LoadReply, { slots: Int32Array }>, 'id'> {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  let loaded;
  try {
    db.pragma('busy_timeout = 10000');
    loaded = readTable(db);
  } finally {
    db.close();
  }
  const { table, totals, fromSnapshot } = loaded;
  if (!fromSnapshot) saveSnapshot(file, table, totals.generation);
  return { slots: table.slots, size: table.size, spam: totals.spam, ham: totals.ham, generation: totals.generation, lastLearnt: totals.lastLearnt?.getTime() ?? 0, fromSnapshot };
}

/** As TokenStore.saveSnapshot: written only while the generation is still the table's. Best effort. */
function saveSnapshot(file: string, table: TokenTable, generation: number): void {
  try {
    const db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare(SAVE_SNAPSHOT).run(generation, TokenTable.FORMAT, table.toBuffer(), generation);
    } finally {
      db.close();
    }
  } catch {
    // The next load rebuilds it again: slower, never wrong.
  }
}

parentPort?.on('message', (req: LoadRequest) => {
  try {
    const reply = { id: req.id, ...load(req.file) };
    const { buffer } = reply.slots;
    parentPort?.postMessage(reply satisfies LoadReply, buffer instanceof SharedArrayBuffer ? [] : [buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies LoadReply);
  }
});
