import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { text } from '../../server/lists/i18n/catalogue';
import { decodeHeaderValue } from '../../server/mail/mime/encoded-words';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inbox, mail, qpBody } from './helpers';

const LIST = 'team@example.test';
const subject = (m: string) => decodeHeaderValue(header(m, 'Subject') ?? '');

/** Issue 11: a member's own language (`ListMember.language`) for every text the list mails to that member. */
describe('a member with language DE gets German mail from an English list', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({
      users: ['alice', 'bob', 'carol'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "team", domain: "example.test", owners: ["alice"], language: EN, digestSizeKb: 0, nonMemberAction: ACCEPT, maxMessageKb: 1 }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test", digest: MIME }, { address: "carol@example.test", digest: MIME }], welcome: false }) { added } }`, { token });
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "bob@example.test", language: DE, acknowledgePosts: true }) { address } }`, { token });
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "carol@example.test", acknowledgePosts: true }) { address } }`, { token });
  });
  after(() => t?.stop());

  it('command replies: German to bob, English to carol', async () => {
    await mail(t, 'bob@example.test', 'team-request@example.test', 'help', 'help\nend');
    await mail(t, 'carol@example.test', 'team-request@example.test', 'help', 'help\nend');
    const bob = (await inbox(t, 'bob')).at(-1)!;
    assert.equal(subject(bob), text('de', 'results.subject'));
    assert.match(qpBody(bob), /Befehle für team-request@example\.test/);
    assert.equal(subject((await inbox(t, 'carol')).at(-1)!), text('en', 'results.subject'));
  });

  it('a post\u2019s acknowledgement and a refusal notice are in the poster\u2019s language', async () => {
    await mail(t, 'bob@example.test', LIST, 'Hallo', 'Kurz.');
    assert.equal(subject((await inbox(t, 'bob')).at(-1)!), text('de', 'ack.subject', { list: LIST }));
    await mail(t, 'bob@example.test', LIST, 'Zu lang', 'x'.repeat(2000));
    const notice = (await inbox(t, 'bob')).at(-1)!;
    assert.equal(subject(notice), text('de', 'notice.rejected.subject', { list: LIST, subject: 'Zu lang' }));
    // The reason inside is German too (written for the reader, not in the list's language).
    assert.ok(qpBody(notice).includes(text('de', 'reason.tooBig', { size: 2, max: 1 }).slice(0, 17)), qpBody(notice));
  });

  it('the digest: one issue, its texts in German for bob and in English for carol', async () => {
    await gqlOk(t.ports.http, `mutation { sendListDigest(input: { list: "${LIST}" }) { digestIssue } }`, { token });
    await t.engine.ctx.queue.idle();
    const digestOf = async (user: string) => (await inbox(t, user)).find((m) => /multipart\/mixed/.test(header(m, 'Content-Type') ?? ''))!;
    const [bob, carol] = [await digestOf('bob'), await digestOf('carol')];
    assert.ok(bob && carol, 'both got the digest');
    assert.equal(subject(bob), text('de', 'digest.subject', { list: LIST, volume: 1, issue: 1 }));
    assert.equal(subject(carol), text('en', 'digest.subject', { list: LIST, volume: 1, issue: 1 }));
    assert.match(bob, /Themen dieser Ausgabe/);
    assert.doesNotMatch(carol, /Themen dieser Ausgabe/);
  });

  it('leaving: the confirmation request and the goodbye are German', async () => {
    await mail(t, 'bob@example.test', 'team-leave@example.test', 'leave', 'bye');
    const request = (await inbox(t, 'bob')).find((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? ''))!;
    assert.ok(request, 'a confirmation request');
    const body = qpBody(request);
    assert.equal(body.split('\r\n')[0], text('de', 'confirm.unsubscribe.body', { address: 'bob@example.test', list: LIST }).split('\n')[0]);
    const token = /^confirm ([0-9a-f]{32})$/.exec(header(request, 'Subject')!)![1];
    await mail(t, 'bob@example.test', `team-confirm+${token}@example.test`, 'Re: confirm', 'ok');
    assert.equal(subject((await inbox(t, 'bob')).at(-1)!), text('de', 'goodbye.subject', { list: LIST }));
  });
});
