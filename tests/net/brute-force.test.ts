import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, type TestEngine, startEngine } from '../helpers/engine';
import { fail2banRegex } from '../helpers/fail2ban';
import { LineClient } from '../helpers/line-client';

// Issue 17, defect 5, as the probe ran it: wrong passwords on every service from one address, an
// attacker with an account of their own, and the real user logging in meanwhile from elsewhere.

const ALICE = { shortName: 'alice', password: 'alice-password-1' };
const MALLORY = { shortName: 'mallory', password: 'mallory-password-1' };
const ATTACKER = '127.0.0.2';
const FLOODER = '127.0.0.3';
const ALICE_AT_HOME = '127.0.0.1';

let t: TestEngine;
let stopped = false;
const open: LineClient[] = [];

before(async () => {
  t = await startEngine({ users: [ALICE, MALLORY], settings: { authLockoutFailures: 3 } });
});
after(async () => {
  for (const c of open) c.close();
  if (!stopped) await t.stop();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function client(port: number, from: string, tls: boolean, ready: RegExp): Promise<LineClient> {
  return (await connectAndRead(port, from, tls, ready)).c;
}

/** Connects from `from` and returns the client and the first line matching `ready`. */
async function connectAndRead(port: number, from: string, tls: boolean, ready: RegExp): Promise<{ c: LineClient; line: string }> {
  const c = await LineClient.connect(port, { tls, localAddress: from });
  open.push(c);
  return { c, line: await c.waitFor(ready) };
}

/** One login per service: each returns the server's answer line. */
const login = {
  async imap(from: string, user: string, password: string): Promise<string> {
    const c = await client(t.ports.imaps, from, true, /^\* OK/);
    return c.command(`a LOGIN ${user} ${password}`, /^a /);
  },
  async pop3(from: string, user: string, password: string): Promise<string> {
    const c = await client(t.ports.pop3s, from, true, /^\+OK/);
    await c.command(`USER ${user}`, /^[+-]/);
    return c.command(`PASS ${password}`, /^[+-]/);
  },
  async managesieve(from: string, user: string, password: string): Promise<string> {
    const c = await client(t.ports.sieve, from, false, /^OK/);
    await c.command('STARTTLS', /^OK/);
    const greeting = c.waitFor(/^OK/);
    await c.startTls();
    await greeting;
    return c.command(`AUTHENTICATE "PLAIN" "${b64(`\0${user}\0${password}`)}"`, /^(OK|NO|BYE)/);
  },
  async submission(from: string, user: string, password: string): Promise<string> {
    const c = await client(t.ports.smtps, from, true, /^220 /);
    await c.command('EHLO client.example', /^250 /);
    return c.command(`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, /^\d{3} /);
  },
  /** The management login; answers "token", or the error code. */
  graphql(from: string, user: string, password: string): Promise<string> {
    const body = JSON.stringify({ query: `mutation { login(username: ${JSON.stringify(user)}, password: ${JSON.stringify(password)}) { token } }` });
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: t.ports.http, localAddress: from, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            const r = JSON.parse(text) as { data?: { login?: { token: string } }; errors?: { extensions?: { code?: string } }[] };
            resolve(r.data?.login?.token ? 'token' : String(r.errors?.[0]?.extensions?.code));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  },
};

const ACCEPTED = { imap: /^a OK/, pop3: /^\+OK/, managesieve: /^OK/, submission: /^235 /, graphql: /^token$/ };
const WRONG = { imap: /^a NO \[AUTHENTICATIONFAILED\]/, pop3: /^-ERR \[AUTH\]/, managesieve: /^NO "authentication failed"/, submission: /^535 /, graphql: /^INVALID_CREDENTIALS$/ };
const REFUSED = { imap: /^a NO \[UNAVAILABLE\]/, pop3: /^-ERR \[SYS\/TEMP\] Too many failed logins/, managesieve: /^NO \(TRYLATER\)/, submission: /^454 4\.7\.0/, graphql: /^TOO_MANY_FAILURES$/ };
type Service = keyof typeof login;
const SERVICES = Object.keys(login) as Service[];

describe('brute force from one address (engine, every service)', () => {
  it('an attacker who logs into their own account between guesses is not let off the delay', async () => {
    const ctx = t.engine.ctx;
    ctx.authThrottle.reset();
    ctx.settings.update({ authFailureDelayMs: 100, authLockoutFailures: 0 });
    try {
      const timed = async (f: () => Promise<string>) => {
        const started = Date.now();
        const answer = await f();
        return { answer, ms: Date.now() - started };
      };
      // Guesses spread over accounts, so only the address's count slows them.
      for (const victim of ['alice', 'bob', 'carol']) assert.match(await login.imap(ATTACKER, victim, 'guess'), WRONG.imap);
      assert.match(await login.imap(ATTACKER, 'mallory', MALLORY.password), ACCEPTED.imap, 'their own account works');
      const fourth = await timed(() => login.pop3(ATTACKER, 'dave', 'guess'));
      assert.match(fourth.answer, WRONG.pop3);
      assert.ok(fourth.ms >= 750, `the fourth failure still waits 800 ms (took ${fourth.ms} ms); a reset would make it 100 ms`);
    } finally {
      ctx.settings.update({ authFailureDelayMs: 0, authLockoutFailures: 3 });
      for (const c of open.splice(0)) c.close();
    }
  });

  it('an attack on five services at once locks the account for that address only; alice logs in from home', async () => {
    const ctx = t.engine.ctx;
    ctx.authThrottle.reset();
    // Connections held open before login from a second address, as in the probe: ten per service at most.
    const flood = await Promise.all(
      [t.ports.imap, t.ports.pop3, t.ports.sieve, t.ports.submission].flatMap((port) =>
        Array.from({ length: 12 }, () => connectAndRead(port, FLOODER, false, /^(\* OK|\* BYE|\+OK|-ERR|OK|BYE|220 |421 )/).then((x) => x.line)),
      ),
    );
    assert.equal(flood.filter((l) => /^(\* OK|\+OK|OK|220 )/.test(l)).length, 40, 'ten held per service');

    // Four wrong passwords on each service at once (the management login is attacked as admin).
    const answers = await Promise.all(
      SERVICES.map(async (s) => {
        const out: string[] = [];
        for (let i = 1; i <= 4; i++) out.push(await login[s](ATTACKER, s === 'graphql' ? 'admin' : 'alice', `guess-${s}-${i}`));
        return out;
      }),
    );
    for (const [i, s] of SERVICES.entries()) {
      for (const a of answers[i]) assert.ok(WRONG[s].test(a) || REFUSED[s].test(a), `${s}: ${a}`);
    }
    assert.deepEqual(answers[SERVICES.indexOf('graphql')], ['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'TOO_MANY_FAILURES']);
    const mail = answers.slice(0, 4).flat();
    assert.ok(mail.filter((a, i) => WRONG[SERVICES[Math.floor(i / 4)]].test(a)).length <= 3 + 3, 'alice was locked for the attacker after three failures (give or take the ones already in flight)');

    // The right password from the attacker's address is refused unchecked ...
    assert.match(await login.imap(ATTACKER, 'alice', ALICE.password), REFUSED.imap);
    assert.match(await login.graphql(ATTACKER, 'admin', ADMIN_PASSWORD), REFUSED.graphql);
    // ... while alice, at home, logs in everywhere, with every attacker connection still open.
    for (const s of SERVICES) {
      const [user, password] = s === 'graphql' ? ['admin', ADMIN_PASSWORD] : [ALICE.shortName, ALICE.password];
      assert.match(await login[s](ALICE_AT_HOME, user, password), ACCEPTED[s], s);
    }
  });

  it('every failure is one log line that the documented fail2ban filter reads, with the attacker’s address', async () => {
    const dataDir = t.dataDir;
    for (const c of open.splice(0)) c.close();
    // Stopping the engine flushes the log files; they stay until the data directory goes.
    await t.engine.stop();
    stopped = true;
    try {
      const failregex = fail2banRegex();
      const logDir = path.join(dataDir, 'logs');
      const matches = fs
        .readdirSync(logDir)
        .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
        .map((line) => ({ line, m: failregex.exec(line) }))
        .filter((x) => x.m !== null);
      const perService = new Map<string, number>();
      for (const { line, m } of matches) {
        assert.equal(m?.groups?.host, ATTACKER, line);
        const service = /service=(\w+)/.exec(line)?.[1] as string;
        perService.set(service, (perService.get(service) ?? 0) + 1);
      }
      for (const s of ['imap', 'pop3', 'managesieve', 'submission', 'graphql']) assert.ok((perService.get(s) ?? 0) >= 4, `${s}: ${perService.get(s)} lines`);
      assert.equal(matches.length, 3 + 1 + 5 * 4 + 2, 'the first test’s four, this one’s twenty and the two refused right passwords');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
