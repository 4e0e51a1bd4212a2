import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend, simpleMessage } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import type { BackupManifest } from '../../server/backup/manifest';
import { startEngineProcess } from '../helpers/engine-process';
import { queueDone, stateOf } from './helpers';

// Issue 13: the appliance has no shell, so a restore must go through the API. Mail in, a
// backup, more mail and changes, restoreBackup: the engine stops, restores, and starts on the
// backup's store and settings; a damaged backup is refused and changes nothing.
const ALICE = { shortName: 'alice', password: 'alice-password-1' };
const STATUS = '{ restoreStatus { state backup filesChecked filesTotal message startedAt finishedAt } }';

interface Status {
  state: string;
  backup: string | null;
  filesChecked: number;
  filesTotal: number;
  message: string;
}

describe('restoreBackup through GraphQL', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-restore-api-'));
  const dataDir = path.join(tmp, 'data');
  const setDir = path.join(tmp, 'backups');
  let a: TestEngine;
  let b: TestEngine | undefined;
  let token: string;
  let first: string;
  let backupState: unknown;

  before(async () => {
    a = await startEngine({ dataDir, users: [ALICE], settings: { smtpEarlyTalkerWaitMs: 0, backupDirectory: setDir } });
    token = await login(a.ports.http);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function deliver(t: TestEngine, count: number, tag: string): Promise<void> {
    const done = queueDone(t, count);
    for (let i = 0; i < count; i++) {
      const r = await smtpSend(t.ports.smtp, 'carol@example.org', ['alice@example.test'], simpleMessage(`${tag} ${i}`, `Body ${tag} ${i}\r\n`, 'carol@example.org', 'alice@example.test'));
      assert.match(r.data ?? '', /^250 /);
    }
    await done;
  }

  const inbox = (t: TestEngine) => {
    const alice = t.engine.ctx.directory.userByName('alice')!;
    const box = t.engine.ctx.store.mailboxes(alice.id).find((m) => m.name === 'INBOX')!;
    return t.engine.ctx.store.messages(box.id).length;
  };

  it('takes a backup of mail, then more mail and changes arrive', async () => {
    await deliver(a, 3, 'before');
    await a.engine.ctx.backups.run();
    first = (await a.engine.ctx.backups.list()).find((x) => x.complete)!.name;
    backupState = await stateOf(a);
    await deliver(a, 2, 'after');
    await gqlOk(a.ports.http, 'mutation { updateSettings(input: {maxMessageSizeMb: 20, junkAction: BOUNCE}) { maxMessageSizeMb } }', { token });
    await a.engine.ctx.accounts.create({ shortName: 'bob', password: 'bob-password-1' });
    assert.equal(inbox(a), 5);
  });

  it('refuses without the confirmation, and a backup that does not exist', async () => {
    const unconfirmed = await gql(a.ports.http, `mutation { restoreBackup(input: {name: "${first}", confirm: "yes"}) { state } }`, { token });
    assert.equal(errorCode(unconfirmed), 'BAD_USER_INPUT');
    const missing = await gql(a.ports.http, 'mutation { restoreBackup(input: {name: "999999", confirm: "RESTORE"}) { state } }', { token });
    assert.equal(errorCode(missing), 'NOT_FOUND');
  });

  it('refuses a damaged backup after checking it while the engine serves, and changes nothing', async () => {
    await a.engine.ctx.backups.run();
    const second = (await a.engine.ctx.backups.list()).find((x) => x.complete && x.name !== first)!.name;
    const dir = path.join(setDir, second);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    // The database snapshot is this backup's own copy (not a hard link shared with the first).
    const db = manifest.files.find((f) => f.path.endsWith('db/pillarbox.db'))!;
    fs.appendFileSync(path.join(dir, db.path), 'damage');
    const before = await stateOf(a);

    const started = await gqlOk<{ restoreBackup: Status }>(a.ports.http, `mutation { restoreBackup(input: {name: "${second}", confirm: "RESTORE"}) { state backup filesTotal } }`, { token });
    assert.deepEqual([started.restoreBackup.state, started.restoreBackup.backup], ['VERIFYING', second]);
    await a.engine.ctx.restore.finished;
    const status = (await gqlOk<{ restoreStatus: Status }>(a.ports.http, STATUS, { token })).restoreStatus;
    assert.equal(status.state, 'FAILED');
    assert.match(status.message, /damaged: .*pillarbox\.db does not match its checksum; nothing was changed/);
    assert.deepEqual(await stateOf(a), before, 'nothing changed');
    await deliver(a, 1, 'still serving');
    assert.equal(inbox(a), 6);
    fs.rmSync(dir, { recursive: true });
  });

  it('restores: the engine stops, and starts again on the backup\u2019s store and settings; mail flows', async () => {
    const started = await gqlOk<{ restoreBackup: Status }>(a.ports.http, `mutation { restoreBackup(input: {name: "${first}", confirm: "RESTORE"}) { state backup } }`, { token });
    assert.equal(started.restoreBackup.state, 'VERIFYING');
    await a.engine.ctx.restore.finished;
    // Stopped: nothing listens on the old ports any more.
    await assert.rejects(fetch(`http://127.0.0.1:${a.ports.http}/healthz`));
    assert.ok(!fs.existsSync(path.join(dataDir, '.restore-new')) && !fs.existsSync(path.join(dataDir, '.restore-old')), 'no staging left');

    b = await startEngine({ dataDir });
    assert.deepEqual(await stateOf(b), backupState, 'the store, accounts and settings are the backup\u2019s');
    assert.equal(b.engine.ctx.directory.userByName('bob'), undefined);
    const bToken = await login(b.ports.http);
    const status = (await gqlOk<{ restoreStatus: Status }>(b.ports.http, STATUS, { token: bToken })).restoreStatus;
    assert.deepEqual([status.state, status.backup], ['DONE', first]);
    assert.ok(status.filesChecked > 0 && status.filesChecked === status.filesTotal);
    await deliver(b, 1, 'after the restore');
    assert.equal(inbox(b), 4);
  });
});

describe('restoreBackup in the real process (pillarbox start)', () => {
  it('exits with status 75 for its supervisor, and the next start serves the restored store', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-restore-cli-'));
    const dataDir = path.join(tmp, 'data');
    const env = { PILLARBOX_ADMIN_PASSWORD: 'admin-password-for-tests' };
    try {
      const first = await startEngineProcess(dataDir, env);
      const http = first.ports.http;
      const token = await login(http);
      await gqlOk(http, `mutation { updateSettings(input: {backupDirectory: ${JSON.stringify(path.join(tmp, 'backups'))}, maxMessageSizeMb: 11}) { maxMessageSizeMb } }`, { token });
      const run = await gqlOk<{ runJob: { run: { outcome: string } } }>(http, 'mutation { runJob(input: {name: "backup"}) { run { outcome } } }', { token });
      assert.equal(run.runJob.run.outcome, 'OK');
      await gqlOk(http, 'mutation { updateSettings(input: {maxMessageSizeMb: 22}) { maxMessageSizeMb } }', { token });
      await gqlOk(http, 'mutation { restoreBackup(input: {name: "000001", confirm: "RESTORE"}) { state } }', { token });
      assert.equal(await first.exited, 75);

      const second = await startEngineProcess(dataDir, env);
      try {
        const again = await login(second.ports.http);
        const data = await gqlOk<{ settings: { maxMessageSizeMb: number }; restoreStatus: { state: string } }>(second.ports.http, '{ settings { maxMessageSizeMb } restoreStatus { state } }', { token: again });
        assert.deepEqual(data, { settings: { maxMessageSizeMb: 11 }, restoreStatus: { state: 'DONE' } });
      } finally {
        second.child.kill('SIGTERM');
        assert.equal(await second.exited, 0);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
