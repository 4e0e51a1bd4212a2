import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTENERS } from '../../server/config/bootstrap';
import { managementUrls } from '../../server/cli/first-start-banner';
import { LineClient } from '../helpers/line-client';
import { reply } from '../helpers/smtp';

const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');

describe('engine lifecycle (pillarbox start)', () => {
  it('prints the admin password once, writes run/ports.json, reloads on SIGHUP and exits 0 on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-life-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PILLARBOX_DATA_DIR: dataDir };
    for (const l of LISTENERS) env[`PILLARBOX_${l.toUpperCase()}_PORT`] = '0';
    try {
      const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await until(() => /pillarbox ready/.test(out), () => `stdout: ${out}\nstderr: ${err}`);
      assert.match(out, /First start: the management account is "admin" with password:\n\n {4}\S{20}\n/);
      const ports = JSON.parse(fs.readFileSync(path.join(dataDir, 'run', 'ports.json'), 'utf8'));
      for (const l of ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'http']) assert.ok(ports[l] > 0, `${l} port in ports.json`);
      // The console first, then the playground, at the port really bound.
      const consoleAt = out.indexOf(`Open the admin console at http://127.0.0.1:${ports.http}/\n`);
      const playground = out.indexOf(`http://127.0.0.1:${ports.http}/playground`);
      assert.ok(consoleAt > 0 && playground > consoleAt, `console URL, then playground URL: ${out}`);

      child.kill('SIGHUP');
      await until(() => /reload requested/.test(err), () => err);

      const c = await LineClient.connect(ports.smtp);
      assert.match(await reply(c), /^220 /);
      child.kill('SIGTERM');
      assert.match(await c.waitFor(/^421 /), /^421 /, 'an idle session is told the service is shutting down');
      assert.equal(await exit, 0);
      assert.ok(!fs.existsSync(path.join(dataDir, 'run', 'ports.json')), 'ports.json removed on exit');

      const again = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let out2 = '';
      again.stdout.on('data', (d: Buffer) => (out2 += d.toString()));
      const exit2 = new Promise<number | null>((resolve) => again.once('exit', (code) => resolve(code)));
      await until(() => /pillarbox ready/.test(out2), () => out2);
      assert.doesNotMatch(out2, /First start/, 'the password is printed on the first start only');
      again.kill('SIGTERM');
      assert.equal(await exit2, 0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the first-start banner\u2019s addresses', () => {
  it('names the bound address, the host for a wildcard bind, HTTPS when plain HTTP faces the Internet', () => {
    const ports = { http: 8080, https: 8443 };
    assert.deepEqual(managementUrls({ bind: '127.0.0.1', hostname: 'mail.example.test' }, ports), {
      console: 'http://127.0.0.1:8080/',
      playground: 'http://127.0.0.1:8080/playground',
    });
    assert.equal(managementUrls({ bind: '0.0.0.0', hostname: 'mail.example.test' }, ports).console, 'http://mail.example.test:8080/');
    assert.equal(managementUrls({ bind: '::1', hostname: 'mail.example.test' }, ports).console, 'http://[::1]:8080/');
    assert.deepEqual(managementUrls({ bind: '0.0.0.0', hostname: 'mail.example.test', httpPublic: true }, { http: 80, https: 443 }), {
      console: 'https://mail.example.test/',
      playground: 'https://mail.example.test/playground',
    });
  });
});

async function until(cond: () => boolean, explain: () => string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out; ${explain()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
