import { type Db, transactionWithoutSync } from '../db/database';
import { searchable } from '../mail/mime/searchable';
import type { MessageFiles } from './message-files';

/**
 * The full-text index of message text (migration 24): an FTS5 table with the trigram
 * tokenizer over the decoded header and body text of each message, lower-cased as SEARCH
 * compares. IMAP SEARCH matches substrings, not words, so the index is only a pre-filter: a
 * message it does not name cannot contain the string, and the ones it names are still read and
 * checked exactly. `messages.text_indexed` says what the index knows of a message: 0 not yet
 * (scanned), 1 all of its text is in the index, 2 too large or unreadable (always scanned).
 */

/** Decoded characters of body text indexed per message; a larger message is scanned instead. */
export const TEXT_INDEX_BODY_MAX = 512 * 1024;
/** Message files larger than this are not parsed for the index: one parse must not hold the event loop for long. */
const TEXT_INDEX_FILE_MAX = 2 * 1024 * 1024;
/** The same for the header text. */
const TEXT_INDEX_HEADER_MAX = 64 * 1024;
/** Messages read and indexed per transaction (an FTS5 insert of a message's trigrams costs about a millisecond: the event loop turns between batches). */
const BATCH = 50;
/** Texts of expunged messages deleted from the index per transaction (each delete costs about 0.5 ms). */
const GONE_BATCH = 50;
/** Pages of FTS5 segment merging done after each batch (automerge is off: migration 26). */
const MERGE_PAGES = 64;
/** Files read at once while indexing. */
const READ_CONCURRENCY = 8;
/**
 * How long after a delivery the indexer waits before it looks: deliveries of the next moment
 * then share one transaction, and the index write stays out of the delivery's own path.
 */
const DELAY_MS = 200;
/** The trigram tokenizer needs three characters: shorter strings cannot be looked up. */
const MIN_NEEDLE = 3;

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

  constructor(
    private readonly db: Db,
    private readonly files: MessageFiles,
  ) {}

  /**
   * The messages of a mailbox whose text may hold `needle` (lower case) in `column`: those the
   * index names, and all it does not know fully. Undefined when the index cannot tell (a
   * string shorter than a trigram): then every message must be read.
   */
  candidates(mailboxId: number, column: TextColumn, needle: string): Set<number> | undefined {
    if ([...needle].length < MIN_NEEDLE) return undefined;
    const phrase = `"${needle.replaceAll('"', '""')}"`;
    const query = column === 'text' ? phrase : `${column} : ${phrase}`;
    const sql = `SELECT m.id FROM message_text t JOIN messages m ON m.id = t.rowid WHERE t.message_text MATCH ? AND m.mailbox_id = ?
         UNION ALL SELECT id FROM messages WHERE mailbox_id = ? AND text_indexed <> 1`;
    let ids: number[];
    try {
      ids = this.db.prepare(sql).pluck().all(query, mailboxId, mailboxId) as number[];
    } catch {
      // A string FTS5 will not take as a phrase: the messages are read instead.
      return undefined;
    }
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

  /** Indexes every message not yet indexed, a batch per transaction, giving the event loop a turn in between. */
  async drain(): Promise<number> {
    let done = 0;
    for (;;) {
      const n = await this.indexBatch();
      if (n === 0 || (!this.started && this.running)) break;
      done += n;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return done;
  }

  /** Forgets what the index knows of a mailbox's messages, so they are indexed again (reconstruct, repair). */
  reset(mailboxId: number): void {
    transactionWithoutSync(this.db, () => {
      this.db.prepare('DELETE FROM message_text WHERE rowid IN (SELECT id FROM messages WHERE mailbox_id = ? AND text_indexed = 1)').run(mailboxId);
      this.db.prepare('UPDATE messages SET text_indexed = 0 WHERE mailbox_id = ?').run(mailboxId);
    });
    this.schedule();
  }

  /** Messages not yet indexed (0 when the index is complete). */
  pendingCount(): number {
    return this.db.prepare('SELECT count(*) FROM messages WHERE text_indexed = 0').pluck().get() as number;
  }

  /** Deletes the text of some expunged messages; how many. */
  private forgetBatch(): number {
    return transactionWithoutSync(this.db, () => {
      const ids = this.db.prepare('SELECT id FROM message_text_gone LIMIT ?').pluck().all(GONE_BATCH) as number[];
      const forget = this.db.prepare('DELETE FROM message_text WHERE rowid = ?');
      const done = this.db.prepare('DELETE FROM message_text_gone WHERE id = ?');
      for (const id of ids) {
        forget.run(id);
        done.run(id);
      }
      return ids.length;
    });
  }

  /** Some of FTS5's segment merging, a bounded step at a time (searches read fewer segments after it). */
  private mergeStep(): void {
    transactionWithoutSync(this.db, () => this.db.prepare("INSERT INTO message_text (message_text, rank) VALUES ('merge', ?)").run(MERGE_PAGES));
  }

  private async indexBatch(): Promise<number> {
    const forgotten = this.forgetBatch();
    if (forgotten > 0) {
      this.mergeStep();
      return forgotten;
    }
    const rows = this.db.prepare('SELECT id, path, size FROM messages WHERE text_indexed = 0 ORDER BY id LIMIT ?').all(BATCH) as PendingRow[];
    if (rows.length === 0) return 0;
    const texts: ({ header: string; body: string } | undefined)[] = new Array(rows.length);
    let next = 0;
    const reader = async () => {
      while (next < rows.length) {
        const i = next++;
        texts[i] = await this.extract(rows[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, rows.length) }, reader));
    // A cache of what the files hold: lost in a crash it is built again, so no fsync of its own.
    transactionWithoutSync(this.db, () => {
      const mark = this.db.prepare('UPDATE messages SET text_indexed = ? WHERE id = ? AND text_indexed = 0');
      const insert = this.db.prepare('INSERT INTO message_text (rowid, header, body) VALUES (?, ?, ?)');
      // A new message may have the id of an expunged one whose text is not deleted yet.
      const reused = this.db.prepare('DELETE FROM message_text_gone WHERE id = ?');
      const forget = this.db.prepare('DELETE FROM message_text WHERE rowid = ?');
      rows.forEach((row, i) => {
        const text = texts[i];
        // The row may have been expunged meanwhile: then there is nothing to mark or index.
        if (mark.run(text ? 1 : 2, row.id).changes === 0 || !text) return;
        if (reused.run(row.id).changes > 0) forget.run(row.id);
        insert.run(row.id, text.header, text.body);
      });
    });
    this.mergeStep();
    return rows.length;
  }

  /** The text to index, lower-cased as SEARCH compares; undefined when the message is too large or unreadable. */
  private async extract(row: PendingRow): Promise<{ header: string; body: string } | undefined> {
    if (row.size > TEXT_INDEX_FILE_MAX) return undefined;
    try {
      const m = searchable(await this.files.readMessage({ file: row.path, size: row.size }));
      if (m.bodyText.length > TEXT_INDEX_BODY_MAX || m.headerText.length > TEXT_INDEX_HEADER_MAX) return undefined;
      // Each line lower-cased alone, as SEARCH lower-cases each header value alone; the lines
      // are joined by newlines, where lower-casing of the whole text gives the same result.
      return { header: [m.headerText, ...m.addressText].map((l) => l.toLowerCase()).join('\n'), body: m.bodyText.toLowerCase() };
    } catch {
      return undefined;
    }
  }
}
