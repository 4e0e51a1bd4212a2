import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { LOG_INDEX_TABLES, LogIndex, type LogQuery, toIndexRow } from '../../server/logs/log-index';
import { LogSearch } from '../../server/logs/log-search';
import { type LogEntry, type LogService, SEVERITY_RANK, type Severity } from '../../server/logs/logger';

const SERVICES: LogService[] = ['smtp', 'imap', 'pop', 'jobs', 'server'];
const SEVERITIES: Severity[] = ['error', 'message', 'event', 'debug'];
const START = Date.UTC(2026, 11, 1);

/** Entry i: services and severities in uneven proportions (POP errors are rare), one a second. */
function entry(i: number): LogEntry {
  const service = SERVICES[(i * 7) % 11 < 5 ? (i * 7) % 11 : i % SERVICES.length];
  const severity = service === 'pop' && i % 97 !== 0 ? 'event' : SEVERITIES[(i * 3) % 4];
  return { time: new Date(START + i * 1000).toISOString(), service, severity, text: `entry ${i}`, queueId: `Q${i % 13}`, user: `user${i % 5}`, client: `192.0.2.${i % 9}` };
}

/** Issue 13: every filter of the `logs` query, paged both ways, gives exactly the entries a plain scan would. */
describe('log index: filters and pages match a scan of every entry', () => {
  let dir: string;
  let index: LogIndex;
  const all = Array.from({ length: 1500 }, (_, i) => entry(i));

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-log-index-'));
    index = LogIndex.open(path.join(dir, 'index.db'));
    for (let i = 0; i < all.length; i += 200) index.add(all.slice(i, i + 200));
  });
  after(() => {
    index.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const filters: Omit<LogQuery, 'newestFirst' | 'limit' | 'after'>[] = [
    {},
    { services: ['pop'], severity: 'error' },
    { services: ['smtp', 'jobs'], severity: 'message' },
    { services: ['imap'] },
    { severity: 'event' },
    { services: ['smtp'], since: new Date(START + 300_000), until: new Date(START + 900_000) },
    { since: new Date(START + 1_200_000) },
    { until: new Date(START + 100_500) },
    { services: ['server', 'pop'], severity: 'event', user: 'user3' },
    { queueId: 'q7', severity: 'message' },
    { address: '192.0.2.4', services: ['smtp'] },
  ];

  for (const filter of filters) {
    it(`pages through ${JSON.stringify(filter)}`, () => {
      const wanted = all
        .map((e, i) => ({ e, id: i + 1 }))
        .filter(({ e }) => {
          const t = Date.parse(e.time);
          return (
            (!filter.services || filter.services.includes(e.service)) &&
            (!filter.severity || SEVERITY_RANK[e.severity] <= SEVERITY_RANK[filter.severity]) &&
            (!filter.since || t >= filter.since.getTime()) &&
            (!filter.until || t <= filter.until.getTime()) &&
            (!filter.user || e.user === filter.user) &&
            (!filter.queueId || String(e.queueId).toLowerCase() === filter.queueId.toLowerCase()) &&
            (!filter.address || e.client === filter.address)
          );
        })
        .map(({ id }) => id);
      for (const newestFirst of [true, false]) {
        const seen: number[] = [];
        let after: number | undefined;
        for (;;) {
          const page = index.query({ ...filter, newestFirst, limit: 37, after });
          seen.push(...page.entries.map((e) => e.id));
          if (!page.hasMore) break;
          after = page.entries.at(-1)!.id;
        }
        assert.deepEqual(seen, newestFirst ? [...wanted].reverse() : wanted, newestFirst ? 'newest first' : 'oldest first');
      }
    });
  }

  it('drops entries older than a time, and only those', () => {
    assert.equal(index.prune(new Date(START + 10_500)), 11);
    assert.equal(index.stats().entries, all.length - 11);
    assert.equal(index.query({ newestFirst: false, limit: 1 }).entries[0].id, 12);
  });
});

/** An index.db as the first log index wrote it: the same entries table, a word index without prefixes. */
function writeOldIndex(file: string, count: number): void {
  const old = new BetterSqlite3(file);
  old.exec(LOG_INDEX_TABLES.replace(/, prefix='[^']*'/, ''));
  const insert = old.prepare('INSERT INTO entries (time, service, severity, queue_id, client, user, text, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const words = old.prepare('INSERT INTO entries_text (rowid, text, fields) VALUES (?, ?, ?)');
  old.transaction(() => {
    for (let i = 0; i < count; i++) {
      const r = toIndexRow(entry(i));
      words.run(insert.run(r.time, r.service, r.severity, r.queueId, r.client, r.user, r.text, r.fields).lastInsertRowid, r.text, r.words);
    }
  })();
  old.close();
}

/** The word index with prefix indexes replaces an older one in place, step by step, while entries come and go. */
describe('log index: an index.db from before the prefix indexes', () => {
  it('is rebuilt by the index worker at start, between searches that keep answering', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-log-search-old-'));
    const file = path.join(dir, 'index.db');
    writeOldIndex(file, 3500);
    const errors: string[] = [];
    const search = new LogSearch(file, (message) => errors.push(message));
    try {
      const query = async () => (await search.query({ text: 'entry 34', newestFirst: true, limit: 5 })).entries.map((e) => e.entry.text);
      const wanted = ['entry 3499', 'entry 3498', 'entry 3497', 'entry 3496', 'entry 3495'];
      assert.deepEqual(await query(), wanted);
      // How many steps run between two messages is the worker's affair; each search answers in full.
      while ((await search.stats()).rebuilding) assert.deepEqual(await query(), wanted, 'the old word index answers during the rebuild');
      assert.deepEqual(await query(), wanted);
      assert.deepEqual(errors, []);
    } finally {
      await search.close();
    }
    const db = new BetterSqlite3(file);
    assert.match((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'entries_text'").get() as { sql: string }).sql, /prefix=/);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });


  it('searches the old word index until the new one is complete, then the new one, with nothing lost', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-log-index-old-'));
    const file = path.join(dir, 'index.db');
    writeOldIndex(file, 2500);
    const index = LogIndex.open(file);
    const search = (text: string) => index.query({ text, newestFirst: false, limit: 1000 }).entries.map((e) => e.entry.text);
    const before = search('entry 12');
    assert.deepEqual(before.slice(0, 3), ['entry 12', 'entry 120', 'entry 121']);
    assert.equal(index.upgradeWordIndex(), true);
    assert.equal(index.rebuildStep(), true);
    // Meanwhile: new entries, and the oldest pruned; searches still answer from the old word index.
    index.add([{ time: new Date(START + 3_000_000).toISOString(), service: 'smtp', severity: 'message', text: 'entry 12345 arrived meanwhile' }]);
    index.prune(new Date(START + 12_500));
    assert.deepEqual(search('entry 12'), [...before.filter((t) => t !== 'entry 12'), 'entry 12345 arrived meanwhile']);
    let steps = 1;
    for (let more = true; more; steps++) more = index.rebuildStep();
    assert.equal(steps, 3, '1,000 entries a step: the 2,500 take three');
    assert.equal(index.rebuilding, false);
    assert.deepEqual(search('entry 12'), [...before.filter((t) => t !== 'entry 12'), 'entry 12345 arrived meanwhile']);
    assert.deepEqual(search('arriv'), ['entry 12345 arrived meanwhile']);
    index.close();
    const db = new BetterSqlite3(file);
    assert.match((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'entries_text'").get() as { sql: string }).sql, /prefix='2 3 4 5 6 7 8'/);
    assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'entries_text_next'").get(), { n: 0 });
    db.close();
    const again = LogIndex.open(file);
    assert.equal(again.upgradeWordIndex(), false, 'an index with the current options is left as it is');
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
