import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEngine, type TestEngine } from '../helpers/engine';
import { swaks } from '../helpers/smtp';
import { DNSMASQ, DnsServer } from '../outbound/peers';

const exec = promisify(execFile);
const NMAP = ['/usr/bin/nmap', '/usr/local/bin/nmap'].find((p) => fs.existsSync(p));

/**
 * The relay "done when": swaks from several loopback addresses, each row of the
 * seed's relay table (SMTP authentication x "accept SMTP relays only from these"),
 * refused hosts, a DNSBL-listed client, and nmap's smtp-open-relay script.
 */
describe('relay table with swaks and nmap', { skip: DNSMASQ ? false : 'dnsmasq is not installed' }, () => {
  let t: TestEngine;
  let dns: DnsServer;

  before(async () => {
    dns = await DnsServer.start(['--host-record=7.0.0.127.rbl.test,127.0.0.2', '--txt-record=7.0.0.127.rbl.test,listed for testing']);
    t = await startEngine({
      dns: dns.address,
      // "SMTP requires authentication" on port 25: a method offered (over TLS).
      settings: { smtpAuthPlain: true, holdOutbound: true, logLevelSmtp: 'high' },
      users: [{ shortName: 'alice', password: 'alice-password-1' }],
    });
  });
  after(async () => {
    await t?.stop();
    await dns?.stop();
  });

  /** One swaks transaction on port 25 from `from` (a loopback address); `auth` logs in as alice with that password. */
  function attempt(to: string, opts: { from?: string; auth?: string } = {}) {
    return swaks([
      '--server', `127.0.0.1:${t.ports.smtp}`, '--local-interface', opts.from ?? '127.0.0.1',
      // An authenticated user sends as themselves (smtpRestrictSenderAddresses).
      '--from', opts.auth !== undefined ? 'alice@example.test' : 'sender@client.test', '--to', to, '--quit-after', 'RCPT',
      ...(opts.auth !== undefined ? ['--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', opts.auth] : []),
    ]);
  }

  /** The final reply line to RCPT TO in swaks' transcript (or the whole transcript when there is none). */
  const rcptReply = (output: string) => {
    const lines = output.split('\n');
    const rcpt = lines.findIndex((l) => l.startsWith('RCPT TO:'));
    return (rcpt >= 0 && lines.slice(rcpt + 1).find((l) => /^\d{3} /.test(l))) || output;
  };

  it('authentication on, restricted relay off: everyone must authenticate to relay; local users get their mail', async () => {
    assert.match(rcptReply((await attempt('friend@remote.test')).output), /^554 5\.7\.1 <friend@remote\.test>: Relay access denied/);
    assert.match((await attempt('friend@remote.test', { auth: 'wrong-password' })).output, /535 5\.7\.8 Authentication credentials invalid/);
    assert.match(rcptReply((await attempt('friend@remote.test', { auth: 'alice-password-1' })).output), /^250 /);
    assert.match(rcptReply((await attempt('alice@example.test')).output), /^250 /);
  });

  it('authentication on, restricted relay on: approved hosts relay without authenticating, others after authenticating', async () => {
    t.engine.ctx.settings.update({ relayRestricted: true, relayAllowedHosts: ['127.0.0.9', '127.0.1.0/255.255.255.0'] });
    try {
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.9' })).output), /^250 /);
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.1.20' })).output), /^250 /, 'network/netmask');
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.10' })).output), /^554 5\.7\.1 /);
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.10', auth: 'alice-password-1' })).output), /^250 /);
    } finally {
      t.engine.ctx.settings.update({ relayRestricted: false, relayAllowedHosts: [] });
    }
  });

  it('authentication off, restricted relay on: approved hosts relay, others cannot, but deliver to local users', async () => {
    t.engine.ctx.settings.update({ smtpAuthPlain: false, relayRestricted: true, relayAllowedHosts: ['127.0.0.9'] });
    try {
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.9' })).output), /^250 /);
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.10' })).output), /^554 5\.7\.1 /);
      assert.match(rcptReply((await attempt('alice@example.test', { from: '127.0.0.10' })).output), /^250 /);
      const noAuth = await attempt('friend@remote.test', { from: '127.0.0.10', auth: 'alice-password-1' });
      assert.notEqual(noAuth.code, 0, 'port 25 offers no AUTH when no method is on');
    } finally {
      t.engine.ctx.settings.update({ smtpAuthPlain: true, relayRestricted: false, relayAllowedHosts: [] });
    }
  });

  it('refused hosts get 554 at connection; a DNSBL-listed client gets 554 naming the list unless it authenticates', async () => {
    t.engine.ctx.settings.update({ refuseHostsEnabled: true, refusedHosts: ['127.0.0.8'], rblEnabled: true, rblServers: ['rbl.test'] });
    try {
      const refused = await attempt('alice@example.test', { from: '127.0.0.8' });
      assert.notEqual(refused.code, 0);
      assert.match(refused.output, /^554 5\.7\.1 mail\.example\.test SMTP connection refused/m);
      const listed = await attempt('alice@example.test', { from: '127.0.0.7' });
      assert.match(rcptReply(listed.output), /^554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.7\] blocked using rbl\.test; listed for testing/);
      assert.match(rcptReply((await attempt('friend@remote.test', { from: '127.0.0.7', auth: 'alice-password-1' })).output), /^250 /);
      assert.match(rcptReply((await attempt('alice@example.test', { from: '127.0.0.6' })).output), /^250 /, 'not listed');
    } finally {
      t.engine.ctx.settings.update({ refuseHostsEnabled: false, refusedHosts: [], rblEnabled: false, rblServers: [] });
    }
  });

  it('logs unapproved relay attempts with the client, sender and recipient', async () => {
    await attempt('victim@remote.test', { from: '127.0.0.11' });
    const log = fs.readFileSync(path.join(t.dataDir, 'logs', 'smtp.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = log.find((e) => e.text === 'relay attempt refused' && e.to === 'victim@remote.test');
    assert.ok(entry, 'logged');
    assert.equal(entry.client, '127.0.0.11');
    assert.equal(entry.from, 'sender@client.test');
  });

  it('nmap\u2019s smtp-open-relay script finds no way to relay', { skip: NMAP ? false : 'nmap is not installed (apt-get install nmap)' }, async () => {
    const { stdout } = await exec(NMAP!, [
      // -sV: the script runs on ports nmap recognises as SMTP, and this one is not 25.
      '-Pn', '-n', '-sV', '--version-light', '-p', String(t.ports.smtp), '--script', 'smtp-open-relay',
      '--script-args', 'smtp-open-relay.domain=example.test,smtp-open-relay.ip=127.0.0.1', '127.0.0.1',
    ], { timeout: 120_000 });
    assert.match(stdout, /smtp-open-relay: Server doesn't seem to be an open relay, all tests failed/, stdout);
    assert.doesNotMatch(stdout, /Server is an open relay/);
  });
});
