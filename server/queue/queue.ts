import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Db } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import type { Settings } from '../config/settings-schema';
import type { MessageCounters } from '../metrics/message-counters';
import type { Logger } from '../logs/logger';
import { transactionWithoutSync } from '../db/database';
import { keepDirOpen, removeFile, writeFileDurably } from '../store/durable-fs';
import type { QueueEntry } from './types';
import type { QueueFilter } from './queue-search';
import type { Deferral, NewQueueRow, QueueRecipientRow, QueueRow, QueueStore, RecipientChange } from './queue-store';
import { SqliteQueueStore } from './sqlite-queue-store';

export type RecipientOutcome = { status: 'delivered' } | { status: 'temporary' | 'permanent'; diagnostic: string };

/** Delivers one queued message; answers per recipient address. */
export interface QueueProcessor {
  process(entry: QueueEntry): Promise<Map<string, RecipientOutcome>>;
  /** Called once for recipients that failed for good, so the sender can be told. */
  bounce?(entry: QueueEntry, failed: { address: string; original: string; diagnostic: string }[]): Promise<void>;
}

export interface EnqueueInput {
  /** A queue ID made beforehand with newQueueId (the Received header names it). */
  id?: string;
  sender: string;
  /** Final targets ("local:<userId>" or a remote address) with the address the client gave. */
  recipients: { address: string; original: string }[];
  client: string;
  authenticatedUser?: string;
  /**
   * The message comes from a trusted origin (an authenticated user, an approved relay
   * host, the server itself): remote delivery may DKIM-sign it for its From domain.
   */
  signDkim?: boolean;
  /** Sign with this domain's key instead of the From domain's (a list post: the list's domain). Needs signDkim. */
  dkimDomain?: string;
  /** Leading bytes only local delivery keeps (the Return-Path header). */
  localPrefix?: number;
  /**
   * Made by the server while delivering queue message `parentId`: recorded under `key` in the
   * same commit, so a retried delivery can ask generatedBefore and not make it twice.
   */
  once?: { parentId: string; key: string };
}

const RETRY_BASE_MS = 60_000;
/** Recipients the runner reads per turn of the event loop (loadEntry). */
const RECIPIENT_PAGE = 5000;
const RETRY_MAX_MS = 3600_000;

/**
 * The durable queue. A message is a spool file plus a row; both are on disk and
 * fsynced before `enqueue` resolves (and so before the SMTP 250). The runner hands
 * due messages to the processor, records each recipient's outcome, retries
 * temporary failures with exponential back-off and bounces permanent ones.
 */
export class Queue extends EventEmitter {
  private processor?: QueueProcessor;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  /** When the timer fires (the earliest retry known), Infinity without one. */
  private timerAt = Infinity;
  private running = false;
  private scheduled = false;
  /**
   * Messages enqueued just now, due at once and not started: the runner takes them without
   * searching the queue (the search and the next-retry query cost more than the rest of the
   * runner per message). Keyed by queue ID; the row is checked again before each starts.
   */
  private readonly ready = new Map<string, QueueEntry>();
  /** The queue may hold due messages that are neither ready nor in flight: search it. */
  private scanNeeded = true;
  /** Lets go of the spool directory's handle kept open while the runner runs. */
  private releaseSpoolDir?: () => void;
  readonly concurrency = 16;
  /**
   * Age after which a message still waiting gets one 'delayed' event (the sender's
   * delay notice, RFC 3464 Action: delayed). Postfix's delay_warning_time.
   */
  delayWarningMs = 4 * 3600_000;
  /** Tells the sender (awaited before the attempt counts as settled, like bounces); outbound/ sets it. */
  onDelayed?: (entry: QueueEntry, waiting: { address: string; original: string; diagnostic: string | null }[]) => Promise<void>;
  /** Where the runner keeps the queue (queue-store.ts): the engine's SQLite database unless told otherwise. */
  readonly store: QueueStore;
  /** The queue in the engine's SQLite database: the administrator's listings and the joint transactions with other tables. */
  private readonly sqlite: SqliteQueueStore;
  /** A pass of the runner is under way (it awaits the store); another is asked for by passAgain. */
  private passing = false;
  private passAgain = false;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly spoolDir: string,
    private readonly settings: () => Readonly<Settings>,
    private readonly log: Logger,
    private readonly counters: MessageCounters,
    store?: QueueStore,
  ) {
    super();
    this.sqlite = new SqliteQueueStore(db, commits);
    this.store = store ?? this.sqlite;
    fs.mkdirSync(spoolDir, { recursive: true });
  }

  /**
   * The queue's SQLite tables, for what is not behind the store's interface yet: the
   * administrator's listings and changes, and the transactions shared with other tables (a
   * list's fan-out, staged entries, markDelivered in the store's commit). A queue on another
   * database refuses them rather than answer from an empty SQLite table.
   */
  private get local(): SqliteQueueStore {
    if (this.store !== this.sqlite) throw new Error(`not available yet with the queue on ${this.store.backend} (docs/scale-out.md)`);
    return this.sqlite;
  }

  setProcessor(processor: QueueProcessor): void {
    this.processor = processor;
  }

  /**
   * Spools a message. `verify` runs after the content is on disk and before the row
   * is committed: a non-empty answer (size exceeded, client vanished) discards it.
   */
  async enqueue(input: EnqueueInput, parts: (Buffer | Readable)[], verify?: (size: number) => string | undefined | Promise<string | undefined>): Promise<QueueEntry> {
    if (input.recipients.length === 0) throw new Error('a queued message needs at least one recipient');
    const id = input.id ?? newQueueId();
    const file = path.join(this.spoolDir, `${id}.eml`);
    // No temporary name needed: a spool file without its row is removed at start-up.
    const size = await writeFileDurably(file, parts, { direct: true });
    const problem = await verify?.(size);
    if (problem) {
      await fsp.rm(file, { force: true });
      throw new QueueRejected(problem);
    }
    const row = newRow(id, file, size, Date.now(), input);
    try {
      // Due at once: handed to the runner the moment the runner could first find it.
      await this.store.insert([row], () => this.handOver(newEntry(row)));
    } catch (err) {
      // A row that committed but failed its fsync may be seen (and delivered) already: its file stays.
      if (!(await this.store.has(id))) await fsp.rm(file, { force: true });
      throw err;
    }
    this.emit('queued', id);
    // Built from what was inserted, not read back: the runner may have delivered and removed it already.
    return newEntry(row);
  }

  /**
   * Spools several messages and commits them in ONE transaction together with `inCommit`
   * (which may change other tables, e.g. mark the recipient that caused them delivered): all
   * of it is on disk, or none of it is. A list's fan-out relies on this: a crash never
   * loses a post nor sends it twice. Nothing here is visible before it is synced.
   */
  async enqueueAll(messages: { input: EnqueueInput; parts: (Buffer | Readable)[] }[], inCommit?: () => void, activate: StagedEntry[] = []): Promise<QueueEntry[]> {
    const spooled: { id: string; file: string; size: number; input: EnqueueInput }[] = [];
    const now = Date.now();
    try {
      for (const { input, parts } of messages) {
        if (input.recipients.length === 0) throw new Error('a queued message needs at least one recipient');
        const id = input.id ?? newQueueId();
        const file = path.join(this.spoolDir, `${id}.eml`);
        spooled.push({ id, file, size: 0, input });
        spooled[spooled.length - 1].size = await writeFileDurably(file, parts, { direct: true });
      }
      await this.commits.run(() => {
        this.local.insertNow(spooled.map((m) => newRow(m.id, m.file, m.size, now, m.input)));
        // Staged entries (stage) become queued entries here, with the rest or not at all.
        for (const s of activate) {
          if (!this.local.activateNow(s.id, now)) throw new Error(`the staged queue entry ${s.id} is gone`);
        }
        inCommit?.();
      });
    } catch (err) {
      // As in enqueue: a row that committed (its sync failed) keeps its file.
      for (const m of spooled) if (!this.local.has(m.id)) await fsp.rm(m.file, { force: true });
      throw err;
    }
    for (const m of spooled) this.emit('queued', m.id);
    for (const s of activate) this.emit('queued', s.id);
    if (spooled.length || activate.length) this.kick();
    return spooled.map((m) => newEntry(newRow(m.id, m.file, m.size, now, m.input)));
  }

  /**
   * Starts a queue entry that is made in steps, for more recipients than one transaction should
   * insert at once (a list post's copy to 100,000 members: a turn of the event loop each chunk).
   * Its file is spooled and its row written held and building: the runner, the listings and
   * release do not see it, until enqueueAll's `activate` makes it queued in the commit that
   * completes whatever caused it. One left building by a crash is removed at start (start).
   * The steps need no fsync of their own: the activating commit's carries them to disk.
   */
  async stage(input: Omit<EnqueueInput, 'recipients' | 'once' | 'id'>, parts: (Buffer | Readable)[]): Promise<StagedEntry> {
    const id = newQueueId();
    const file = path.join(this.spoolDir, `${id}.eml`);
    const size = await writeFileDurably(file, parts, { direct: true });
    const now = Date.now();
    transactionWithoutSync(this.db, () => this.local.insertNow([newRow(id, file, size, now, { ...input, recipients: [] })], true));
    return { id, file, recipients: 0 };
  }

  /** Adds recipients to a staged entry, in one transaction (the caller keeps a chunk small and yields between chunks). */
  addStagedRecipients(entry: StagedEntry, recipients: { address: string; original: string }[]): void {
    entry.recipients += transactionWithoutSync(this.db, () => this.local.addRecipientsNow(entry.id, recipients));
  }

  /** Gives up a staged entry (the work that made it failed): its row, recipients and file. */
  async discardStaged(entry: StagedEntry): Promise<void> {
    this.local.discardStagedNow(entry.id);
    await fsp.rm(entry.file, { force: true });
  }

  /** The queue ID of what an earlier attempt at `parentId` already made under `key`, if it did. */
  generatedBefore(parentId: string, key: string): string | undefined {
    return this.local.generatedBefore(parentId, key);
  }

  entry(id: string): QueueEntry | undefined {
    const row = this.local.get(id);
    return row && this.toEntry(row);
  }

  entries(): QueueEntry[] {
    return this.local.all().map((r) => this.toEntry(r));
  }

  /**
   * One page of the queue in queue-ID order (oldest first: IDs grow with time), after the ID
   * `after`, filtered (queue-search.ts), with how many match in all.
   */
  page(filter: QueueFilter, after: string | undefined, limit: number): { entries: QueueEntry[]; total: number; more: boolean } {
    const { rows, total } = this.local.page(filter, after, limit + 1);
    return { entries: rows.slice(0, limit).map((r) => this.toEntry(r)), total, more: rows.length > limit };
  }

  counts(): { active: number; deferred: number; held: number } {
    return this.local.counts();
  }

  /** When the oldest message not held by the administrator was queued (undefined: none). */
  oldestWaiting(): Date | undefined {
    const t = this.local.oldestWaiting();
    return t === undefined ? undefined : new Date(t);
  }

  /**
   * Marks recipients delivered. Called inside the store's transaction, so a message
   * is in the mailbox and off the queue's to-do list in one commit: never twice.
   */
  markDelivered(id: string, addresses: string[]): void {
    this.local.markDeliveredNow(id, addresses);
  }

  /** Holds a message: it stays queued and is not attempted until released. */
  hold(id: string): boolean {
    return this.local.hold(id);
  }

  /** Releases a held message and makes it due now. */
  release(id: string): boolean {
    const changed = this.local.release(id, Date.now());
    if (changed) this.kick();
    return changed;
  }

  /**
   * Deletes a queued message without delivering or bouncing it (the administrator's
   * "delete"). A message being delivered right now cannot be deleted: false.
   */
  async remove(id: string): Promise<boolean> {
    if (this.inFlight.has(id)) return false;
    const file = this.local.remove(id);
    if (file === undefined) return false;
    await fsp.rm(file, { force: true });
    this.log.message('deleted from the queue by the administrator', { queueId: id });
    return true;
  }

  /** The message's header section, for the queue listing. */
  async headers(id: string): Promise<string | undefined> {
    const entry = this.entry(id);
    if (!entry) return undefined;
    const handle = await fsp.open(entry.file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, entry.localPrefix);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      return end >= 0 ? text.slice(0, end + 2) : text;
    } finally {
      await handle.close();
    }
  }

  /** Makes a message due now (retry). */
  retry(id: string): boolean {
    const changed = this.local.retry(id, Date.now());
    if (changed) this.kick();
    return changed;
  }

  async start(): Promise<void> {
    this.running = true;
    this.ready.clear();
    this.scanNeeded = true;
    // Every message syncs the spool directory (its new name): one handle for all of them.
    this.releaseSpoolDir ??= keepDirOpen(this.spoolDir);
    // Entries a crash left half built: what made them was not completed and makes them again.
    const unfinished = await this.store.removeUnfinished();
    if (unfinished) this.log.message('unfinished staged queue entries removed', { entries: unfinished });
    await this.removeOrphanSpoolFiles();
    this.kick();
  }

  /** Stops taking new work and waits for deliveries in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.releaseSpoolDir?.();
    this.releaseSpoolDir = undefined;
    // Processors waiting on the network (remote SMTP) cut their sessions short: the mail stays queued.
    this.emit('stopping');
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Resolves when nothing is queued or being delivered (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || (await this.store.dueCount(Date.now())) > 0) {
      await new Promise((r) => this.once('settled', r));
    }
  }

  /** Schedules a pass of the runner soon (coalesced) that searches the queue for due messages. */
  kick(): void {
    this.scanNeeded = true;
    this.schedulePass();
  }

  private schedulePass(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pass();
    });
  }

  /** One pass at a time: a pass asked for while one awaits the store runs after it. */
  private async pass(): Promise<void> {
    if (this.passing) return void (this.passAgain = true);
    this.passing = true;
    try {
      await this.runDue();
    } catch (err) {
      // The database failed (a networked one may be failing over): the queue stays as it is.
      this.log.error('the queue runner could not search the queue', { error: String(err) });
      this.armTimer(Date.now() + RETRY_BASE_MS);
    } finally {
      this.passing = false;
      if (this.passAgain) {
        this.passAgain = false;
        this.schedulePass();
      }
    }
  }

  /** A message just committed and due now: the next pass starts it without a search. */
  private handOver(entry: QueueEntry): void {
    this.ready.set(entry.id, entry);
    this.schedulePass();
  }

  private async runDue(): Promise<void> {
    if (!this.running || !this.processor) return;
    let free = this.concurrency - this.inFlight.size;
    // Oldest first, as the search orders them: what it finds was due before anything ready.
    if (free > 0 && this.scanNeeded) {
      const exclude = [...this.inFlight.keys()];
      const now = Date.now();
      // A kick while the claim is under way asks for another search.
      this.scanNeeded = false;
      const due = await this.store.claimDue(free, now, exclude);
      // Stopped meanwhile: nothing more starts (a networked store's leases on these run out).
      if (!this.running) return;
      // As many as asked for: more may be due. Fewer: every due message is in flight now (or ready below).
      if (due.length === free) this.scanNeeded = true;
      for (const row of due) {
        this.ready.delete(row.id);
        // A row found by the search: attempt reads its recipients (a page at a time when many).
        this.begin(row);
      }
      free -= due.length;
      const next = await this.store.nextAttemptAfter(now);
      if (next !== undefined) this.armTimer(next);
    }
    for (const [id, entry] of this.ready) {
      if (free <= 0) break;
      this.ready.delete(id);
      // Held or deleted by the administrator since it was queued: not started.
      if (this.inFlight.has(id) || !(await this.store.claim(id, Date.now())) || !this.running) continue;
      this.begin(entry);
      free--;
    }
  }

  private begin(entry: QueueEntry | QueueRow): void {
    const p = this.attempt(entry).finally(() => {
      this.inFlight.delete(entry.id);
      this.emit('settled', entry.id);
      this.schedulePass();
    });
    this.inFlight.set(entry.id, p);
  }

  /** The runner searches again at `at` (the earliest retry); an earlier timer stays. */
  private armTimer(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.max(50, Math.min(at - Date.now(), RETRY_MAX_MS));
    this.timerAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, delay);
    this.timer.unref();
  }

  private async attempt(source: QueueEntry | QueueRow): Promise<void> {
    const entry = 'path' in source ? await this.loadEntry(source) : source;
    const processor = this.processor as QueueProcessor;
    let outcomes: Map<string, RecipientOutcome>;
    try {
      outcomes = await processor.process(entry);
    } catch (err) {
      this.log.error('delivery attempt failed', { queueId: entry.id, error: String(err) });
      outcomes = new Map(
        entry.recipients
          .filter((r) => r.status === 'pending')
          .map((r) => [r.address, { status: 'temporary', diagnostic: `4.3.0 internal error: ${String(err)}` }]),
      );
    }
    try {
      await this.record(entry, outcomes);
    } catch (err) {
      // Whatever went wrong, the message must not be retried in a tight loop: it waits
      // a minute (it is still queued, nothing is lost) and the error is logged.
      this.log.error('could not record a delivery attempt', { queueId: entry.id, error: String(err) });
      try {
        await this.store.postpone(entry.id, Date.now() + RETRY_BASE_MS, `4.3.0 internal error: ${String(err)}`);
      } catch {
        // the database itself is failing; the runner's own timer still paces retries
      }
      this.armTimer(Date.now() + RETRY_BASE_MS);
    }
  }

  /** Stores outcomes; finished messages leave the queue, the rest are rescheduled or bounced when expired. */
  private async record(entry: QueueEntry, outcomes: Map<string, RecipientOutcome>): Promise<void> {
    if (!(await this.store.has(entry.id))) {
      // Finished inside the delivery transaction (markDelivered): only the spool file is left.
      await removeFile(entry.file);
      this.emit('done', entry.id);
      return;
    }
    const lifetimeMs = this.settings().localDeliveryLifetimeHours * 3600_000;
    const expired = Date.now() - entry.createdAt.getTime() >= lifetimeMs;
    const bounced: { address: string; original: string; diagnostic: string }[] = [];
    const waiting: { address: string; original: string; diagnostic: string | null }[] = [];
    // Changes grouped by status and diagnostic, one statement a page: a list post's copy has
    // 100,000 recipients, and one statement per recipient held the event loop for half a second.
    const updates = new Map<string, RecipientChange>();
    const update = (status: RecipientChange['status'], diagnostic: string | null, address: string) => {
      const key = `${status}\0${diagnostic ?? ''}`;
      const group = updates.get(key) ?? updates.set(key, { status, diagnostic, addresses: [] }).get(key)!;
      group.addresses.push(address);
    };
    let lastError: string | null = null;
    let pending = 0;
    const finishedHere = () => pending === 0 && bounced.length === 0;
    let warn = false;
    let deferred = 0;
    let retryAt: number | undefined;
    const delivered: string[] = [];
    let seen = 0;
    for (const r of entry.recipients) {
      // A turn of the event loop now and then: a list post's copy has up to 100,000 recipients.
      if (++seen % RECIPIENT_PAGE === 0) await nextTurn();
      if (r.status !== 'pending') continue;
      const outcome = outcomes.get(r.address);
      if (outcome?.status === 'delivered') {
        delivered.push(r.address);
      } else if (outcome?.status === 'permanent' || (outcome && expired)) {
        const diagnostic = outcome.status === 'permanent' ? outcome.diagnostic : `4.4.7 message expired in queue: ${outcome.diagnostic}`;
        update('failed', diagnostic, r.address);
        bounced.push({ address: r.address, original: r.original, diagnostic });
      } else {
        pending++;
        if (outcome) deferred++;
        lastError = outcome?.diagnostic ?? lastError;
        if (outcome) update('pending', outcome.diagnostic, r.address);
        waiting.push({ address: r.address, original: r.original, diagnostic: outcome?.diagnostic ?? r.diagnostic });
      }
    }
    // A large entry's changes are written RECIPIENT_PAGE at a time, a transaction each, the last
    // with the entry's own. A crash between them leaves some outcomes written and the rest
    // pending, which the next attempt settles: the same as an outcome lost in a crash (below).
    const chunks: RecipientChange[] = [];
    if (finishedHere()) {
      // All delivered: the recipients' rows go first, a page at a time (a row gone is a recipient done).
      for (let left = entry.recipients.length; left > RECIPIENT_PAGE; left -= RECIPIENT_PAGE) {
        await this.store.dropRecipients(entry.id, RECIPIENT_PAGE);
      }
    } else {
      for (const address of delivered) update('delivered', null, address);
      for (const u of updates.values()) for (let i = 0; i < u.addresses.length; i += RECIPIENT_PAGE) chunks.push({ ...u, addresses: u.addresses.slice(i, i + RECIPIENT_PAGE) });
    }
    const last = chunks.pop();
    for (const c of chunks) await this.store.setRecipients(entry.id, c);
    // Seen before it is on disk, the outcome at worst is lost in a crash: the message is sent again.
    // A finished message goes whole (its recipients with it): no need to mark them first.
    if (finishedHere()) await this.store.finish(entry.id);
    else {
      let deferral: Deferral | undefined;
      if (pending > 0) {
        const attempts = entry.attempts + 1;
        retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 10));
        warn = !entry.delayWarned && Date.now() - entry.createdAt.getTime() >= this.delayWarningMs;
        deferral = { attempts, nextAttempt: retryAt, lastError, delayWarned: warn };
      }
      await this.store.settle(entry.id, last, deferral);
    }
    if (retryAt !== undefined) this.armTimer(retryAt);
    this.counters.count('deferred', '', deferred);
    this.counters.count('bounced', '', bounced.length);
    if (warn) {
      try {
        await this.onDelayed?.(entry, waiting);
      } catch (err) {
        this.log.error('could not create a delay notice', { queueId: entry.id, error: String(err) });
      }
    }
    if (bounced.length) {
      try {
        await this.processor?.bounce?.(entry, bounced);
      } catch (err) {
        this.log.error('could not create a bounce', { queueId: entry.id, error: String(err) });
      }
    }
    if (pending === 0) {
      if (!finishedHere()) await this.store.finish(entry.id);
      await removeFile(entry.file);
      this.emit('done', entry.id);
    }
  }

  /** Spool files without a row belong to messages that never got their 250: remove them. */
  private async removeOrphanSpoolFiles(): Promise<void> {
    const known = new Set((await this.store.paths()).map((p) => path.basename(p)));
    for (const name of await fsp.readdir(this.spoolDir)) {
      if (!known.has(name)) await fsp.rm(path.join(this.spoolDir, name), { force: true });
    }
  }

  /**
   * The entry the runner attempts. A large one (a list post's copy to 100,000 members) has its
   * recipients read a page at a time, in address order, with a turn of the event loop between
   * pages; a small one is read at once, in the order its recipients were given.
   */
  private async loadEntry(row: QueueRow): Promise<QueueEntry> {
    if ((await this.store.recipientCount(row.id, RECIPIENT_PAGE + 1)) <= RECIPIENT_PAGE) return this.toEntry(row, await this.store.recipients(row.id));
    const recipients: QueueEntry['recipients'] = [];
    for (let after = ''; ; ) {
      const rows = await this.store.recipients(row.id, { after, limit: RECIPIENT_PAGE });
      for (const r of rows) recipients.push(r);
      if (rows.length < RECIPIENT_PAGE) break;
      after = rows[rows.length - 1].address;
      await nextTurn();
    }
    return this.toEntry(row, recipients);
  }

  private toEntry(row: QueueRow, loaded?: QueueEntry['recipients']): QueueEntry {
    const recipients: QueueRecipientRow[] = loaded ?? this.local.recipients(row.id);
    return {
      id: row.id,
      createdAt: new Date(row.created_at),
      sender: row.sender,
      size: row.size,
      file: row.path,
      localPrefix: row.local_prefix,
      client: row.client,
      authenticatedUser: row.authenticated_user,
      state: row.state,
      attempts: row.attempts,
      nextAttempt: new Date(row.next_attempt),
      lastError: row.last_error,
      delayWarned: !!row.delay_warned,
      signDkim: !!row.sign_dkim,
      dkimDomain: row.dkim_domain,
      recipients,
    };
  }
}

export class QueueRejected extends Error {}

/** A queue entry being made in steps (Queue.stage), not queued until activated. */
export interface StagedEntry {
  id: string;
  file: string;
  /** Recipients added so far (duplicates not counted). */
  recipients: number;
}

/** The row enqueue inserts for `input`, due at once. */
function newRow(id: string, file: string, size: number, now: number, input: EnqueueInput): NewQueueRow {
  return {
    id,
    createdAt: now,
    sender: input.sender,
    size,
    file,
    localPrefix: input.localPrefix ?? 0,
    client: input.client,
    authenticatedUser: input.authenticatedUser ?? null,
    signDkim: !!input.signDkim,
    dkimDomain: input.dkimDomain ?? null,
    recipients: input.recipients,
    once: input.once,
  };
}

/** The entry just inserted as `row`, as the runner and the caller see it (not read back: it may be delivered and gone already). */
function newEntry(row: NewQueueRow): QueueEntry {
  return {
    id: row.id,
    createdAt: new Date(row.createdAt),
    sender: row.sender,
    size: row.size,
    file: row.file,
    localPrefix: row.localPrefix,
    client: row.client,
    authenticatedUser: row.authenticatedUser,
    state: 'active',
    attempts: 0,
    nextAttempt: new Date(row.createdAt),
    lastError: null,
    delayWarned: false,
    signDkim: row.signDkim,
    dkimDomain: row.dkimDomain,
    recipients: firstOfEach(row.recipients).map((r) => ({ address: r.address, original: r.original, status: 'pending', diagnostic: null })),
  };
}

/** The first recipient of each address, in order (what INSERT OR IGNORE keeps). */
function firstOfEach<R extends { address: string }>(recipients: R[]): R[] {
  const seen = new Set<string>();
  return recipients.filter((r) => !seen.has(r.address) && !!seen.add(r.address));
}

let lastIdTime = 0;
let idCounter = 0;

/** Sortable, unique queue IDs: milliseconds, a counter, and randomness. */
export function newQueueId(): string {
  const now = Date.now();
  idCounter = now === lastIdTime ? idCounter + 1 : 0;
  lastIdTime = now;
  return `${now.toString(36).toUpperCase()}${idCounter.toString(36).toUpperCase().padStart(2, '0')}${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
}
