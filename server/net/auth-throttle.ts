import crypto from 'node:crypto';
import type { LogHub, LogService, Logger } from '../logs/logger';
import { addressGroup } from './address-group';

/** Every service that checks passwords; they all share one throttle. */
/** `graphql` is a management login; `graphql_user` a mail user's login to the API (the USER role). */
export type AuthService = 'smtp' | 'submission' | 'imap' | 'pop3' | 'managesieve' | 'graphql' | 'graphql_user';

export interface ThrottleSettings {
  authFailureDelayMs: number;
  authThrottleMaxDelaySeconds: number;
  authLockoutFailures: number;
  authLockoutMinutes: number;
  authMaxFailures: number;
}

/** One login attempt, before its credentials are checked. */
export interface AuthAttempt {
  service: AuthService;
  /** The client's address as the connection reports it. */
  client: string;
  /** The name the client gave, not yet verified. */
  username: string;
}

export type AuthOutcome<T> =
  /** The credentials were right. */
  | { status: 'ok'; value: T }
  /** Wrong credentials; answered after the delay. `close`: further attempts would be refused for longer than a connection is held, so end the session. */
  | { status: 'failed'; close: boolean }
  /** Refused without checking the credentials: this account is locked for this address, or the address must wait longer than a connection is held. */
  | { status: 'locked' | 'throttled'; retryAfterSeconds: number; close: boolean };

export interface ThrottleOptions {
  /** Where failures are logged (each service's own log); none: not logged. */
  logs?: LogHub;
  /** The account a name stands for (aliases and addresses of one user count together). */
  canonical?: (service: AuthService, username: string) => string;
  /** Longest a connection is held before an answer; a longer delay refuses at once instead. */
  maxHoldMs?: number;
  /** Entries kept per table (addresses, accounts at addresses, accounts); the least recently used go first. */
  maxEntries?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Failures {
  count: number;
  last: number;
  /** No attempt is checked before this time. */
  notBefore: number;
}

interface PairFailures extends Failures {
  lockedUntil: number;
  /** Fingerprints of the wrong passwords tried: trying one of them again is not a new guess. */
  secrets: string[];
}

const LOG_OF: Record<AuthService, LogService> = {
  smtp: 'smtp',
  submission: 'smtp',
  imap: 'imap',
  pop3: 'pop',
  managesieve: 'sieve',
  graphql: 'web',
  graphql_user: 'web',
};

/** Failures are forgotten after this long without one (or three times the longest delay, if more). */
const FORGET_AFTER_MS = 15 * 60_000;
const DEFAULT_MAX_HOLD_MS = 30_000;
const DEFAULT_MAX_ENTRIES = 50_000;
const SECRETS_KEPT = 8;

/**
 * The one authentication throttle of every service (SMTP, submission, IMAP, POP3,
 * ManageSieve, the GraphQL login). It counts failures three ways:
 *
 * - per client address (IPv6: per /64), whatever account was tried: each failure doubles
 *   the wait before the address's next attempt is checked, from `authFailureDelayMs` up to
 *   `authThrottleMaxDelaySeconds`;
 * - per account at an address: the same doubling, plus the optional lockout
 *   (`authLockoutFailures` failures lock that account for that address only, for
 *   `authLockoutMinutes`), so an attacker cannot lock the real user out from elsewhere;
 * - per account from all addresses: a softer delay (doubling every fourth failure) before
 *   a wrong password is answered; it never refuses, so it cannot lock the real user out.
 *
 * A success clears only the failures of that account at that address, never the
 * address's failures on other accounts, so an attacker's own account does not help.
 * Retrying a password that already failed for the account is not counted again (a client
 * with an old saved password is not a guesser). From an address that has failed before,
 * attempts are checked one at a time. No connection is held longer than `maxHoldMs`
 * (30 s): an attempt that would wait longer is refused at once, unchecked.
 */
export class AuthThrottle {
  private readonly addresses: LruTable<Failures>;
  private readonly pairs: LruTable<PairFailures>;
  private readonly accounts: LruTable<Failures>;
  private readonly turns = new Turns();
  private readonly fingerprintKey = crypto.randomBytes(32);
  private readonly loggers = new Map<LogService, Logger>();
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly maxHoldMs: number;

  constructor(
    private readonly settings: () => ThrottleSettings,
    private readonly options: ThrottleOptions = {},
  ) {
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.addresses = new LruTable(max);
    this.pairs = new LruTable(max);
    this.accounts = new LruTable(max);
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  }

  get maxFailuresPerSession(): number {
    return this.settings().authMaxFailures;
  }

  /**
   * Runs one login attempt: refuses it unchecked when the account is locked for this
   * address or the address must wait too long; otherwise waits its turn, checks the
   * credentials with `verify` (a value means right, undefined wrong), records the outcome
   * and delays a wrong answer. `secret` (the password, when the mechanism shows it) is
   * only kept as a keyed fingerprint.
   */
  async attempt<T>(
    a: AuthAttempt,
    verify: () => Promise<T | undefined> | T | undefined,
    opts: { secret?: string; fields?: Record<string, unknown> } = {},
  ): Promise<AuthOutcome<T>> {
    const keys = this.keysOf(a);
    const deadline = this.clock() + this.maxHoldMs;
    const locked = this.lockedFor(keys.pair);
    if (locked > 0) return this.refuse(a, 'locked', locked, false, opts.fields);
    // From an address that has failed before, one attempt at a time: parallel connections do not multiply its guesses.
    const serialize = (this.addresses.get(keys.address)?.count ?? 0) > 0 || (this.pairs.get(keys.pair)?.count ?? 0) > 0;
    if (serialize && !(await this.turns.acquire(keys.address, this.maxHoldMs))) {
      return this.refuse(a, 'throttled', this.waitFor(keys), true, opts.fields);
    }
    try {
      // A previous attempt may have locked the account or pushed the wait while this one queued.
      const lockedNow = this.lockedFor(keys.pair);
      if (lockedNow > 0) return this.refuse(a, 'locked', lockedNow, false, opts.fields);
      const notBefore = this.notBefore(keys);
      if (notBefore > deadline) return this.refuse(a, 'throttled', notBefore - this.clock(), true, opts.fields);
      const wait = notBefore - this.clock();
      if (wait > 0) await this.sleep(wait);
      const value = await verify();
      if (value !== undefined) {
        this.succeeded(keys);
        return { status: 'ok', value };
      }
      return await this.failed(a, keys, opts.secret, opts.fields);
    } finally {
      if (serialize) this.turns.release(keys.address);
    }
  }

  /** Forgets everything (tests; an administrator clearing the slate). */
  reset(): void {
    this.addresses.clear();
    this.pairs.clear();
    this.accounts.clear();
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private keysOf(a: AuthAttempt): { address: string; pair: string; account: string } {
    const name = a.username.slice(0, 256);
    let account: string;
    try {
      account = this.options.canonical?.(a.service, name) ?? defaultCanonical(a.service, name);
    } catch {
      account = defaultCanonical(a.service, name);
    }
    const address = addressGroup(a.client);
    return { address, pair: `${account}\0${address}`, account };
  }

  private get forgetMs(): number {
    return Math.max(FORGET_AFTER_MS, 3 * this.maxDelayMs);
  }

  private get maxDelayMs(): number {
    return this.settings().authThrottleMaxDelaySeconds * 1000;
  }

  /** The entry if its failures still count; forgotten ones are dropped. */
  private current<V extends Failures>(table: LruTable<V>, key: string): V | undefined {
    const entry = table.get(key);
    if (!entry) return undefined;
    const now = this.clock();
    // A lock's quiet time does not make its failures forgotten: when it ends, the next failure locks again.
    const lockedUntil = (entry as Partial<PairFailures>).lockedUntil ?? 0;
    if (now - Math.max(entry.last, lockedUntil) > this.forgetMs) {
      table.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Milliseconds the account stays locked for this address (0: not locked). */
  private lockedFor(pairKey: string): number {
    const pair = this.current(this.pairs, pairKey);
    return pair ? Math.max(0, pair.lockedUntil - this.clock()) : 0;
  }

  private notBefore(keys: { address: string; pair: string }): number {
    return Math.max(this.current(this.addresses, keys.address)?.notBefore ?? 0, this.current(this.pairs, keys.pair)?.notBefore ?? 0);
  }

  private waitFor(keys: { address: string; pair: string }): number {
    return Math.max(this.maxHoldMs, this.notBefore(keys) - this.clock());
  }

  /** base × 2^(n−1), up to authThrottleMaxDelaySeconds. */
  private delay(n: number): number {
    if (n <= 0) return 0;
    return Math.min(this.maxDelayMs, this.settings().authFailureDelayMs * 2 ** Math.min(n - 1, 30));
  }

  /** The per-account delay over all addresses: doubles every fourth failure. */
  private softDelay(n: number): number {
    return n <= 0 ? 0 : this.delay(Math.floor((n - 1) / 4) + 1);
  }

  private async failed(
    a: AuthAttempt,
    keys: { address: string; pair: string; account: string },
    secret: string | undefined,
    fields: Record<string, unknown> | undefined,
  ): Promise<AuthOutcome<never>> {
    const now = this.clock();
    const s = this.settings();
    const address = this.current(this.addresses, keys.address) ?? { count: 0, last: now, notBefore: 0 };
    const pair = this.current(this.pairs, keys.pair) ?? { count: 0, last: now, notBefore: 0, lockedUntil: 0, secrets: [] };
    const account = this.current(this.accounts, keys.account) ?? { count: 0, last: now, notBefore: 0 };
    const print = secret === undefined ? undefined : crypto.createHmac('sha256', this.fingerprintKey).update(secret).digest('hex').slice(0, 16);
    const repeated = print !== undefined && pair.secrets.includes(print);
    if (!repeated) {
      address.count++;
      pair.count++;
      account.count++;
      if (print !== undefined) {
        pair.secrets.push(print);
        if (pair.secrets.length > SECRETS_KEPT) pair.secrets.shift();
      }
    }
    address.last = pair.last = account.last = now;
    const addressDelay = this.delay(address.count);
    const pairDelay = this.delay(pair.count);
    address.notBefore = now + addressDelay;
    pair.notBefore = now + pairDelay;
    let lockedNow = false;
    if (s.authLockoutFailures > 0 && pair.count >= s.authLockoutFailures && pair.lockedUntil <= now) {
      pair.lockedUntil = now + s.authLockoutMinutes * 60_000;
      lockedNow = true;
    }
    this.addresses.set(keys.address, address);
    this.pairs.set(keys.pair, pair);
    this.accounts.set(keys.account, account);
    this.logFailure(a, 'credentials', { ...fields, failures: address.count, ...(repeated ? { repeated: true } : {}) });
    if (lockedNow) {
      this.logger(a.service)?.message(`auth lockout: ${describe(a)}`, { minutes: s.authLockoutMinutes, failures: pair.count });
    }
    const answerDelay = Math.min(this.maxHoldMs, Math.max(addressDelay, pairDelay, this.softDelay(account.count)));
    if (answerDelay > 0) await this.sleep(answerDelay);
    return { status: 'failed', close: Math.max(addressDelay, pairDelay) > this.maxHoldMs };
  }

  /** Clears the failures of this account at this address, and only those. */
  private succeeded(keys: { address: string; pair: string; account: string }): void {
    const pair = this.pairs.get(keys.pair);
    if (!pair) return;
    this.pairs.delete(keys.pair);
    for (const [table, key] of [
      [this.addresses, keys.address],
      [this.accounts, keys.account],
    ] as const) {
      const entry = table.get(key);
      if (!entry) continue;
      entry.count = Math.max(0, entry.count - pair.count);
      if (entry.count === 0) table.delete(key);
    }
  }

  private refuse(
    a: AuthAttempt,
    reason: 'locked' | 'throttled',
    waitMs: number,
    close: boolean,
    fields: Record<string, unknown> | undefined,
  ): AuthOutcome<never> {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    this.logFailure(a, reason, { ...fields, retryAfterSeconds });
    return { status: reason, retryAfterSeconds, close };
  }

  /**
   * One line per failure, for fail2ban and the like. The entry's text always reads
   * `auth failed: client=<address> service=<service> user=<name>`: the client first, so
   * nothing a client sends can stand in front of it, and the name with every character
   * outside a safe set percent-encoded, so it has no spaces, quotes or controls.
   */
  private logFailure(a: AuthAttempt, reason: string, fields: Record<string, unknown>): void {
    this.logger(a.service)?.message(`auth failed: ${describe(a)}`, { reason, ...fields });
  }

  private logger(service: AuthService): Logger | undefined {
    const logs = this.options.logs;
    if (!logs) return undefined;
    const name = LOG_OF[service];
    let logger = this.loggers.get(name);
    if (!logger) this.loggers.set(name, (logger = logs.logger(name)));
    return logger;
  }
}

function describe(a: AuthAttempt): string {
  return `client=${a.client} service=${a.service} user=${safeUsername(a.username)}`;
}

/** A user name as one token: at most 128 characters, anything but [A-Za-z0-9._@+-] percent-encoded; empty: "-". */
export function safeUsername(name: string): string {
  const text = [...name.slice(0, 128)]
    .map((ch) => (/^[A-Za-z0-9._@+-]$/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')))
    .join('');
  return text || '-';
}

function defaultCanonical(service: AuthService, name: string): string {
  return (service === 'graphql' ? 'management:' : '') + name.trim().toLowerCase();
}

/** A Map that forgets its least recently written entries beyond `max`. */
class LruTable<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

/** One holder per key at a time, the others queued in order, each for at most a given time. */
class Turns {
  private readonly queues = new Map<string, (() => boolean)[]>();

  acquire(key: string, timeoutMs: number): Promise<boolean> {
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, []);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      let settled = false;
      const grant = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        resolve(true);
        return true;
      };
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        queue.splice(queue.indexOf(grant), 1);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      queue.push(grant);
    });
  }

  release(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    while (queue.length > 0) {
      if ((queue.shift() as () => boolean)()) return;
    }
    this.queues.delete(key);
  }
}
