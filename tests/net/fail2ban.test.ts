import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LogHub } from '../../server/logs/logger';
import { type AuthService, AuthThrottle } from '../../server/net/auth-throttle';

// The fail2ban filter documented in docs/security.md, run by fail2ban itself over log lines
// the engine writes: every failure found with its client address, nothing else, and no address
// taken from what a client typed.

function fail2banRegexBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v fail2ban-regex'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const binary = fail2banRegexBinary();

test('fail2ban-regex with the documented filter finds every failure and its address', { skip: binary ? false : 'fail2ban-regex not installed (Debian package fail2ban)' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-fail2ban-'));
  try {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'security.md'), 'utf8');
    const filter = /```ini\n(\[Definition\][\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(filter, 'docs/security.md has the filter');
    fs.writeFileSync(path.join(dir, 'pillarbox.conf'), filter);

    const logs = new LogHub(path.join(dir, 'logs'));
    const settings = { authFailureDelayMs: 0, authThrottleMaxDelaySeconds: 300, authLockoutFailures: 2, authLockoutMinutes: 15, authMaxFailures: 5 };
    const throttle = new AuthThrottle(() => settings, { logs });
    const attempts: [AuthService, string, string][] = [
      ['imap', '203.0.113.5', 'alice'],
      ['imap', '203.0.113.5', 'alice'],
      ['imap', '203.0.113.5', 'alice'], // refused: locked
      ['pop3', '198.51.100.7', 'evil client=192.0.2.1 "x\\'],
      ['graphql', '2001:db8::5', 'admin'],
      ['submission', '192.0.2.44', 'bob@example.com'],
      ['managesieve', '192.0.2.45', ''],
      ['graphql_user', '192.0.2.46', 'carol@example.com'],
    ];
    let n = 0;
    for (const [service, client, username] of attempts) await throttle.attempt({ service, client, username }, () => undefined, { secret: `guess-${n++}` });
    logs.logger('imap').message('login', { user: 'alice', remote: '203.0.113.9', tls: true });
    await logs.close();
    const all = fs
      .readdirSync(path.join(dir, 'logs'))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, 'logs', f), 'utf8'))
      .join('');
    fs.writeFileSync(path.join(dir, 'all.log'), all);

    const out = await new Promise<string>((resolve, reject) =>
      execFile(binary as string, ['-o', 'ip', path.join(dir, 'all.log'), path.join(dir, 'pillarbox.conf')], (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const found = out.trim().split('\n').sort();
    assert.deepEqual(found, ['192.0.2.44', '192.0.2.45', '192.0.2.46', '198.51.100.7', '2001:db8::5', '203.0.113.5', '203.0.113.5', '203.0.113.5']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
