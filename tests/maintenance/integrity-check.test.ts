import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { checkDatabase } from '../../server/maintenance/integrity-check';
import { DatabaseDamaged, type RepairContext, describeRepair, repairMailStore } from '../../server/maintenance/repair';
import { silentLogger } from '../../server/logs/logger';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-integrity-'));
  dirs.push(dir);
  return dir;
};

function database(build: (db: BetterSqlite3.Database) => void): string {
  const file = path.join(tempDir(), 'test.db');
  const db = new BetterSqlite3(file);
  build(db);
  db.close();
  return file;
}

const withRows = (db: BetterSqlite3.Database) => {
  db.exec('CREATE TABLE parents (id INTEGER PRIMARY KEY); CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents(id), name TEXT); CREATE INDEX children_name ON children(name);');
  const insert = db.prepare('INSERT INTO children (parent, name) VALUES (NULL, ?)');
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) insert.run(`child number ${i} with a name long enough to fill pages`);
  })();
};

describe('the database check of the repair', () => {
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a healthy database healthy', async () => {
    const report = await checkDatabase(database(withRows));
    assert.deepEqual(report, { ok: true, problems: [], foreignKeys: [] });
  });

  it('reports rows whose parent row is missing, per table', async () => {
    const file = database((db) => {
      withRows(db);
      db.pragma('foreign_keys = OFF');
      db.prepare('INSERT INTO children (id, parent, name) VALUES (90001, 7, ?), (90002, 8, ?)').run('orphan', 'orphan');
    });
    const report = await checkDatabase(file);
    assert.equal(report.ok, true);
    assert.deepEqual(report.foreignKeys, [{ table: 'children', parent: 'parents', rows: 2, firstRowids: [90001, 90002] }]);
    const summary = describeRepair({ database: report, movedAside: 0, mailboxes: 0, totals: { added: 0, missing: 0, expunged: 0, resized: 0, staleTemp: 0 }, unavailable: [] }, {});
    assert.match(summary, /^database: integrity ok; 2 row\(s\) whose parent row is missing \(children → parents: 2\), not changed$/m);
  });

  it('reports a damaged database, and the repair stops before it changes anything', async () => {
    const file = database(withRows);
    // Overwrite pages in the middle of the file (the table's and the index's b-trees) with garbage.
    const fd = fs.openSync(file, 'r+');
    const pageSize = 4096;
    const pages = Math.floor(fs.fstatSync(fd).size / pageSize);
    for (const page of [Math.floor(pages / 3), Math.floor(pages / 2), Math.floor((2 * pages) / 3)]) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    fs.closeSync(fd);
    const report = await checkDatabase(file);
    assert.equal(report.ok, false);
    assert.ok(report.problems.length > 0);
    const ctx = { db: undefined, dbFile: file, store: undefined, lostAndFound: path.join(path.dirname(file), 'lost+found'), log: silentLogger('jobs') } as unknown as RepairContext;
    const steps: string[] = [];
    await assert.rejects(repairMailStore(ctx, {}, new AbortController().signal, (p) => steps.push(p.step)), (err: unknown) => err instanceof DatabaseDamaged && /Nothing was changed/.test(err.message));
    assert.ok(!fs.existsSync(ctx.lostAndFound));
    assert.deepEqual([...new Set(steps)], ['checking the database']);
  });

  it('a file that is no database at all is reported, not thrown', async () => {
    const file = path.join(tempDir(), 'not.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x42));
    const report = await checkDatabase(file);
    assert.equal(report.ok, false);
    assert.match(report.problems[0], /not a database/);
  });
});
