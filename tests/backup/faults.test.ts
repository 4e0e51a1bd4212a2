import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type TestEngine, startEngine } from '../helpers/engine';
import { putMessage, userId } from '../imap/helpers';
import { BackupSet } from '../../server/backup/backup-set';
import { BackupError, type BackupManifest } from '../../server/backup/manifest';
import { restoreBackup } from '../../server/backup/restore';
import { pillarbox } from './helpers';

// Issue 13, "Bad input and faults": a half-written backup, a backup of a newer version, a
// damaged file, a restore into a non-empty directory, a disk that fills during a backup, a
// message expunged while the backup runs: each gets a clear error (or is handled) and loses nothing.
const ALICE = { shortName: 'alice', password: 'alice-password-1' };

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
const writeManifestRaw = (dir: string, m: unknown) => fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));

/** An independent copy of a backup (its files are hard links shared with other backups: never edit those). */
function copyBackup(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

async function rejectsWith(p: Promise<unknown>, code: BackupError['code'], message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BackupError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

describe('backup faults', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-backup-faults-'));
  const set = new BackupSet(path.join(tmp, 'set'));
  let t: TestEngine;
  let good: string;

  before(async () => {
    t = await startEngine({ users: [ALICE] });
    for (let i = 0; i < 5; i++) await putMessage(t, `Subject: m${i}\r\n\r\n${'body\r\n'.repeat(100)}`, { flags: i % 2 ? ['\\Seen'] : [] });
    good = path.join(set.root, (await set.create(t.dataDir)).name);
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a half-written backup, never builds on one, and retention removes it', async () => {
    const half = path.join(set.root, '000002');
    copyBackup(good, half);
    fs.rmSync(path.join(half, 'manifest.json'));
    const target = path.join(tmp, 'from-half');
    await rejectsWith(restoreBackup({ backupDir: half, dataDir: target }), 'INCOMPLETE', /half-written/);
    assert.equal(fs.existsSync(target), false, 'nothing was written');
    const cli = await pillarbox(['restore', half, target]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^pillarbox: .*half-written backup/);

    const listed = await set.list();
    assert.deepEqual(listed.map((b) => [b.name, b.complete]), [['000002', false], ['000001', true]]);
    // The next backup takes its unchanged files from 000001, the last complete one.
    const next = await set.create(t.dataDir);
    assert.equal(next.name, '000003');
    assert.equal(next.manifest.previous, '000001');
    assert.deepEqual(await set.prune(2), ['000002']);
    assert.deepEqual((await set.list()).map((b) => b.name), ['000003', '000001']);
  });

  it('refuses a backup of a newer format or a newer database', async () => {
    const newer = path.join(tmp, 'newer', '000001');
    copyBackup(good, newer);
    const m = manifestOf(newer);
    writeManifestRaw(newer, { ...m, format: 99, engineVersion: '9.0.0' });
    const target = path.join(tmp, 'from-newer');
    await rejectsWith(restoreBackup({ backupDir: newer, dataDir: target }), 'NEWER_VERSION', /format 99.*Pillarbox 9\.0\.0|Pillarbox 9\.0\.0.*format 99/);
    writeManifestRaw(newer, { ...m, schemaVersion: 9999, engineVersion: '9.0.0' });
    await rejectsWith(restoreBackup({ backupDir: newer, dataDir: target }), 'NEWER_VERSION', /schema 9999/);
    assert.equal(fs.existsSync(target), false);
  });

  it('refuses a restore into a directory that is not empty, and changes nothing in it', async () => {
    const target = path.join(tmp, 'busy');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep-me'), 'precious');
    await rejectsWith(restoreBackup({ backupDir: good, dataDir: target }), 'TARGET_NOT_EMPTY', /not empty \(keep-me\)/);
    assert.deepEqual(fs.readdirSync(target), ['keep-me']);
    // The running engine's own data directory is not empty either.
    const cli = await pillarbox(['restore', good, t.dataDir]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /is not empty/);
    // An empty directory is fine (a fresh mount point, say).
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    await restoreBackup({ backupDir: good, dataDir: empty });
    assert.ok(fs.existsSync(path.join(empty, 'db', 'pillarbox.db')));
  });

  it('refuses a damaged file (checksum) or a missing one, and leaves the target as it was', async () => {
    const damaged = path.join(tmp, 'damaged', '000001');
    copyBackup(good, damaged);
    const m = manifestOf(damaged);
    const message = m.files.find((f) => f.path.startsWith('data/store/'))!;
    const file = path.join(damaged, message.path);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0x20;
    fs.writeFileSync(file, bytes);
    const target = path.join(tmp, 'from-damaged');
    await rejectsWith(restoreBackup({ backupDir: damaged, dataDir: target }), 'CORRUPT', new RegExp(`${message.path.replace(/[.]/g, '\\.')} does not match its checksum`));
    assert.equal(fs.existsSync(target), false, 'what was written is gone again');
    const existing = path.join(tmp, 'existing-empty');
    fs.mkdirSync(existing);
    await rejectsWith(restoreBackup({ backupDir: damaged, dataDir: existing }), 'CORRUPT', /checksum/);
    assert.deepEqual(fs.readdirSync(existing), [], 'an empty directory given is empty again');

    fs.rmSync(file);
    await rejectsWith(restoreBackup({ backupDir: damaged, dataDir: target }), 'CORRUPT', /listed in its manifest but missing/);
    fs.writeFileSync(path.join(damaged, 'manifest.json'), '{"format": 1, "files": [');
    await rejectsWith(restoreBackup({ backupDir: damaged, dataDir: target }), 'CORRUPT', /damaged/);
    writeManifestRaw(damaged, { ...m, files: [{ path: '../../etc/passwd', size: 1, sha256: 'x' }] });
    await rejectsWith(restoreBackup({ backupDir: damaged, dataDir: target }), 'CORRUPT', /not valid/);
    assert.equal(fs.existsSync(target), false);
  });

  it('is refused while another backup writes to the same set; a lock left by a dead process is taken over', async () => {
    const lock = path.join(set.root, '.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, name: '000009' }));
    await rejectsWith(set.create(t.dataDir), 'BUSY', /writing backup 000009/);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(lock, JSON.stringify({ pid: Number(dead), name: '000009' }));
    const taken = await set.create(t.dataDir);
    assert.ok(fs.existsSync(path.join(set.root, taken.name, 'manifest.json')));
    assert.equal(fs.existsSync(lock), false);
  });

  it('keeps the rows and files of messages expunged and delivered while it runs consistent', async (ctx) => {
    const id = userId(t);
    const inbox = t.engine.ctx.store.mailbox(id, 'INBOX')!;
    for (let i = 0; i < 150; i++) await putMessage(t, `Subject: churn ${i}\r\n\r\n${'x'.repeat(2000)}\r\n`);
    const racing = new BackupSet(path.join(tmp, 'racing'));
    const backup = racing.create(t.dataDir);
    // Expunge and deliver while the backup runs.
    let churn = true;
    void backup.finally(() => (churn = false));
    let rounds = 0;
    while (churn && rounds < 200) {
      const uids = t.engine.ctx.store.messages(inbox.id).slice(0, 3).map((m) => m.uid);
      await t.engine.ctx.store.expunge(inbox.id, uids);
      await putMessage(t, `Subject: during ${rounds}\r\n\r\nnew\r\n`);
      rounds++;
    }
    const { name, manifest } = await backup;
    ctx.diagnostic(`${rounds} expunges and deliveries during the backup; ${manifest.snapshots} snapshot(s) taken`);
    assert.deepEqual(manifest.missing, []);
    // Every row of the snapshot has its file in the backup, and the backup holds no other message file.
    const db = new BetterSqlite3(path.join(racing.root, name, 'data', 'db', 'pillarbox.db'), { readonly: true });
    const rows = (db.prepare('SELECT path FROM messages').pluck().all() as string[]).map((p) => 'data/' + path.relative(t.dataDir, p));
    db.close();
    const files = manifest.files.filter((f) => f.path.startsWith('data/store/')).map((f) => f.path);
    assert.deepEqual(files.sort(), rows.sort());
    assert.equal(manifest.copiedFiles + manifest.linkedFiles, manifest.files.length);
    const target = path.join(tmp, 'from-racing');
    await restoreBackup({ backupDir: path.join(racing.root, name), dataDir: target });
  });

  it('a message expunged between the snapshot and the copy of its file: a new snapshot, which no longer names it', async () => {
    const id = userId(t);
    const inbox = t.engine.ctx.store.mailbox(id, 'INBOX')!;
    const gone = t.engine.ctx.store.messages(inbox.id).slice(0, 4);
    const exact = new BackupSet(path.join(tmp, 'exact'));
    let newUid = 0;
    const { manifest } = await exact.create(t.dataDir, {
      afterSnapshot: async (round) => {
        if (round !== 1) return;
        await t.engine.ctx.store.expunge(inbox.id, gone.map((m) => m.uid));
        newUid = await putMessage(t, 'Subject: between\r\n\r\narrived after the first snapshot\r\n');
      },
    });
    assert.equal(manifest.snapshots, 2);
    assert.deepEqual(manifest.missing, []);
    assert.equal(manifest.copiedFiles + manifest.linkedFiles, manifest.files.length);
    const paths = new Set(manifest.files.map((f) => f.path));
    for (const m of gone) assert.equal(paths.has('data/' + path.relative(t.dataDir, m.file)), false, 'the expunged message is not in the backup');
    const arrived = t.engine.ctx.store.message(inbox.id, newUid)!;
    assert.ok(paths.has('data/' + path.relative(t.dataDir, arrived.file)), 'the message of the second snapshot is');
  });

  it('a message file already missing from the store: the backup completes and says so', async () => {
    const id = userId(t);
    const inbox = t.engine.ctx.store.mailbox(id, 'INBOX')!;
    const victim = t.engine.ctx.store.messages(inbox.id)[0];
    fs.rmSync(victim.file);
    const lost = new BackupSet(path.join(tmp, 'lost'));
    const { manifest } = await lost.create(t.dataDir);
    assert.deepEqual(manifest.missing, [victim.file]);
    assert.equal((await lost.list())[0].missingFiles, 1);
    await t.engine.ctx.store.expunge(inbox.id, [victim.uid]).catch(() => undefined);
  });
});

const canMount = process.getuid?.() === 0;

describe('a disk that fills during a backup', { skip: canMount ? undefined : 'needs root to mount a small tmpfs' }, () => {
  let dest: string;
  let t: TestEngine | undefined;

  before(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-backup-full-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dest]);
    assert.equal(r.status, 0, r.stderr.toString());
  });
  after(async () => {
    await t?.stop();
    if (spawnSync('umount', [dest]).status !== 0 && spawnSync('umount', ['-l', dest]).status !== 0) return;
    fs.rmSync(dest, { recursive: true, force: true });
  });

  it('stops with a clear error, removes the partial backup, and the engine serves on', async () => {
    t = await startEngine({ users: [ALICE] });
    const big = 'x'.repeat(998) + '\r\n';
    for (let i = 0; i < 6; i++) await putMessage(t, `Subject: big ${i}\r\n\r\n${big.repeat(1000)}`);
    const set = new BackupSet(path.join(dest, 'set'));
    await rejectsWith(set.create(t.dataDir), 'DISK_FULL', /is full: the backup was abandoned and removed/);
    assert.deepEqual(fs.readdirSync(set.root), [], 'no half-written backup is left behind, nor the lock');
    // The engine goes on taking mail, and the data directory is untouched.
    const uid = await putMessage(t, 'Subject: after\r\n\r\nstill here\r\n');
    assert.ok(uid > 6);
    // Once there is room, the backup works.
    spawnSync('mount', ['-o', 'remount,size=32m', dest]);
    const ok = await set.create(t.dataDir);
    assert.equal(ok.manifest.files.filter((f) => f.path.startsWith('data/store/')).length, 7);
  });
});
