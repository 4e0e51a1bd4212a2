import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addressGroup } from '../../server/net/address-group';
import { type AuthService, AuthThrottle, type ThrottleSettings, safeUsername } from '../../server/net/auth-throttle';
import { LogHub } from '../../server/logs/logger';
import { fail2banRegex } from '../helpers/fail2ban';

const PASSWORDS: Record<string, string> = { alice: 'alice-secret', bob: 'bob-secret', mallory: 'mallory-secret' };

/** A throttle on a fake clock: sleeping moves the clock, so nothing here waits for real. */
function harness(overrides: Partial<ThrottleSettings> = {}, options: { maxEntries?: number; logs?: LogHub } = {}) {
  let now = 1_700_000_000_000;
  const sleeps: number[] = [];
  const settings: ThrottleSettings = {
    authFailureDelayMs: 1000,
    authThrottleMaxDelaySeconds: 300,
    authLockoutFailures: 0,
    authLockoutMinutes: 15,
    authMaxFailures: 5,
    ...overrides,
  };
  const throttle = new AuthThrottle(() => settings, {
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    ...options,
  });
  let checked = 0;
  const login = (client: string, username: string, password: string, service: AuthService = 'imap') =>
    throttle.attempt(
      { service, client, username },
      () => {
        checked++;
        return PASSWORDS[username] === password ? username : undefined;
      },
      { secret: password },
    );
  return {
    throttle,
    settings,
    sleeps,
    login,
    advance: (ms: number) => (now += ms),
    get checked() {
      return checked;
    },
  };
}

describe('auth throttle (server/net/auth-throttle.ts)', () => {
  it('each failure from an address doubles the wait; past 30 s the attempt is refused unchecked', async () => {
    const h = harness();
    for (let i = 1; i <= 5; i++) assert.deepEqual(await h.login('198.51.100.1', `user${i}`, `guess${i}`), { status: 'failed', close: false });
    assert.deepEqual(h.sleeps, [1000, 2000, 4000, 8000, 16000]);
    // The sixth earns 32 s: the answer comes after 30 s (a connection is held no longer) and the session should end.
    assert.deepEqual(await h.login('198.51.100.1', 'user6', 'guess6'), { status: 'failed', close: true });
    assert.equal(h.sleeps.at(-1), 30_000);
    // A new connection at once still waits the last 2 s before its attempt is checked.
    await h.login('198.51.100.1', 'user7', 'guess7');
    assert.deepEqual(h.sleeps.slice(-2), [2000, 30_000]);
    const checked = h.checked;
    const refused = await h.login('198.51.100.1', 'alice', PASSWORDS.alice);
    assert.deepEqual(refused, { status: 'throttled', retryAfterSeconds: 34, close: true });
    assert.equal(h.checked, checked, 'a refused attempt is not checked, so even the right password tells nothing');
  });

  it('the doubling stops at authThrottleMaxDelaySeconds', async () => {
    const h = harness({ authThrottleMaxDelaySeconds: 20 });
    for (let i = 1; i <= 8; i++) assert.equal((await h.login('198.51.100.2', 'alice', `guess${i}`)).status, 'failed');
    assert.deepEqual(h.sleeps, [1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000]);
  });

  it('an attacker’s success on their own account does not reset the address', async () => {
    const h = harness();
    const attacker = '203.0.113.66';
    // Guesses spread over accounts, so only the address's count slows them.
    for (const victim of ['alice', 'bob', 'carol']) await h.login(attacker, victim, 'guess');
    assert.deepEqual(await h.login(attacker, 'mallory', PASSWORDS.mallory), { status: 'ok', value: 'mallory' });
    await h.login(attacker, 'dave', 'guess');
    assert.deepEqual(h.sleeps, [1000, 2000, 4000, 8000], 'the fourth failure still waits 8 s');
  });

  it('a success clears only the failures of that account at that address', async () => {
    const h = harness();
    const office = '192.0.2.10';
    await h.login(office, 'alice', 'typo-1');
    await h.login(office, 'alice', 'typo-2');
    await h.login(office, 'bob', 'wrong-1');
    assert.deepEqual(h.sleeps, [1000, 2000, 4000]);
    assert.equal((await h.login(office, 'alice', PASSWORDS.alice)).status, 'ok');
    // alice's two typos are forgiven, bob's failure is not: the address is back at one failure.
    await h.login(office, 'bob', 'wrong-2');
    assert.equal(h.sleeps.at(-1), 2000);
  });

  it('the same wrong password again is not a new guess (a client with an old saved password)', async () => {
    const h = harness({ authLockoutFailures: 3 });
    for (let i = 0; i < 6; i++) assert.equal((await h.login('192.0.2.20', 'alice', 'last-years-password')).status, 'failed');
    assert.deepEqual(h.sleeps, [1000, 1000, 1000, 1000, 1000, 1000]);
    assert.equal((await h.login('192.0.2.20', 'alice', PASSWORDS.alice)).status, 'ok', 'never locked');
  });

  it('lockout: the account is locked for that address only, and the lock expires', async () => {
    const h = harness({ authFailureDelayMs: 0, authLockoutFailures: 3, authLockoutMinutes: 15 });
    const attacker = '203.0.113.9';
    for (let i = 1; i <= 3; i++) assert.equal((await h.login(attacker, 'alice', `guess${i}`)).status, 'failed');
    const checked = h.checked;
    assert.deepEqual(await h.login(attacker, 'alice', PASSWORDS.alice), { status: 'locked', retryAfterSeconds: 900, close: false });
    assert.equal(h.checked, checked, 'not checked while locked');
    assert.equal((await h.login('192.0.2.30', 'alice', PASSWORDS.alice)).status, 'ok', 'the real user from elsewhere');
    assert.equal((await h.login(attacker, 'mallory', PASSWORDS.mallory)).status, 'ok', 'other accounts from that address');
    h.advance(14 * 60_000);
    assert.equal((await h.login(attacker, 'alice', PASSWORDS.alice)).status, 'locked');
    h.advance(60_000 + 1);
    assert.equal((await h.login(attacker, 'alice', 'guess4')).status, 'failed', 'checked again once the lock is over');
    assert.equal((await h.login(attacker, 'alice', PASSWORDS.alice)).status, 'locked', 'and one more wrong guess locks it again');
    h.advance(15 * 60_000 + 1);
    assert.deepEqual(await h.login(attacker, 'alice', PASSWORDS.alice), { status: 'ok', value: 'alice' });
    assert.equal((await h.login(attacker, 'alice', 'guess5')).status, 'failed');
    assert.equal((await h.login(attacker, 'alice', PASSWORDS.alice)).status, 'ok', 'the success started the count afresh');
  });

  it('the per-account delay over all addresses is softer and never refuses', async () => {
    const h = harness();
    for (let i = 1; i <= 12; i++) assert.equal((await h.login(`198.18.0.${i}`, 'alice', `guess${i}`)).status, 'failed');
    assert.deepEqual(h.sleeps, [1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000, 4000, 4000, 4000, 4000]);
    const before = h.sleeps.length;
    assert.equal((await h.login('198.18.1.1', 'alice', PASSWORDS.alice)).status, 'ok');
    assert.equal(h.sleeps.length, before, 'the right password is answered at once');
  });

  it('IPv6 addresses count per /64', async () => {
    const h = harness();
    await h.login('2001:db8:5:6::1', 'alice', 'guess1');
    await h.login('2001:db8:5:6:ffff::2', 'alice', 'guess2');
    await h.login('2001:db8:5:7::1', 'alice', 'guess3');
    assert.deepEqual(h.sleeps, [1000, 2000, 1000]);
    assert.equal(addressGroup('2001:DB8:5:6:0:0:0:1'), '2001:db8:5:6::/64');
    assert.equal(addressGroup('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
    assert.equal(addressGroup('192.0.2.7'), '192.0.2.7');
  });

  it('memory is bounded: the least recently used entries are forgotten', async () => {
    const h = harness({}, { maxEntries: 2 });
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await h.login(address, `u-${address}`, 'x');
    await h.login('192.0.2.1', 'someone', 'y');
    await h.login('192.0.2.3', 'someone', 'y');
    assert.deepEqual(h.sleeps, [1000, 1000, 1000, 1000, 2000], '192.0.2.1 had been dropped, 192.0.2.3 had not');
  });

  it('attempts from an address that has failed are checked one at a time', async () => {
    const settings: ThrottleSettings = { authFailureDelayMs: 5, authThrottleMaxDelaySeconds: 1, authLockoutFailures: 0, authLockoutMinutes: 15, authMaxFailures: 5 };
    const throttle = new AuthThrottle(() => settings);
    let active = 0;
    let most = 0;
    const verify = async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return undefined;
    };
    const attempt = (client: string, i: number) => throttle.attempt({ service: 'pop3', client, username: 'alice' }, verify, { secret: `guess${i}` });
    await Promise.all([1, 2, 3].map((i) => attempt('192.0.2.40', i)));
    assert.equal(most, 3, 'an address with no failures is not serialised');
    most = 0;
    await Promise.all([4, 5, 6].map((i) => attempt('192.0.2.40', i)));
    assert.equal(most, 1);
  });

  it('logs one line per failure that a fail2ban filter reads, and names cannot forge the address', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-throttle-'));
    try {
      const logs = new LogHub(dir);
      const h = harness({ authLockoutFailures: 2, authFailureDelayMs: 0 }, { logs });
      await h.login('203.0.113.5', 'alice', 'guess1');
      await h.login('203.0.113.5', 'evil client=198.51.100.99 "x\\', 'guess2', 'pop3');
      await h.login('203.0.113.5', 'alice', 'guess3', 'graphql');
      await h.login('2001:db8::5', 'alice', 'guess4', 'submission');
      await h.login('203.0.113.5', 'alice', 'guess5');
      await h.login('203.0.113.5', 'alice', PASSWORDS.alice);
      await logs.close();
      const lines = ['imap', 'pop', 'web', 'smtp'].flatMap((f) => fs.readFileSync(path.join(dir, `${f}.log`), 'utf8').trim().split('\n'));
      const failregex = fail2banRegex();
      const failures = lines.map((l) => failregex.exec(l)).filter((m) => m !== null);
      assert.deepEqual(
        failures.map((m) => m.groups?.host),
        ['203.0.113.5', '203.0.113.5', '203.0.113.5', '203.0.113.5', '203.0.113.5', '2001:db8::5'],
        'every failure, the locked attempt included, and nothing else',
      );
      const text = lines.map((l) => (JSON.parse(l) as { text: string }).text);
      assert.ok(text.includes('auth failed: client=203.0.113.5 service=pop3 user=evil%20client%3D198.51.100.99%20%22x%5C'), text.join('\n'));
      assert.ok(text.includes('auth lockout: client=203.0.113.5 service=imap user=alice'), text.join('\n'));
      assert.equal(safeUsername(''), '-');
      assert.equal(safeUsername('jürgen@example.com'), 'j%C3%BCrgen@example.com');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

