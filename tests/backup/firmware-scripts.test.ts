import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { putMessage, userId } from '../imap/helpers';

const exec = promisify(execFile);

// The appliance's pillarbox-backup and pillarbox-restore (firmware-scripts/) use the engine's
// online backup while the engine runs. systemctl is a stand-in here that says the engine
// runs and records what it was asked; the engine is this test's, the user root.
const ROOT = path.join(__dirname, '..', '..', '..');
const SCRIPTS = path.join(ROOT, 'firmware-scripts');
const canRun = process.getuid?.() === 0 && fs.existsSync('/usr/sbin/runuser');

describe('firmware backup and restore scripts, engine running', { skip: canRun ? undefined : 'needs root and runuser' }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-fw-backup-'));
  let t: TestEngine;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    await putMessage(t, 'Subject: kept\r\n\r\nkept by the online backup\r\n', { flags: ['\\Seen'] });
    fs.mkdirSync(path.join(tmp, 'bin'));
    fs.writeFileSync(path.join(tmp, 'bin', 'systemctl'), `#!/bin/sh\necho "$*" >> ${tmp}/systemctl.calls\ncase "$1" in is-active) exit 0;; esac\nexit 0\n`, { mode: 0o755 });
    env = {
      ...process.env,
      PATH: `${path.join(tmp, 'bin')}:${process.env.PATH}`,
      PB_NODE: process.execPath,
      PB_CLI: path.join(ROOT, 'dist', 'server', 'cli', 'pillarbox.js'),
      PB_ENGINE_USER: 'root',
    };
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const script = async (name: string, args: string[], engineData: string) => {
    try {
      const r = await exec(path.join(SCRIPTS, name), args, { env: { ...env, PB_ENGINE_DATA: engineData } });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
    }
  };

  it('backs up online into a tar archive and restores it in place of the data, keeping the old data on failure', async () => {
    const archive = path.join(tmp, 'online.tar.gz');
    const backedUp = await script('backup', [archive], t.dataDir);
    assert.equal(backedUp.code, 0, backedUp.out);
    assert.match(backedUp.out, /online backup 000001 of the engine/);
    const listing = execFileSync('tar', ['-tzf', archive]).toString().split('\n');
    assert.ok(listing.includes('000001/manifest.json'));
    assert.ok(listing.some((l) => l.startsWith('000001/data/store/')));
    assert.ok(!fs.readFileSync(path.join(tmp, 'systemctl.calls'), 'utf8').includes('stop'), 'the engine was not stopped for the backup');

    // The appliance's data: something else now; the restore replaces it.
    const data = path.join(tmp, 'engine');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'older'), 'older data');
    const restored = await script('restore', ['--yes', archive], data);
    assert.equal(restored.code, 0, restored.out);
    assert.match(restored.out, /every checksum verified/);
    assert.equal(fs.existsSync(path.join(data, 'older')), false);
    assert.equal(fs.existsSync(`${data}.old`), false);
    const r = await startEngine({ dataDir: data });
    try {
      const box = r.engine.ctx.store.mailbox(userId(r), 'INBOX')!;
      const [m] = r.engine.ctx.store.messages(box.id);
      assert.deepEqual(m.flags, ['\\Seen']);
      assert.match((await r.engine.ctx.store.readMessage(m)).toString(), /kept by the online backup/);
    } finally {
      await r.stop();
    }
    const calls = fs.readFileSync(path.join(tmp, 'systemctl.calls'), 'utf8');
    assert.match(calls, /stop pillarbox.service\nstart pillarbox.service/);

    // A damaged archive: refused, and the data is as it was.
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
    const message = listing.find((l) => l.startsWith('000001/data/store/') && l.endsWith('.eml'))!;
    fs.appendFileSync(path.join(unpacked, message), 'tampered');
    const bad = path.join(tmp, 'bad.tar');
    execFileSync('tar', ['-cf', bad, '-C', unpacked, '000001']);
    const before = fs.readdirSync(data).sort();
    const refused = await script('restore', ['--yes', bad], data);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /does not match its checksum[\s\S]*the engine's data is as it was/);
    assert.deepEqual(fs.readdirSync(data).sort(), before);
  });
});
