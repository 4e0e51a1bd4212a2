import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';

// Issue 17, defect 6: the pre-login limits and the login deadline of IMAP also hold for POP3,
// ManageSieve and submission (they share server/net/listener.ts); port 25 is left alone.

interface Service {
  name: string;
  port: () => number;
  /** The server's first line that says whether the client was let in. */
  first: RegExp;
  welcome: RegExp;
  tooMany: RegExp;
  deadline: RegExp;
  madeRoom: RegExp;
}

let t: TestEngine;
const open: LineClient[] = [];

const SERVICES: Service[] = [
  {
    name: 'POP3',
    port: () => t.ports.pop3,
    first: /^[+-](OK|ERR)/,
    welcome: /^\+OK/,
    tooMany: /^-ERR \[SYS\/TEMP\] Too many connections from your address/,
    deadline: /^-ERR \[SYS\/TEMP\] No login within 2 seconds/,
    madeRoom: /^-ERR \[SYS\/TEMP\] Too many connections waiting to log in/,
  },
  {
    name: 'ManageSieve',
    port: () => t.ports.sieve,
    first: /^(OK|BYE)/,
    welcome: /^OK/,
    tooMany: /^BYE \(TRYLATER\) "too many connections from your address"/,
    deadline: /^BYE "no login within 2 seconds"/,
    madeRoom: /^BYE \(TRYLATER\) "too many connections waiting to log in"/,
  },
  {
    name: 'submission',
    port: () => t.ports.submission,
    first: /^(220|421) /,
    welcome: /^220 /,
    tooMany: /^421 4\.7\.0 \S+ Too many connections from your address/,
    deadline: /^421 4\.7\.0 \S+ No login within 2 seconds/,
    madeRoom: /^421 4\.7\.0 \S+ Too many connections waiting to log in/,
  },
];

before(async () => {
  t = await startEngine({ settings: { maxUnauthenticatedPerIp: 2, smtpEarlyTalkerWaitMs: 0 } });
});
after(async () => {
  for (const c of open) c.close();
  await t.stop();
});

async function connect(s: Service, host: number): Promise<{ c: LineClient; first: string }> {
  const c = await LineClient.connect(s.port(), { localAddress: `127.0.0.${host}` });
  open.push(c);
  return { c, first: await c.waitFor(s.first) };
}

async function closeAll(): Promise<void> {
  for (const c of open.splice(0)) c.close();
  const ctx = t.engine.ctx;
  while (ctx.connections.count('pop3') + ctx.connections.count('sieve') + ctx.connections.count('submission') > 0) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('connections before login on POP3, ManageSieve and submission', () => {
  for (const s of SERVICES) {
    it(`${s.name}: connections not logged in are limited per address`, async () => {
      assert.match((await connect(s, 2)).first, s.welcome);
      assert.match((await connect(s, 2)).first, s.welcome);
      assert.match((await connect(s, 2)).first, s.tooMany);
      assert.match((await connect(s, 3)).first, s.welcome, 'another address is not affected');
      await closeAll();
    });
  }

  it('port 25 is not limited before login (other servers never log in)', async () => {
    for (let i = 0; i < 4; i++) {
      const c = await LineClient.connect(t.ports.smtp, { localAddress: '127.0.0.2' });
      open.push(c);
      assert.match(await c.waitFor(/^(220|421) /), /^220 /);
    }
    for (const c of open.splice(0)) c.close();
  });

  it('POP3 and submission: a full pre-login share makes room by ending the busiest address’s oldest session', async () => {
    t.engine.ctx.settings.update({ popMaxConnections: 4, smtpMaxConnections: 4 });
    try {
      for (const s of SERVICES.filter((x) => x.name !== 'ManageSieve')) {
        const first = await connect(s, 2);
        const second = await connect(s, 2);
        assert.match(second.first, s.welcome);
        const goodbye = first.c.waitFor(s.madeRoom);
        assert.match((await connect(s, 3)).first, s.welcome, `${s.name}: the newcomer gets in`);
        await goodbye;
        await first.c.waitClose();
        assert.ok(!second.c.isClosed);
        await closeAll();
      }
    } finally {
      t.engine.ctx.settings.update({ popMaxConnections: 200, smtpMaxConnections: 200 });
    }
  });

  it('the login deadline ends sessions that do not log in, however busy they keep', async () => {
    t.engine.ctx.settings.update({ loginTimeoutSeconds: 2 });
    const keepAlive: NodeJS.Timeout[] = [];
    try {
      const started = Date.now();
      const sessions = await Promise.all(SERVICES.map((s) => connect(s, 4)));
      const noop = ['CAPA', 'NOOP', 'NOOP'];
      sessions.forEach(({ c }, i) => keepAlive.push(setInterval(() => c.send(`${noop[i]}\r\n`), 300)));
      await Promise.all(sessions.map(({ c }, i) => c.waitFor(SERVICES[i].deadline, 5000)));
      assert.ok(Date.now() - started >= 1900, 'not before the deadline');
      await Promise.all(sessions.map(({ c }) => c.waitClose()));
    } finally {
      keepAlive.forEach(clearInterval);
      await closeAll();
      t.engine.ctx.settings.update({ loginTimeoutSeconds: 60 });
    }
  });
});
