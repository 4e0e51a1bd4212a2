import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend, simpleMessage } from '../helpers/smtp';
import { gql, gqlOk, login } from '../graphql/client';
import { loggedIn, run } from '../imap/helpers';
import type { BackupManifest } from '../../server/backup/manifest';
import { pillarbox, queueDone, stateOf } from './helpers';

// Issue 13, "Backup and restore": a backup taken while the engine serves mail, then another
// (incremental), restored into a fresh data directory, gives back every message, flag, UID,
// UIDVALIDITY, setting, account, alias, Sieve script, DKIM key and certificate.
const ALICE = { shortName: 'alice', password: 'alice-password-1' };
const BOB = { shortName: 'bob', password: 'bob-password-1' };

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;

describe('backup and restore', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-backup-'));
  const setDir = path.join(tmp, 'backups');
  let a: TestEngine;
  let b: TestEngine | undefined;
  let token: string;

  before(async () => {
    a = await startEngine({ users: [ALICE, BOB], settings: { smtpEarlyTalkerWaitMs: 0 } });
    token = await login(a.ports.http);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function deliver(count: number, tag: string): Promise<void> {
    const done = queueDone(a, count);
    for (let i = 0; i < count; i++) {
      const to = i % 3 === 2 ? 'bob@example.test' : 'alice@example.test';
      const r = await smtpSend(a.ports.smtp, 'carol@example.org', [to], simpleMessage(`${tag} ${i}`, `Body ${tag} ${i}\r\n`.repeat(20 + i), 'carol@example.org', to));
      assert.match(r.data ?? '', /^250 /);
    }
    await done;
  }

  it('refuses to back up while no backup directory is set, and into the data directory', async () => {
    const none = await gql(a.ports.http, 'mutation { runJob(input: { name: "backup" }) { run { outcome output } } }', { token });
    const runResult = none.data as { runJob: { run: { outcome: string; output: string } } } | undefined;
    assert.equal(runResult?.runJob.run.outcome, 'FAILED');
    assert.match(runResult?.runJob.run.output ?? '', /backupDirectory/);
    const listed = await gql(a.ports.http, '{ backups { name } }', { token });
    assert.equal(listed.errors?.[0]?.extensions?.code, 'NOT_CONFIGURED');
    const inside = await gql(a.ports.http, `mutation { updateSettings(input: { backupDirectory: ${JSON.stringify(path.join(a.dataDir, 'b'))} }) { backupDirectory } }`, { token });
    assert.equal(inside.errors, undefined);
    const refused = await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(a.ports.http, 'mutation { runJob(input: { name: "backup" }) { run { outcome output } } }', { token });
    assert.equal(refused.runJob.run.outcome, 'FAILED');
    assert.match(refused.runJob.run.output, /inside the data directory/);
    assert.equal(fs.existsSync(path.join(a.dataDir, 'b')), false);
    const relative = await gql(a.ports.http, 'mutation { updateSettings(input: { backupDirectory: "backups" }) { backupDirectory } }', { token });
    assert.equal(relative.errors?.[0]?.extensions?.code, 'INVALID_SETTING');
  });

  it('takes a full backup, then an incremental one, while mail arrives and IMAP clients work', async () => {
    const ctx = a.engine.ctx;
    await deliver(6, 'first');
    // Flags, a folder, an expunge (a UID gap), an APPEND with its own flags and date.
    const imap = await loggedIn(a, ALICE);
    assert.match((await run(imap, 'a1', 'SELECT INBOX')).at(-1)!, /^a1 OK/);
    assert.match((await run(imap, 'a2', 'STORE 1 +FLAGS (\\Seen \\Flagged $Important)')).at(-1)!, /^a2 OK/);
    assert.match((await run(imap, 'a3', 'STORE 2 +FLAGS (\\Deleted)')).at(-1)!, /^a3 OK/);
    assert.match((await run(imap, 'a4', 'EXPUNGE')).at(-1)!, /^a4 OK/);
    assert.match((await run(imap, 'a5', 'CREATE Work/Projects')).at(-1)!, /^a5 OK/);
    const appended = 'Subject: appended\r\n\r\nAn appended message.\r\n';
    imap.send(`a6 APPEND Work/Projects (\\Answered $Label1) "01-Jan-2020 10:00:00 +0000" {${appended.length}+}\r\n${appended}\r\n`);
    assert.match(await imap.waitFor(/^a6 /), /^a6 OK/);
    // Accounts, aliases, settings, Sieve, DKIM.
    await ctx.accounts.create({ shortName: 'dave', password: 'dave-password-1', fullName: 'Dave Example' });
    ctx.directory.createAlias('sales', ['alice', 'bob']);
    await gqlOk(a.ports.http, `mutation { updateSettings(input: { backupDirectory: ${JSON.stringify(setDir)}, maxMessageSizeMb: 17, backupKeep: 5 }) { backupDirectory } }`, { token });
    const aliceId = ctx.directory.loginUser('alice')!.id;
    await ctx.sieve.put(aliceId, 'filters', 'require "fileinto";\nif header :contains "subject" "report" { fileinto "Work/Projects"; }\n', { activate: true });
    await ctx.dkim.rotate('example.test', ['ed25519']);

    // The first backup, by the job, through GraphQL.
    const first = await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(a.ports.http, 'mutation { runJob(input: { name: "backup" }) { run { outcome output } } }', { token });
    assert.equal(first.runJob.run.outcome, 'OK', first.runJob.run.output);
    assert.match(first.runJob.run.output, /^backup 000001 /);
    const m1 = manifestOf(path.join(setDir, '000001'));
    assert.equal(m1.previous, null);
    assert.equal(m1.linkedFiles, 0);
    const storeFiles1 = m1.files.filter((f) => f.path.startsWith('data/store/'));
    assert.equal(storeFiles1.length, 6 - 1 + 1); // six delivered, one expunged, one appended
    assert.ok(m1.files.some((f) => f.path.startsWith('data/secrets/dkim/')));
    assert.ok(m1.files.some((f) => f.path === 'data/certs/store.json' || f.path.startsWith('data/certs/')));
    assert.ok(m1.files.some((f) => f.path === 'data/db/pillarbox.db'));

    // More mail, and a flag change; the second backup, by the CLI, beside the running engine.
    await deliver(3, 'second');
    assert.match((await run(imap, 'a7', 'STORE 1 -FLAGS (\\Flagged)')).at(-1)!, /^a7 OK/);
    imap.close();
    const cli = await pillarbox(['backup', setDir, '--data-dir', a.dataDir]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /000002/);
    const m2 = manifestOf(path.join(setDir, '000002'));
    assert.equal(m2.previous, '000001');
    const storeFiles2 = m2.files.filter((f) => f.path.startsWith('data/store/'));
    assert.equal(storeFiles2.length, storeFiles1.length + 3);
    // Only the new message files and the databases were copied; the rest are links to 000001's copies.
    const copiedNow = m2.files.filter((f) => fs.statSync(path.join(setDir, '000002', f.path)).nlink === 1).map((f) => f.path);
    assert.deepEqual(copiedNow.filter((p) => p.startsWith('data/store/')).length, 3, copiedNow.join('\n'));
    assert.deepEqual(copiedNow.filter((p) => !p.startsWith('data/store/') && !p.startsWith('data/db/')), [], 'secrets and certificates unchanged: linked');
    for (const f of storeFiles1) {
      assert.equal(fs.statSync(path.join(setDir, '000002', f.path)).ino, fs.statSync(path.join(setDir, '000001', f.path)).ino, f.path);
    }
    assert.equal(m2.linkedFiles, m1.files.length - m1.files.filter((f) => f.path.startsWith('data/db/')).length);

    const listed = await gqlOk<{ backups: { name: string; complete: boolean; files: number; sizeBytes: number; linkedFiles: number; downloadPath: string }[] }>(
      a.ports.http,
      '{ backups { name complete files sizeBytes linkedFiles downloadPath } }',
      { token },
    );
    assert.deepEqual(listed.backups.map((x) => [x.name, x.complete]), [['000002', true], ['000001', true]]);
    assert.equal(listed.backups[0].files, m2.files.length);
    assert.equal(listed.backups[0].downloadPath, '/backups/000002.tar');
  });

  it('restores into a fresh data directory everything the engine had, from a downloaded backup', async () => {
    const before = await stateOf(a);
    // Download the newest backup as a tar stream and unpack it with tar(1).
    const res = await fetch(`http://127.0.0.1:${a.ports.http}/backups/000002.tar`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const tarFile = path.join(tmp, 'download.tar');
    fs.writeFileSync(tarFile, Buffer.from(await res.arrayBuffer()));
    assert.equal(fs.statSync(tarFile).size, Number(res.headers.get('content-length')));
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xf', tarFile, '-C', unpacked]);
    const unauthorized = await fetch(`http://127.0.0.1:${a.ports.http}/backups/000002.tar`);
    assert.equal(unauthorized.status, 401);
    const missing = await fetch(`http://127.0.0.1:${a.ports.http}/backups/000009.tar`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(missing.status, 404);

    const target = path.join(tmp, 'restored');
    const restored = await pillarbox(['restore', path.join(unpacked, '000002'), target]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /every checksum verified/);

    b = await startEngine({ dataDir: target });
    const after = await stateOf(b);
    assert.deepEqual(after, before);
    // An IMAP client sees the same mailbox: same UIDVALIDITY, UIDs and flags (no resync).
    const imapA = await loggedIn(a, ALICE);
    const imapB = await loggedIn(b, ALICE);
    for (const c of [imapA, imapB]) assert.match((await run(c, 's1', 'SELECT INBOX')).at(-1)!, /^s1 OK/);
    const view = async (c: typeof imapA) => (await run(c, 'f1', 'UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).filter((l) => !l.startsWith('f1 '));
    const selectA = imapA.lines.filter((l) => /UIDVALIDITY|UIDNEXT/.test(l));
    const selectB = imapB.lines.filter((l) => /UIDVALIDITY|UIDNEXT/.test(l));
    assert.deepEqual(selectB, selectA);
    assert.deepEqual(await view(imapB), await view(imapA));
    imapA.close();
    imapB.close();
    // Mail flows on the restored engine: the Sieve script and the alias work.
    const done = queueDone(b, 1);
    const r = await smtpSend(b.ports.smtp, 'carol@example.org', ['sales@example.test'], simpleMessage('quarterly report', 'Numbers.\r\n', 'carol@example.org', 'sales@example.test'));
    assert.match(r.data ?? '', /^250 /);
    await done;
    const aliceId = b.engine.ctx.directory.loginUser('alice')!.id;
    const work = b.engine.ctx.store.mailbox(aliceId, 'Work/Projects')!;
    assert.equal(b.engine.ctx.store.messages(work.id).length, 2);
  });

  it('deletes a backup; the next still restores whole', async () => {
    const deleted = await gqlOk<{ deleteBackup: { removed: string } }>(a.ports.http, 'mutation { deleteBackup(input: { name: "000001" }) { removed } }', { token });
    assert.equal(deleted.deleteBackup.removed, '000001');
    const again = await gql(a.ports.http, 'mutation { deleteBackup(input: { name: "000001" }) { removed } }', { token });
    assert.equal(again.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const bad = await gql(a.ports.http, 'mutation { deleteBackup(input: { name: "../x" }) { removed } }', { token });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const target = path.join(tmp, 'restored-again');
    const restored = await pillarbox(['restore', setDir, target]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /000002/);
  });
});
