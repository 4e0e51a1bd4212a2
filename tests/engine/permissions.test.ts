import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startEngine } from '../helpers/engine';
import { smtpSend, simpleMessage } from '../helpers/smtp';

// Issue 17, defect 7: the database and logs (password hashes, token hashes, URLAUTH keys,
// addresses) were world-readable.

/** Every file and folder under `root` whose mode gives group or others any right. */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) loose.push(`${path.relative(root, p) || '.'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(root);
  return loose;
}

test('everything the engine creates is owner-only, whatever umask started it', async () => {
  const previous = process.umask(0o022);
  const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { smtpEarlyTalkerWaitMs: 0 } });
  try {
    const sent = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('private'));
    assert.match(sent.data ?? '', /^250 /);
    await t.engine.ctx.queue.idle();
    assert.deepEqual(looseModes(t.dataDir), []);
  } finally {
    await t.stop();
    process.umask(previous);
  }
});

test('start-up tightens a data directory left world-readable, and says so', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-perm-'));
  const first = await startEngine({ dataDir });
  await first.engine.stop();
  const previous = process.umask(0);
  try {
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'db'), 0o755);
    for (const f of fs.readdirSync(path.join(dataDir, 'db'))) fs.chmodSync(path.join(dataDir, 'db', f), 0o644);
    for (const f of fs.readdirSync(path.join(dataDir, 'logs'))) fs.chmodSync(path.join(dataDir, 'logs', f), 0o644);
    assert.notDeepEqual(looseModes(dataDir), []);
    const again = await startEngine({ dataDir });
    await again.engine.stop();
    assert.deepEqual(looseModes(dataDir), []);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'server.log'), 'utf8');
    assert.match(log, /made files of the data directory owner-only.*pillarbox\.db/);
  } finally {
    process.umask(previous);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
