import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EN, type MessageId } from '../../server/lists/i18n/en';
import { DE } from '../../server/lists/i18n/de';
import { ES } from '../../server/lists/i18n/es';
import { JA } from '../../server/lists/i18n/ja';
import { KO } from '../../server/lists/i18n/ko';
import { RU } from '../../server/lists/i18n/ru';
import { formatDate, text, translatedLanguages } from '../../server/lists/i18n/catalogue';
import { webCatalogues } from '../../server/lists/i18n/web-catalogue';
import { WEB_EN, type WebMessageId } from '../../server/lists/i18n/web-en';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inbox, mail, qpBody } from './helpers';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('list message catalogues', () => {
  it('the seed\u2019s six languages each have every text, with the same placeholders as English', () => {
    assert.deepEqual(translatedLanguages().sort(), ['de', 'en', 'es', 'ja', 'ko', 'ru']);
    for (const [name, catalogue] of [['de', DE], ['es', ES], ['ja', JA], ['ko', KO], ['ru', RU]] as const) {
      for (const id of Object.keys(EN) as MessageId[]) {
        assert.deepEqual(placeholders(catalogue[id]), placeholders(EN[id]), `${name} ${id}`);
      }
    }
  });

  it('the list pages\u2019 catalogues: every text in each of the six languages, with the same placeholders, and translated', () => {
    const all = webCatalogues();
    assert.deepEqual(Object.keys(all).sort(), ['de', 'en', 'es', 'ja', 'ko', 'ru']);
    for (const [name, catalogue] of Object.entries(all)) {
      for (const id of Object.keys(WEB_EN) as WebMessageId[]) {
        assert.deepEqual(placeholders(catalogue[id]), placeholders(WEB_EN[id]), `${name} ${id}`);
        // Short words may be the same in two languages ("Name", "Archiv"); whole sentences may not.
        if (name !== 'en' && WEB_EN[id].length > 24) assert.notEqual(catalogue[id], WEB_EN[id], `${name} ${id} is not translated`);
      }
    }
  });

  it('fills placeholders and keeps unknown ones', () => {
    assert.equal(text('de', 'cmd.notMember', { address: 'a@b.test', list: 'l@b.test' }), 'a@b.test ist kein Mitglied von l@b.test.');
    assert.equal(text('ru', 'cmd.notMember', { address: 'a@b.test' }), 'a@b.test не подписан на {list}.');
  });

  it('writes dates as each language does, in UTC', () => {
    const date = new Date(Date.UTC(2026, 11, 7, 14, 5, 0));
    assert.match(formatDate('en', date), /^Monday, December 7, 2026 at 2:05:00\s?PM UTC$/);
    assert.match(formatDate('de', date), /^Montag, 7\. Dezember 2026 um 14:05:00 UTC$/);
    assert.match(formatDate('ja', date), /^2026年12月7日月曜日 14:05:00 UTC$/);
    assert.match(formatDate('ru', date), /^понедельник, 7 декабря 2026 г\. в 14:05:00 UTC$/);
  });
});

describe('a German list answers in German, UTF-8 and quoted-printable', () => {
  let t: TestEngine;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' }], settings: { listsEnabled: true, inboundAuthChecks: false } });
    const token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "technik", domain: "example.test", owners: ["bob"], language: DE, selfSubscribe: false }) { id } }`, { token });
  });
  after(() => t?.stop());

  it('command results and a refused subscription', async () => {
    await mail(t, 'bob@example.test', 'technik-request@example.test', 'help', 'subscribe\nend');
    const reply = (await inbox(t, 'bob')).at(-1)!;
    assert.equal(header(reply, 'Subject'), 'Die Ergebnisse Ihrer Befehle');
    assert.equal(header(reply, 'Content-Type'), 'text/plain; charset=utf-8');
    assert.equal(header(reply, 'MIME-Version'), '1.0');
    assert.match(reply, /F=C3=BCr|=C3=BC/, 'ü as quoted-printable UTF-8');
    const body = qpBody(reply);
    assert.match(body, /Befehle für technik-request@example\.test/);
    assert.match(body, /nimmt keine Anmeldungen per E-Mail an/);
  });

  it('a subject that is not ASCII is an RFC 2047 encoded word', async () => {
    await mail(t, 'bob@example.test', 'technik-confirm+0123456789abcdef0123456789abcdef@example.test', 'confirm', 'ja');
    const reply = (await inbox(t, 'bob')).at(-1)!;
    assert.match(header(reply, 'Subject') ?? '', /^=\?UTF-8\?B\?/);
    assert.equal(Buffer.from(/=\?UTF-8\?B\?([^?]+)\?=/.exec(header(reply, 'Subject')!)![1], 'base64').toString('utf8'), 'Ihre Bestätigung an technik@example.test');
    assert.match(qpBody(reply), /ist ungültig/);
  });
});

describe('Japanese, Korean and Russian lists answer in their language, UTF-8 and base64', () => {
  let t: TestEngine;
  const lists = [['nihongo', 'JA', JA], ['hangugeo', 'KO', KO], ['russkiy', 'RU', RU]] as const;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' }], settings: { listsEnabled: true, inboundAuthChecks: false } });
    const token = await login(t.ports.http);
    for (const [name, language] of lists) {
      await gqlOk(t.ports.http, `mutation { createList(input: { name: "${name}", domain: "example.test", owners: ["bob"], language: ${language}, selfSubscribe: true }) { id } }`, { token });
    }
  });
  after(() => t?.stop());

  for (const [name, language, catalogue] of lists) {
    it(`${language}: the command results and the confirmation request`, async () => {
      await mail(t, 'bob@example.test', `${name}-request@example.test`, 'help', 'help\nsubscribe\nend');
      // Two mails come back, in either order: the results and the confirmation request.
      const subjectOf = (m: string) => /^=\?UTF-8\?B\?([^?]+)\?=$/.exec(header(m, 'Subject') ?? '')?.[1];
      const reply = (await inbox(t, 'bob')).find((m) => m.includes(`List-Id: <${name}.example.test>`) && subjectOf(m) !== undefined)!;
      assert.ok(reply, 'the results, with an encoded-word subject');
      assert.equal(Buffer.from(subjectOf(reply)!, 'base64').toString('utf8'), catalogue['results.subject']);
      assert.equal(header(reply, 'Content-Type'), 'text/plain; charset=utf-8');
      assert.equal(header(reply, 'Content-Transfer-Encoding'), 'base64');
      const bodyText = reply.slice(reply.indexOf('\r\n\r\n') + 4);
      assert.ok(bodyText.split('\r\n').every((line) => line.length <= 76), 'base64 lines of at most 76 characters');
      const body = Buffer.from(bodyText, 'base64').toString('utf8');
      assert.ok(body.includes(text(language.toLowerCase() as 'ja' | 'ko' | 'ru', 'cmd.help', { request: `${name}-request@example.test`, join: `${name}-join@example.test`, leave: `${name}-leave@example.test` }).replace(/\n/g, '\r\n')), 'the help text in the list\u2019s language');
      assert.ok(body.includes(text(language.toLowerCase() as 'ja' | 'ko' | 'ru', 'cmd.subscribe.sent', { address: 'bob@example.test' })));
      // The confirmation request, with its expiry date written in the language.
      const request = (await inbox(t, 'bob')).find((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? '') && m.includes(`${name}-confirm+`))!;
      const requestBody = Buffer.from(request.slice(request.indexOf('\r\n\r\n') + 4), 'base64').toString('utf8');
      const lang = language.toLowerCase() as 'ja' | 'ko' | 'ru';
      assert.equal(requestBody.split('\r\n')[0], text(lang, 'confirm.subscribe.body', { address: 'bob@example.test', list: `${name}@example.test` }).split('\n')[0]);
      // The expiry is the last thing of the text, written as the language writes dates.
      const expires = new Date(Date.now() + 0);
      const year = String(expires.getUTCFullYear());
      assert.ok(requestBody.includes(year) && requestBody.includes('UTC'), requestBody.slice(-120));
    });
  }
});
