import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type TestEngine } from '../helpers/engine';
import type { MigrationRun } from '../../server/migration/types';
import { sum } from '../../server/migration/migration-service';
import { createDovecot, MASTER_PASSWORD, MASTER_USER, type TestDovecot } from './dovecot';
import { type FixtureMessage, makeMessage, writeMaildirFolder } from './fixtures';
import { issue } from '../helpers/test-ca';

const BIG = 10_000;

/** Source folder (Maildir++ directory, "" = INBOX) → its messages; and where each should arrive. */
interface SourceFolder {
  dir: string;
  target: string;
  uidValidity: number;
  messages: FixtureMessage[];
}

function aliceFolders(): SourceFolder[] {
  const many = (folder: string, n: number, flags: (i: number) => string[] = () => []) => Array.from({ length: n }, (_, i) => makeMessage(folder, i, flags(i)));
  return [
    { dir: '', target: 'INBOX', uidValidity: 1001, messages: many('INBOX', 6, (i) => [[], ['\\Seen'], ['\\Seen', '\\Answered'], ['\\Flagged', 'project-x'], ['\\Seen', '$Label1', 'project-x'], ['\\Draft', '\\Deleted']][i]) },
    { dir: '.Sent Messages', target: 'Sent', uidValidity: 1002, messages: many('Sent Messages', 3, () => ['\\Seen']) },
    { dir: '.Trash', target: 'Trash', uidValidity: 1003, messages: many('Trash', 1, () => ['\\Seen', '\\Deleted']) },
    { dir: '.Work', target: 'Work', uidValidity: 1004, messages: many('Work', 2, () => ['$Forwarded']) },
    { dir: '.Work.Projects', target: 'Work/Projects', uidValidity: 1005, messages: many('Work.Projects', 2) },
    { dir: '.Work.Projects.2026 Q1', target: 'Work/Projects/2026 Q1', uidValidity: 1006, messages: many('Work.Projects.2026', 1, () => ['\\Seen']) },
    { dir: '.Big', target: 'Big', uidValidity: 1007, messages: many('Big', BIG, (i) => (i % 3 === 0 ? ['\\Seen'] : [])) },
  ];
}

function bobFolders(): SourceFolder[] {
  return [
    { dir: '', target: 'INBOX', uidValidity: 2001, messages: [makeMessage('bob', 1), makeMessage('bob', 2, ['\\Seen'])] },
    { dir: '.Archive', target: 'Archive', uidValidity: 2002, messages: [makeMessage('bob-archive', 1, ['\\Seen'])] },
  ];
}

function writeSource(dovecot: TestDovecot, user: string, folders: SourceFolder[]): void {
  for (const f of folders) writeMaildirFolder(path.join(dovecot.maildir(user), f.dir), f.messages, f.uidValidity);
  fs.writeFileSync(path.join(dovecot.maildir(user), 'subscriptions'), folders.filter((f) => f.dir).map((f) => f.dir.slice(1) + '\n').join(''));
}

/** Every expected message is in its mailbox once, with its bytes, flags and internal date; nothing else is. */
async function assertArrived(t: TestEngine, user: string, folders: SourceFolder[]): Promise<void> {
  const { store, directory } = t.engine.ctx;
  const u = directory.userByName(user)!;
  for (const f of folders) {
    const box = store.mailbox(u.id, f.target);
    assert.ok(box, `${user}: mailbox ${f.target} exists`);
    const stored = store.messages(box.id);
    assert.equal(stored.length, f.messages.length, `${user}/${f.target}: message count`);
    const byId = new Map(f.messages.map((m) => [m.messageId, m]));
    const seen = new Set<string>();
    // Reading every file of the 10,000 is slow; every message's size is compared, the bytes of a sample.
    for (const [i, meta] of stored.entries()) {
      const expectedSize = f.messages.find((m) => m.raw.length === meta.size);
      assert.ok(expectedSize, `${user}/${f.target}: a message of ${meta.size} bytes`);
      if (f.messages.length > 100 && i % 97 !== 0) continue;
      const raw = await store.readMessage(meta);
      const id = /Message-ID: (<[^>]+>)/.exec(raw.toString())![1];
      const expected = byId.get(id)!;
      assert.ok(expected && !seen.has(id), `${user}/${f.target}: ${id} once`);
      seen.add(id);
      assert.deepEqual(raw, expected.raw, `${id}: bytes`);
      assert.deepEqual([...meta.flags].sort(), [...expected.flags].sort(), `${id}: flags`);
      assert.equal(meta.internalDate.getTime(), expected.date.getTime(), `${id}: internal date`);
    }
  }
}

function totals(run: MigrationRun) {
  return sum(run.folders);
}

describe('IMAP migration from a real Dovecot', { timeout: 600_000 }, () => {
  let dovecot: TestDovecot;
  const alice = aliceFolders();
  const bob = bobFolders();

  before(async () => {
    dovecot = await createDovecot({ alice: 'alice-secret-1', bob: 'bob-secret-1' });
    writeSource(dovecot, 'alice', alice);
    writeSource(dovecot, 'bob', bob);
    await dovecot.start();
  });
  after(() => dovecot?.stop());

  const source = (username: string, password: string) => ({ host: '127.0.0.1', port: dovecot.port, tls: 'none' as const, username, password });

  it('copies every folder, flag, keyword and date once; a second run copies nothing', async () => {
    const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }, { shortName: 'bob', password: 'bob-password' }] });
    try {
      const { migrations, directory, store } = t.engine.ctx;
      const aliceId = directory.userByName('alice')!.id;
      const started = Date.now();
      const first = await migrations.finished(migrations.startImap(aliceId, source('alice', 'alice-secret-1')).id);
      const seconds = (Date.now() - started) / 1000;
      assert.equal(first.state, 'succeeded', first.error);
      const expected = alice.reduce((n, f) => n + f.messages.length, 0);
      assert.equal(totals(first).copied, expected);
      process.stdout.write(`# IMAP import: ${expected} messages in ${seconds.toFixed(1)} s = ${Math.round(expected / seconds)} messages/s\n`);
      await assertArrived(t, 'alice', alice);
      assert.ok(store.subscriptions(aliceId).includes('Work/Projects/2026 Q1'), 'subscriptions follow');
      assert.equal(store.mailboxes(aliceId).filter((m) => m.specialUse === '\\Sent').map((m) => m.name).join(), 'Sent', '"Sent Messages" (\\Sent) went into Sent');

      const second = await migrations.finished(migrations.startImap(aliceId, source('alice', 'alice-secret-1')).id);
      assert.equal(second.state, 'succeeded', second.error);
      assert.equal(totals(second).copied, 0, 'the second run copies nothing');
      await assertArrived(t, 'alice', alice);

      // Bob through the master user (Dovecot's admin login on behalf of a user: SASL PLAIN authzid).
      const bobId = directory.userByName('bob')!.id;
      const viaMaster = await migrations.finished(migrations.startImap(bobId, { ...source(MASTER_USER, MASTER_PASSWORD), authorizeAs: 'bob' }).id);
      assert.equal(viaMaster.state, 'succeeded', viaMaster.error);
      await assertArrived(t, 'bob', bob);
      assert.doesNotMatch(JSON.stringify(migrations.runs()), /secret/, 'no password in the runs');
      assert.doesNotMatch(fs.readFileSync(path.join(t.dataDir, 'logs', 'server.log'), 'utf8'), /secret-1/, 'no password in the log');
    } finally {
      await t.stop();
    }
  });

  it('refuses a wrong password and an unreachable server with a clear error', async () => {
    const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }] });
    try {
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('alice')!.id;
      const refused = await migrations.finished(migrations.startImap(id, source('alice', 'wrong-password')).id);
      assert.equal(refused.state, 'failed');
      assert.match(refused.error!, /refused the login of "alice"/);
      const closed = await migrations.finished(migrations.startImap(id, { ...source('alice', 'x'), port: 1 }).id);
      assert.equal(closed.state, 'failed');
      assert.match(closed.error!, /cannot connect to 127\.0\.0\.1:1/);
      assert.equal(t.engine.ctx.store.usage(id).messages, 0);
    } finally {
      await t.stop();
    }
  });

  it('a server killed mid-run loses and duplicates nothing: the run reconnects and carries on', async () => {
    const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }] });
    try {
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('alice')!.id;
      let restarting: Promise<void> | undefined;
      const onProgress = (run: MigrationRun) => {
        const big = run.folders.find((f) => f.source === 'Big');
        if (!restarting && big && big.copied >= 2000) restarting = dovecot.kill().then(() => dovecot.start());
      };
      migrations.on('progress', onProgress);
      const run = await migrations.finished(migrations.startImap(id, source('alice', 'alice-secret-1')).id);
      migrations.off('progress', onProgress);
      await restarting;
      assert.ok(restarting, 'the server was restarted mid-run');
      assert.equal(run.state, 'succeeded', run.error);
      assert.equal(totals(run).copied, alice.reduce((n, f) => n + f.messages.length, 0));
      await assertArrived(t, 'alice', alice);
    } finally {
      await t.stop();
    }
  });

  it('a server killed mid-run, without reconnecting, loses and duplicates nothing: the next run resumes', async () => {
    const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }] });
    try {
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('alice')!.id;
      let killing: Promise<void> | undefined;
      const onProgress = (run: MigrationRun) => {
        const big = run.folders.find((f) => f.source === 'Big');
        if (!killing && big && big.copied >= 3000) killing = dovecot.kill();
      };
      migrations.on('progress', onProgress);
      const broken = await migrations.finished(migrations.startImap(id, { ...source('alice', 'alice-secret-1'), reconnectAttempts: 0 }).id);
      migrations.off('progress', onProgress);
      await killing;
      assert.equal(broken.state, 'failed');
      assert.match(broken.error!, /connection to 127\.0\.0\.1:\d+ was lost while copying "Big"/);
      const copiedBefore = totals(broken).copied;
      assert.ok(copiedBefore >= 3000 && copiedBefore < alice.reduce((n, f) => n + f.messages.length, 0));

      await dovecot.start();
      const resumed = await migrations.finished(migrations.startImap(id, source('alice', 'alice-secret-1')).id);
      assert.equal(resumed.state, 'succeeded', resumed.error);
      assert.equal(copiedBefore + totals(resumed).copied, alice.reduce((n, f) => n + f.messages.length, 0));
      await assertArrived(t, 'alice', alice);
    } finally {
      await t.stop();
    }
  });

  it('after the source renumbered a folder (new UIDVALIDITY) nothing is copied twice', async () => {
    const t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password' }] });
    try {
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('bob')!.id;
      const first = await migrations.finished(migrations.startImap(id, source('bob', 'bob-secret-1')).id);
      assert.equal(totals(first).copied, 3);
      await dovecot.kill();
      // Dovecot loses its index and UID list: the same messages come back under a new UIDVALIDITY, plus one new message.
      const inbox = dovecot.maildir('bob');
      for (const n of fs.readdirSync(inbox)) if (n.startsWith('dovecot')) fs.rmSync(path.join(inbox, n));
      const added = makeMessage('bob', 3);
      writeMaildirFolder(inbox, [...bob[0].messages, added], 9999);
      await dovecot.start();
      const again = await migrations.finished(migrations.startImap(id, source('bob', 'bob-secret-1')).id);
      assert.equal(again.state, 'succeeded', again.error);
      assert.equal(totals(again).copied, 1, 'only the new message');
      assert.equal(again.folders.find((f) => f.source === 'INBOX')!.skipped, 2);
      await assertArrived(t, 'bob', [{ ...bob[0], messages: [...bob[0].messages, added] }, bob[1]]);
    } finally {
      await t.stop();
    }
  });

  it('STARTTLS and implicit TLS: an unverifiable certificate is refused unless verifyCertificate is false', async () => {
    const secure = await createDovecot({ bob: 'bob-secret-1' }, issue('localhost', { ips: ['127.0.0.1'] }));
    const t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password' }] });
    try {
      writeSource(secure, 'bob', bob);
      await secure.start();
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('bob')!.id;
      const tls = (mode: 'starttls' | 'implicit', verifyCertificate: boolean) => ({ host: '127.0.0.1', port: mode === 'starttls' ? secure.port : secure.imapsPort, tls: mode, username: 'bob', password: 'bob-secret-1', verifyCertificate });
      const refused = await migrations.finished(migrations.startImap(id, tls('starttls', true)).id);
      assert.equal(refused.state, 'failed');
      assert.match(refused.error!, /cannot connect to 127\.0\.0\.1:\d+: .*(self[- ]signed|certificate)/i);
      const starttls = await migrations.finished(migrations.startImap(id, tls('starttls', false)).id);
      assert.equal(starttls.state, 'succeeded', starttls.error);
      assert.equal(totals(starttls).copied, 3);
      // The same account over implicit TLS on the other port: the same ledger, nothing copied twice.
      const implicit = await migrations.finished(migrations.startImap(id, tls('implicit', false)).id);
      assert.equal(implicit.state, 'succeeded', implicit.error);
      assert.equal(totals(implicit).copied, 0);
      await assertArrived(t, 'bob', bob);
    } finally {
      await t.stop();
      await secure.stop();
    }
  });

  it('a folder the server refuses does not stop the others; the run says which, and the next one copies it', async () => {
    const server = await createDovecot({ cara: 'cara-secret-1' });
    const t = await startEngine({ users: [{ shortName: 'cara', password: 'cara-password' }] });
    try {
      const folders: SourceFolder[] = [
        { dir: '', target: 'INBOX', uidValidity: 3001, messages: [makeMessage('cara', 1)] },
        { dir: '.Locked', target: 'Locked', uidValidity: 3002, messages: [makeMessage('cara-locked', 1)] },
        { dir: '.Open', target: 'Open', uidValidity: 3003, messages: [makeMessage('cara-open', 1)] },
      ];
      writeSource(server, 'cara', folders);
      await server.start();
      const locked = path.join(server.maildir('cara'), '.Locked');
      fs.chmodSync(locked, 0o000);
      const { migrations, directory } = t.engine.ctx;
      const id = directory.userByName('cara')!.id;
      const first = await migrations.finished(migrations.startImap(id, { host: '127.0.0.1', port: server.port, tls: 'none', username: 'cara', password: 'cara-secret-1' }).id);
      assert.equal(first.state, 'failed');
      assert.match(first.error!, /1 folder\(s\) could not be copied \("Locked": the server refused it/);
      assert.match(first.folders.find((f) => f.source === 'Locked')!.error!, /refused/);
      assert.equal(totals(first).copied, 2, 'INBOX and Open came over');
      fs.chmodSync(locked, 0o700);
      const second = await migrations.finished(migrations.startImap(id, { host: '127.0.0.1', port: server.port, tls: 'none', username: 'cara', password: 'cara-secret-1' }).id);
      assert.equal(second.state, 'succeeded', second.error);
      assert.equal(totals(second).copied, 1);
      await assertArrived(t, 'cara', folders);
    } finally {
      await t.stop();
      await server.stop();
    }
  });
});
