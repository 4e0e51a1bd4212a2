import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { ALICE, deliver, inboxFlags, inboxUids, makeMessage, startPopEngine } from './pop3-fixture';

let te: TestEngine;
let work: string;
before(async () => {
  te = await startPopEngine();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-fetchmail-'));
});
after(async () => {
  await te.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs fetchmail once with a generated rc file; every message is appended to `out` by the MDA. */
function fetchmail(opts: { port: number; implicitTls: boolean; keep: boolean; out: string }): Promise<{ code: number; log: string }> {
  const rc = path.join(work, `fetchmailrc-${Date.now()}`);
  const lines = [
    'set no bouncemail',
    `poll 127.0.0.1 with proto POP3 port ${opts.port} timeout 10`,
    `  user '${ALICE.shortName}' there with password '${ALICE.password}' is 'root' here`,
    // Without "ssl", fetchmail upgrades with STLS because the server offers it.
    `  ${opts.implicitTls ? 'ssl ' : ''}no sslcertck`,
    `  ${opts.keep ? 'keep' : 'nokeep'} fetchall`,
    `  mda "cat >> ${opts.out}"`,
  ];
  fs.writeFileSync(rc, lines.join('\n') + '\n', { mode: 0o600 });
  const env = { ...process.env, HOME: work, FETCHMAILHOME: work };
  const args = ['-f', rc, '--idfile', path.join(work, 'fetchids'), '--nosyslog', '-N', '-v'];
  return new Promise((resolve) => {
    execFile('fetchmail', args, { env, timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, log: stdout + stderr });
    });
  });
}

test('fetchmail over pop3s with keep: retrieves the message and leaves it (\\Seen)', async () => {
  const m = await deliver(te, makeMessage('fetchmail keep', ['kept on the server']));
  const out = path.join(work, 'keep.mbox');
  const r = await fetchmail({ port: te.ports.pop3s, implicitTls: true, keep: true, out });
  assert.equal(r.code, 0, r.log);
  assert.match(fs.readFileSync(out, 'utf8'), /Subject: fetchmail keep[\s\S]*kept on the server/);
  assert.deepEqual(inboxUids(te), [m.uid]);
  assert.ok(inboxFlags(te, m.uid).includes('\\Seen'));
  await te.engine.ctx.store.expunge(m.mailboxId, [m.uid]);
});

test('fetchmail with STLS and without keep: retrieves and deletes', async () => {
  await deliver(te, makeMessage('fetchmail one', ['first']));
  await deliver(te, makeMessage('fetchmail two', ['second']));
  const out = path.join(work, 'nokeep.mbox');
  const r = await fetchmail({ port: te.ports.pop3, implicitTls: false, keep: false, out });
  assert.equal(r.code, 0, r.log);
  assert.match(r.log, /STLS/);
  const mbox = fs.readFileSync(out, 'utf8');
  assert.match(mbox, /Subject: fetchmail one[\s\S]*first/);
  assert.match(mbox, /Subject: fetchmail two[\s\S]*second/);
  assert.deepEqual(inboxUids(te), []);
});
