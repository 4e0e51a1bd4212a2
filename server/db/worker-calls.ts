import type { Worker } from 'node:worker_threads';

/** A worker's answer to one call: its result, or the error it met. */
export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * Calls to a worker thread that owns a database (the log index, the text index): each request
 * gets an id, its promise settles when the reply with that id comes back, and the thread keeps
 * the process alive only while calls are pending.
 */
export class WorkerCalls {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** Posts `request` with a new id; resolves with the reply's result. */
  call(worker: Worker, request: object): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  /** Settles the call a reply answers; false when it answers none (already failed). */
  settle(worker: Worker, reply: WorkerReply): boolean {
    const call = this.pending.get(reply.id);
    if (!call) return false;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) worker.unref();
    if (reply.error !== undefined) call.reject(new Error(reply.error));
    else call.resolve(reply.result);
    return true;
  }

  /** Rejects every pending call (the thread died or was closed). */
  failAll(err: Error): void {
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
