import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LogIndex, type LogQuery } from './log-index';
import type { LogEntry } from './logger';

/** Messages from LogSearch; each but `add` is answered with `{ id, result }` or `{ id, error }`. */
export type IndexRequest =
  | { op: 'add'; lines: string[] }
  | { op: 'query'; id: number; query: Omit<LogQuery, 'since' | 'until'> & { since?: number; until?: number } }
  | { op: 'prune'; id: number; before: number }
  | { op: 'stats'; id: number }
  | { op: 'close'; id: number };

export type IndexReply = { id: number; result?: unknown; error?: string } | { added: number; failed?: string } | { warning: string };

const port = parentPort;
if (!port) throw new Error('log-index-worker runs as a worker thread');
const { file } = workerData as { file: string };
let failed: string | undefined;
const index = openIndex();
if (index.upgradeWordIndex()) rebuildWordIndex();

/**
 * Rebuilds the word index a step at a time, between the messages of the engine (adds, queries),
 * which go on meanwhile: a 10-million-entry index takes minutes. A failure (a full disk) leaves
 * the old word index serving; the next start tries again.
 */
function rebuildWordIndex(): void {
  setImmediate(() => {
    try {
      if (index.rebuildStep()) rebuildWordIndex();
    } catch (err) {
      port?.postMessage({ warning: `the log index's new word index could not be built (searches use the old one; the next start tries again): ${String(err)}` } satisfies IndexReply);
    }
  });
}

/** A damaged index is set aside (for whoever wants to look) and a new one begun: the log files hold everything. */
function openIndex(): LogIndex {
  const report = (err: unknown) => void (failed = String(err));
  try {
    return LogIndex.open(file, report);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'SQLITE_CORRUPT' && code !== 'SQLITE_NOTADB') throw err;
    fs.renameSync(file, `${file}.damaged-${Date.now()}`);
    return LogIndex.open(file, report);
  }
}

port.on('message', (request: IndexRequest) => {
  if (request.op === 'add') {
    index.add(request.lines.map((line) => JSON.parse(line) as LogEntry));
    port.postMessage({ added: request.lines.length, failed } satisfies IndexReply);
    failed = undefined;
    return;
  }
  try {
    let result: unknown;
    if (request.op === 'query') {
      const q = request.query;
      result = index.queryRows({ ...q, since: q.since === undefined ? undefined : new Date(q.since), until: q.until === undefined ? undefined : new Date(q.until) });
    } else if (request.op === 'prune') result = index.prune(new Date(request.before));
    else if (request.op === 'stats') {
      const s = index.stats();
      result = { entries: s.entries, oldest: s.oldest?.getTime() ?? null, rebuilding: index.rebuilding };
    } else {
      index.close();
      result = true;
    }
    port.postMessage({ id: request.id, result } satisfies IndexReply);
    if (request.op === 'close') port.close();
  } catch (err) {
    port.postMessage({ id: request.id, error: String(err) } satisfies IndexReply);
  }
});
