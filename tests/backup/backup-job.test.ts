import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { gql, gqlOk, login } from '../graphql/client';
import { putMessage } from '../imap/helpers';
import type { JobRun } from '../../server/jobs/run-log';
import { BackupSet } from '../../server/backup/backup-set';
import { restoreBackup } from '../../server/backup/restore';

// The backup settings (backupDirectory, backupSchedule, backupKeep) take effect at once; the
// backup job runs on its schedule; roles; mail in another store location is backed up and
// restored where the administrator says.
const ALICE = { shortName: 'alice', password: 'alice-password-1' };

interface JobView {
  jobs: { nodes: { name: string; schedule: string; enabled: boolean; nextRun: string | null }[] };
}

describe('the backup job and its settings', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-backup-job-'));
  let t: TestEngine;
  let token: string;
  const jobView = async () => (await gqlOk<JobView>(t.ports.http, '{ jobs(first: 50) { nodes { name schedule enabled nextRun } } }', { token })).jobs.nodes.find((j) => j.name === 'backup')!;
  const set = (settings: string) => gqlOk(t.ports.http, `mutation { updateSettings(input: { ${settings} }) { backupDirectory } }`, { token });
  const runJob = async () => (await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(t.ports.http, 'mutation { runJob(input: { name: "backup" }) { run { outcome output } } }', { token })).runJob.run;

  before(async () => {
    t = await startEngine({ users: [ALICE] });
    token = await login(t.ports.http);
    await putMessage(t, 'Subject: one\r\n\r\nfirst\r\n');
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is off until backupDirectory is set; backupSchedule runs it', async () => {
    const off = await jobView();
    assert.equal(off.schedule, '30 3 * * *');
    assert.equal(off.enabled, false);
    const dir = path.join(tmp, 'scheduled');
    const finished = new Promise<JobRun>((resolve) => {
      const on = (run: JobRun) => {
        if (run.job !== 'backup') return;
        t.engine.ctx.jobs.off('finished', on);
        resolve(run);
      };
      t.engine.ctx.jobs.on('finished', on);
    });
    await set(`backupDirectory: ${JSON.stringify(dir)}, backupSchedule: "* * * * * *"`);
    const on = await jobView();
    assert.equal(on.enabled, true);
    assert.equal(on.schedule, '* * * * * *');
    const run = await finished;
    assert.equal(run.trigger, 'schedule');
    assert.equal(run.outcome, 'ok', run.output);
    await set('backupSchedule: ""');
    assert.equal((await jobView()).nextRun, null);
    assert.ok(fs.existsSync(path.join(dir, '000001', 'manifest.json')));
  });

  it('backupKeep: keeps the newest N after each run', async () => {
    await set(`backupDirectory: ${JSON.stringify(path.join(tmp, 'kept'))}, backupKeep: 2`);
    for (let i = 0; i < 3; i++) assert.equal((await runJob()).outcome, 'OK');
    const listed = await gqlOk<{ backups: { name: string }[] }>(t.ports.http, '{ backups { name } }', { token });
    assert.deepEqual(listed.backups.map((b) => b.name), ['000003', '000002']);
    const bad = await gql(t.ports.http, 'mutation { updateSettings(input: { backupKeep: 0 }) { backupKeep } }', { token });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'INVALID_SETTING');
  });

  it('backupDirectory: the next backup goes to the new directory', async () => {
    const moved = path.join(tmp, 'moved');
    await set(`backupDirectory: ${JSON.stringify(moved)}`);
    const run = await runJob();
    assert.equal(run.outcome, 'OK');
    assert.match(run.output, new RegExp(`backup 000001 in ${moved}`));
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'kept')).sort(), ['000002', '000003']);
  });

  it('a monitor may list backups but not delete or download one', async () => {
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: { username: "watcher", password: "watcher-password-1", role: MONITOR }) { username } }', { token });
    const monitor = await login(t.ports.http, 'watcher', 'watcher-password-1');
    const listed = await gqlOk<{ backups: { name: string }[] }>(t.ports.http, '{ backups { name } }', { token: monitor });
    assert.deepEqual(listed.backups.map((b) => b.name), ['000001']);
    const del = await gql(t.ports.http, 'mutation { deleteBackup(input: { name: "000001" }) { removed } }', { token: monitor });
    assert.equal(del.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const res = await fetch(`http://127.0.0.1:${t.ports.http}/backups/000001.tar`, { headers: { authorization: `Bearer ${monitor}` } });
    assert.equal(res.status, 403);
  });

  it('mail in another store location is backed up under locations/NAME and restored where asked', async () => {
    const second = path.join(tmp, 'second-store');
    await set(`storeLocations: [{ name: "second", path: ${JSON.stringify(second)} }]`);
    const bob = await t.engine.ctx.accounts.create({ shortName: 'bob', password: 'bob-password-1', storeLocation: 'second' });
    const uid = await putMessage(t, 'Subject: on the second disk\r\n\r\nhello\r\n', { user: 'bob' });
    const backups = new BackupSet(path.join(tmp, 'with-locations'));
    const { name, manifest } = await backups.create(t.dataDir);
    assert.ok(manifest.files.some((f) => f.path.startsWith('locations/second/')));
    assert.deepEqual(manifest.locations, [{ name: 'second', path: second }]);

    // The old location is in use: a restore there is refused; elsewhere it works.
    const target = path.join(tmp, 'restored');
    await assert.rejects(restoreBackup({ backupDir: path.join(backups.root, name), dataDir: target }), /second-store is not empty/);
    assert.equal(fs.existsSync(target), false);
    const newSecond = path.join(tmp, 'second-restored');
    await restoreBackup({ backupDir: path.join(backups.root, name), dataDir: target, locationPaths: { second: newSecond } });
    const r = await startEngine({ dataDir: target });
    try {
      assert.deepEqual(r.engine.ctx.settings.get().storeLocations, [{ name: 'second', path: newSecond }]);
      const box = r.engine.ctx.store.mailbox(bob.id, 'INBOX')!;
      const meta = r.engine.ctx.store.message(box.id, uid)!;
      assert.ok(meta.file.startsWith(newSecond + path.sep), meta.file);
      assert.match((await r.engine.ctx.store.readMessage(meta)).toString(), /on the second disk/);
    } finally {
      await r.stop();
    }
  });
});
