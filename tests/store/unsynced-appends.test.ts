import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GroupCommit } from '../../server/db/group-commit';
import { MailStore } from '../../server/store/store';
import { startEngine, type TestEngine } from '../helpers/engine';

const msg = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

/**
 * A delivery's rows are committed without waiting for the disk and the WAL is fsynced off the
 * event loop. Until that fsync ends, no client may see the new UIDs: a power cut in between
 * would lose the rows, and the same UIDs would go to other messages.
 */
describe('appends committed but not yet on disk', () => {
  let t: TestEngine;
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-unsynced-'));
    t = await startEngine();
    await t.engine.ctx.accounts.create({ shortName: 'carol', password: 'carol-password-1' });
  });
  after(async () => {
    await t.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('are hidden from every read until their fsync ends, then announced', async () => {
    const ctx = t.engine.ctx;
    const commits = new GroupCommit(ctx.db);
    const store = new MailStore(ctx.db, commits, root, () => []);
    const carol = ctx.directory.userByName('carol')!;
    await store.append([{ userId: carol.id, mailbox: 'INBOX', flags: ['\\Seen'], source: { parts: [msg('first')] } }]);
    const box = store.mailbox(carol.id, 'INBOX')!;

    let syncStarted!: () => void;
    const started = new Promise<void>((r) => (syncStarted = r));
    let releaseSync!: () => void;
    const held = new Promise<void>((r) => (releaseSync = r));
    commits.syncGate = () => {
      syncStarted();
      return held;
    };
    const announced: number[] = [];
    store.on('exists', (e: { uid: number }) => announced.push(e.uid));
    const appending = store.append([
      { userId: carol.id, mailbox: 'INBOX', source: { parts: [msg('second')] } },
      { userId: carol.id, mailbox: 'INBOX', flags: ['\\Deleted'], source: { parts: [msg('third')] } },
    ]);
    await started;

    // Committed: the rows are in the database...
    const rows = ctx.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').all(box.id) as { uid: number }[];
    assert.deepEqual(rows.map((r) => r.uid), [1, 2, 3]);
    // ...but no read shows them.
    assert.deepEqual(store.messages(box.id).map((m) => m.uid), [1]);
    assert.equal(store.message(box.id, 2), undefined);
    assert.deepEqual(store.messagesByUid(box.id, [1, 2, 3]).map((m) => m.uid), [1]);
    assert.deepEqual(store.changedSince(box.id, 0).map((m) => m.uid), [1]);
    assert.deepEqual(store.counts(box.id, 1), { recent: 1, unseen: 0, deleted: 0 });
    // A session opening the mailbox now does not take \Recent from messages it cannot see.
    assert.equal(store.claimRecent(box.id), 1);
    assert.equal(store.claimRecent(box.id), 2);
    assert.deepEqual(announced, []);

    releaseSync();
    const results = await appending;
    assert.deepEqual(results.map((r) => r.uid), [2, 3]);
    assert.deepEqual(announced, [2, 3]);
    assert.deepEqual(store.messages(box.id).map((m) => m.uid), [1, 2, 3]);
    assert.equal(store.message(box.id, 3)?.flags.includes('\\Deleted'), true);
    assert.deepEqual(store.counts(box.id, 2), { recent: 2, unseen: 2, deleted: 1 });
  });

  it('keep the files of rows that committed when the fsync fails, and show them', async () => {
    const ctx = t.engine.ctx;
    const commits = new GroupCommit(ctx.db);
    const store = new MailStore(ctx.db, commits, root, () => []);
    const carol = ctx.directory.userByName('carol')!;
    const box = store.mailbox(carol.id, 'INBOX')!;
    commits.syncGate = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await assert.rejects(store.append([{ userId: carol.id, mailbox: 'INBOX', source: { parts: [msg('fourth')] } }]), /EIO/);
    const last = store.messages(box.id).at(-1)!;
    assert.equal(last.uid, 4);
    assert.ok(fs.existsSync(last.file), 'the committed row still has its file');
  });
});
