import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { DnsServer, missingPeers, txtRecord } from '../outbound/peers';
import { parseMime } from '../../server/mail/mime/tree';
import { headerValue } from '../../server/mail/mime/header';
import { header, inbox, mail } from './helpers';

const skip = missingPeers();
const LIST = 'dmarc@example.test';

/**
 * Issue 11's DMARC mitigation (Mailman's dmarc_moderation_action): with the policies of the
 * posters' domains served by dnsmasq and read through the engine's resolver, a post from a
 * p=reject or p=quarantine domain goes out From the list (author in Reply-To or Cc) or wrapped.
 */
describe('list DMARC mitigation: From rewritten or the post wrapped for strict domains', { skip }, () => {
  let dns: DnsServer;
  let t: TestEngine;
  let token: string;

  before(async () => {
    dns = await DnsServer.start([
      txtRecord('_dmarc.strict.test', 'v=DMARC1; p=reject'),
      txtRecord('_dmarc.quar.test', 'v=DMARC1; p=quarantine'),
      txtRecord('_dmarc.open.test', 'v=DMARC1; p=none'),
      txtRecord('_dmarc.parent.test', 'v=DMARC1; p=none; sp=reject'),
      txtRecord('_dmarc.example.test', 'v=DMARC1; p=reject'),
    ]);
    t = await startEngine({ dns: dns.address, users: ['alice', 'bob'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "dmarc", domain: "example.test", owners: ["alice"], nonMemberAction: ACCEPT, dmarcMitigation: MUNGE_FROM }) { dmarcMitigation } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(async () => {
    await t?.stop();
    await dns?.stop();
  });

  const update = (fields: string) => gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", ${fields} }) { id } }`, { token });
  const copy = async (subject: string) => {
    const m = (await inbox(t, 'bob')).find((c) => header(c, 'Subject') === `[dmarc] ${subject}`);
    assert.ok(m, `bob has "${subject}"`);
    return m;
  };

  it('p=reject: From is the list with the author\u2019s name, the author in Reply-To', async () => {
    await mail(t, 'alice@strict.test', LIST, 'Strict', 'From a strict domain.', ['From: "Alice Smith" <alice@strict.test>']);
    const c = await copy('Strict');
    assert.match(header(c, 'From')!, /^"?Alice Smith via dmarc"? <dmarc@example\.test>$/);
    assert.equal(header(c, 'Reply-To'), '"Alice Smith" <alice@strict.test>');
  });

  it('p=quarantine and a subdomain under an organizational sp=reject are rewritten too; p=none and the list\u2019s own domain are not', async () => {
    await mail(t, 'carol@quar.test', LIST, 'Quarantine');
    assert.match(header(await copy('Quarantine'), 'From')!, /^"?carol via dmarc"? <dmarc@example\.test>$/);
    await mail(t, 'erin@sub.parent.test', LIST, 'Subdomain');
    assert.match(header(await copy('Subdomain'), 'From')!, /<dmarc@example\.test>$/);
    await mail(t, 'dave@open.test', LIST, 'Relaxed');
    assert.equal(header(await copy('Relaxed'), 'From'), 'dave@open.test');
    await mail(t, 'bob@example.test', LIST, 'Own domain');
    assert.equal(header(await copy('Own domain'), 'From'), 'bob@example.test', 'the list\u2019s DKIM signature aligns with its own domain');
  });

  it('with replies to the list the author goes into Cc', async () => {
    await update('replyTo: LIST');
    await mail(t, 'alice@strict.test', LIST, 'To the list', 'Hi.', ['Cc: someone@else.test']);
    const c = await copy('To the list');
    assert.equal(header(c, 'Reply-To'), LIST);
    assert.equal(header(c, 'Cc'), 'someone@else.test, alice@strict.test');
    await update('replyTo: POSTER');
  });

  it('WRAP sends the post whole as a message/rfc822 part of a message from the list', async () => {
    await update('dmarcMitigation: WRAP');
    await mail(t, 'alice@strict.test', LIST, 'Wrapped', 'The original text.');
    const c = await copy('Wrapped');
    assert.match(header(c, 'From')!, /<dmarc@example\.test>$/);
    assert.equal(header(c, 'Reply-To'), 'alice@strict.test');
    const raw = Buffer.from(c);
    const root = parseMime(raw);
    assert.equal(`${root.type}/${root.subtype}`, 'multipart/mixed');
    const inner = root.children![0];
    assert.equal(`${inner.type}/${inner.subtype}`, 'message/rfc822');
    assert.equal(headerValue(inner.message!.fields, 'from'), 'alice@strict.test', 'the post inside keeps its From');
    assert.match(raw.subarray(inner.message!.bs, inner.message!.be).toString(), /^The original text\./);
  });

  it('NONE sends every post under its author\u2019s From; bad values are refused', async () => {
    await update('dmarcMitigation: NONE');
    await mail(t, 'alice@strict.test', LIST, 'Untouched');
    assert.equal(header(await copy('Untouched'), 'From'), 'alice@strict.test');
    assert.ok(errorCode(await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", dmarcMitigation: MUNGE }) { id } }`, { token })));
  });
});
