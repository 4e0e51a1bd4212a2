import fs from 'node:fs';
import path from 'node:path';
import { JunkFilter, type LearnOutcome } from './filter';
import { TokenStore, type JunkClass } from './token-store';

/** Per-user filters kept open at once; the least recently used is closed beyond this (each holds its counts in memory). */
const MAX_OPEN = 32;
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
    for (const [id, f] of this.open) {
      if (this.open.size <= MAX_OPEN) break;
      this.open.delete(id);
      f.close();
    }
    return filter;
  }

  /** The user's filter when it has learnt enough to score; undefined when the global one must. */
  readyFor(userId: number): JunkFilter | undefined {
    if (!this.open.has(userId) && !fs.existsSync(this.file(userId))) return undefined;
    const filter = this.filterFor(userId);
    const { spamLearnt, hamLearnt } = filter.learnt();
    return spamLearnt >= filter.minLearnt && hamLearnt >= filter.minLearnt ? filter : undefined;
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
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}
