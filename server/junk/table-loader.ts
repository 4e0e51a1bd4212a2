import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LoadReply, LoadRequest } from './table-load-worker';
import type { LoadedTable } from './token-store';
import { TokenTable } from './token-table';

/**
 * Loads token tables (a user's, or the global one after `pillarbox learn`) in a worker thread,
 * so the engine's event loop keeps turning meanwhile: reading a table of a few MB from
 * SQLite's overflow pages and copying it costs 29 ms of CPU on average and 171 ms at worst
 * with a GC (session 11), all of it a stall on the main thread. One thread, started on first
 * use and referenced only while loads are pending; loads of the same file at once share one read.
 */
export class TableLoader {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (t: LoadedTable) => void; reject: (e: Error) => void }>();
  private readonly inFlight = new Map<string, Promise<LoadedTable>>();
  /** Tables loaded by the thread (for tests and statistics). */
  loaded = 0;

  /** The table of the store in `file`, read by the worker thread. */
  readonly load = (file: string): Promise<LoadedTable> => {
    let p = this.inFlight.get(file);
    if (!p) {
      p = this.request(file).finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, p);
    }
    return p;
  };

  private request(file: string): Promise<LoadedTable> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, file } satisfies LoadRequest);
    });
  }

  private start(): Worker {
    const worker = new Worker(path.join(__dirname, 'table-load-worker.js'));
    worker.on('message', (reply: LoadReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.settle(reply.id);
      if ('error' in reply) return waiter.reject(new Error(reply.error));
      this.loaded++;
      const totals = { spam: reply.spam, ham: reply.ham, generation: reply.generation, lastLearnt: reply.lastLearnt ? new Date(reply.lastLearnt) : null };
      waiter.resolve({ table: TokenTable.over(reply.slots, reply.size), totals, fromSnapshot: reply.fromSnapshot });
    });
    // A thread that died takes its pending loads with it; the next load starts another.
    const fail = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, waiter] of this.pending) {
        this.pending.delete(id);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the token table loader thread exited (${code})`)));
    return worker;
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const waiter of this.pending.values()) waiter.reject(new Error('the token table loader was closed'));
    this.pending.clear();
  }
}
