import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startEngine, type TestEngine } from '../helpers/engine';
import { makeMessage, writeMaildirFolder } from './fixtures';

const exec = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');

describe('pillarbox migrate', () => {
  let t: TestEngine;
  let dir: string;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'lena', password: 'lena-password' }] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-migrate-cli-'));
  });
  after(async () => {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies a Maildir into a user\'s mailboxes while the engine runs, and reports', async () => {
    const root = path.join(dir, 'Maildir');
    writeMaildirFolder(root, [makeMessage('cli', 1), makeMessage('cli', 2, ['\\Seen'])], 1);
    const { stdout } = await exec(process.execPath, [CLI, 'migrate', 'disk', '--user', 'lena', root, '--data-dir', t.dataDir]);
    assert.match(stdout, /INBOX -> INBOX: 2\/2/);
    assert.match(stdout, /succeeded: 2 copied, 0 already there/);
    const id = t.engine.ctx.directory.userByName('lena')!.id;
    assert.equal(t.engine.ctx.store.mailbox(id, 'INBOX')!.messageCount, 2);
    const again = await exec(process.execPath, [CLI, 'migrate', 'disk', '--user', 'lena', root, '--data-dir', t.dataDir]);
    assert.match(again.stdout, /succeeded: 0 copied, 2 already there/);
  });

  it('imports users from CSV with a dry run, and exits 1 with the lines in error', async () => {
    const csv = path.join(dir, 'users.csv');
    fs.writeFileSync(csv, 'address,name,password\nmona,Mona,mona-password-1\nnils,Nils,short\n');
    const bad = await exec(process.execPath, [CLI, 'migrate', 'users', csv, '--data-dir', t.dataDir]).catch((e: { code: number; stdout: string }) => e);
    assert.equal((bad as { code: number }).code, 1);
    assert.match(bad.stdout, /line 3: error: passwords need at least 8 characters/);
    fs.writeFileSync(csv, 'address,name,password\nmona,Mona,mona-password-1\n');
    const dry = await exec(process.execPath, [CLI, 'migrate', 'users', csv, '--dry-run', '--data-dir', t.dataDir]);
    assert.match(dry.stdout, /line 2: create user mona\ndry run: nothing changed/);
    assert.equal(t.engine.ctx.directory.userByName('mona'), undefined);
    await exec(process.execPath, [CLI, 'migrate', 'users', csv, '--data-dir', t.dataDir]);
    assert.ok(await t.engine.ctx.directory.authenticate('mona', 'mona-password-1'));
  });

  it('never takes the remote password as a flag', async () => {
    const r = await exec(process.execPath, [CLI, 'migrate', 'imap', '--user', 'lena', '--host', '127.0.0.1', '--username', 'x', '--data-dir', t.dataDir], { env: { ...process.env, PILLARBOX_MIGRATE_PASSWORD: '' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((r as { code: number }).code, 0 + 1, 'PILLARBOX_MIGRATE_PASSWORD set (empty): the run starts and fails to connect');
    const missing = await exec(process.execPath, [CLI, 'migrate', 'imap', '--user', 'lena', '--host', '127.0.0.1', '--username', 'x', '--data-dir', t.dataDir], { env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PILLARBOX_MIGRATE_PASSWORD')) }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((missing as { code: number }).code, 2);
    assert.match((missing as { stderr: string }).stderr, /PILLARBOX_MIGRATE_PASSWORD or --password-file/);
  });
});
