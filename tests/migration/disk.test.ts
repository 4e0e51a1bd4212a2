import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type TestEngine } from '../helpers/engine';
import { sum } from '../../server/migration/migration-service';
import { readMbox, envelopeDate, mboxMessageState } from '../../server/mail/mbox';
import { maildirFlags, dovecotKeywords } from '../../server/mail/maildir';
import { makeMessage, writeMaildirFolder } from './fixtures';

const MBOX = [
  'From alice@example.org Mon Jan  1 10:00:00 2024',
  'From: alice@example.org',
  'Subject: one',
  'Status: RO',
  'X-Status: AF',
  'X-Keywords: project-x $Label1',
  'Message-ID: <one@example.org>',
  '',
  'first body',
  '>From here on, quoted',
  'From the looks of it this line is not a separator',
  '',
  'From bob@example.org Tue Jan  2 11:00:00 2024',
  'From: bob@example.org',
  'Subject: two',
  'Status: O',
  'Message-ID: <two@example.org>',
  '',
  'second body',
  '',
].join('\n');

describe('mbox and Maildir formats (server/mail)', () => {
  it('streams an mbox: envelope lines, >From unquoting, state fields to flags', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-mbox-'));
    const file = path.join(dir, 'inbox');
    fs.writeFileSync(file, MBOX);
    const messages = [];
    for await (const m of readMbox(file)) messages.push(m);
    assert.equal(messages.length, 2);
    assert.equal(envelopeDate(messages[0].envelope)?.toISOString(), '2024-01-01T10:00:00.000Z');
    const first = mboxMessageState(messages[0].raw);
    assert.deepEqual(first.flags.sort(), ['$Label1', '\\Answered', '\\Flagged', '\\Seen', 'project-x']);
    assert.equal(first.message.toString(), 'From: alice@example.org\nSubject: one\nMessage-ID: <one@example.org>\n\nfirst body\nFrom here on, quoted\nFrom the looks of it this line is not a separator\n');
    assert.deepEqual(mboxMessageState(messages[1].raw).flags, []);
    fs.writeFileSync(file, 'Subject: not an mbox\n\nbody\n');
    await assert.rejects(async () => {
      for await (const m of readMbox(file)) void m;
    }, /is not an mbox file/);
    fs.rmSync(dir, { recursive: true });
  });

  it('reads Maildir flags and Dovecot keywords', () => {
    const keywords = dovecotKeywords('0 project-x\n1 $Label1\n');
    assert.deepEqual(maildirFlags('1600.M1P1.host,S=10:2,FPRSab', keywords), ['\\Flagged', '$Forwarded', '\\Answered', '\\Seen', 'project-x', '$Label1']);
    assert.deepEqual(maildirFlags('1600.M1P1.host', keywords), []);
  });
});

describe('Maildir, Cyrus and mbox trees on disk', () => {
  let t: TestEngine;
  let userId: number;
  let dir: string;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'carol', password: 'carol-password' }] });
    userId = t.engine.ctx.directory.userByName('carol')!.id;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-disk-source-'));
  });
  after(async () => {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const migrate = async (source: string) => {
    const { migrations } = t.engine.ctx;
    const run = await migrations.finished(migrations.startDisk(userId, source).id);
    assert.equal(run.state, 'succeeded', run.error);
    return run;
  };
  const mailbox = (name: string) => t.engine.ctx.store.mailbox(userId, name)!;

  it('imports a Maildir++ tree with flags, keywords and dates once', async () => {
    const root = path.join(dir, 'Maildir');
    const inbox = [makeMessage('m-inbox', 1, ['\\Seen', 'project-x']), makeMessage('m-inbox', 2)];
    writeMaildirFolder(root, inbox, 1);
    writeMaildirFolder(path.join(root, '.Lists.Node &AOk-t&AOk-'), [makeMessage('m-lists', 1, ['\\Flagged'])], 2);
    writeMaildirFolder(path.join(root, '.Deleted Messages'), [makeMessage('m-trash', 1, ['\\Seen'])], 3);
    // One message still in new/: no flags.
    fs.writeFileSync(path.join(root, 'new', '1700000000.M1P1.host'), makeMessage('m-inbox', 3).raw);
    const run = await migrate(root);
    assert.equal(run.kind, 'maildir');
    assert.equal(sum(run.folders).copied, 5);
    const stored = t.engine.ctx.store.messages(mailbox('INBOX').id);
    assert.equal(stored.length, 3);
    assert.deepEqual(stored.map((m) => m.flags.sort()), [['\\Seen', 'project-x'], [], []]);
    assert.equal(stored[0].internalDate.getTime(), inbox[0].date.getTime());
    assert.deepEqual(await t.engine.ctx.store.readMessage(stored[0]), inbox[0].raw);
    assert.equal(mailbox('Lists/Node été').messageCount, 1, 'levels split at ".", names decoded from modified UTF-7');
    assert.equal(mailbox('Trash').messageCount, 1, '"Deleted Messages" goes into Trash');
    const again = await migrate(root);
    assert.equal(sum(again.folders).copied, 0);
    assert.equal(sum(again.folders).skipped, 5);
  });

  it('imports mbox files: a directory of them, and one file into INBOX, once', async () => {
    const tree = path.join(dir, 'mail');
    fs.mkdirSync(path.join(tree, 'Projects'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'Projects', 'Pillarbox'), MBOX);
    fs.writeFileSync(path.join(tree, '.subscriptions'), 'Projects/Pillarbox\n');
    const run = await migrate(tree);
    assert.equal(run.kind, 'mbox');
    assert.equal(sum(run.folders).copied, 2);
    const [one, two] = t.engine.ctx.store.messages(mailbox('Projects/Pillarbox').id);
    assert.deepEqual(one.flags.sort(), ['$Label1', '\\Answered', '\\Flagged', '\\Seen', 'project-x']);
    assert.equal(one.internalDate.toISOString(), '2024-01-01T10:00:00.000Z');
    assert.doesNotMatch((await t.engine.ctx.store.readMessage(one)).toString(), /^(Status|X-Status|X-Keywords):/m);
    assert.deepEqual(two.flags, []);
    assert.equal(sum((await migrate(tree)).folders).copied, 0, 'a second run copies nothing');
    const single = path.join(dir, 'carol.mbox');
    fs.writeFileSync(single, MBOX);
    const before = mailbox('INBOX').messageCount;
    assert.equal(sum((await migrate(single)).folders).copied, 2);
    assert.equal(mailbox('INBOX').messageCount, before + 2);
  });

  it('imports a Cyrus spool (messages "N.", subfolders as directories)', async () => {
    const spool = path.join(dir, 'cyrus', 'carol');
    fs.mkdirSync(path.join(spool, 'Reports'), { recursive: true });
    for (const d of [spool, path.join(spool, 'Reports')]) fs.writeFileSync(path.join(d, 'cyrus.header'), '');
    fs.writeFileSync(path.join(spool, '1.'), makeMessage('cyrus', 1).raw);
    fs.writeFileSync(path.join(spool, '2.'), makeMessage('cyrus', 2).raw);
    fs.writeFileSync(path.join(spool, 'Reports', '1.'), makeMessage('cyrus-reports', 1).raw);
    const run = await migrate(spool);
    assert.equal(run.kind, 'cyrus');
    assert.equal(sum(run.folders).copied, 3);
    assert.equal(mailbox('Reports').messageCount, 1);
  });

  it('a cancelled run keeps what it copied; the next one copies the rest', async () => {
    const root = path.join(dir, 'Many');
    const messages = Array.from({ length: 1000 }, (_, i) => makeMessage('many', i));
    writeMaildirFolder(root, messages, 7);
    const { migrations } = t.engine.ctx;
    const started = migrations.startDisk(userId, root);
    const onProgress = (run: { id: number; folders: { copied: number }[] }) => {
      if (run.id === started.id && sum(run.folders as never).copied > 0) migrations.cancel(started.id);
    };
    migrations.on('progress', onProgress);
    const cancelled = await migrations.finished(started.id);
    migrations.off('progress', onProgress);
    assert.equal(cancelled.state, 'cancelled');
    const first = sum(cancelled.folders).copied;
    assert.ok(first > 0 && first < 1000, `${first} copied before the cancel`);
    const rest = await migrate(root);
    assert.equal(sum(rest.folders).copied, 1000 - first);
    assert.equal(sum(rest.folders).skipped, first);
    assert.equal(mailbox('INBOX').messageCount, 3 + 2 + 2 + 1000, 'INBOX: 3 from the Maildir, 2 from the single mbox, 2 from the Cyrus spool, and these');
  });

  it('refuses a path that holds no mail, and one that does not exist', () => {
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    assert.throws(() => t.engine.ctx.migrations.startDisk(userId, empty), /holds no Maildir/);
    assert.throws(() => t.engine.ctx.migrations.startDisk(userId, path.join(dir, 'missing')), /cannot read .*ENOENT/);
  });
});

describe('a migration when the engine stops', () => {
  it('is recorded as interrupted, keeps what it copied, and a new run after the restart copies the rest', async () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-disk-stop-'));
    writeMaildirFolder(source, Array.from({ length: 1000 }, (_, i) => makeMessage('stop', i)), 9);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-test-'));
    const first = await startEngine({ dataDir, users: [{ shortName: 'stan', password: 'stan-password' }] });
    const userId = first.engine.ctx.directory.userByName('stan')!.id;
    const { migrations } = first.engine.ctx;
    const started = migrations.startDisk(userId, source);
    let stopping: Promise<void> | undefined;
    migrations.on('progress', (run: { folders: { copied: number }[] }) => {
      if (!stopping && sum(run.folders as never).copied > 0) stopping = first.stop();
    });
    const ended = await migrations.finished(started.id);
    await stopping;
    assert.equal(ended.state, 'interrupted');
    const copied = sum(ended.folders).copied;
    assert.ok(copied > 0 && copied < 1000, `${copied} copied before the stop`);

    const second = await startEngine({ dataDir });
    try {
      const again = second.engine.ctx.migrations;
      assert.equal(again.run(started.id)?.state, 'interrupted');
      assert.match(again.run(started.id)!.error!, /the engine stopped during the run/);
      const rest = await again.finished(again.startDisk(userId, source).id);
      assert.equal(rest.state, 'succeeded', rest.error);
      assert.equal(sum(rest.folders).copied, 1000 - copied);
      assert.equal(second.engine.ctx.store.mailbox(userId, 'INBOX')!.messageCount, 1000);
    } finally {
      await second.stop();
      fs.rmSync(source, { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
