import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import { reply, swaks } from '../helpers/smtp';
import { DnsServer, DNSMASQ } from '../outbound/peers';

/** The seed's Relay tab: approved relay hosts, refused hosts, junk-mail rejection (DNSBL) servers, authentication. */
describe('relay control', () => {
  let t: TestEngine;
  let dns: DnsServer | undefined;

  before(async () => {
    if (DNSMASQ) {
      dns = await DnsServer.start([
        '--host-record=7.0.0.127.rbl.test,127.0.0.2',
        '--txt-record=7.0.0.127.rbl.test,listed for testing',
        '--host-record=trusted.example.test,127.0.0.9',
        '--ptr-record=9.0.0.127.in-addr.arpa,trusted.example.test',
      ]);
    }
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }], dns: dns?.address });
  });
  after(async () => {
    await t.stop();
    await dns?.stop();
  });

  /** One RCPT from a chosen loopback address; returns the connect and RCPT replies. */
  async function tryRcpt(to: string, localAddress = '127.0.0.1'): Promise<{ greeting: string; rcpt?: string }> {
    const c = await LineClient.connect(t.ports.smtp, { localAddress });
    try {
      const greeting = await reply(c);
      if (!greeting.startsWith('220')) return { greeting };
      await c.command('EHLO client.example.org', /^250 /);
      await c.command('MAIL FROM:<someone@example.org>', /^\d{3} /);
      return { greeting, rcpt: await c.command(`RCPT TO:<${to}>`, /^\d{3} /) };
    } finally {
      c.close();
    }
  }

  it('never relays for unknown clients, and relays for approved networks (IP/prefix and netmask notations)', async () => {
    assert.match((await tryRcpt('x@remote.test')).rcpt!, /^554 5\.7\.1 .*Relay access denied/);
    t.engine.ctx.settings.update({ relayRestricted: true, relayAllowedHosts: ['10.0.0.0/255.0.0.0'] });
    assert.match((await tryRcpt('x@remote.test')).rcpt!, /^554 5\.7\.1 /, 'not in the approved network');
    t.engine.ctx.settings.update({ relayAllowedHosts: ['127.0.0.0/8'] });
    assert.match((await tryRcpt('x@remote.test')).rcpt!, /^250 /);
    t.engine.ctx.settings.update({ relayRestricted: false });
    assert.match((await tryRcpt('x@remote.test')).rcpt!, /^554 5\.7\.1 /, 'the list counts only while it is on');
  });

  it('approves a host by its verified DNS name', { skip: DNSMASQ ? false : 'dnsmasq is not installed' }, async () => {
    t.engine.ctx.settings.update({ relayRestricted: true, relayAllowedHosts: ['example.test'] });
    try {
      assert.match((await tryRcpt('x@remote.test', '127.0.0.9')).rcpt!, /^250 /);
      assert.match((await tryRcpt('x@remote.test', '127.0.0.1')).rcpt!, /^554 /);
    } finally {
      t.engine.ctx.settings.update({ relayRestricted: false, relayAllowedHosts: [] });
    }
  });

  it('refuses connections from refused hosts with 554, others are served', async () => {
    t.engine.ctx.settings.update({ refuseHostsEnabled: true, refusedHosts: ['127.0.0.7'] });
    try {
      assert.match((await tryRcpt('alice@example.test', '127.0.0.7')).greeting, /^554 5\.7\.1 /);
      assert.match((await tryRcpt('alice@example.test', '127.0.0.1')).rcpt!, /^250 /);
    } finally {
      t.engine.ctx.settings.update({ refuseHostsEnabled: false, refusedHosts: [] });
    }
  });

  it('refuses mail from clients on a junk mail rejection list, naming the list', { skip: DNSMASQ ? false : 'dnsmasq is not installed' }, async () => {
    t.engine.ctx.settings.update({ rblEnabled: true, rblServers: ['rbl.test'] });
    try {
      const listed = await tryRcpt('alice@example.test', '127.0.0.7');
      assert.match(listed.rcpt!, /^554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.7\] blocked using rbl\.test; listed for testing/);
      assert.match((await tryRcpt('alice@example.test', '127.0.0.1')).rcpt!, /^250 /, 'not listed');
    } finally {
      t.engine.ctx.settings.update({ rblEnabled: false, rblServers: [] });
    }
  });

  it('relays for authenticated users on submission; wrong passwords get 535', async () => {
    const base = ['--server', `127.0.0.1:${t.ports.submission}`, '--tls', '--from', 'alice@example.test', '--to', 'friend@remote.test', '--auth', 'PLAIN', '--auth-user', 'alice'];
    const ok = await swaks([...base, '--auth-password', 'alice-password-1', '--header', 'Subject: relayed']);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /250 2\.0\.0 Ok: queued as/);
    const bad = await swaks([...base, '--auth-password', 'wrong-password']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /535 5\.7\.8 /);
    const anonymous = await swaks(['--server', `127.0.0.1:${t.ports.submission}`, '--tls', '--to', 'friend@remote.test']);
    assert.match(anonymous.output, /530 5\.7\.0 /);
  });

  it('refuses invalid host list entries when the settings are changed', () => {
    assert.throws(() => t.engine.ctx.settings.update({ relayAllowedHosts: ['192.168.40.0/33'] }), /relayAllowedHosts/);
    assert.throws(() => t.engine.ctx.settings.update({ refusedHosts: ['not a host!'] }), /refusedHosts/);
  });
  it('refuses a client that talks before the greeting, and greets approved relay hosts without that wait', async () => {
    // From an address that has not passed the wait before (127.0.0.1 has: see smtpGreetingPassHours).
    const early = await LineClient.connect(t.ports.smtp, { localAddress: '127.0.4.1' });
    try {
      early.send('EHLO early.example.org\r\n');
      assert.match(await early.waitFor(/^421 /), /talk too soon/);
    } finally {
      early.close();
    }
    t.engine.ctx.settings.update({ relayRestricted: true, relayAllowedHosts: ['127.0.0.0/8'] });
    try {
      assert.match((await tryRcpt('x@remote.test')).greeting, /^220 /);
    } finally {
      t.engine.ctx.settings.update({ relayRestricted: false, relayAllowedHosts: [] });
    }
  });
  it('waits for early talkers as long as smtpEarlyTalkerWaitMs says', async () => {
    t.engine.ctx.settings.update({ smtpEarlyTalkerWaitMs: 10_000 });
    const early = await LineClient.connect(t.ports.smtp, { localAddress: '127.0.4.2' });
    try {
      // Well past smtp-server's own 100 ms, well inside the 10 s set: still too soon.
      await new Promise((r) => setTimeout(r, 300));
      early.send('EHLO early.example.org\r\n');
      assert.match(await early.waitFor(/^421 /), /talk too soon/);
    } finally {
      early.close();
      t.engine.ctx.settings.update({ smtpEarlyTalkerWaitMs: 100 });
    }
  });
  it('greets a client that waited and began a transaction at once afterwards, for smtpGreetingPassHours', async () => {
    t.engine.ctx.settings.update({ smtpEarlyTalkerWaitMs: 2000 });
    const greetingAfter = async (localAddress: string): Promise<{ ms: number; client: LineClient }> => {
      const started = Date.now();
      const client = await LineClient.connect(t.ports.smtp, { localAddress });
      await client.waitFor(/^220 /);
      return { ms: Date.now() - started, client };
    };
    const talksEarly = async (localAddress: string): Promise<string> => {
      const client = await LineClient.connect(t.ports.smtp, { localAddress });
      try {
        await new Promise((r) => setTimeout(r, 300));
        client.send('EHLO early.example.org\r\n');
        return await client.waitFor(/^(421|220) /);
      } finally {
        client.close();
      }
    };
    try {
      const first = await greetingAfter('127.0.4.3');
      assert.ok(first.ms >= 2000, `the first connection waited (${first.ms} ms)`);
      first.client.send('EHLO patient.example.org\r\n');
      await first.client.waitFor(/^250 /);
      first.client.send('MAIL FROM:<someone@patient.example.org>\r\n');
      await first.client.waitFor(/^250 /);
      first.client.send('QUIT\r\n');
      first.client.close();

      const second = await greetingAfter('127.0.4.3');
      assert.ok(second.ms < 1000, `a client that passed is greeted at once (${second.ms} ms)`);
      second.client.close();
      // Another address still waits, and one that only connected (no MAIL FROM) has no pass.
      assert.match(await talksEarly('127.0.4.4'), /^421 .*talk too soon/);
      const idle = await greetingAfter('127.0.4.5');
      idle.client.close();
      assert.ok((await greetingAfter('127.0.4.5').then((g) => (g.client.close(), g.ms))) >= 2000, 'connecting alone earns no pass');
      // A TTL of 0 makes every connection wait again, at once.
      t.engine.ctx.settings.update({ smtpGreetingPassHours: 0 });
      assert.match(await talksEarly('127.0.4.3'), /^421 .*talk too soon/);
    } finally {
      t.engine.ctx.settings.update({ smtpEarlyTalkerWaitMs: 100, smtpGreetingPassHours: 24 });
    }
  });
});
