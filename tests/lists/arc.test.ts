import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import { authenticate } from 'mailauth';
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { startEngine, type TestEngine } from '../helpers/engine';
import { swaks } from '../helpers/smtp';
import { gqlOk, login } from '../graphql/client';
import { DnsServer, SmtpSink, loopbackNet, missingPeers, txtRecord } from '../outbound/peers';
import { header } from './helpers';

const skip = missingPeers();
const LIST = 'arc@example.test';

/**
 * Issue 11's ARC sealing: a DKIM-signed post that the list changes (subject prefix, list
 * headers) leaves with an ARC set by the list's domain, vouching for the checks this server made
 * when the post came; a receiver (mailauth, against dnsmasq) finds the chain valid.
 */
describe('ARC sealing of list copies', { skip }, () => {
  const ip = loopbackNet();
  const base = [`--mx-host=remote.test,mx.remote.test,10`, `--host-record=mx.remote.test,${ip(2)}`];
  const poster = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const posterRecord = txtRecord('sel._domainkey.poster.test', `v=DKIM1; k=rsa; p=${poster.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`);
  let server: DnsServer;
  let sink: SmtpSink;
  let t: TestEngine;
  let token: string;

  before(async () => {
    server = await DnsServer.start([...base, posterRecord]);
    sink = await SmtpSink.start(ip(2));
    t = await startEngine({ dns: server.address, users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { listsEnabled: true, inboundAuthChecks: true } });
    token = await login(t.ports.http);
    const view = await gqlOk<{ dkim: { keys: { recordName: string; recordValue: string }[] } }>(t.ports.http, '{ dkim(domain: "example.test") { keys { recordName recordValue } } }', { token });
    server = await server.restart([...base, posterRecord, ...view.dkim.keys.map((k) => txtRecord(k.recordName, k.recordValue))]);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "arc", domain: "example.test", owners: ["alice"], nonMemberAction: ACCEPT }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "carol@remote.test" }], welcome: false }) { added } }`, { token });
  });
  after(async () => {
    await t?.stop();
    await sink?.stop();
    await server?.stop();
  });

  it('a DKIM-signed post leaves with a valid ARC set by the list\u2019s domain', async () => {
    const message = Buffer.from(
      ['From: Pat <pat@poster.test>', `To: ${LIST}`, 'Subject: Sealed', 'Date: Mon, 07 Dec 2026 10:00:00 +0000', 'Message-ID: <sealed-1@poster.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii', '', 'A signed post.', ''].join('\r\n'),
    );
    // mailauth's typings describe a flat form its signer does not read: it takes signatureData.
    const options = { signatureData: [{ signingDomain: 'poster.test', selector: 'sel', privateKey: poster.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }] };
    const signed = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
    assert.match(signed.signatures, /^DKIM-Signature: /);
    const file = path.join(t.dataDir, 'signed-post.eml');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(signed.signatures), message]));
    const r = await swaks(['--server', '127.0.0.1', '--port', String(t.ports.smtp), '--helo', 'mail.poster.test', '--from', 'pat@poster.test', '--to', LIST, '--data', file]);
    assert.match(r.output, /250 /);
    await t.engine.ctx.queue.idle();
    const [copy] = await sink.waitForMessages(1);
    const content = copy.content;
    assert.equal(header(content, 'Subject'), '[arc] Sealed', 'the list changed the post');
    assert.match(header(content, 'ARC-Seal') ?? '', /\bi=1;.*\bcv=none;.*\bd=example\.test;/);
    assert.match(header(content, 'ARC-Authentication-Results') ?? '', /^i=1; mail\.example\.test;.*dkim=pass/);
    const resolver = new dns.promises.Resolver();
    resolver.setServers([server.address]);
    const result = await authenticate(Buffer.from(content, 'latin1'), {
      ip: ip(9),
      helo: 'mail.example.test',
      sender: 'arc-bounces@example.test',
      mta: 'mx.remote.test',
      resolver: (name: string, type: string) => resolver.resolve(name, type) as Promise<string[][]>,
      disableBimi: true,
    });
    assert.equal(result.arc && result.arc.status.result, 'pass', JSON.stringify(result.arc));
    assert.ok(result.dkim.results.some((d) => d.signingDomain === 'example.test' && d.status.result === 'pass'), 'the list\u2019s own DKIM signature verifies');
  });
});
