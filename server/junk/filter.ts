import { createHash } from 'node:crypto';
import { DEFAULT_PARAMETERS, type BayesParameters } from './classifier';
import { blankLineEnd } from '../mail/mime/header';
import { ACCEPT_ALL, leaveOneOutHamProbability, scoreMessage, type Acceptance, type BayesResult, type Counts } from './scoring';
import { tokenize } from './tokenizer';
import { TokenStore, type JunkClass, type Lesson, type LoadedTable } from './token-store';
import type { TokenTable } from './token-table';

export { ACCEPT_ALL, type Acceptance, type BayesResult } from './scoring';

export type LearnOutcome = 'learnt' | 'relearnt' | 'already-learnt' | 'forgotten' | 'not-learnt';

/**
 * SpamAssassin's rule: below 200 messages of each class the statistics are noise, so
 * the filter abstains (scores 0.5) rather than guess.
 */
export const MIN_LEARNT_PER_CLASS = 200;

/** A good message scoring above this without its own lesson is learnt twice (JunkFilter.reinforce). */
export const REINFORCE_HAM_ABOVE = 0.5;

/**
 * The Bayesian junk filter: tokenizes, scores against the token database, learns and
 * forgets. Scoring reads an in-memory copy of the token counts (a TokenTable, loaded
 * on first use and again when another process such as `pillarbox learn` has taught the
 * database something), so classifying a message costs no SQL beyond one PRAGMA.
 */
export class JunkFilter {
  private cache: TokenTable | undefined;
  private cacheVersion = -1;
  /** The store's generation the cache reflects. */
  private cacheGeneration = -1;
  private totals: { spam: number; ham: number } = { spam: 0, ham: 0 };
  /**
   * Whether every classification first asks SQLite whether another process has taught
   * the database something (a PRAGMA per message, ~5–20 µs). The engine must; a
   * one-shot `pillarbox classify` reads the counts once and need not.
   */
  followOtherWriters = true;

  constructor(
    readonly store: TokenStore,
    readonly params: BayesParameters = DEFAULT_PARAMETERS,
    readonly minLearnt = MIN_LEARNT_PER_CLASS,
  ) {}

  static open(dataDir: string, params?: BayesParameters): JunkFilter {
    return new JunkFilter(new TokenStore(TokenStore.pathFor(dataDir)), params);
  }

  close(): void {
    this.store.close();
  }

  /** Scores a message; `withClues` also lists the tokens that decided (for `pillarbox classify --clues`). */
  classify(raw: Buffer, acceptance: Acceptance = ACCEPT_ALL, withClues = false): BayesResult {
    return scoreMessage(raw, this.counts(), this.params, this.minLearnt, acceptance, withClues);
  }

  /** Learns one message as spam or ham (see learnMany). */
  learn(raw: Buffer, as: JunkClass): LearnOutcome {
    return this.learnMany([raw], as)[0];
  }

  forget(raw: Buffer): LearnOutcome {
    return this.learnMany([raw], undefined)[0];
  }

  /**
   * Learns (or, with `as` undefined, forgets) messages in one transaction. Learning a
   * message again as the same class changes nothing; as the other class it moves the
   * message's tokens over, as sa-learn does. Good messages the filter would still judge
   * junk are then learnt a second time (reinforce).
   */
  learnMany(messages: Iterable<Buffer>, as: JunkClass | undefined): LearnOutcome[] {
    const outcomes: LearnOutcome[] = [];
    const lessons: Lesson[] = [];
    const scored: string[][] = [];
    const inBatch = new Map<string, { as: JunkClass; weight: number } | undefined>();
    for (const raw of messages) {
      const hash = messageHash(raw);
      const before = inBatch.has(hash) ? inBatch.get(hash) : this.store.learntAs(hash);
      if (before?.as === as) {
        outcomes.push(as ? 'already-learnt' : 'not-learnt');
        continue;
      }
      inBatch.set(hash, as && { as, weight: 1 });
      const { tokens, localeTokens } = tokenize(raw);
      lessons.push({ hash, tokens: [...tokens, ...localeTokens], from: before?.as, fromWeight: before?.weight, to: as });
      scored.push([...tokens]);
      outcomes.push(as === undefined ? 'forgotten' : before ? 'relearnt' : 'learnt');
    }
    if (lessons.length === 0) return outcomes;
    this.apply(lessons);
    if (as === 'ham') this.reinforce(lessons, scored);
    return outcomes;
  }

  /**
   * Train on error, for good mail: a good message that the filter would still judge
   * more likely junk than not (p > 0.5) had it not learnt that very message is learnt a
   * second time. Those are the "hard ham" (newsletters, offers the user did ask for) that
   * otherwise sit among the junk and force the cut-offs up; in cross-validation on the
   * SpamAssassin corpus it halved the good mail scored above 0.99 at the same junk caught
   * (docs/junk-and-virus.md). Junk is not reinforced: the same test showed it only marks
   * more good mail.
   */
  private reinforce(lessons: Lesson[], scored: string[][]): void {
    const counts = this.counts();
    if (counts.spam < this.minLearnt || counts.ham < this.minLearnt) return;
    const again: Lesson[] = [];
    lessons.forEach((l, i) => {
      if (leaveOneOutHamProbability(scored[i], counts, this.params) > REINFORCE_HAM_ABOVE) {
        again.push({ hash: l.hash, tokens: l.tokens, from: 'ham', fromWeight: 1, to: 'ham', toWeight: 2 });
      }
    });
    if (again.length) this.apply(again);
  }

  private apply(lessons: Lesson[]): void {
    const deltas = this.store.apply(lessons);
    if (this.cache) {
      for (const [token, d] of deltas) this.cache.add(token, d.spam, d.ham);
      const t = this.store.totals();
      this.totals = { spam: t.spam, ham: t.ham };
      // Our own commit does not change data_version for this connection; the generation moved by exactly one.
      this.cacheGeneration = t.generation;
    }
  }

  /**
   * Stores the current counts as the snapshot the next process loads (`pillarbox learn`
   * calls it when done, so `classify` and the engine start fast). Returns false when
   * there was nothing to do or it could not be written.
   */
  saveSnapshot(): boolean {
    const generation = this.store.totals().generation;
    if (this.store.snapshotGeneration() === generation) return false;
    if (this.cache && this.cacheGeneration === generation) return this.store.saveSnapshot(this.cache, generation);
    const { table, totals, fromSnapshot } = this.store.loadTable();
    if (fromSnapshot) return false;
    return this.store.saveSnapshot(table, totals.generation);
  }

  /** The bytes the loaded counts take (0 until the first score loads them); what a cache of many filters weighs. */
  loadedBytes(): number {
    return this.cache?.slots.byteLength ?? 0;
  }

  /** Messages learnt per class (stats() without counting the tokens, which reads the whole table). */
  learnt(): { spamLearnt: number; hamLearnt: number } {
    const t = this.store.totals();
    return { spamLearnt: t.spam, hamLearnt: t.ham };
  }

  stats(): { spamLearnt: number; hamLearnt: number; tokens: number; lastLearnt: Date | null } {
    const t = this.store.totals();
    return { spamLearnt: t.spam, hamLearnt: t.ham, tokens: this.store.tokenCount(), lastLearnt: t.lastLearnt };
  }

  /**
   * The in-memory counts scoring reads, loaded (or reloaded, when another process has
   * taught the database something) as needed. `pillarbox classify` shares the table with
   * its worker threads.
   */
  counts(): Counts {
    return { table: this.table(), spam: this.totals.spam, ham: this.totals.ham };
  }

  private table(): TokenTable {
    const current = this.current();
    if (current) return current;
    const version = this.store.dataVersion();
    const loaded = this.store.loadTable();
    // Rebuilt from the tokens: keep the result for the next process (and the next start).
    if (!loaded.fromSnapshot) this.store.saveSnapshot(loaded.table, loaded.totals.generation);
    return this.install(loaded, version);
  }

  /** The loaded table when it is still the database's, else undefined (nothing loaded yet, or another connection taught it since). */
  private current(): TokenTable | undefined {
    if (this.cache && !this.followOtherWriters) return this.cache;
    const version = this.store.dataVersion();
    if (this.cache && version === this.cacheVersion) return this.cache;
    // Another connection committed: a lesson (new generation), or only a snapshot written.
    if (this.cache && this.store.totals().generation === this.cacheGeneration) {
      this.cacheVersion = version;
      return this.cache;
    }
    return undefined;
  }

  /** `version`: the connection's data_version read before the table was. */
  private install(loaded: LoadedTable, version: number): TokenTable {
    this.cache = loaded.table;
    this.cacheVersion = version;
    this.cacheGeneration = loaded.totals.generation;
    this.totals = { spam: loaded.totals.spam, ham: loaded.totals.ham };
    return loaded.table;
  }

  /**
   * Makes sure the counts are loaded, by `load` (TableLoader.load: a worker thread reading the
   * store's file on a connection of its own) when they are not, so that the classify which
   * follows reads no table on this thread. A table read while a lesson committed on this
   * connection is out of date on arrival (data_version does not show our own commits, the
   * generation does) and is read again, once; classify then loads what is still missing itself.
   */
  async prepare(load: (file: string) => Promise<LoadedTable>): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.store.db.open || this.current()) return;
      const version = this.store.dataVersion();
      const loaded = await load(this.store.db.name);
      // Closed meanwhile (a cache of filters let it go): whoever opens it again loads it again.
      if (!this.store.db.open) return;
      if (loaded.totals.generation !== this.store.totals().generation) continue;
      this.install(loaded, version);
      return;
    }
  }
}

/**
 * What identifies a message across redeliveries: its Message-ID and its body. Headers
 * added on the way (Received, X-Spam-*, a redirect's Resent-*) do not change it.
 */
export function messageHash(raw: Buffer): string {
  let start = 0;
  if (raw[0] === 70 && raw.toString('latin1', 0, 5) === 'From ') start = raw.indexOf(10) + 1;
  const end = blankLineEnd(raw, start);
  const header = raw.toString('latin1', start, end < 0 ? raw.length : end);
  const id = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(header)?.[1]?.replace(/\s+/g, '') ?? '';
  const h = createHash('sha256').update(id.toLowerCase()).update('\0');
  // Without a Message-ID the header's own lines (Date, From, Subject) have to tell messages apart.
  if (!id) h.update((header.match(/^(date|from|subject):.*$/gim) ?? [header]).join('\n'));
  h.update(end < 0 ? Buffer.alloc(0) : raw.subarray(end));
  return h.digest('hex');
}
