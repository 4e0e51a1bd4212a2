import { EventEmitter } from 'node:events';
import type { Db } from '../db/database';

/**
 * What happens to mail, counted where it happens (smtp/, delivery/, outbound/, queue/), and
 * client connections opened (label: the protocol), counted by the connection registry's
 * `open` event (wired in main.ts), for the connection-rate graphs.
 */
export const MESSAGE_COUNTERS = ['received', 'delivered', 'relayed', 'deferred', 'bounced', 'rejected', 'junk', 'virus', 'connections'] as const;
export type MessageCounter = (typeof MESSAGE_COUNTERS)[number];

/** Why the SMTP server refused mail (the `rejected` counter's label). */
export const REJECT_REASONS = [
  'relay-denied',
  'unknown-user',
  'rbl',
  'dmarc',
  'size',
  'disk-reserve',
  'quota',
  'refused-host',
  'inbound-blocked',
  'sender',
  'policy',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
/** What was done with a message with a virus (the `virus` counter's label). */
export const VIRUS_OUTCOMES = ['quarantined', 'deleted', 'bounced'] as const;
export type VirusOutcome = (typeof VIRUS_OUTCOMES)[number];

export interface CountedSeries {
  counter: MessageCounter;
  label: string;
  /** Bucket start (ms since the epoch) → count in that bucket; empty buckets are absent. */
  points: Map<number, number>;
}

const MINUTE_MS = 60_000;
/** Counts are kept this long, then pruned (docs/operations.md, Monitoring). */
export const COUNTS_KEPT_DAYS = 30;
/** Minutes older than this are rolled up into hours. */
const ROLL_UP_AFTER_MS = 86_400_000;

const keyOf = (counter: MessageCounter, label: string) => `${counter}\u0000${label}`;
const splitKey = (key: string) => key.split('\u0000') as [MessageCounter, string];

/**
 * Message counters: kept in memory per minute and written to `message_counts` (minute,
 * counter, label, value) in one transaction a minute, so counting costs a map update on the
 * mail path and the database a few rows a minute. After a day minutes are rolled up per hour;
 * after 30 days the hours go. Totals since the engine started are kept
 * for the overview and the Prometheus endpoint, which listens to `count` events.
 */
export class MessageCounters extends EventEmitter {
  /** Minute start → counter/label key → count, not yet written. */
  private pending = new Map<number, Map<string, number>>();
  private readonly totals = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  count(counter: MessageCounter, label = '', n = 1): void {
    if (n <= 0) return;
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    let bucket = this.pending.get(minute);
    if (!bucket) this.pending.set(minute, (bucket = new Map()));
    const key = keyOf(counter, label);
    bucket.set(key, (bucket.get(key) ?? 0) + n);
    this.totals.set(key, (this.totals.get(key) ?? 0) + n);
    this.emit('count', counter, label, n);
  }

  /** Counts since the engine started, per counter and label. */
  sinceStart(): { counter: MessageCounter; label: string; value: number }[] {
    return [...this.totals].map(([key, value]) => {
      const [counter, label] = splitKey(key);
      return { counter, label, value };
    });
  }

  /** Total since start of one counter over all labels. */
  total(counter: MessageCounter): number {
    let sum = 0;
    for (const [key, value] of this.totals) if (splitKey(key)[0] === counter) sum += value;
    return sum;
  }

  /** Writes at every minute boundary (and prunes once an hour); stop() writes what is left. */
  start(): void {
    const schedule = () => {
      const wait = MINUTE_MS - (this.now() % MINUTE_MS) + 1000;
      this.timer = setTimeout(() => {
        this.flushSafely();
        if (Math.floor(this.now() / MINUTE_MS) % 60 === 0) this.prune();
        schedule();
      }, wait);
      this.timer.unref();
    };
    this.prune();
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushSafely();
  }

  /** Writes every pending minute in one transaction (values add to rows already there). */
  flush(): void {
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    const upsert = this.db.prepare(
      `INSERT INTO message_counts (minute, counter, label, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, counter, label) DO UPDATE SET value = value + excluded.value`,
    );
    try {
      this.db.transaction(() => {
        for (const [minute, bucket] of pending) for (const [key, value] of bucket) upsert.run(minute / MINUTE_MS, ...splitKey(key), value);
      })();
    } catch (err) {
      // Kept for the next try (a full disk): counts are merged back, not lost.
      for (const [minute, bucket] of pending) for (const [key, value] of bucket) {
        let b = this.pending.get(minute);
        if (!b) this.pending.set(minute, (b = new Map()));
        b.set(key, (b.get(key) ?? 0) + value);
      }
      throw err;
    }
  }

  private flushSafely(): void {
    try {
      this.flush();
    } catch (err) {
      this.emit('error-writing', err);
    }
  }

  /**
   * Rolls minutes more than a day old up into their hour (the row of the hour's first minute)
   * and removes what is older than COUNTS_KEPT_DAYS; returns how many rows went.
   */
  prune(): number {
    const hour = (minute: number) => Math.floor(minute / 60) * 60;
    const rollBefore = hour(Math.floor((this.now() - ROLL_UP_AFTER_MS) / MINUTE_MS));
    const oldest = Math.floor((this.now() - COUNTS_KEPT_DAYS * 86_400_000) / MINUTE_MS);
    try {
      return this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT INTO message_counts (minute, counter, label, value)
             SELECT (minute / 60) * 60, counter, label, SUM(value) FROM message_counts WHERE minute < ? AND minute % 60 != 0 GROUP BY 1, 2, 3
             ON CONFLICT (minute, counter, label) DO UPDATE SET value = value + excluded.value`,
          )
          .run(rollBefore);
        const rolled = this.db.prepare('DELETE FROM message_counts WHERE minute < ? AND minute % 60 != 0').run(rollBefore).changes;
        return rolled + this.db.prepare('DELETE FROM message_counts WHERE minute < ?').run(oldest).changes;
      })();
    } catch (err) {
      this.emit('error-writing', err);
      return 0;
    }
  }

  /**
   * Counts between `from` (inclusive) and `to` (exclusive) in buckets of `stepMs` aligned to
   * the epoch (UTC), written and pending alike, one series per counter and label.
   */
  series(from: number, to: number, stepMs: number, counters?: readonly MessageCounter[]): CountedSeries[] {
    const out = new Map<string, CountedSeries>();
    const add = (minuteMs: number, counter: MessageCounter, label: string, value: number) => {
      if (minuteMs < from || minuteMs >= to) return;
      if (counters && !counters.includes(counter)) return;
      const key = keyOf(counter, label);
      let s = out.get(key);
      if (!s) out.set(key, (s = { counter, label, points: new Map() }));
      const bucket = Math.floor(minuteMs / stepMs) * stepMs;
      s.points.set(bucket, (s.points.get(bucket) ?? 0) + value);
    };
    const rows = this.db
      .prepare('SELECT minute, counter, label, value FROM message_counts WHERE minute >= ? AND minute < ? ORDER BY minute')
      .all(Math.floor(from / MINUTE_MS), Math.ceil(to / MINUTE_MS)) as { minute: number; counter: MessageCounter; label: string; value: number }[];
    for (const r of rows) add(r.minute * MINUTE_MS, r.counter, r.label, r.value);
    for (const [minute, bucket] of this.pending) for (const [key, value] of bucket) add(minute, ...splitKey(key), value);
    return [...out.values()].sort((a, b) => a.counter.localeCompare(b.counter) || a.label.localeCompare(b.label));
  }
}
