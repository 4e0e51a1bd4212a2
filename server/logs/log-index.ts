import net from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { type LogEntry, type LogService, SEVERITY_RANK, type Severity } from './logger';

const SEVERITIES: Severity[] = ['error', 'message', 'event', 'debug'];

export interface LogQuery {
  /** Only these services (all when empty or absent). */
  services?: readonly LogService[];
  /** This severity and more severe (everything when absent). */
  severity?: Severity;
  since?: Date;
  until?: Date;
  queueId?: string;
  /** A client IP address (exact), or any other text: a mail address, looked for in the fields. */
  address?: string;
  user?: string;
  /** Words looked for in the text and fields, in this order; the last may be the start of a word. */
  text?: string;
  newestFirst: boolean;
  /** Continue after this entry id (a previous page's last). */
  after?: number;
  limit: number;
}

export interface IndexedEntry {
  id: number;
  entry: LogEntry;
}

/**
 * An entry as the index holds it: time in ms and its other fields still as their JSON text. A
 * page goes from the search worker to the engine's thread in this form, so neither side parses
 * and writes the fields again when they are only passed on (the API shows them as JSON text).
 */
export interface IndexedRow {
  id: number;
  time: number;
  service: LogService;
  severity: Severity;
  text: string;
  fields: string;
}

interface Row {
  id: number;
  time: number;
  service: LogService;
  severity: number;
  text: string;
  fields: string;
}

/**
 * The word index's options. Prefix indexes of 2 to 8 characters: a search whose last word is the
 * start of a very common one ("login", "mail") reads a page of one precomputed list, where without
 * them FTS5 merges the list of every word so beginning before the first row (~100 ms at 10 M
 * entries). They triple the word index and its insert cost (docs/benchmarks.md, "logs").
 */
const WORD_INDEX_OPTIONS = "text, fields, content='', contentless_delete=1, prefix='2 3 4 5 6 7 8'";

/** The index's tables: one row per entry, and its words in FTS5 (contentless: the row holds the text). */
export const LOG_INDEX_TABLES = `
  CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    service TEXT NOT NULL,
    severity INTEGER NOT NULL,
    queue_id TEXT,
    client TEXT,
    user TEXT,
    text TEXT NOT NULL,
    fields TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS entries_text USING fts5(${WORD_INDEX_OPTIONS});
`;

/** Entries copied into a new word index per step of a rebuild: some tens of milliseconds of the worker's time. */
const REBUILD_STEP = 1000;

/** The filters' indexes, each ending in the id so that a page is read in order (LogIndex.open creates what is missing and drops what they replaced). */
export const LOG_INDEX_INDEXES = `
  CREATE INDEX IF NOT EXISTS entries_time ON entries(time);
  DROP INDEX IF EXISTS entries_service;
  CREATE INDEX IF NOT EXISTS entries_service_severity ON entries(service, severity, id);
  CREATE INDEX IF NOT EXISTS entries_severity ON entries(severity, id);
  CREATE INDEX IF NOT EXISTS entries_queue ON entries(queue_id, id) WHERE queue_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS entries_client ON entries(client, id) WHERE client IS NOT NULL;
  CREATE INDEX IF NOT EXISTS entries_user ON entries(user, id) WHERE user IS NOT NULL;
`;

/** An entry as the index stores it: the `entries` columns after the id, and the words of its fields for FTS5. */
export interface IndexRow {
  time: number;
  service: string;
  severity: number;
  queueId: string | null;
  client: string | null;
  user: string | null;
  text: string;
  fields: string;
  words: string;
}

export function toIndexRow(entry: LogEntry): IndexRow {
  const { time, service, severity, text, ...fields } = entry;
  return {
    time: Date.parse(time) || Date.now(),
    service,
    severity: SEVERITY_RANK[severity] ?? 2,
    queueId: stringField(fields.queueId),
    client: clientOf(fields.client),
    user: stringField(fields.user),
    text,
    fields: JSON.stringify(fields),
    words: searchableFields(fields),
  };
}

/**
 * The searchable copy of every log entry (issue 13): SQLite in its own file next to the logs, so
 * that writing it never waits on, or holds up, a mail commit. Entries are added in batches (one
 * transaction each; LogSearch makes the batches), without fsync: after a crash the files hold
 * what the index may lack. Free text goes through FTS5 (unicode61 words), and the filters
 * through indexes ending in the entry id, so a page of a filtered query over millions of entries
 * reads little more than the page.
 */
export class LogIndex {
  private failures = 0;
  private closed = false;
  /**
   * While a word index made with older options is replaced: the entries up to `upto` are copied
   * into entries_text_next step by step (`copied` so far); new entries go into both. Searches use
   * the old one until the new one is complete.
   */
  private rebuild?: { upto: number; copied: number };

  private constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly onError: (err: unknown) => void,
  ) {}

  static open(file: string, onError: (err: unknown) => void = () => undefined): LogIndex {
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(LOG_INDEX_TABLES);
    db.exec(LOG_INDEX_INDEXES);
    return new LogIndex(db, onError);
  }

  /** True while the word index is being rebuilt (call rebuildStep until it answers false). */
  get rebuilding(): boolean {
    return this.rebuild !== undefined;
  }

  /**
   * For the index's one writer (the worker), once opened: an index.db from before the current
   * word index options gets a new word index (the entries themselves stay), made beside the old
   * one, which answers searches meanwhile. A rebuild cut short by a stop starts again at the
   * next open. True when a rebuild has begun: call rebuildStep until it answers false.
   */
  upgradeWordIndex(): boolean {
    const sql = (this.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'entries_text'").get() as { sql: string }).sql;
    if (sql.includes(WORD_INDEX_OPTIONS)) {
      this.db.exec('DROP TABLE IF EXISTS entries_text_next');
      return false;
    }
    this.db.exec(`DROP TABLE IF EXISTS entries_text_next; CREATE VIRTUAL TABLE entries_text_next USING fts5(${WORD_INDEX_OPTIONS});`);
    const last = this.db.prepare('SELECT max(id) AS id FROM entries').get() as { id: number | null };
    this.rebuild = { upto: last.id ?? 0, copied: 0 };
    return true;
  }

  /** Copies the next entries into the new word index, and puts it in place after the last; false when done. */
  rebuildStep(): boolean {
    const rebuild = this.rebuild;
    if (!rebuild || this.closed) return false;
    const rows = this.db.prepare('SELECT id, text, fields FROM entries WHERE id > ? AND id <= ? ORDER BY id LIMIT ?').all(rebuild.copied, rebuild.upto, REBUILD_STEP) as { id: number; text: string; fields: string }[];
    const words = this.db.prepare('INSERT INTO entries_text_next (rowid, text, fields) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const row of rows) words.run(row.id, row.text, searchableFields(JSON.parse(row.fields) as Record<string, unknown>));
      if (rows.length < REBUILD_STEP) {
        this.db.exec('DROP TABLE entries_text; ALTER TABLE entries_text_next RENAME TO entries_text;');
        this.rebuild = undefined;
      }
    })();
    if (this.rebuild) rebuild.copied = rows[rows.length - 1].id;
    return this.rebuild !== undefined;
  }

  /** Adds entries in one transaction. */
  add(batch: readonly LogEntry[]): void {
    if (this.closed || batch.length === 0) return;
    try {
      const insert = this.db.prepare('INSERT INTO entries (time, service, severity, queue_id, client, user, text, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const words = this.db.prepare('INSERT INTO entries_text (rowid, text, fields) VALUES (?, ?, ?)');
      const nextWords = this.rebuild && this.db.prepare('INSERT INTO entries_text_next (rowid, text, fields) VALUES (?, ?, ?)');
      this.db.transaction(() => {
        for (const entry of batch) {
          const r = toIndexRow(entry);
          const id = insert.run(r.time, r.service, r.severity, r.queueId, r.client, r.user, r.text, r.fields).lastInsertRowid;
          words.run(id, r.text, r.words);
          nextWords?.run(id, r.text, r.words);
        }
      })();
    } catch (err) {
      // A full disk or a damaged index must never stop logging to the files, or the engine.
      if (this.failures++ === 0) this.onError(err);
    }
  }

  /** A page of entries matching `q`, and whether there are more. */
  query(q: LogQuery): { entries: IndexedEntry[]; hasMore: boolean } {
    const found = this.queryRows(q);
    return { entries: found.rows.map(toIndexed), hasMore: found.hasMore };
  }

  /** As query, the entries as the index holds them. */
  queryRows(q: LogQuery): { rows: IndexedRow[]; hasMore: boolean } {
    const where: string[] = [];
    const params: unknown[] = [];
    const textMatch = q.text ? phrase(q.text, true) : undefined;
    const addressIsClient = !!q.address && net.isIP(clientOf(q.address) ?? '') !== 0;
    const addressWords = q.address && !addressIsClient ? phrase(q.address, false) : undefined;
    const match = [textMatch, addressWords && `fields : ${addressWords}`].filter(Boolean).join(' AND ') || undefined;
    const column = match ? 't.rowid' : 'e.id';
    const rank = q.severity && q.severity !== 'debug' ? SEVERITY_RANK[q.severity] : undefined;
    // Ids grow with time, so a time range becomes an id range, found once through the time index
    // (ORDER BY … LIMIT 1 walks it; min(id) would read every entry of the range).
    if (q.since) {
      const from = this.db.prepare('SELECT id FROM entries WHERE time >= ? ORDER BY time, id LIMIT 1').get(q.since.getTime()) as { id: number } | undefined;
      where.push(`${column} >= ?`);
      params.push(from?.id ?? Number.MAX_SAFE_INTEGER);
    }
    if (q.until) {
      const to = this.db.prepare('SELECT id FROM entries WHERE time <= ? ORDER BY time DESC, id DESC LIMIT 1').get(q.until.getTime()) as { id: number } | undefined;
      where.push(`${column} <= ?`);
      params.push(to?.id ?? 0);
    }
    if (q.queueId) {
      where.push('e.queue_id = ?');
      params.push(q.queueId.toLowerCase());
    }
    if (q.user) {
      where.push('e.user = ?');
      params.push(q.user.toLowerCase());
    }
    if (addressIsClient) {
      where.push('e.client = ?');
      params.push(clientOf(q.address));
    }
    if (q.after !== undefined) {
      where.push(`${column} ${q.newestFirst ? '<' : '>'} ?`);
      params.push(q.after);
    }
    const order = `${column} ${q.newestFirst ? 'DESC' : 'ASC'}`;
    const limit = q.limit + 1;
    let rows: Row[];
    if (match) {
      if (q.services?.length) where.push(`e.service IN (${q.services.map(() => '?').join(', ')})`);
      if (rank !== undefined) where.push('e.severity <= ?');
      const conditions = where.length ? where.join(' AND ') : '1';
      const sql = `SELECT e.* FROM entries_text t JOIN entries e ON e.id = t.rowid WHERE entries_text MATCH ? AND ${conditions} ORDER BY ${order} LIMIT ?`;
      rows = this.db.prepare(sql).all(match, ...params, ...(q.services ?? []), ...(rank === undefined ? [] : [rank]), limit) as Row[];
    } else if (q.services?.length || rank !== undefined) {
      // One branch per service and severity, each reading (service, severity, id) in id order and
      // stopping after a page: a rare pair (POP errors) costs no more than a common one, where one
      // range over several severities would have to sort or to step over every other entry.
      const branches: { sql: string; params: unknown[] }[] = [];
      const severities = Array.from({ length: (rank ?? 3) + 1 }, (_, i) => i);
      for (const service of q.services?.length ? [...new Set(q.services)] : [undefined]) {
        for (const severity of severities) {
          const conditions = [...(service === undefined ? [] : ['e.service = ?']), 'e.severity = ?', ...where].join(' AND ');
          branches.push({ sql: `SELECT * FROM (SELECT e.* FROM entries e WHERE ${conditions} ORDER BY ${order} LIMIT ?)`, params: [...(service === undefined ? [] : [service]), severity, ...params, limit] });
        }
      }
      const sql = `SELECT * FROM (${branches.map((b) => b.sql).join(' UNION ALL ')}) ORDER BY id ${q.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
      rows = this.db.prepare(sql).all(...branches.flatMap((b) => b.params), limit) as Row[];
    } else {
      const conditions = where.length ? where.join(' AND ') : '1';
      rows = this.db.prepare(`SELECT e.* FROM entries e WHERE ${conditions} ORDER BY ${order} LIMIT ?`).all(...params, limit) as Row[];
    }
    const hasMore = rows.length > q.limit;
    return { rows: rows.slice(0, q.limit).map(toIndexedRow), hasMore };
  }

  /** Forgets entries older than `before`; returns how many went. */
  prune(before: Date): number {
    const last = this.db.prepare('SELECT id FROM entries WHERE time < ? ORDER BY time DESC, id DESC LIMIT 1').get(before.getTime()) as { id: number } | undefined;
    if (!last) return 0;
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM entries_text WHERE rowid <= ?').run(last.id);
      // Those not copied yet never will be: they are gone from entries.
      if (this.rebuild) this.db.prepare('DELETE FROM entries_text_next WHERE rowid <= ?').run(last.id);
      return this.db.prepare('DELETE FROM entries WHERE id <= ?').run(last.id).changes;
    })();
  }

  /** Entries held, and the oldest one's time. */
  stats(): { entries: number; oldest: Date | null } {
    const row = this.db.prepare('SELECT count(*) AS n, min(time) AS oldest FROM entries').get() as { n: number; oldest: number | null };
    return { entries: row.n, oldest: row.oldest === null ? null : new Date(row.oldest) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

function toIndexedRow(row: Row): IndexedRow {
  return { id: row.id, time: row.time, service: row.service, severity: SEVERITIES[row.severity] ?? 'event', text: row.text, fields: row.fields };
}

/** An indexed row back into the entry that was logged. */
export function toIndexed(row: IndexedRow): IndexedEntry {
  const fields = JSON.parse(row.fields) as Record<string, unknown>;
  const entry: LogEntry = { ...fields, time: new Date(row.time).toISOString(), service: row.service, severity: row.severity, text: row.text };
  return { id: row.id, entry };
}

function stringField(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v.toLowerCase() : null;
}

function clientOf(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v.replace(/^::ffff:/i, '').toLowerCase() : null;
}

/** The fields' values (not their names or JSON punctuation) as words for the text index. */
function searchableFields(fields: Record<string, unknown>): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v).forEach(walk);
    else out.push(String(v));
  };
  walk(fields);
  return out.join(' ');
}

/**
 * An FTS5 phrase of the words in `text` (letters and digits; everything else separates words, as
 * the unicode61 tokenizer does): "bob@example.org" finds the address, "example.org" any address
 * there. With `prefix`, the last word may be the start of one. No words, no phrase (no filter).
 */
function phrase(text: string, prefix: boolean): string | undefined {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return undefined;
  return `"${words.join(' ')}"${prefix ? '*' : ''}`;
}
