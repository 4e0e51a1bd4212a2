import fs from 'node:fs';
import path from 'node:path';
import { JunkFilter, type LearnOutcome } from './filter';
import { TableLoader } from './table-loader';
import { TokenStore, type JunkClass } from './token-store';

/** Per-user filters kept open at once; the least recently used is closed beyond this (each holds its counts in memory). */
const MAX_OPEN = 32;
/**
 * And at most this many bytes of loaded counts: a table that learnt 500 messages of each class
 * holds about 8 MB (npm run bench -- junk --user-tables), so 32 such would be 256 MB.
 */
export const MAX_OPEN_BYTES = 64 * 2 ** 20;
/** scoreFor lets the event loop turn after this long, so a message to many users' tables never stalls it for long. */
const YIELD_AFTER_MS = 20;
const FILE = /^junk-user-(\d+)\.db$/;

export interface UserTableStats {
  userId: number;
  spamLearnt: number;
  hamLearnt: number;
  /** Enough of both classes to score the user's mail (else the global table does). */
  inUse: boolean;
}

/**
 * Users' own token tables (setting junkTokenTables = per-user, as mox keeps them): one SQLite
 * file per user beside the global junk.db (<data>/db/junk-user-<id>.db, so backups take them as
 * they take every database there). A user's table scores that user's mail once it has learnt
 * MIN_LEARNT_PER_CLASS messages of each class, the same threshold below which any table
 * abstains; until then the global table scores it.
 */
export class UserJunkTables {
  /** Open filters, least recently used first. */
  private readonly open = new Map<number, JunkFilter>();
  /** Reads the tables off the event loop; the junk stage has it load the global table too. */
  readonly loader = new TableLoader();

  constructor(private readonly dataDir: string) {}

  private file(userId: number): string {
    return path.join(this.dataDir, 'db', `junk-user-${userId}.db`);
  }

  /** The user's filter, created on first use. */
  filterFor(userId: number): JunkFilter {
    let filter = this.open.get(userId);
    if (filter) this.open.delete(userId);
    else filter = new JunkFilter(new TokenStore(this.file(userId)));
    this.open.set(userId, filter);
    this.trim();
    return filter;
  }

  /** Closes the least recently used filters beyond MAX_OPEN or MAX_OPEN_BYTES; the most recent stays. */
  private trim(): void {
    let bytes = 0;
    for (const f of this.open.values()) bytes += f.loadedBytes();
    for (const [id, f] of this.open) {
      if ((this.open.size <= MAX_OPEN && bytes <= MAX_OPEN_BYTES) || this.open.size === 1) break;
      bytes -= f.loadedBytes();
      this.open.delete(id);
      f.close();
    }
  }

  /** The user's filter when it has learnt enough to score; undefined when the global one must. */
  readyFor(userId: number): JunkFilter | undefined {
    if (!this.open.has(userId) && !fs.existsSync(this.file(userId))) return undefined;
    const filter = this.filterFor(userId);
    const { spamLearnt, hamLearnt } = filter.learnt();
    return spamLearnt >= filter.minLearnt && hamLearnt >= filter.minLearnt ? filter : undefined;
  }

  /**
   * `score` run on the table of each of the users (once per user) whose table is in use; the
   * others are missing from the map. The junk stage scores a message for all its recipients here.
   */
  async scoreFor<T>(userIds: readonly number[], score: (filter: JunkFilter) => T): Promise<Map<number, T>> {
    const out = new Map<number, T>();
    let since = performance.now();
    for (const id of new Set(userIds)) {
      // Scoring costs well under a millisecond a table (their loading is in a worker thread): a
      // message to a thousand users would still hold the event loop for long at once.
      if (performance.now() - since > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
      const filter = this.readyFor(id);
      if (!filter) continue;
      // Other messages are handled meanwhile. Should the thread fail, classify loads the table here.
      await filter.prepare(this.loader.load).catch(() => undefined);
      out.set(id, score(filter.store.db.open ? filter : this.filterFor(id)));
      // Its counts are loaded now, and weigh in the byte bound.
      this.trim();
    }
    return out;
  }

  /** How many tables are open now (at most MAX_OPEN). */
  openCount(): number {
    return this.open.size;
  }

  learnMany(userId: number, raws: Buffer[], as: JunkClass): LearnOutcome[] {
    return raws.length ? this.filterFor(userId).learnMany(raws, as) : [];
  }

  /** Every user table there is. */
  stats(): UserTableStats[] {
    const dir = path.join(this.dataDir, 'db');
    const ids = fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => FILE.exec(n)?.[1]).filter((id): id is string => id !== undefined).map(Number) : [];
    return ids.sort((a, b) => a - b).map((userId) => this.statsFor(userId));
  }

  statsFor(userId: number): UserTableStats {
    if (!this.open.has(userId) && !fs.existsSync(this.file(userId))) return { userId, spamLearnt: 0, hamLearnt: 0, inUse: false };
    const filter = this.filterFor(userId);
    const { spamLearnt, hamLearnt } = filter.learnt();
    return { userId, spamLearnt, hamLearnt, inUse: spamLearnt >= filter.minLearnt && hamLearnt >= filter.minLearnt };
  }

  /** A deleted user's table goes with the user. */
  remove(userId: number): void {
    this.open.get(userId)?.close();
    this.open.delete(userId);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(this.file(userId) + suffix, { force: true });
  }

  close(): void {
    this.loader.close();
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}
