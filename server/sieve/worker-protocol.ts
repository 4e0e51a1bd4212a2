/**
 * The messages between SievePool (main thread) and sieve-worker.ts (a worker thread). Everything
 * is plain data (structured clone); the message bytes travel in a SharedArrayBuffer, so the
 * recipients of one message share one copy.
 */
import { performance } from 'node:perf_hooks';
import type { SieveAction } from './actions';
import type { SieveError } from './errors';
import type { SieveLimits } from './index';
import type { MailboxFacts } from './mailbox-names';
import type { Envelope } from './runtime';

/** What each worker gets when it starts. */
export interface WorkerData {
  /**
   * One BigInt64 cell: the worker writes clockMicros() into it when a run starts (after compiling
   * and loading includes, with the run's budget); the pool sets it to 0 before each job. The main
   * thread's deadline for the run counts from there, without a message.
   */
  startedAt: SharedArrayBuffer;
}

/** Microseconds since the epoch on a clock both threads read the same way. */
export function clockMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** One run of a script on a message: everything runSieve needs that is not a callback. */
export interface RunJob {
  type: 'run';
  id: number;
  script: { name: string; source: string };
  /** The message: `length` bytes at `offset` of `bytes`. */
  bytes: SharedArrayBuffer;
  offset: number;
  length: number;
  /** The same number for the same bytes, so a worker parses a message once for all its recipients. */
  messageKey: number;
  envelope: Envelope;
  spamScore?: number;
  spamPercent?: number;
  virusScore?: number;
  userAddresses: string[];
  /** Milliseconds since the epoch for currentdate; default: the worker's clock. */
  now?: number;
  zone?: string;
  limits: Partial<SieveLimits>;
}

/** Compile a script being stored (and, with `includes`, check what it includes). */
export interface CheckJob {
  type: 'check';
  id: number;
  source: string;
  name: string;
  includes: boolean;
}

export type ToWorker =
  | RunJob
  | CheckJob
  | { type: 'include'; id: number; seq: number; source?: string; error?: string }
  | { type: 'mailboxes'; id: number; facts?: MailboxFacts; error?: string };

export interface RunOutcome {
  /** Set when the script itself does not compile: nothing ran. */
  compileErrors?: SieveError[];
  actions: SieveAction[];
  errors: SieveError[];
  budgetExceeded?: { limitMs: number };
}

export interface CheckOutcome {
  errors: SieveError[];
  warnings: SieveError[];
}

export type FromWorker =
  /** The worker needs the source of an included script (undefined: there is none). */
  | { type: 'include'; id: number; seq: number; name: string; scope: 'personal' | 'global' }
  /** The script uses mailboxexists: the worker needs the user's folders. */
  | { type: 'mailboxes'; id: number }
  | { type: 'done'; id: number; run?: RunOutcome; check?: CheckOutcome }
  /** Something other than the script went wrong (a bug, or a loader's error): the job fails. */
  | { type: 'failed'; id: number; error: string };
