import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine';

const exec = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');
const msg = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

describe('mail store', () => {
  let t: TestEngine;
  let extra: string;
  const ctx = () => t.engine.ctx;

  before(async () => {
    extra = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-partition-'));
    t = await startEngine({ settings: { storeLocations: [{ name: 'fast', path: extra }] } });
    await ctx().accounts.create({ shortName: 'alice', password: 'alice-password-1' });
    await ctx().accounts.create({ shortName: 'eve', password: 'eve-password-12', storeLocation: 'fast' });
  });
  after(async () => {
    await t.stop();
    fs.rmSync(extra, { recursive: true, force: true });
  });

  it('gives new users INBOX and the special-use folders', () => {
    const alice = ctx().directory.userByName('alice')!;
    const names = ctx().store.mailboxes(alice.id).map((m) => `${m.name}${m.specialUse ? ' ' + m.specialUse : ''}`);
    assert.deepEqual(names, ['Archive \\Archive', 'Drafts \\Drafts', 'INBOX', 'Junk \\Junk', 'Sent \\Sent', 'Trash \\Trash']);
  });

  it('assigns increasing UIDs and MODSEQs and keeps usage for quotas', async () => {
    const alice = ctx().directory.userByName('alice')!;
    const r = await ctx().store.append([1, 2, 3].map((n) => ({ userId: alice.id, mailbox: 'INBOX', flags: ['\\seen', 'Work'], source: { parts: [msg(`m${n}`)] } })));
    assert.deepEqual(r.map((x) => x.uid), [1, 2, 3]);
    const box = ctx().store.mailbox(alice.id, 'inbox')!;
    assert.equal(box.uidNext, 4);
    assert.equal(box.messageCount, 3);
    const all = ctx().store.messages(box.id);
    assert.deepEqual(all[0].flags, ['\\Seen', 'Work']);
    assert.ok(all[2].modseq > all[0].modseq);
    assert.equal(ctx().store.usage(alice.id).bytes, r.reduce((n, x) => n + x.size, 0));
    const { changed } = ctx().store.setFlags(box.id, [1, 2], 'add', ['\\Flagged']);
    assert.equal(changed.length, 2);
    assert.ok(changed[0].modseq > all[2].modseq);
    assert.deepEqual(await ctx().store.expunge(box.id, [2]), [2]);
    assert.deepEqual(ctx().store.expungedSince(box.id, 0), [2]);
    assert.equal(ctx().store.mailbox(alice.id, 'INBOX')!.messageCount, 2);
    assert.deepEqual(ctx().store.messagesByUid(box.id, [3, 2, 1, 9]).map((m) => m.uid), [1, 3]);
    ctx().store.setFlags(box.id, [3], 'remove', ['\\Seen']);
    ctx().store.setFlags(box.id, [1], 'add', ['\\Deleted']);
    assert.deepEqual(ctx().store.counts(box.id, 3), { recent: 1, unseen: 1, deleted: 1 });
  });

  it('keeps an expunged message readable while someone retains its file, and only then lets it go', async () => {
    const alice = ctx().directory.userByName('alice')!;
    const big = Buffer.concat([msg('kept'), Buffer.alloc(200 * 1024, 'x')]);
    const [r] = await ctx().store.append([{ userId: alice.id, mailbox: 'Archive', source: { parts: [big] } }]);
    const meta = ctx().store.message(r.mailboxId, r.uid)!;
    const store = ctx().store;
    const retain = (e: { messages?: { file: string }[] }) => e.messages?.forEach((m) => store.retained.retain(m.file));
    store.once('expunge', retain);
    await store.expunge(r.mailboxId, [r.uid]);
    assert.ok(!fs.existsSync(meta.file));
    assert.deepEqual(await store.readMessage(meta), big);
    assert.deepEqual(await store.readRange(meta, 3, 10), big.subarray(3, 10));
    const chunks: Buffer[] = [];
    for await (const c of await store.openRange(meta, 100, 150 * 1024)) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), big.subarray(100, 150 * 1024));
    store.retained.release(meta.file);
    assert.equal(store.retained.size, 0);
    await assert.rejects(store.readRange(meta, 0, 10), { code: 'ENOENT' });
  });

  it('writes users\u2019 mail to their store location (partition)', async () => {
    const eve = ctx().directory.userByName('eve')!;
    await ctx().store.append([{ userId: eve.id, mailbox: 'INBOX', source: { parts: [msg('on fast')] } }]);
    const [m] = ctx().store.messages(ctx().store.mailbox(eve.id, 'INBOX')!.id);
    assert.ok(m.file.startsWith(extra + path.sep), m.file);
    assert.equal((await ctx().store.readMessage(m)).toString(), msg('on fast').toString());
  });

  it('renames a mailbox with its children, and refuses to delete INBOX', async () => {
    const alice = ctx().directory.userByName('alice')!;
    ctx().store.createMailbox(alice.id, 'Projects/2026/Q4');
    ctx().store.renameMailbox(alice.id, 'Projects', 'Work');
    const names = ctx().store.mailboxes(alice.id).map((m) => m.name);
    assert.ok(names.includes('Work/2026/Q4') && !names.some((n) => n.startsWith('Projects')));
    await assert.rejects(ctx().store.deleteMailbox(alice.id, 'INBOX'), /cannot be deleted/);
  });

  it('reconstruct (pillarbox reconstruct) rebuilds an index from the files', async () => {
    const alice = ctx().directory.userByName('alice')!;
    const box = ctx().store.mailbox(alice.id, 'INBOX')!;
    const dir = ctx().store.mailboxDir(alice.id, box.id);
    fs.writeFileSync(path.join(dir, 'restored-from-backup.eml'), msg('restored'));
    const [gone] = ctx().store.messages(box.id);
    fs.rmSync(gone.file);
    const before = ctx().store.messages(box.id).length;
    const { stdout } = await exec(process.execPath, [CLI, 'reconstruct', 'alice', 'INBOX', '--data-dir', t.dataDir]);
    assert.match(stdout, /alice\/INBOX: 1 added, 1 missing \(kept\), 0 resized/);
    assert.match(stdout, new RegExp(`UID ${gone.uid}: .* is gone`));
    assert.equal(ctx().store.messages(box.id).length, before + 1, 'the row of the missing file is kept');
    const again = await exec(process.execPath, [CLI, 'reconstruct', 'alice', 'INBOX', '--expunge-missing', '--data-dir', t.dataDir]);
    assert.match(again.stdout, /alice\/INBOX: 0 added, 1 missing \(1 expunged\), 0 resized/);
    const after = ctx().store.messages(box.id);
    assert.equal(after.length, before);
    assert.ok(!after.some((m) => m.uid === gone.uid));
    assert.ok(after.some((m) => m.file.endsWith('restored-from-backup.eml') && m.uid >= 4));
  });
});
