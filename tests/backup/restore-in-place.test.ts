import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { finishPendingRestore, readRestoreStatus, writeRestoreStatus } from '../../server/backup/restore-in-place';

// The swap of a restore over a live data directory, interrupted at each step and finished by
// the next start: never a mix of the old store and the restored one.
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, f);
    if (fs.statSync(full).isFile()) out[f] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
}

function setUp(): { data: string; location: string; done: Record<string, string> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-swap-'));
  const data = path.join(root, 'data');
  const location = path.join(root, 'fast');
  write(data, { 'db/pillarbox.db': 'old db', 'store/1/a.eml': 'old mail', 'spool/q1': 'queued after the backup', 'logs/smtp.log': 'log', 'run/ports.json': '{}' });
  write(location, { '2/b.eml': 'old fast mail' });
  write(path.join(data, '.restore-new'), { 'db/pillarbox.db': 'restored db', 'store/1/a.eml': 'restored mail', 'secrets/key': 'k' });
  write(path.join(location, '.restore-new'), { '2/c.eml': 'restored fast mail' });
  writeRestoreStatus(data, { state: 'RESTORING', backup: '000001', filesChecked: 4, filesTotal: 4, message: 'restoring' });
  write(data, { 'restore/pending.json': JSON.stringify({ backup: '/b/000001', dirs: [data, location], phase: 'ready' }) });
  return {
    data,
    location,
    done: {
      'db/pillarbox.db': 'restored db',
      'store/1/a.eml': 'restored mail',
      'secrets/key': 'k',
      'logs/smtp.log': 'log',
      'run/ports.json': '{}',
      'restore/status.json': fs.readFileSync(path.join(data, 'restore', 'status.json'), 'utf8'),
    },
  };
}

describe('restore over a live data directory: the swap', () => {
  it('moves the old entries aside and the restored ones in, keeping logs and run/', () => {
    const { data, location, done } = setUp();
    assert.equal(finishPendingRestore(data), true);
    const got = tree(data);
    delete got['restore/status.json'];
    delete done['restore/status.json'];
    assert.deepEqual(got, done);
    assert.deepEqual(tree(location), { '2/c.eml': 'restored fast mail' });
    assert.equal(readRestoreStatus(data).state, 'DONE', 'a restore decided before a crash is recorded as done');
    assert.equal(finishPendingRestore(data), false, 'nothing left to do');
  });

  it('finishes after a crash halfway through moving the restored entries in', () => {
    const { data, location } = setUp();
    // As if the engine died after moving everything aside and one restored entry in.
    fs.mkdirSync(path.join(data, '.restore-old'));
    for (const e of ['db', 'store', 'spool']) fs.renameSync(path.join(data, e), path.join(data, '.restore-old', e));
    fs.mkdirSync(path.join(location, '.restore-old'));
    fs.renameSync(path.join(location, '2'), path.join(location, '.restore-old', '2'));
    fs.writeFileSync(path.join(data, 'restore', 'pending.json'), JSON.stringify({ backup: '/b/000001', dirs: [data, location], phase: 'moved-aside' }));
    fs.renameSync(path.join(data, '.restore-new', 'db'), path.join(data, 'db'));
    assert.equal(finishPendingRestore(data), true);
    assert.equal(fs.readFileSync(path.join(data, 'db', 'pillarbox.db'), 'utf8'), 'restored db');
    assert.equal(fs.readFileSync(path.join(data, 'store', '1', 'a.eml'), 'utf8'), 'restored mail');
    assert.ok(!fs.existsSync(path.join(data, 'spool')), 'nothing of the old store is left');
    assert.deepEqual(tree(location), { '2/c.eml': 'restored fast mail' });
  });

  it('without a marker, staged files are not a restore: nothing moves', () => {
    const { data } = setUp();
    fs.rmSync(path.join(data, 'restore', 'pending.json'));
    assert.equal(finishPendingRestore(data), false);
    assert.equal(fs.readFileSync(path.join(data, 'db', 'pillarbox.db'), 'utf8'), 'old db');
  });
});
