import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { webText } from '../../server/lists/i18n/web-catalogue';
import { LANGUAGES } from '../../server/lists/types';

const LIST = 'club@example.test';
const BASE = `/lists/${encodeURIComponent(LIST)}/`;

/** A browser's cookie jar for one site, reduced to the one cookie the list pages set. */
class Visitor {
  cookie = '';
  constructor(private readonly port: () => number) {}

  async get(path: string): Promise<{ status: number; html: string; location: string | null }> {
    const r = await fetch(`http://127.0.0.1:${this.port()}${path}`, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(r);
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  }

  /** Posts a form with the CSRF token of the page it came from (as a browser submits it). */
  async post(path: string, csrf: string, fields: Record<string, string>): Promise<{ status: number; html: string; location: string | null }> {
    const body = new URLSearchParams({ csrf, ...fields }).toString();
    const r = await fetch(`http://127.0.0.1:${this.port()}${path}`, { method: 'POST', body, headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    this.keep(r);
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  }

  private keep(r: Response): void {
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
  }
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Issue 11's list pages: a login survives an engine restart (kept hashed in SQLite), and a
 * form opened before the restart still posts; logging out and expiry still end it. And a
 * refused setting is explained in the page's language, in each of the six.
 */
describe('list pages: logins across restarts, refusals in the list\u2019s language', () => {
  let t: TestEngine;
  let dataDir: string;
  const port = () => t.ports.http;

  before(async () => {
    // A directory of the test's own: the engine restarts on it.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-list-sessions-'));
    t = await startEngine({ dataDir, users: ['alice', 'bob'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true } });
    const token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "club", domain: "example.test", owners: ["alice"], selfSubscribe: true }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const logIn = async (v: Visitor, user: string) => {
    const form = await v.get(`${BASE}login`);
    const r = await v.post(`${BASE}login`, csrfOf(form.html), { action: 'password', address: `${user}@example.test`, password: `${user}-password-1` });
    assert.equal(r.status, 303, 'logged in');
  };

  it('a member stays logged in across a restart; a form opened before it still posts; logout ends it', async () => {
    const bob = new Visitor(port);
    await logIn(bob, 'bob');
    const before = await bob.get(`${BASE}options`);
    assert.equal(before.status, 200);
    assert.match(before.html, /Logged in as bob@example\.test/);
    const stored = t.engine.ctx.db.prepare('SELECT id_hash FROM list_web_sessions').all() as { id_hash: string }[];
    assert.equal(stored.length, 1);
    assert.ok(!stored.some((r) => bob.cookie.endsWith(r.id_hash)), 'the cookie value itself is not stored');

    await t.stop();
    t = await startEngine({ dataDir, settings: { listsEnabled: true } });
    const afterRestart = await bob.get(`${BASE}options`);
    assert.equal(afterRestart.status, 200, 'still logged in after the restart');
    assert.match(afterRestart.html, /Logged in as bob@example\.test/);

    const logout = await bob.post(`${BASE}logout`, csrfOf(before.html), {});
    assert.equal(logout.status, 303, 'the form from before the restart posts');
    const gone = await bob.get(`${BASE}options`);
    assert.equal(gone.status, 303);
    assert.match(gone.location ?? '', /\/login$/);
    assert.equal((t.engine.ctx.db.prepare('SELECT COUNT(*) AS n FROM list_web_sessions').get() as { n: number }).n, 0);
  });

  it('an expired login ends', async () => {
    const bob = new Visitor(port);
    await logIn(bob, 'bob');
    assert.equal((await bob.get(`${BASE}options`)).status, 200);
    t.engine.ctx.db.prepare('UPDATE list_web_sessions SET expires_at = ?').run(Date.now() - 1);
    const r = await bob.get(`${BASE}options`);
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /\/login$/);
  });

  it('a refused setting is explained in the list\u2019s language, in all six', async () => {
    const alice = new Visitor(port);
    await logIn(alice, 'alice');
    for (const lang of LANGUAGES) {
      t.engine.ctx.lists.update(1, { language: lang });
      const form = await alice.get(`${BASE}admin`);
      assert.equal(form.status, 200);
      const fields: Record<string, string> = {};
      for (const m of form.html.matchAll(/<input[^>]* name="(\w+)"[^>]* value="([^"]*)"/g)) if (m[1] !== 'csrf') fields[m[1]] = m[2];
      const r = await alice.post(`${BASE}admin`, csrfOf(form.html), { ...fields, owners: 'alice', language: lang, confirmDays: 'soon' });
      assert.equal(r.status, 400, lang);
      const expected = `${webText(lang, 'field.confirmDays')}: ${webText(lang, 'setting.wholeNumber', { min: 1, max: 365 })}`;
      const unescaped = r.html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      assert.ok(unescaped.includes(webText(lang, 'invalid', { message: expected })), `${lang}: ${expected}`);
      if (lang !== 'en') assert.ok(!unescaped.includes('must be a whole number'), `${lang}: no English`);
    }
    assert.equal(t.engine.ctx.lists.list(1)?.confirmDays, 3, 'nothing saved');
  });
});
