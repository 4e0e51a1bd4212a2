import type { KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SigningKey } from './dkim-key-signer';
import type { SignReply, SignRequest, WireKey } from './dkim-sign-protocol';
import type { MessageSource } from './spooled-message';

/** The compiled worker, next to this file. */
const WORKER_FILE = path.join(__dirname, `dkim-sign-worker${path.extname(__filename) || '.js'}`);

/** A signing worker stopped (crashed, terminated) with the job in it: the caller may sign another way. */
export class SignWorkerGone extends Error {}

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, { resolve: (reply: SignReply) => void; reject: (err: Error) => void }>;
  /** Keys this worker has (it keeps them by number). */
  keys: Set<number>;
}

/**
 * DKIM signing off the main thread: mailauth's canonicalization and body hash and the RSA
 * or Ed25519 signature of a message run in one of a few worker threads (dkim-sign-worker.ts),
 * one per core, so the event loop that serves every SMTP session only posts the message and
 * takes the header fields back. A job goes to the worker with the fewest jobs in hand; workers
 * start with the first job and again after one dies. A key object crosses to a worker once.
 */
export class DkimSignPool {
  private readonly workers: PoolWorker[] = [];
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private nextKey = 1;
  private nextJob = 1;

  constructor(private readonly size = os.availableParallelism()) {}

  /** The DKIM-Signature field(s) (CRLF after each) and the errors, as signWithKeys gives them. */
  async sign(source: MessageSource, domain: string, keys: SigningKey[], signTime?: Date): Promise<{ signatures: string; errors: Error[] }> {
    const w = this.pick();
    const job = this.nextJob++;
    const wire: WireKey[] = keys.map((k) => {
      let id = this.keyIds.get(k.key);
      if (id === undefined) this.keyIds.set(k.key, (id = this.nextKey++));
      const first = !w.keys.has(id);
      w.keys.add(id);
      return first ? { id, selector: k.selector, key: k.key } : { id, selector: k.selector };
    });
    const request: SignRequest = { job, source, domain, keys: wire, signTime };
    const reply = await new Promise<SignReply>((resolve, reject) => {
      w.jobs.set(job, { resolve, reject });
      if (w.jobs.size === 1) w.worker.ref();
      w.worker.postMessage(request);
    });
    return { signatures: reply.signatures, errors: reply.errors.map((e) => new Error(e)) };
  }

  /** Stops the workers; jobs in them fail with SignWorkerGone. */
  async close(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }

  private pick(): PoolWorker {
    const least = this.workers.reduce<PoolWorker | undefined>((a, b) => (a && a.jobs.size <= b.jobs.size ? a : b), undefined);
    if (least && (least.jobs.size === 0 || this.workers.length >= this.size)) return least;
    return this.start();
  }

  private start(): PoolWorker {
    const worker = new Worker(WORKER_FILE, { execArgv: [] });
    const w: PoolWorker = { worker, jobs: new Map(), keys: new Set() };
    // An idle worker does not keep the engine (or a test) running.
    worker.unref();
    worker.on('message', (reply: SignReply) => {
      const job = w.jobs.get(reply.job);
      w.jobs.delete(reply.job);
      if (w.jobs.size === 0) worker.unref();
      job?.resolve(reply);
    });
    const gone = (why: string): void => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      for (const job of w.jobs.values()) job.reject(new SignWorkerGone(`DKIM signing worker ${why}`));
      w.jobs.clear();
    };
    worker.on('error', (err) => gone(`failed: ${err.message}`));
    worker.on('exit', (code) => gone(`exited (${code})`));
    this.workers.push(w);
    return w;
  }
}
