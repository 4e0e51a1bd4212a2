import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type IndexedEntry, type IndexedRow, type LogQuery, toIndexed } from './log-index';
import type { IndexReply, IndexRequest } from './log-index-worker';
import { WorkerCalls } from '../db/worker-calls';

const WORKER_FILE = path.join(__dirname, `log-index-worker${path.extname(__filename) || '.js'}`);

/** Lines sent to the worker together, and how long a line waits for company. */
const BATCH_LINES = 500;
const BATCH_MS = 200;
/**
 * Lines sent and not yet indexed beyond which new ones are left out of the index (they are in
 * the log files all the same): a worker that cannot keep up must not grow the engine's memory.
 */
const MAX_IN_FLIGHT = 200_000;

/**
 * The log index (log-index.ts) in a worker thread: indexing and searching never take the
 * engine's thread, however many entries are written or however broad a search is. Lines go to
 * the worker in batches; a search first sends what is waiting, so it sees every entry written
 * before it was asked.
 */
export class LogSearch {
  private readonly worker: Worker;
  private waiting: string[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private readonly calls = new WorkerCalls();
  private closed = false;
  /** Entries left out of the index because the worker was behind or failed. */
  dropped = 0;

  constructor(
    file: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.worker = new Worker(WORKER_FILE, { workerData: { file }, execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: IndexReply) => this.receive(reply));
    this.worker.on('error', (err) => {
      this.onError(`the log index stopped: ${String(err)}`);
      this.fail(err);
    });
    this.worker.on('exit', () => this.fail(new Error('the log index is closed')));
  }

  /** Queues one entry, as the JSON line written to its file. */
  add(line: string): void {
    if (this.closed) return;
    if (this.inFlight + this.waiting.length >= MAX_IN_FLIGHT) {
      this.dropped++;
      return;
    }
    this.waiting.push(line);
    if (this.waiting.length >= BATCH_LINES) this.send();
    else this.timer ??= setTimeout(() => this.send(), BATCH_MS).unref();
  }

  async query(q: LogQuery): Promise<{ entries: IndexedEntry[]; hasMore: boolean }> {
    const found = await this.queryRows(q);
    return { entries: found.rows.map(toIndexed), hasMore: found.hasMore };
  }

  /** As query, the entries as the index holds them (fields as JSON text): what the API passes on. */
  async queryRows(q: LogQuery): Promise<{ rows: IndexedRow[]; hasMore: boolean }> {
    const { since, until, ...rest } = q;
    return (await this.call({ op: 'query', query: { ...rest, since: since?.getTime(), until: until?.getTime() } })) as { rows: IndexedRow[]; hasMore: boolean };
  }

  /** Forgets entries older than `before`; resolves with how many went. */
  async prune(before: Date): Promise<number> {
    return (await this.call({ op: 'prune', before: before.getTime() })) as number;
  }

  /** Entries held, the oldest one's time, and whether the word index is being rebuilt (after an upgrade). */
  async stats(): Promise<{ entries: number; oldest: Date | null; rebuilding: boolean }> {
    const s = (await this.call({ op: 'stats' })) as { entries: number; oldest: number | null; rebuilding: boolean };
    return { entries: s.entries, oldest: s.oldest === null ? null : new Date(s.oldest), rebuilding: s.rebuilding };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = this.call({ op: 'close' }).catch(() => undefined);
    this.closed = true;
    await done;
    await this.worker.terminate();
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const lines = this.waiting;
    this.waiting = [];
    this.inFlight += lines.length;
    this.worker.postMessage({ op: 'add', lines } satisfies IndexRequest);
  }

  private call(request: { op: 'query'; query: IndexRequestQuery } | { op: 'prune'; before: number } | { op: 'stats' } | { op: 'close' }): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the log index is closed'));
    this.send();
    return this.calls.call(this.worker, request);
  }

  private receive(reply: IndexReply): void {
    if ('warning' in reply) {
      this.onError(reply.warning);
      return;
    }
    if ('added' in reply) {
      this.inFlight -= reply.added;
      if (reply.failed) {
        this.dropped += reply.added;
        this.onError(`log entries could not be indexed: ${reply.failed}; they are in the log files`);
      }
      return;
    }
    this.calls.settle(this.worker, reply);
  }

  private fail(err: Error): void {
    this.closed = true;
    this.calls.failAll(err);
  }
}

type IndexRequestQuery = Extract<IndexRequest, { op: 'query' }>['query'];
