/**
 * Where Sieve work runs in the engine: a small pool of worker threads (sieve-worker.ts), so a
 * user's script, however slow, never holds the main thread that answers SMTP, IMAP and HTTP.
 *
 *   const pool = new SievePool();
 *   const r = await pool.run({ script: { name, source }, raw, envelope, … }, { loadInclude, mailboxes });
 *   const { errors, warnings } = await pool.check(source, name, { loadInclude });
 *
 * Each worker takes one job at a time; jobs wait in order for a free worker. Workers start when
 * the first job comes and are started again when one dies or is stopped. A run has two deadlines
 * kept by the main thread: until it starts (compiling, loading includes, parsing the message:
 * PREP_TIMEOUT_MS) and from then on its budget, limits.maxRunMs, plus RUN_GRACE_MS. The worker
 * writes the moment its run starts into shared memory (no message: a round trip costs the main
 * thread about 15 µs), and the pool's one timer per job reads it when it fires. The worker's own
 * budget (checked inside the interpreter and the matchers) normally stops a run in time; a worker
 * that does not answer by a deadline is terminated, replaced, and the run ends as over its budget
 * (implicit keep), the same result the stage handles for an in-worker stop.
 */
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SIEVE_LIMITS, type SieveLimits, type SieveRunResult, type VacationMemory, applyVacationMemory } from './index';
import type { SieveError } from './errors';
import type { MailboxFacts } from './mailbox-names';
import type { Envelope } from './runtime';
import { type CheckOutcome, type FromWorker, type RunOutcome, type ToWorker, type WorkerData, clockMicros } from './worker-protocol';

/** After its budget, how long a run may take to answer before its worker is terminated. */
export const RUN_GRACE_MS = 250;
/** Compiling the script and its includes and parsing the message, before the run's clock starts. */
export const PREP_TIMEOUT_MS = 30_000;
/** Checking a script that is being stored (compile and includes). */
export const CHECK_TIMEOUT_MS = 30_000;

/** The compiled worker, next to this file (dist/server/sieve/ in the tree and on the appliance). */
const WORKER_FILE = path.join(__dirname, `sieve-worker${path.extname(__filename) || '.js'}`);

/** One worker per spare core, at least one, at most two: Sieve must not take the cores mail needs. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

export interface SieveRunInput {
  script: { name: string; source: string };
  /** The message; a Buffer over a SharedArrayBuffer (sharedBytes) is passed on without a copy. */
  raw: Buffer;
  envelope: Envelope;
  spamScore?: number;
  spamPercent?: number;
  virusScore?: number;
  userAddresses?: string[];
  now?: Date;
  zone?: string;
  limits?: Partial<SieveLimits>;
}

export interface SieveRunHooks {
  /** Source of an included script, undefined/null when there is none (asked while the run prepares). */
  loadInclude?(name: string, scope: 'personal' | 'global'): string | null | undefined | Promise<string | null | undefined>;
  /** The user's folders, asked for only when a script uses mailboxexists; default: only INBOX. */
  mailboxes?(): MailboxFacts | Promise<MailboxFacts>;
  vacationMemory?: VacationMemory;
}

export interface PoolRunResult extends SieveRunResult {
  /** The script does not compile: it did not run (actions is empty). */
  compileErrors?: SieveError[];
}

export interface SievePoolOptions {
  size?: number;
  /** Another worker script (tests). */
  workerFile?: string;
  /** Deadlines other than RUN_GRACE_MS, PREP_TIMEOUT_MS and CHECK_TIMEOUT_MS (tests). */
  graceMs?: number;
  prepTimeoutMs?: number;
  checkTimeoutMs?: number;
}

/** A job's worker thread died under it (out of memory, a crash): nothing about the script or the message is known. */
export class SieveWorkerLost extends Error {}

/** A copy of `buf` in shared memory: every job of the pool reads it without another copy. */
export function sharedBytes(buf: Buffer): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(buf.length));
  buf.copy(out);
  return out;
}

interface Job {
  id: number;
  message: ToWorker & { type: 'run' | 'check' };
  hooks: SieveRunHooks;
  /** Milliseconds a run may take to start, or a check to finish. */
  firstDeadlineMs: number;
  /** Milliseconds a started run may take (its budget and the grace); undefined for a check. */
  runDeadlineMs?: number;
  resolve(m: FromWorker & { type: 'done' }): void;
  reject(err: Error): void;
  /** What the job ends with when its worker is stopped for missing a deadline. */
  onTimeout(phase: 'prepare' | 'run' | 'check'): void;
}

interface Slot {
  worker: Worker;
  /** When the worker's current run started (clockMicros), 0 until it does; written by the worker. */
  startedAt: BigInt64Array;
  job?: Job;
  /** When the job was handed to the worker (clockMicros). */
  dispatchedAt: number;
  timer?: NodeJS.Timeout;
}

export class SievePool {
  readonly size: number;
  private readonly workerFile: string;
  private readonly graceMs: number;
  private readonly prepTimeoutMs: number;
  private readonly checkTimeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private readonly messageKeys = new WeakMap<ArrayBufferLike, number>();
  private nextMessageKey = 1;
  private closed = false;
  /** Workers started over the pool's life (the first ones included): tests and metrics. */
  started = 0;
  /** Workers terminated for missing a deadline. */
  terminated = 0;

  constructor(options: SievePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? defaultPoolSize());
    this.workerFile = options.workerFile ?? WORKER_FILE;
    this.graceMs = options.graceMs ?? RUN_GRACE_MS;
    this.prepTimeoutMs = options.prepTimeoutMs ?? PREP_TIMEOUT_MS;
    this.checkTimeoutMs = options.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
  }

  /** Runs a script on a message in a worker; resolves like runSieve (never rejects for script problems). */
  run(input: SieveRunInput, hooks: SieveRunHooks = {}): Promise<PoolRunResult> {
    const limits = { ...input.limits };
    const maxRunMs = limits.maxRunMs ?? DEFAULT_SIEVE_LIMITS.maxRunMs;
    const raw = input.raw;
    let bytes = raw.buffer;
    let offset = raw.byteOffset;
    if (!(bytes instanceof SharedArrayBuffer)) {
      const shared = sharedBytes(raw);
      bytes = shared.buffer;
      offset = 0;
    }
    let messageKey = this.messageKeys.get(bytes);
    if (messageKey === undefined) {
      messageKey = this.nextMessageKey++;
      this.messageKeys.set(bytes, messageKey);
    }
    const overrun = (why: string): PoolRunResult => ({
      actions: [{ action: 'keep', implicit: true }],
      errors: [{ line: 0, column: 0, message: why }],
      budgetExceeded: { limitMs: maxRunMs },
    });
    return new Promise<PoolRunResult>((resolve, reject) => {
      const id = this.nextId++;
      this.enqueue({
        id,
        message: {
          type: 'run',
          id,
          script: input.script,
          bytes: bytes as SharedArrayBuffer,
          offset,
          length: raw.length,
          messageKey: messageKey as number,
          envelope: input.envelope,
          spamScore: input.spamScore,
          spamPercent: input.spamPercent,
          virusScore: input.virusScore,
          userAddresses: input.userAddresses ?? [],
          now: input.now?.getTime(),
          zone: input.zone,
          limits,
        },
        hooks,
        firstDeadlineMs: this.prepTimeoutMs,
        runDeadlineMs: maxRunMs + this.graceMs,
        resolve: (m) => {
          const r = m.run as RunOutcome;
          if (r.compileErrors || !hooks.vacationMemory) return resolve(r);
          applyVacationMemory(r.actions, hooks.vacationMemory).then(() => resolve(r), reject);
        },
        reject,
        onTimeout: (phase) =>
          resolve(
            overrun(
              phase === 'run'
                ? `the script did not stop within its ${maxRunMs} ms budget; its worker thread was terminated`
                : `the script and its includes were not ready to run within ${this.prepTimeoutMs} ms; its worker thread was terminated`,
            ),
          ),
      });
    });
  }

  /**
   * Compiles a script that is about to be stored and, with loadInclude, checks its includes
   * (checkIncludes): the problems (empty when it is valid) and the compiler's warnings.
   */
  check(source: string, name: string, hooks: Pick<SieveRunHooks, 'loadInclude'> = {}): Promise<CheckOutcome> {
    return new Promise<CheckOutcome>((resolve, reject) => {
      const id = this.nextId++;
      this.enqueue({
        id,
        message: { type: 'check', id, source, name, includes: !!hooks.loadInclude },
        hooks,
        firstDeadlineMs: this.checkTimeoutMs,
        resolve: (m) => resolve(m.check as CheckOutcome),
        reject,
        onTimeout: () => resolve({ errors: [{ line: 1, column: 1, message: `checking the script took longer than ${this.checkTimeoutMs} ms` }], warnings: [] }),
      });
    });
  }

  /** Stops every worker; jobs not finished fail. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const job of pending) job.reject(new Error('the Sieve worker pool is closed'));
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        this.clearTimer(slot);
        slot.job?.reject(new Error('the Sieve worker pool is closed'));
        slot.job = undefined;
        return slot.worker.terminate();
      }),
    );
  }

  /** Workers alive now. */
  get workers(): number {
    return this.slots.length;
  }

  private enqueue(job: Job): void {
    if (this.closed) {
      job.reject(new Error('the Sieve worker pool is closed'));
      return;
    }
    this.queue.push(job);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift() as Job;
      slot.job = job;
      Atomics.store(slot.startedAt, 0, 0n);
      slot.dispatchedAt = clockMicros();
      slot.worker.ref();
      // A run cannot end before its budget: the first look at the clock is due then at the earliest.
      this.arm(slot, Math.min(job.firstDeadlineMs, job.runDeadlineMs ?? Infinity));
      slot.worker.postMessage(job.message);
    }
  }

  private spawn(): Slot {
    const startedAt = new BigInt64Array(new SharedArrayBuffer(8));
    const workerData: WorkerData = { startedAt: startedAt.buffer as SharedArrayBuffer };
    const worker = new Worker(this.workerFile, { execArgv: [], workerData });
    const slot: Slot = { worker, startedAt, dispatchedAt: 0 };
    this.started++;
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.lost(slot, new SieveWorkerLost(`the Sieve worker thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.lost(slot, new SieveWorkerLost(`the Sieve worker thread exited (code ${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private arm(slot: Slot, ms: number): void {
    this.clearTimer(slot);
    slot.timer = setTimeout(() => this.deadline(slot), Math.max(1, Math.ceil(ms)));
  }

  private clearTimer(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  /** The job's timer fired: past a deadline the worker is stopped, else the timer is set for the next one. */
  private deadline(slot: Slot): void {
    slot.timer = undefined;
    const job = slot.job;
    if (!job) return;
    const now = clockMicros();
    const startedAt = Number(Atomics.load(slot.startedAt, 0));
    let phase: 'prepare' | 'run' | 'check';
    let due: number;
    if (job.runDeadlineMs === undefined) {
      phase = 'check';
      due = slot.dispatchedAt + job.firstDeadlineMs * 1000;
    } else if (startedAt === 0) {
      phase = 'prepare';
      due = slot.dispatchedAt + job.firstDeadlineMs * 1000;
      // Not started yet: the run, once it starts, has its whole budget; look again then at the latest.
      if (now < due) return this.arm(slot, Math.min(due - now, job.runDeadlineMs * 1000) / 1000);
    } else {
      phase = 'run';
      due = startedAt + job.runDeadlineMs * 1000;
    }
    if (now < due) return this.arm(slot, (due - now) / 1000);
    this.remove(slot);
    this.terminated++;
    void slot.worker.terminate();
    job.onTimeout(phase);
    this.dispatch();
  }

  /** A worker died (an error thrown outside a job, out of memory, exit): its job fails, another takes its place. */
  private lost(slot: Slot, err: SieveWorkerLost): void {
    if (!this.slots.includes(slot)) return;
    const job = slot.job;
    this.remove(slot);
    job?.reject(err);
    this.dispatch();
  }

  private remove(slot: Slot): void {
    this.clearTimer(slot);
    slot.job = undefined;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (!job || m.id !== job.id) return;
    switch (m.type) {
      case 'include':
        void this.answer(slot, job, async () => {
          const source = job.hooks.loadInclude ? await job.hooks.loadInclude(m.name, m.scope) : undefined;
          return { type: 'include', id: m.id, seq: m.seq, source: source ?? undefined };
        }, (error) => ({ type: 'include', id: m.id, seq: m.seq, error }));
        return;
      case 'mailboxes':
        void this.answer(slot, job, async () => {
          const facts = job.hooks.mailboxes ? await job.hooks.mailboxes() : { own: [], postable: [] };
          return { type: 'mailboxes', id: m.id, facts };
        }, (error) => ({ type: 'mailboxes', id: m.id, error }));
        return;
      case 'done':
      case 'failed':
        this.clearTimer(slot);
        slot.job = undefined;
        slot.worker.unref();
        if (m.type === 'done') job.resolve(m);
        else job.reject(new Error(`Sieve worker: ${m.error}`));
        this.dispatch();
        return;
    }
  }

  /** Answers a worker's question, unless its job ended meanwhile. */
  private async answer(slot: Slot, job: Job, make: () => Promise<ToWorker>, failed: (error: string) => ToWorker): Promise<void> {
    let reply: ToWorker;
    try {
      reply = await make();
    } catch (err) {
      reply = failed(err instanceof Error ? err.message : String(err));
    }
    if (slot.job === job) slot.worker.postMessage(reply);
  }
}
