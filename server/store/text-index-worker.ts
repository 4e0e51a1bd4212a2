import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { WorkerReply } from '../db/worker-calls';
import { searchable } from '../mail/mime/searchable';

/**
 * The full-text index's writer (see text-index.ts): owns <data>/index/text.db, reads the message
 * files it is given, extracts their text and writes it. The engine's thread only reads the index
 * (its own read-only connection) and keeps `text_indexed` in the main database.
 */

/** Decoded characters of body text indexed per message; a larger message is scanned instead. */
const TEXT_INDEX_BODY_MAX = 512 * 1024;
/** Message files larger than this are not parsed for the index. */
const TEXT_INDEX_FILE_MAX = 2 * 1024 * 1024;
/** The same for the header text. */
const TEXT_INDEX_HEADER_MAX = 64 * 1024;
/** Pages of FTS5 segment merging done after each batch (automerge is off: a merge a level fills would be one long write). */
const MERGE_PAGES = 64;

export interface IndexItem {
  id: number;
  path: string;
  size: number;
}

/** Requests from TextIndex (WorkerCalls adds each one's id), each answered with `{ id, result }` or `{ id, error }`. */
export type TextIndexRequest =
  | { op: 'open'; generation: string }
  | { op: 'index'; items: IndexItem[] }
  | { op: 'forget'; ids: number[] }
  | { op: 'close' };

/** Per indexed item: 1 its text is in the index, 2 it is too large or unreadable (always scanned). */
export type IndexOutcome = 1 | 2;

const port = parentPort;
if (!port) throw new Error('text-index-worker runs as a worker thread');
const { file } = workerData as { file: string };
let db: Database.Database | undefined;

const SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS message_text USING fts5(header, body, content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail=column);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * Opens the index for `generation`. An index of another generation (or a damaged or missing file)
 * is replaced by an empty one; the answer says whether that happened, and then the engine marks
 * every message as not indexed.
 */
function open(generation: string): { fresh: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fresh = false;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    const row = db.prepare("SELECT value FROM meta WHERE key = 'generation'").pluck().get() as string | undefined;
    fresh = row !== generation;
  } catch {
    db?.close();
    fresh = true;
  }
  if (fresh) {
    db?.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    db.exec("INSERT INTO message_text (message_text, rank) VALUES ('automerge', 0)");
    db.prepare("INSERT INTO meta (key, value) VALUES ('generation', ?)").run(generation);
  }
  // The engine marks a message indexed once this commit returns: it must survive a power cut, or
  // a search after one would miss the message (an fsync per batch, on this thread).
  db!.pragma('synchronous = FULL');
  return { fresh };
}

function opened(): Database.Database {
  if (!db) throw new Error('the text index is not open');
  return db;
}

/** The text to index, lower-cased as SEARCH compares; undefined when the message is too large or unreadable. */
function extract(item: IndexItem): { header: string; body: string } | undefined {
  if (item.size > TEXT_INDEX_FILE_MAX) return undefined;
  try {
    const m = searchable(fs.readFileSync(item.path));
    if (m.bodyText.length > TEXT_INDEX_BODY_MAX || m.headerText.length > TEXT_INDEX_HEADER_MAX) return undefined;
    // Each line lower-cased alone, as SEARCH lower-cases each header value alone; the lines
    // are joined by newlines, where lower-casing of the whole text gives the same result.
    return { header: [m.headerText, ...m.addressText].map((l) => l.toLowerCase()).join('\n'), body: m.bodyText.toLowerCase() };
  } catch {
    return undefined;
  }
}

function index(items: IndexItem[]): IndexOutcome[] {
  const d = opened();
  const texts = items.map(extract);
  // A message id can be used again after an expunge: REPLACE costs no more than an insert, and
  // the engine sends the old text's delete before the new message (text-index.ts, drain).
  const insert = d.prepare('INSERT OR REPLACE INTO message_text (rowid, header, body) VALUES (?, ?, ?)');
  d.transaction(() => {
    items.forEach((item, i) => {
      const text = texts[i];
      if (text) insert.run(item.id, text.header, text.body);
    });
  })();
  merge(d);
  return texts.map((t) => (t ? 1 : 2));
}

function forgetAll(ids: number[]): number {
  const d = opened();
  const forget = d.prepare('DELETE FROM message_text WHERE rowid = ?');
  d.transaction(() => {
    for (const id of ids) forget.run(id);
  })();
  merge(d);
  return ids.length;
}

/** Some of FTS5's segment merging, a bounded step at a time (searches read fewer segments after it). */
function merge(d: Database.Database): void {
  d.prepare("INSERT INTO message_text (message_text, rank) VALUES ('merge', ?)").run(MERGE_PAGES);
}

port.on('message', (request: TextIndexRequest & { id: number }) => {
  let reply: WorkerReply;
  try {
    let result: unknown;
    if (request.op === 'open') result = open(request.generation);
    else if (request.op === 'index') result = index(request.items);
    else if (request.op === 'forget') result = forgetAll(request.ids);
    else {
      db?.close();
      db = undefined;
    }
    reply = { id: request.id, result };
  } catch (err) {
    reply = { id: request.id, error: String(err) };
  }
  port.postMessage(reply);
});
