import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Db, transactionWithoutSync } from '../db/database';
import { type WorkerReply, WorkerCalls } from '../db/worker-calls';
import type { IndexItem, IndexOutcome, TextIndexRequest } from './text-index-worker';

/**
 * The full-text index of message text: an FTS5 table with the trigram tokenizer over the decoded
 * header and body text of each message, lower-cased as SEARCH compares, in its own database file
 * (<data>/index/text.db) written by a worker thread (text-index-worker.ts). IMAP SEARCH matches
 * substrings, not words, so the index is only a pre-filter: a message it does not name cannot
 * contain the string, and the ones it names are still read and checked exactly.
 * `messages.text_indexed` (main database) says what the index knows of a message: 0 not yet
 * (scanned), 1 all of its text is in the index, 2 too large or unreadable (always scanned); it is
 * set to 1 only after the worker's commit, which is synced, so a crash or power cut can leave
 * the index knowing more than the marks say, never less.
 */

const WORKER_FILE = path.join(__dirname, `text-index-worker${path.extname(__filename) || '.js'}`);
/** Messages read and indexed per batch. */
const BATCH = 50;
/** Texts of expunged messages deleted from the index per batch. */
const GONE_BATCH = 50;
/**
 * How long after a delivery the indexer waits before it looks: deliveries of the next moment
 * then share one batch, and the index write stays out of the delivery's own path.
 */
const DELAY_MS = 200;
/** The trigram tokenizer needs three characters: shorter strings cannot be looked up. */
const MIN_NEEDLE = 3;
/** Trigrams looked up per needle: any subset of a needle's trigrams is a valid pre-filter, and more cost more look-ups. */
const MAX_TERMS = 12;

/**
 * The index keeps which trigrams each column holds, not where (`detail=column`, migration 31:
 * half the CPU per insert of a full index and a quarter of its size), so a needle is looked up
 * as all of its trigrams, in any order; the exact check after the pre-filter drops the messages
 * that hold them apart. Long needles use an evenly spread subset, the first and last included.
 */
export function trigramTerms(needle: string): string[] {
  const chars = [...needle];
  if (chars.length < MIN_NEEDLE) return [];
  const all = new Set<string>();
  for (let i = 0; i + MIN_NEEDLE <= chars.length; i++) all.add(chars.slice(i, i + MIN_NEEDLE).join(''));
  const distinct = [...all];
  if (distinct.length <= MAX_TERMS) return distinct;
  const step = (distinct.length - 1) / (MAX_TERMS - 1);
  return Array.from({ length: MAX_TERMS }, (_, k) => distinct[Math.round(k * step)]);
}

/** Which text a string is looked for in: the header, the body, or either (SEARCH TEXT). */
export type TextColumn = 'header' | 'body' | 'text';

interface PendingRow {
  id: number;
  path: string;
  size: number;
}

export class TextIndex {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Only a started engine indexes in the background; tools and tests call drain() when they want it. */
  private started = false;
  private worker?: Worker;
  /** The worker opened, with the index of this database's generation. */
  private ready?: Promise<void>;
  /** This thread's read-only connection to the index, for searches. */
  private reader?: Database.Database;
  private readonly calls = new WorkerCalls();

  constructor(
    private readonly db: Db,
    /** <data>/index/text.db: not in db/, so backups leave it out and a restore builds it again. */
    readonly file: string,
  ) {}

  /**
   * The messages of a mailbox whose text may hold `needle` (lower case) in `column`: those the
   * index names, and all it does not know fully. Undefined when the index cannot tell (a
   * string shorter than a trigram, or the index not open): then every message must be read.
   */
  candidates(mailboxId: number, column: TextColumn, needle: string): Set<number> | undefined {
    const terms = trigramTerms(needle);
    if (terms.length === 0 || !this.reader) return undefined;
    const all = terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
    const query = column === 'text' ? all : `${column} : (${all})`;
    let named: number[];
    try {
      named = this.reader.prepare('SELECT rowid FROM message_text WHERE message_text MATCH ?').pluck().all(query) as number[];
    } catch {
      // A string FTS5 will not take, or the index unreadable: the messages are read instead.
      return undefined;
    }
    // The index covers every mailbox and may still hold text of messages that are gone: only
    // the selected mailbox's messages marked indexed count, with every one not indexed.
    const ids = this.db
      .prepare(
        `SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND mailbox_id = ? AND text_indexed = 1
         UNION ALL SELECT id FROM messages WHERE mailbox_id = ? AND text_indexed <> 1`,
      )
      .pluck()
      .all(JSON.stringify(named), mailboxId, mailboxId) as number[];
    return new Set(ids);
  }

  /** Starts indexing in the background: mail that predates the index now, new mail shortly after it arrives. */
  start(): void {
    this.started = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    const worker = this.worker;
    if (!worker) return;
    await this.call({ op: 'close' }).catch(() => undefined);
    this.reader?.close();
    this.reader = undefined;
    this.worker = undefined;
    this.ready = undefined;
    await worker.terminate();
  }

  /** Looks for work soon (after a delivery); deliveries meanwhile join the same batch. */
  schedule(): void {
    if (!this.started || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failure (the disk full, the database closing) leaves messages unindexed: they are
      // scanned, and the next delivery tries again.
      this.running = this.drain()
        .then(() => undefined, () => undefined)
        .finally(() => (this.running = undefined));
    }, DELAY_MS);
    this.timer.unref();
  }

  /**
   * Indexes every message not yet indexed, a batch at a time. The texts of expunged messages
   * leave the index first, so a message id used again is never indexed before its old text is
   * deleted. One request is with the worker at a time.
   */
  async drain(): Promise<number> {
    await this.open();
    let done = 0;
    for (;;) {
      const n = (await this.forgetBatch()) || (await this.indexBatch());
      if (n === 0 || (!this.started && this.running)) break;
      done += n;
    }
    return done;
  }

  /** Forgets what the index knows of a mailbox's messages, so they are indexed again (reconstruct, repair). */
  reset(mailboxId: number): void {
    transactionWithoutSync(this.db, () => {
      this.db.prepare('INSERT OR IGNORE INTO message_text_gone (id) SELECT id FROM messages WHERE mailbox_id = ? AND text_indexed = 1').run(mailboxId);
      this.db.prepare('UPDATE messages SET text_indexed = 0 WHERE mailbox_id = ?').run(mailboxId);
    });
    this.schedule();
  }

  /** Messages not yet indexed (0 when the index is complete). */
  pendingCount(): number {
    return this.db.prepare('SELECT count(*) FROM messages WHERE text_indexed = 0').pluck().get() as number;
  }

  /**
   * Starts the worker and opens the index of this database's generation. An index of another
   * generation is emptied by the worker, after this database has marked every message not
   * indexed under a new generation (a crash in between leaves two generations that differ, and
   * the next start does it again).
   */
  private open(): Promise<void> {
    this.ready ??= (async () => {
      this.worker = new Worker(WORKER_FILE, { workerData: { file: this.file }, execArgv: [] });
      this.worker.unref();
      this.worker.on('message', (reply: WorkerReply) => this.worker && this.calls.settle(this.worker, reply));
      this.worker.on('error', (err) => this.failAll(err));
      this.worker.on('exit', () => this.failAll(new Error('the text index is closed')));
      const row = this.db.prepare('SELECT generation FROM text_index_state').pluck().get() as string | undefined;
      let generation = row ?? '';
      const { fresh } = (await this.call({ op: 'open', generation })) as { fresh: boolean };
      if (fresh || !row) {
        generation = crypto.randomBytes(12).toString('base64url');
        this.db.transaction(() => {
          this.db.prepare('UPDATE messages SET text_indexed = 0 WHERE text_indexed <> 0').run();
          this.db.prepare('DELETE FROM message_text_gone').run();
          this.db.prepare('DELETE FROM text_index_state').run();
          this.db.prepare('INSERT INTO text_index_state (generation) VALUES (?)').run(generation);
        })();
        await this.call({ op: 'open', generation });
      }
      this.reader = new Database(this.file, { readonly: true, fileMustExist: true });
    })();
    this.ready.catch(() => {
      // Not open (a full disk, a damaged file): the next drain starts over with a new worker.
      const worker = this.worker;
      this.failAll(new Error('the text index could not be opened'));
      void worker?.terminate();
    });
    return this.ready;
  }

  /** Deletes the text of some expunged messages; how many. */
  private async forgetBatch(): Promise<number> {
    const ids = this.db.prepare('SELECT id FROM message_text_gone LIMIT ?').pluck().all(GONE_BATCH) as number[];
    if (ids.length === 0) return 0;
    await this.call({ op: 'forget', ids });
    transactionWithoutSync(this.db, () => {
      const done = this.db.prepare('DELETE FROM message_text_gone WHERE id = ?');
      for (const id of ids) done.run(id);
    });
    return ids.length;
  }

  private async indexBatch(): Promise<number> {
    const rows = this.db.prepare('SELECT id, path, size FROM messages WHERE text_indexed = 0 ORDER BY id LIMIT ?').all(BATCH) as PendingRow[];
    if (rows.length === 0) return 0;
    const items: IndexItem[] = rows.map((r) => ({ id: r.id, path: r.path, size: r.size }));
    const outcomes = (await this.call({ op: 'index', items })) as IndexOutcome[];
    // A cache of what the files hold: lost in a crash it is built again, so no fsync of its own.
    transactionWithoutSync(this.db, () => {
      const mark = this.db.prepare('UPDATE messages SET text_indexed = ? WHERE id = ? AND text_indexed = 0 AND path = ?');
      const gone = this.db.prepare('INSERT OR IGNORE INTO message_text_gone (id) VALUES (?)');
      rows.forEach((row, i) => {
        // Expunged (or its id used again) while the worker read it: the text it wrote goes.
        if (mark.run(outcomes[i], row.id, row.path).changes === 0 && outcomes[i] === 1) gone.run(row.id);
      });
    });
    return rows.length;
  }

  private call(request: TextIndexRequest): Promise<unknown> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('the text index is closed'));
    return this.calls.call(worker, request);
  }

  private failAll(err: Error): void {
    this.calls.failAll(err);
    this.reader?.close();
    this.reader = undefined;
    this.worker = undefined;
    this.ready = undefined;
  }
}
