import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EN, type MessageId } from '../../server/lists/i18n/en';
import { DE } from '../../server/lists/i18n/de';
import { ES } from '../../server/lists/i18n/es';
import { text, translatedLanguages } from '../../server/lists/i18n/catalogue';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inbox, mail, qpBody } from './helpers';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('list message catalogues', () => {
  it('German and Spanish have every text with the same placeholders as English', () => {
    assert.deepEqual(translatedLanguages().sort(), ['de', 'en', 'es']);
    for (const [name, catalogue] of [['de', DE], ['es', ES]] as const) {
      for (const id of Object.keys(EN) as MessageId[]) {
        assert.deepEqual(placeholders(catalogue[id]), placeholders(EN[id]), `${name} ${id}`);
      }
    }
  });

  it('fills placeholders, keeps unknown ones, and falls back to English for a language not written yet', () => {
    assert.equal(text('de', 'cmd.notMember', { address: 'a@b.test', list: 'l@b.test' }), 'a@b.test ist kein Mitglied von l@b.test.');
    assert.equal(text('ru', 'cmd.notMember', { address: 'a@b.test' }), 'a@b.test is not a member of {list}.');
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
