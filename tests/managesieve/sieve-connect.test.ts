import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';

let t: TestEngine;
let dir: string;

/** Runs Debian's sieve-connect (a real ManageSieve client) with the password on file descriptor 3. */
function sieveConnect(args: string[], password = 'alice-password'): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sieve-connect',
      ['--server', '127.0.0.1', '--port', String(t.ports.sieve), '--user', 'alice', '--passwordfd', '3', '--notlsverify', '--authmech', 'PLAIN', ...args],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 30_000 },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    fd3.end(password + '\n');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

before(async () => {
  t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sieve-connect-'));
});

after(async () => {
  await t.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sieve-connect uploads, lists, activates, downloads and deletes over STARTTLS with PLAIN', async () => {
  const local = path.join(dir, 'rules.sieve');
  const content = 'require "fileinto";\r\nif header :contains "Subject" "report" { fileinto "Reports"; }\r\n';
  fs.writeFileSync(local, content);
  const userId = t.engine.ctx.directory.userByName('alice')?.id as number;

  let r = await sieveConnect(['--localsieve', local, '--remotesieve', 'rules', '--upload']);
  assert.equal(r.code, 0, r.out);
  assert.equal(t.engine.ctx.sieve.get(userId, 'rules')?.content, content);

  r = await sieveConnect(['--list']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^"rules"\s*$/m);

  r = await sieveConnect(['--remotesieve', 'rules', '--activate']);
  assert.equal(r.code, 0, r.out);
  assert.equal(t.engine.ctx.sieve.activeName(userId), 'rules');
  r = await sieveConnect(['--list']);
  assert.match(r.out, /^"rules" ACTIVE\s*$/m);

  const back = path.join(dir, 'back.sieve');
  r = await sieveConnect(['--remotesieve', 'rules', '--localsieve', back, '--download']);
  assert.equal(r.code, 0, r.out);
  assert.equal(fs.readFileSync(back, 'utf8'), content);

  r = await sieveConnect(['--remotesieve', 'rules', '--delete']);
  assert.notEqual(r.code, 0, 'the active script cannot be deleted');
  r = await sieveConnect(['--deactivate']);
  assert.equal(r.code, 0, r.out);
  r = await sieveConnect(['--remotesieve', 'rules', '--delete']);
  assert.equal(r.code, 0, r.out);
  assert.equal(t.engine.ctx.sieve.list(userId).length, 0);
});

test('sieve-connect reports a script with errors and stores nothing', async () => {
  const local = path.join(dir, 'bad.sieve');
  fs.writeFileSync(local, 'if header :contains "Subject" "x" {\r\n  fileinto "A";\r\n}\r\n');
  const r = await sieveConnect(['--localsieve', local, '--remotesieve', 'bad', '--upload']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /2:\d+: .*fileinto/);
});

test('a wrong password is refused', async () => {
  const r = await sieveConnect(['--list'], 'wrong-password');
  assert.notEqual(r.code, 0);
});
