import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { TokenCounts } from './classifier';
import { TokenTable } from './token-table';

export type JunkClass = 'spam' | 'ham';

/**
 * The filter's memory, in its own SQLite file (<data-dir>/db/junk.db) so training
 * (thousands of token updates at once) never holds the engine's main database, and so
 * the token database can be copied, reset or seeded on its own.
 *
 * tokens: per token, the number of spam and ham messages learnt that contained it.
 * learnt: a hash per message learnt, its class and weight (2 for a good message learnt
 *         twice, see JunkFilter.learnMany), which makes learning idempotent and
 *         lets relearning as the other class (or forgetting) undo the first lesson.
 * totals: messages learnt per class, the time of the last lesson, and a generation
 *         number bumped by every lesson.
 * snapshot: the classifier's hash table of the counts (token-table.ts) as of one
 *         generation, so a new process loads it whole instead of rebuilding it from
 *         the tokens (a few milliseconds against a few hundred for 400,000 tokens).
 */
export class TokenStore {
  readonly db: BetterSqlite3.Database;
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    // Token counts are statistics: losing the last lesson in a power cut costs nothing.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL, learnt_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS learnt (hash TEXT PRIMARY KEY, class TEXT NOT NULL CHECK (class IN ('spam', 'ham')), learnt_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO totals (key, value) VALUES ('spam', 0), ('ham', 0), ('last_learnt', 0), ('generation', 0);
      CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL, format INTEGER NOT NULL, data BLOB NOT NULL);
    `);
    // Stores made before reinforcement (see JunkFilter.learnMany) learnt every message once.
    const columns = this.db.prepare('PRAGMA table_info(learnt)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'weight')) this.db.exec('ALTER TABLE learnt ADD COLUMN weight INTEGER NOT NULL DEFAULT 1');
    this.stmts = prepare(this.db);
  }

  static pathFor(dataDir: string): string {
    return path.join(dataDir, 'db', 'junk.db');
  }

  totals(): Totals {
    return totalsOf(this.stmts.totals.all());
  }

  tokenCount(): number {
    return this.stmts.count.get() as number;
  }

  /** The class a message was learnt as, and how many times its tokens were counted. */
  learntAs(hash: string): { as: JunkClass; weight: number } | undefined {
    const row = this.stmts.learnt.get(hash) as { class: JunkClass; weight: number } | undefined;
    return row && { as: row.class, weight: row.weight };
  }

  /** Changes by other connections (`pillarbox learn` while the engine runs) bump this number. */
  dataVersion(): number {
    return this.stmts.dataVersion.get() as number;
  }

  /**
   * The counts as the classifier's hash table, with the totals they go with (readTable).
   * The engine reads them in a worker thread instead (table-loader.ts).
   */
  loadTable(): LoadedTable {
    return readTable(this.db);
  }

  /** The generation of the stored snapshot, if there is one. */
  snapshotGeneration(): number | undefined {
    return this.stmts.snapshotGeneration.get() as number | undefined;
  }

  /**
   * Stores the table as the snapshot of `generation`, unless a lesson has moved the
   * generation on since (then the table is already out of date). False when nothing
   * was written (out of date, or the database is read-only).
   */
  saveSnapshot(table: TokenTable, generation: number): boolean {
    try {
      return this.stmts.saveSnapshot.run(generation, TokenTable.FORMAT, table.toBuffer(), generation).changes > 0;
    } catch {
      return false;
    }
  }

  /**
   * Applies a batch of lessons in one transaction: per message, its hash, tokens, the
   * class it was learnt as before (undone) and the class it is learnt as now (none = forget).
   * Returns the summed token deltas, so an in-memory copy can follow without a reload.
   */
  apply(lessons: Lesson[]): Map<string, TokenCounts> {
    const deltas = new Map<string, TokenCounts>();
    const totals = { spam: 0, ham: 0 };
    for (const l of lessons) {
      const step = (cls: JunkClass, by: number): void => {
        totals[cls] += by;
        for (const token of l.tokens) {
          let d = deltas.get(token);
          if (!d) deltas.set(token, (d = { spam: 0, ham: 0 }));
          d[cls] += by;
        }
      };
      if (l.from) step(l.from, -(l.fromWeight ?? 1));
      if (l.to) step(l.to, l.toWeight ?? 1);
    }
    const now = Date.now();
    this.db.transaction(() => {
      for (const [token, d] of deltas) {
        if (d.spam === 0 && d.ham === 0) continue;
        this.stmts.upsert.run({ token, spam: d.spam, ham: d.ham, now });
        if (d.spam < 0 || d.ham < 0) this.stmts.dropEmpty.run(token);
      }
      for (const l of lessons) {
        if (l.to) this.stmts.remember.run(l.hash, l.to, now, l.toWeight ?? 1);
        else this.stmts.unremember.run(l.hash);
      }
      this.stmts.addTotal.run(totals.spam, 'spam');
      this.stmts.addTotal.run(totals.ham, 'ham');
      this.stmts.setTotal.run(now, 'last_learnt');
      this.stmts.addTotal.run(1, 'generation');
    })();
    return deltas;
  }

  close(): void {
    this.db.close();
  }
}

export interface Totals {
  spam: number;
  ham: number;
  lastLearnt: Date | null;
  generation: number;
}

export interface LoadedTable {
  table: TokenTable;
  totals: Totals;
  fromSnapshot: boolean;
}

/** Stores a snapshot (generation, format, data) unless the generation (given again) has moved on. */
export const SAVE_SNAPSHOT = `INSERT OR REPLACE INTO snapshot (id, generation, format, data)
  SELECT 1, ?, ?, ? WHERE (SELECT value FROM totals WHERE key = 'generation') = ?`;

function totalsOf(rows: unknown[]): Totals {
  const byKey = new Map((rows as { key: string; value: number }[]).map((r) => [r.key, r.value]));
  const last = byKey.get('last_learnt') ?? 0;
  return { spam: byKey.get('spam') ?? 0, ham: byKey.get('ham') ?? 0, lastLearnt: last ? new Date(last) : null, generation: byKey.get('generation') ?? 0 };
}

/**
 * The counts as the classifier's hash table, with the totals they go with (one read
 * transaction, so a lesson committed meanwhile cannot split them): from the snapshot when
 * it is of the current generation, else rebuilt from the tokens. Only reads: the engine
 * runs it in a worker thread on a read-only connection of its own (table-load-worker.ts).
 */
export function readTable(db: BetterSqlite3.Database): LoadedTable {
  return db.transaction(() => {
    const totals = totalsOf(db.prepare('SELECT key, value FROM totals').all());
    const snap = db.prepare('SELECT data FROM snapshot WHERE id = 1 AND generation = ? AND format = ?').pluck().get(totals.generation, TokenTable.FORMAT) as Buffer | undefined;
    const fromSnap = snap ? TokenTable.fromBuffer(snap) : undefined;
    if (fromSnap) return { table: fromSnap, totals, fromSnapshot: true };
    return { table: buildTable(db), totals, fromSnapshot: false };
  })();
}

/**
 * Every token into a fresh table. Fetched as three concatenated strings: one row per
 * token costs better-sqlite3 a JavaScript array each, four times slower for 400,000 tokens.
 * Tokens never contain NUL (the tokenizer splits on whitespace and control characters).
 */
function buildTable(db: BetterSqlite3.Database): TokenTable {
  const all = db.prepare('SELECT group_concat(token, char(0)), group_concat(spam), group_concat(ham) FROM tokens').raw();
  const [tokens, spam, ham] = all.get() as [string | null, string | null, string | null];
  if (!tokens || spam === null || ham === null) return new TokenTable();
  const t = tokens.split('\0');
  const s = spam.split(',');
  const h = ham.split(',');
  const table = new TokenTable((t.length * 8) / 5 + 1);
  for (let i = 0; i < t.length; i++) table.add(t[i], Number(s[i]), Number(h[i]));
  return table;
}

export interface Lesson {
  hash: string;
  tokens: Iterable<string>;
  from?: JunkClass;
  /** How many times the message was counted as `from` (1 unless it was reinforced). */
  fromWeight?: number;
  to?: JunkClass;
  /** How many times to count it as `to`: 1, or 2 for a good message reinforced. */
  toWeight?: number;
}

/** The statements the store uses, prepared once per connection. */
function prepare(db: BetterSqlite3.Database) {
  return {
    totals: db.prepare('SELECT key, value FROM totals'),
    addTotal: db.prepare('UPDATE totals SET value = max(value + ?, 0) WHERE key = ?'),
    setTotal: db.prepare('UPDATE totals SET value = ? WHERE key = ?'),
    learnt: db.prepare('SELECT class, weight FROM learnt WHERE hash = ?'),
    remember: db.prepare('INSERT OR REPLACE INTO learnt (hash, class, learnt_at, weight) VALUES (?, ?, ?, ?)'),
    unremember: db.prepare('DELETE FROM learnt WHERE hash = ?'),
    upsert: db.prepare(
      `INSERT INTO tokens (token, spam, ham, learnt_at) VALUES (@token, max(@spam, 0), max(@ham, 0), @now)
       ON CONFLICT (token) DO UPDATE SET spam = max(spam + @spam, 0), ham = max(ham + @ham, 0), learnt_at = @now`,
    ),
    dropEmpty: db.prepare('DELETE FROM tokens WHERE token = ? AND spam = 0 AND ham = 0'),
    count: db.prepare('SELECT count(*) FROM tokens').pluck(),
    saveSnapshot: db.prepare(SAVE_SNAPSHOT),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    snapshotGeneration: db.prepare('SELECT generation FROM snapshot WHERE id = 1').pluck(),
  };
}
