import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { LOG_INDEX_INDEXES, LOG_INDEX_TABLES, toIndexRow } from '../../server/logs/log-index';
import { logRecord } from './log-records';

/** What a generated corpus holds; written last, as `corpus.json`, so a half-made corpus is never reused. */
export interface LogCorpus {
  records: number;
  /** Times of the first and last record (ms); records are spread evenly between them. */
  first: number;
  last: number;
  /** How long making it took (the first time), in seconds. */
  generationSeconds: number;
  indexBytes: number;
  fileBytes: number;
}

const SPAN_MS = 30 * 86_400_000;
const BATCH = 50_000;
const MARKER = 'corpus.json';

/**
 * A data directory whose logs/ holds `records` records (log-records.ts), in the per-service files
 * and in index.db exactly as the engine's LogIndex stores them (the same tables, rows and FTS5
 * words), spread over the 30 days before it was made. Made fast: big transactions, and the
 * filters' indexes built once at the end rather than row by row. An existing complete corpus of
 * the same size is reused.
 */
export async function logCorpus(dataDir: string, records: number, log: (message: string) => void): Promise<{ corpus: LogCorpus; reused: boolean }> {
  const marker = path.join(dataDir, MARKER);
  if (fs.existsSync(marker)) {
    const corpus = JSON.parse(fs.readFileSync(marker, 'utf8')) as LogCorpus;
    if (corpus.records === records) {
      // A corpus made by an earlier version: the indexes the engine has now (it would make them at start).
      const db = new BetterSqlite3(path.join(dataDir, 'logs', 'index.db'));
      const started = performance.now();
      db.exec(LOG_INDEX_INDEXES);
      db.close();
      const seconds = (performance.now() - started) / 1000;
      if (seconds > 1) log(`brought the corpus's indexes up to date in ${seconds.toFixed(0)} s`);
      return { corpus, reused: true };
    }
    log(`${dataDir} holds ${corpus.records} records, not ${records}: making it again`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  const logs = path.join(dataDir, 'logs');
  fs.mkdirSync(logs, { recursive: true, mode: 0o700 });
  const started = performance.now();
  const last = Date.now() - 60_000;
  const first = last - SPAN_MS;
  const timeOf = (i: number): number => first + Math.floor((i * SPAN_MS) / records);

  const db = new BetterSqlite3(path.join(logs, 'index.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(LOG_INDEX_TABLES);
  const insert = db.prepare('INSERT INTO entries (id, time, service, severity, queue_id, client, user, text, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const words = db.prepare('INSERT INTO entries_text (rowid, text, fields) VALUES (?, ?, ?)');
  const files = new Map<string, number>();
  let fileBytes = 0;
  try {
    for (let from = 0; from < records; from += BATCH) {
      const lines = new Map<string, string[]>();
      db.transaction(() => {
        for (let i = from; i < Math.min(records, from + BATCH); i++) {
          const entry = logRecord(i, timeOf(i));
          const r = toIndexRow(entry);
          insert.run(i + 1, r.time, r.service, r.severity, r.queueId, r.client, r.user, r.text, r.fields);
          words.run(i + 1, r.text, r.words);
          const list = lines.get(entry.service) ?? [];
          list.push(JSON.stringify(entry));
          lines.set(entry.service, list);
        }
      })();
      for (const [service, list] of lines) {
        let fd = files.get(service);
        if (fd === undefined) files.set(service, (fd = fs.openSync(path.join(logs, `${service}.log`), 'a', 0o600)));
        const text = list.join('\n') + '\n';
        fileBytes += Buffer.byteLength(text);
        fs.writeSync(fd, text);
      }
      const done = Math.min(records, from + BATCH);
      if (done % 1_000_000 === 0 || done === records) {
        const seconds = (performance.now() - started) / 1000;
        log(`generated ${done.toLocaleString('en')} of ${records.toLocaleString('en')} records in ${seconds.toFixed(0)} s`);
      }
      await yieldToEvents(); // lets Ctrl-C's cleanup run
    }
    log('building the filters\' indexes');
    db.exec(LOG_INDEX_INDEXES);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
    for (const fd of files.values()) fs.closeSync(fd);
  }
  const corpus: LogCorpus = {
    records,
    first,
    last: timeOf(records - 1),
    generationSeconds: (performance.now() - started) / 1000,
    indexBytes: fs.statSync(path.join(logs, 'index.db')).size,
    fileBytes,
  };
  fs.writeFileSync(marker, JSON.stringify(corpus));
  return { corpus, reused: false };
}
