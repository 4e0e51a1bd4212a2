import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startEngine, type TestEngine } from '../helpers/engine';
import { DNSMASQ, DnsServer, txtRecord } from '../outbound/peers';
import { gqlOk, login } from './client';

interface Report {
  domain: string;
  ready: boolean;
  records: { kind: string; name: string; type: string; value: string; required: boolean; status: string; found: string[]; note: string }[];
}

const QUERY = 'query ($d: String!) { domainDnsReport(domain: $d) { domain ready records { kind name type value required status found note } } }';

/** domainDnsReport: the records each domain needs, checked against dnsmasq through PILLARBOX_DNS. */
describe('GraphQL DNS record report', { skip: DNSMASQ ? false : 'dnsmasq is not installed' }, () => {
  let t: TestEngine;
  let server: DnsServer;
  let token: string;

  before(async () => {
    server = await DnsServer.start([]);
    t = await startEngine({ dns: server.address });
    t.engine.ctx.directory.addDomain('partial.test', 'virtual-domain');
    token = await login(t.ports.http);
  });
  after(async () => {
    await t?.stop();
    await server?.stop();
  });

  const report = async (domain: string) => (await gqlOk<{ domainDnsReport: Report }>(t.ports.http, QUERY, { token, variables: { d: domain } })).domainDnsReport;
  /** GET /.well-known/mta-sts.txt on the engine's HTTPS listener, as a sender fetches it for `host`. */
  const policyAt = (host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: t.ports.https, path: '/.well-known/mta-sts.txt', servername: host, headers: { host }, rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
  const byKind = (r: Report) => Object.fromEntries(r.records.map((x) => [x.kind, x]));

  it('lists what to publish, all missing in an empty zone', async () => {
    const r = await report('example.test');
    assert.equal(r.ready, false);
    const k = byKind(r);
    assert.deepEqual(Object.keys(k).sort(), ['DKIM', 'DMARC', 'MX', 'SPF', 'SRV', 'TLSA'], 'no MTA-STS records while mtaStsMode is none');
    assert.deepEqual([k.TLSA.name, k.TLSA.type, k.TLSA.status, k.TLSA.required], ['_25._tcp.mail.example.test', 'TLSA', 'MISSING', false]);
    assert.match(k.TLSA.value, /^3 1 1 [0-9a-f]{64}$/);
    assert.deepEqual([k.MX.name, k.MX.type, k.MX.value, k.MX.status], ['example.test', 'MX', '10 mail.example.test.', 'MISSING']);
    assert.deepEqual([k.SPF.name, k.SPF.type, k.SPF.value, k.SPF.status], ['example.test', 'TXT', 'v=spf1 mx ~all', 'MISSING']);
    assert.match(k.DKIM.name, /^pb\d{8}r\._domainkey\.example\.test$/);
    assert.match(k.DKIM.value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    assert.deepEqual([k.DMARC.name, k.DMARC.value, k.DMARC.status], ['_dmarc.example.test', 'v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test', 'MISSING']);
  });

  it('reports OK once the suggested records are published, and DIFFERENT for records that say something else', async () => {
    const k = byKind(await report('example.test'));
    server = await server.restart([
      '--mx-host=example.test,mail.example.test,10',
      txtRecord('example.test', k.SPF.value),
      txtRecord(k.DKIM.name, k.DKIM.value),
      txtRecord('_dmarc.example.test', 'v=DMARC1; p=reject'),
      // partial.test: mail goes elsewhere, an SPF record of its own, a stale DKIM key.
      '--mx-host=partial.test,mx.elsewhere.test,10',
      txtRecord('partial.test', 'v=spf1 ip4:192.0.2.1 -all'),
    ]);
    const ok = await report('example.test');
    assert.equal(ok.ready, true, JSON.stringify(ok.records));
    assert.deepEqual(byKind(ok).MX.found, ['10 mail.example.test']);
    assert.deepEqual(byKind(ok).DMARC.found, ['v=DMARC1; p=reject'], 'any DMARC policy counts');
    const partial = byKind(await report('partial.test'));
    assert.equal(partial.MX.status, 'DIFFERENT');
    assert.deepEqual(partial.MX.found, ['10 mx.elsewhere.test']);
    assert.equal(partial.SPF.status, 'DIFFERENT');
    assert.deepEqual(partial.SPF.found, ['v=spf1 ip4:192.0.2.1 -all']);
    assert.equal(partial.DKIM.status, 'MISSING');
    assert.equal(partial.DMARC.status, 'MISSING');
  });

  it('checks the TLSA record of the SMTP certificate; with mtaStsMode on, lists MTA-STS and serves its policy', async () => {
    const k = byKind(await report('example.test'));
    const tlsaHex = k.TLSA.value.split(' ').slice(3).join('');
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {mtaStsMode: ENFORCE}) { mtaStsMode } }', { token });
    try {
      const sts = byKind(await report('example.test'));
      assert.deepEqual([sts.MTA_STS.name, sts.MTA_STS.status, sts.MTA_STS.required], ['_mta-sts.example.test', 'MISSING', true]);
      assert.match(sts.MTA_STS.value, /^v=STSv1; id=[0-9a-f]{20}$/);
      assert.deepEqual([sts.MTA_STS_HOST.name, sts.MTA_STS_HOST.type, sts.MTA_STS_HOST.value], ['mta-sts.example.test', 'CNAME', 'mail.example.test.']);
      assert.deepEqual([sts.TLS_RPT.name, sts.TLS_RPT.value, sts.TLS_RPT.required], ['_smtp._tls.example.test', 'v=TLSRPTv1; rua=mailto:postmaster@example.test', false]);
      server = await server.restart([
        '--mx-host=example.test,mail.example.test,10',
        txtRecord('example.test', k.SPF.value),
        txtRecord(k.DKIM.name, k.DKIM.value),
        txtRecord('_dmarc.example.test', 'v=DMARC1; p=reject'),
        `--dns-rr=_25._tcp.mail.example.test,52,030101${tlsaHex}`,
        txtRecord('_mta-sts.example.test', sts.MTA_STS.value),
        '--address=/mail.example.test/127.0.0.1',
        '--address=/mta-sts.example.test/127.0.0.1',
        txtRecord('_smtp._tls.example.test', 'v=TLSRPTv1; rua=mailto:tls@example.test'),
      ]);
      const ok = await report('example.test');
      assert.equal(ok.ready, true, JSON.stringify(ok.records.filter((r) => r.status !== 'OK')));
      assert.deepEqual(byKind(ok).TLSA.found, [k.TLSA.value]);
      assert.equal(byKind(ok).MTA_STS_HOST.status, 'OK');
      // The policy, on the engine's HTTPS listener for mta-sts.<domain>, and for no other host.
      const policy = await policyAt('mta-sts.example.test');
      assert.equal(policy.status, 200);
      assert.equal(policy.body, 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 604800\r\n');
      assert.equal((await policyAt('mta-sts.not-ours.test')).status, 404);
    } finally {
      await gqlOk(t.ports.http, 'mutation { updateSettings(input: {mtaStsMode: NONE}) { mtaStsMode } }', { token });
    }
    assert.equal((await policyAt('mta-sts.example.test')).status, 404, 'no policy once MTA-STS is off');
  });

  it('includes the relay host in the suggested SPF record when one is set', async () => {
    t.engine.ctx.settings.update({ relayHost: 'smtp.provider.test:587' });
    try {
      assert.equal(byKind(await report('example.test')).SPF.value, 'v=spf1 mx a:smtp.provider.test ~all');
    } finally {
      t.engine.ctx.settings.update({ relayHost: '' });
    }
  });

  it('lists the SRV records mail clients look up (RFC 6186, RFC 8314), following the settings, and checks them', async () => {
    const srv = async () => Object.fromEntries((await report('example.test')).records.filter((r) => r.kind === 'SRV').map((r) => [r.name, r]));
    const p = t.ports;
    let records = await srv();
    assert.deepEqual(
      Object.fromEntries(Object.entries(records).map(([name, r]) => [name, r.value])),
      {
        '_imaps._tcp.example.test': `0 1 ${p.imaps} mail.example.test.`,
        '_imap._tcp.example.test': `10 1 ${p.imap} mail.example.test.`,
        '_pop3s._tcp.example.test': `0 1 ${p.pop3s} mail.example.test.`,
        '_pop3._tcp.example.test': `10 1 ${p.pop3} mail.example.test.`,
        '_submissions._tcp.example.test': `0 1 ${p.smtps} mail.example.test.`,
        '_submission._tcp.example.test': `10 1 ${p.submission} mail.example.test.`,
      },
    );
    assert.ok(Object.values(records).every((r) => r.type === 'SRV' && !r.required && r.status === 'MISSING'));
    server = await server.restart([`--srv-host=_imaps._tcp.example.test,mail.example.test,${p.imaps},0,1`, `--srv-host=_pop3s._tcp.example.test,pop.elsewhere.test,995,0,1`]);
    records = await srv();
    assert.equal(records['_imaps._tcp.example.test'].status, 'OK');
    assert.deepEqual(records['_imaps._tcp.example.test'].found, [`0 1 ${p.imaps} mail.example.test`]);
    assert.equal(records['_pop3s._tcp.example.test'].status, 'DIFFERENT');
    // POP off: its records say "not offered" (RFC 6186's "0 0 0 .").
    t.engine.ctx.settings.update({ popEnabled: false });
    try {
      records = await srv();
      assert.equal(records['_pop3._tcp.example.test'].value, '0 0 0 .');
      assert.equal(records['_pop3s._tcp.example.test'].value, '0 0 0 .');
    } finally {
      t.engine.ctx.settings.update({ popEnabled: true });
    }
  });

  it('refuses domains that are not ours', async () => {
    const res = await fetch(`http://127.0.0.1:${t.ports.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { d: 'elsewhere.test' } }),
    });
    assert.equal(((await res.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});
