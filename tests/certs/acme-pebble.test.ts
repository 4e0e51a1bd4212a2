import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { type Pebble, pebbleInstalled, startPebble } from '../helpers/pebble';
import { sClient } from '../helpers/tls-probe';
import { errorCode, gql, gqlOk, login } from '../graphql/client';

/** Pebble's certificates last this long here: inside the 30 days, so the renewal job renews them. */
const VALIDITY_SECONDS = 20 * 86400;

interface Cert {
  id: string;
  origin: string;
  status: string;
  issuer: string;
  altNames: string[];
  fingerprintSha256: string;
  services: string[];
  tlsa311: string;
}
const FIELDS = 'id origin status issuer altNames fingerprintSha256 services tlsa311';

describe('ACME with pebble', { skip: pebbleInstalled() ? undefined : 'pebble is not installed' }, () => {
  let t: TestEngine;
  let token: string;
  let pebble: Pebble;

  before(async () => {
    t = await startEngine();
    token = await login(t.ports.http);
    // The CA validates HTTP-01 on the engine's HTTP port (port 80 on the appliance) and
    // TLS-ALPN-01 on its HTTPS port (443); every name resolves to 127.0.0.1 for it.
    pebble = await startPebble(t.ports.http, t.ports.https, { validitySeconds: VALIDITY_SECONDS });
    t.engine.ctx.settings.update({ acmeDirectoryUrl: pebble.directoryUrl, acmeContactEmail: 'postmaster@example.test' });
  });
  after(async () => {
    await pebble?.stop();
    await t?.stop();
  });

  const order = (names: string[], name = names[0]) =>
    gql<{ orderAcmeCertificate: Cert }>(t.ports.http, `mutation ($i: OrderAcmeCertificateInput!) { orderAcmeCertificate(input: $i) { ${FIELDS} } }`, {
      token,
      variables: { i: { name, names } },
    });

  let ordered: Cert;
  const runRenewal = async () =>
    (await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(t.ports.http, 'mutation { runJob(input: {name: "certificate-renewal", wait: true}) { run { outcome output } } }', { token })).runJob.run;

  it('orders a certificate with HTTP-01 answered by the engine, and serves it once chosen', async () => {
    const r = await order(['mail.example.test', 'example.test'], 'ACME mail');
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    ordered = r.data?.orderAcmeCertificate as Cert;
    assert.equal(ordered.origin, 'ACME');
    assert.equal(ordered.status, 'EXPIRING', 'pebble issues for 20 days here');
    assert.match(ordered.issuer, /Pebble Intermediate/);
    assert.deepEqual(ordered.altNames.sort(), ['example.test', 'mail.example.test']);
    assert.ok(fs.existsSync(path.join(t.dataDir, 'certs', 'acme', 'account.key')), 'the account key is kept');
    await gqlOk(t.ports.http, 'mutation ($id: ID!) { updateCertificate(input: {id: $id, services: [SMTPS, IMAPS]}) { id } }', { token, variables: { id: ordered.id } });
    const seen = await sClient(t.ports.smtps);
    assert.equal(seen.fingerprints[0], ordered.fingerprintSha256);
    assert.match(seen.subjects[1] ?? '', /Pebble Intermediate/, 'the chain is sent');
  });

  it('the renewal job orders certificates ending within 30 days again; the services serve the new one', async () => {
    const run = await runRenewal();
    assert.equal(run.outcome, 'OK', run.output);
    assert.match(run.output, /renewed ACME mail/);
    const now = (await gqlOk<{ certificate: Cert }>(t.ports.http, `query ($id: ID!) { certificate(id: $id) { ${FIELDS} } }`, { token, variables: { id: ordered.id } })).certificate;
    assert.notEqual(now.fingerprintSha256, ordered.fingerprintSha256);
    assert.equal(now.tlsa311, ordered.tlsa311, 'the renewal keeps the key, so a TLSA record stays true');
    assert.deepEqual(now.services, ['SMTPS', 'IMAPS']);
    assert.equal((await sClient(t.ports.imaps)).fingerprints[0], now.fingerprintSha256);
    ordered = now;
  });

  it('orders with TLS-ALPN-01 when the acmeChallenge setting says so: the engine\u2019s HTTPS listener answers acme-tls/1', async () => {
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {acmeChallenge: TLS_ALPN_01}) { acmeChallenge } }', { token });
    try {
      const r = await order(['alpn.example.test']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const cert = r.data?.orderAcmeCertificate as Cert;
      assert.match(cert.issuer, /Pebble Intermediate/);
      assert.deepEqual(cert.altNames, ['alpn.example.test']);
      // Once the order is over, acme-tls/1 gets no challenge certificate any more.
      const after = await new Promise<string>((resolve) => {
        const socket = tls.connect({ port: t.ports.https, host: '127.0.0.1', servername: 'alpn.example.test', ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false }, () => {
          resolve(socket.alpnProtocol || 'none');
          socket.destroy();
        });
        socket.once('error', () => resolve('error'));
      });
      assert.notEqual(after, 'acme-tls/1');
      t.engine.ctx.tls.store.delete(cert.id);
    } finally {
      await gqlOk(t.ports.http, 'mutation { updateSettings(input: {acmeChallenge: HTTP_01}) { acmeChallenge } }', { token });
    }
    const bad = await gql(t.ports.http, 'mutation { updateSettings(input: {acmeChallenge: DNS_01}) { acmeChallenge } }', { token });
    assert.match(bad.errors?.[0]?.message ?? '', /AcmeChallenge/);
  });

  it('a refused order and a CA that is down are typed errors; the certificate in service stays', async () => {
    // A name whose address is not this server's: the CA cannot fetch the challenge.
    const added = await fetch(`${pebble.dnsManagement}/add-a`, { method: 'POST', body: JSON.stringify({ host: 'elsewhere.example.test.', addresses: ['127.0.0.2'] }) });
    assert.equal(added.status, 200);
    const refused = await order(['elsewhere.example.test']);
    assert.equal(errorCode(refused), 'ACME_FAILED');
    assert.match(refused.errors?.[0]?.message ?? '', /127\.0\.0\.2|connect|refused/i);

    await pebble.stopCa();
    const down = await order(['down.example.test']);
    assert.equal(errorCode(down), 'ACME_FAILED');
    const renewal = await gql(t.ports.http, 'mutation ($id: ID!) { renewAcmeCertificate(input: {id: $id}) { id } }', { token, variables: { id: ordered.id } });
    assert.equal(errorCode(renewal), 'ACME_FAILED');
    const run = await runRenewal();
    assert.equal(run.outcome, 'FAILED');
    assert.match(run.output, /failed 1/);
    await t.engine.ctx.queue.idle();
    assert.deepEqual(t.engine.ctx.queue.entries(), [], 'the postmaster\u2019s notice of the failed renewal was delivered');
    assert.equal((await sClient(t.ports.smtps)).fingerprints[0], ordered.fingerprintSha256, 'the old certificate still serves');
    const names = (await gqlOk<{ certificates: { nodes: { altNames: string[] }[] } }>(t.ports.http, '{ certificates { nodes { altNames } } }', { token })).certificates.nodes.flatMap((c) => c.altNames);
    assert.ok(!names.includes('down.example.test') && !names.includes('elsewhere.example.test'), 'nothing half-made in the store');
    await pebble.startCa();
  });
});
