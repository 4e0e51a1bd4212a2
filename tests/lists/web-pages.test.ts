import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { ADMIN_PASSWORD } from '../helpers/engine';
import { ARTIFACTS, DESKTOP, PHONE, assertAccessible, screenshot, skipReason, startConsole, type ConsoleHarness } from '../console/harness';
import { webText } from '../../server/lists/i18n/web-catalogue';
import { preferredLanguage } from '../../server/web/list-pages/member-pages';
import { inbox, mail, qpBody } from './helpers';

const LIST = 'club@example.test';
const BASE = `/lists/${encodeURIComponent(LIST)}/`;
const SHOTS = path.join(ARTIFACTS, '..', 'lists');

/** The path of the first https://mail.example.test/… link in the newest mail to `user` whose subject matches. */
async function mailedLink(h: ConsoleHarness, user: string, subject: RegExp): Promise<string> {
  await h.t.engine.ctx.queue.idle();
  const found = (await inbox(h.t, user)).reverse().find((m) => subject.test(m.slice(0, m.indexOf('\r\n\r\n'))));
  assert.ok(found, `no mail to ${user} with a subject like ${subject}`);
  const link = /https:\/\/mail\.example\.test(\/\S+)/.exec(qpBody(found))?.[1];
  assert.ok(link, 'the mail has no link');
  return link;
}

/** Screenshots at desktop and phone width, and axe at both. */
async function look(page: Page, name: string): Promise<void> {
  await page.setViewport(DESKTOP);
  await assertAccessible(page, name);
  await screenshot(page, `${name}-desktop`, SHOTS);
  await page.setViewport(PHONE);
  await assertAccessible(page, `${name} (phone)`);
  await screenshot(page, `${name}-phone`, SHOTS);
  await page.setViewport(DESKTOP);
}

async function submit(page: Page, selector: string): Promise<number | undefined> {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return res?.status();
}

/** Logs in by a mailed link in its own browser context (its own cookies); answers the page it landed on. */
async function loginByLink(h: ConsoleHarness, browser: Browser, address: string, user: string): Promise<{ context: BrowserContext; page: Page; link: string }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(DESKTOP);
  await page.goto(`${h.base}${BASE}login`);
  await page.type('#link-address', address);
  assert.equal(await submit(page, '#link-address ~ button'), 200);
  assert.match((await page.$eval('[role=status]', (el) => el.textContent)) ?? '', /login link is on its way/);
  const link = await mailedLink(h, user, /^Subject: Your login link for club@example\.test/m);
  await page.goto(h.base + link);
  assert.equal(await submit(page, 'main form button'), 200);
  return { context, page, link };
}

/**
 * The list web pages in Debian's Chromium: the overview and a list's page reached by the seed's
 * /mailman/listinfo addresses, subscription through the form confirmed by the mailed link's
 * page, a member's options (digest) after a mailed login link, an owner's login by link,
 * settings, moderation of a held post, bulk add and search of members, approval of a pending
 * subscription; forged forms and used or expired links refused; axe-core at every page,
 * screenshots at desktop and phone width in test-artifacts/lists/.
 */
describe('list pages: the overview\u2019s language', () => {
  it('is the first of the six the browser asks for, English otherwise', () => {
    assert.equal(preferredLanguage('fr-CH, fr;q=0.9, de;q=0.8, en;q=0.5'), 'de');
    assert.equal(preferredLanguage('ja-JP'), 'ja');
    assert.equal(preferredLanguage('ru;q=0.2, es;q=0.7'), 'es');
    assert.equal(preferredLanguage('fr, it;q=0.5'), 'en');
    assert.equal(preferredLanguage(undefined), 'en');
  });
});

describe('list web pages in Chromium', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let page: Page;
  let owner: { context: BrowserContext; page: Page };

  before(async () => {
    h = await startConsole({ users: ['alice', 'bob', 'carol', 'dan', 'frank'].map((n) => ({ shortName: n, password: `${n}-password-1` })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    const token = await login(h.t.ports.http);
    await gqlOk(h.t.ports.http, `mutation { createList(input: { name: "club", domain: "example.test", owners: ["alice"], description: "The book club", info: "We read a book a month.\\n\\nEveryone is welcome.", selfSubscribe: true, nonMemberAction: HOLD }) { id } }`, { token });
    await gqlOk(h.t.ports.http, `mutation { createList(input: { name: "staff", domain: "example.test", owners: ["alice"], selfSubscribe: false }) { id } }`, { token });
    page = await h.browser.newPage();
    page.setDefaultTimeout(20_000);
  });
  after(async () => {
    await owner?.context.close();
    await h?.close();
  });

  it('the seed\u2019s /mailman/listinfo leads to the lists open to subscription, and on to a list\u2019s page', async () => {
    await page.setViewport(DESKTOP);
    assert.equal((await page.goto(`${h.base}/mailman/listinfo`))?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/lists/');
    assert.equal(await page.$eval('html', (el) => el.getAttribute('lang')), 'en');
    assert.deepEqual(await page.$$eval('tbody a', (els) => els.map((e) => e.textContent)), [LIST], 'the closed list is not shown');
    await look(page, 'overview');
    assert.equal((await page.goto(`${h.base}/mailman/listinfo/club`))?.status(), 200);
    assert.equal(new URL(page.url()).pathname, BASE);
    assert.equal(await page.$eval('h1', (el) => el.textContent), 'The club@example.test mailing list');
    assert.match(await page.$eval('main', (el) => el.textContent ?? ''), /We read a book a month\./);
    await look(page, 'info');
  });

  it('subscribes through the form, confirmed on the page the mailed link opens (by its POST)', async () => {
    await page.goto(h.base + BASE);
    await page.type('#address', 'bob@example.test');
    await page.type('#name', 'Bob');
    assert.equal(await submit(page, '#subscribe ~ form button, section form button'), 200);
    assert.match((await page.$eval('[role=status]', (el) => el.textContent)) ?? '', /bob@example\.test/);
    const link = await mailedLink(h, 'bob', /^Subject: confirm [0-9a-f]{32}/m);
    assert.match(link, /^\/lists\/confirm\/[0-9a-f]{32}$/);
    assert.equal((await page.goto(h.base + link))?.status(), 200);
    assert.equal(h.t.engine.ctx.lists.member(1, 'bob@example.test'), undefined, 'opening the link (GET) confirms nothing');
    assert.match(await page.$eval('main p', (el) => el.textContent ?? ''), /Subscribe bob@example\.test to club@example\.test\?/);
    await look(page, 'confirm');
    assert.equal(await submit(page, 'main form button'), 200);
    assert.equal(h.t.engine.ctx.lists.member(1, 'bob@example.test')?.name, 'Bob');
    assert.equal((await page.goto(h.base + link))?.status(), 410, 'a used confirmation link says so');
  });

  it('a member logs in by a mailed link and changes the digest mode; the link works once, and an expired one not at all', async () => {
    const member = await loginByLink(h, h.browser, 'bob@example.test', 'bob');
    assert.equal(new URL(member.page.url()).pathname, `${BASE}options`);
    await look(member.page, 'options');
    await member.page.select('#digest', 'mime');
    assert.equal(await submit(member.page, 'main form button[type=submit]'), 200);
    assert.equal(h.t.engine.ctx.lists.member(1, 'bob@example.test')?.digest, 'mime');
    assert.equal(await member.page.$eval('#digest', (el) => (el as unknown as { value: string }).value), 'mime');
    // The member's own language: the pages speak it (and the list's again when unset).
    await member.page.select('#language', 'de');
    assert.equal(await submit(member.page, 'main form button[type=submit]'), 200);
    assert.equal(await member.page.$eval('html', (el) => el.getAttribute('lang')), 'de');
    assert.equal(await member.page.$eval('h1', (el) => el.textContent), 'Ihre Einstellungen für club@example.test');
    await member.page.select('#language', '');
    await submit(member.page, 'main form button[type=submit]');
    assert.equal(h.t.engine.ctx.lists.member(1, 'bob@example.test')?.language, null);
    // The link again: used.
    await member.page.goto(h.base + member.link);
    assert.equal(await submit(member.page, 'main form button:not(.secondary)').catch(() => undefined), undefined, 'no login button on a used link');
    assert.match((await member.page.$eval('[role=alert]', (el) => el.textContent)) ?? '', /used already/);
    // A fresh link, expired before it is used.
    await member.page.goto(`${h.base}${BASE}login`);
    await member.page.type('#link-address', 'bob@example.test');
    await submit(member.page, '#link-address ~ button');
    const link = await mailedLink(h, 'bob', /^Subject: Your login link/m);
    h.t.engine.ctx.db.prepare('UPDATE list_web_logins SET expires_at = 1 WHERE used_at IS NULL').run();
    assert.equal((await member.page.goto(h.base + link))?.status(), 410);
    assert.match((await member.page.$eval('[role=alert]', (el) => el.textContent)) ?? '', /expired/);
    await member.context.close();
  });

  it('a local user logs in with the mail password; a wrong one is refused', async () => {
    const context = await h.browser.createBrowserContext();
    const p = await context.newPage();
    await p.goto(`${h.base}${BASE}login`);
    await p.type('#pw-address', 'bob@example.test');
    await p.type('#pw-password', 'not-the-password');
    assert.equal(await submit(p, '#pw-password ~ button'), 401);
    await p.type('#pw-address', 'bob@example.test');
    await p.type('#pw-password', 'bob-password-1');
    assert.equal(await submit(p, '#pw-password ~ button'), 200);
    assert.equal(new URL(p.url()).pathname, `${BASE}options`);
    await context.close();
  });

  it('an owner logs in by a mailed link, moderates a held post and adds members in bulk', async () => {
    owner = await loginByLink(h, h.browser, 'alice@example.test', 'alice');
    const p = owner.page;
    assert.equal(new URL(p.url()).pathname, `${BASE}admin`);
    await look(p, 'settings');
    await mail(h.t, 'carol@example.test', LIST, 'A question from outside', 'May I join the next meeting?');
    assert.equal(h.t.engine.ctx.lists.heldPosts(1).length, 1);
    await p.goto(`${h.base}${BASE}admin/held`);
    await look(p, 'held');
    assert.equal(await submit(p, 'button[value=approve]'), 200);
    assert.equal(h.t.engine.ctx.lists.heldPosts(1).length, 0);
    await h.t.engine.ctx.queue.idle();
    assert.equal(h.t.engine.ctx.lists.store.digestPosts(1).length, 1, 'the approved post went to the members (bob takes the MIME digest)');
    await p.goto(`${h.base}${BASE}admin/members`);
    await p.type('#add-addresses', 'Dan <dan@example.test>\nerin@remote.test\nnot an address');
    await p.click('#add-welcome');
    assert.equal(await submit(p, '#add-addresses ~ button'), 200);
    assert.match((await p.$eval('[role=status]', (el) => el.textContent)) ?? '', /^Added: 2\. Asked to confirm: 0\. Skipped: not an address \(not a valid address\)\.$/);
    assert.equal(h.t.engine.ctx.lists.member(1, 'dan@example.test')?.name, 'Dan');
    await p.type('#q', 'remote');
    await submit(p, 'form[role=search] button');
    assert.deepEqual(await p.$$eval('tbody tr td:first-child', (els) => els.map((e) => e.textContent)), ['erin@remote.test']);
    await look(p, 'members');
    await p.type('#remove-addresses', 'erin@remote.test\nnobody@example.test');
    await p.click('#remove-confirm');
    assert.equal(await submit(p, '#remove-addresses ~ button'), 200);
    assert.match((await p.$eval('[role=status]', (el) => el.textContent)) ?? '', /^Removed: 0\. Asked to confirm: 1\. Not members: nobody@example\.test\.$/);
    assert.ok(h.t.engine.ctx.lists.member(1, 'erin@remote.test'), 'a member asked to confirm stays until they do');
    await p.type('#remove-addresses', 'erin@remote.test');
    assert.equal(await submit(p, '#remove-addresses ~ button'), 200);
    assert.equal(h.t.engine.ctx.lists.member(1, 'erin@remote.test'), undefined);
  });

  it('settings are refused with the same rule and message as updateList, and saved', async () => {
    const p = owner.page;
    await p.goto(`${h.base}${BASE}admin`);
    await p.$eval('#confirmDays', (el) => ((el as unknown as { value: string }).value = 'soon'));
    assert.equal(await submit(p, 'main form > button[type=submit]'), 400);
    assert.equal(await p.$eval('#confirmDays', (el) => el.getAttribute('aria-invalid')), 'true');
    assert.match((await p.$eval('[role=alert]', (el) => el.textContent)) ?? '', /Days a confirmation request stays valid: must be a whole number from 1 to 365/);
    await p.$eval('#confirmDays', (el) => ((el as unknown as { value: string }).value = '5'));
    await p.click('#subscriptionApproval');
    await p.$eval('#moderators', (el) => ((el as unknown as { value: string }).value = 'dan@example.test'));
    assert.equal(await submit(p, 'main form > button[type=submit]'), 200);
    const list = h.t.engine.ctx.lists.list(1);
    assert.equal(list?.confirmDays, 5);
    assert.equal(list?.subscriptionApproval, true);
    assert.deepEqual(list?.moderators, ['dan@example.test']);
  });

  it('a subscription waiting for approval is approved on the pending page', async () => {
    await page.goto(h.base + BASE);
    await page.type('#address', 'carol@example.test');
    await submit(page, 'section form button');
    await page.goto(h.base + (await mailedLink(h, 'carol', /^Subject: confirm /m)));
    await submit(page, 'main form button');
    assert.match((await page.$eval('[role=status]', (el) => el.textContent)) ?? '', /waits for the list owner/);
    const p = owner.page;
    await p.goto(`${h.base}${BASE}admin/pending`);
    await look(p, 'pending');
    assert.equal(await submit(p, 'button[value=approve]'), 200);
    assert.ok(h.t.engine.ctx.lists.member(1, 'carol@example.test'));
  });

  it('a moderator moderates but does not run the list; a rejection\u2019s reason reaches the poster', async () => {
    await mail(h.t, 'frank@example.test', LIST, 'Buy cheap books', 'Offer inside.');
    await mail(h.t, 'frank@example.test', LIST, 'Buy cheap books again', 'Offer inside.');
    const context = await h.browser.createBrowserContext();
    const p = await context.newPage();
    await p.goto(`${h.base}${BASE}login`);
    await p.type('#pw-address', 'dan@example.test');
    await p.type('#pw-password', 'dan-password-1');
    await submit(p, '#pw-password ~ button');
    assert.equal(new URL(p.url()).pathname, `${BASE}admin/held`);
    const first = h.t.engine.ctx.lists.heldPosts(1)[0];
    await p.type(`#reason-${first.id}`, 'Advertising is off topic here.');
    assert.equal(await submit(p, `#reason-${first.id} ~ .actions button[value=reject]`), 200);
    assert.match((await p.$eval('[role=status]', (el) => el.textContent)) ?? '', /rejected/);
    await h.t.engine.ctx.queue.idle();
    const notice = (await inbox(h.t, 'frank')).find((m) => /^Subject: .*was rejected/m.test(m.slice(0, m.indexOf('\r\n\r\n'))));
    assert.ok(notice, 'the poster is told');
    assert.match(qpBody(notice), /Advertising is off topic here\./);
    assert.equal(await submit(p, 'button[value=discard]'), 200);
    assert.equal(h.t.engine.ctx.lists.heldPosts(1).length, 0);
    assert.equal((await p.goto(`${h.base}${BASE}admin`))?.status(), 403, 'the settings are the owners\u2019');
    assert.equal((await p.goto(`${h.base}${BASE}admin/members`))?.status(), 403);
    await context.close();
  });

  it('a member suspended by an owner cannot lift it on the options page; a private archive opens to logged-in members only', async () => {
    h.t.engine.ctx.lists.updateMember(1, 'bob@example.test', { delivery: 'by-owner', deliveryReason: 'on holiday' });
    h.t.engine.ctx.lists.update(1, { archivePrivate: true });
    const context = await h.browser.createBrowserContext();
    const p = await context.newPage();
    assert.equal((await p.goto(`${h.base}/lists/archives/${encodeURIComponent(LIST)}/`))?.status(), 401);
    await p.goto(`${h.base}${BASE}login`);
    await p.type('#pw-address', 'bob@example.test');
    await p.type('#pw-password', 'bob-password-1');
    await submit(p, '#pw-password ~ button');
    assert.equal(await p.$('#delivery'), null, 'no delivery switch while an owner holds it off');
    assert.match(await p.$eval('main', (el) => el.textContent ?? ''), /switched off by the list owner: on holiday/);
    assert.equal(await submit(p, 'main form button[type=submit]'), 200);
    assert.equal(h.t.engine.ctx.lists.member(1, 'bob@example.test')?.delivery, 'by-owner');
    assert.equal((await p.goto(`${h.base}/lists/archives/${encodeURIComponent(LIST)}/`))?.status(), 200);
    await context.close();
    h.t.engine.ctx.lists.updateMember(1, 'bob@example.test', { delivery: 'enabled' });
    h.t.engine.ctx.lists.update(1, { archivePrivate: false });
  });

  it('refuses a forged form (no CSRF token) and the owner pages to strangers; a server admin\u2019s bearer token opens them', async () => {
    const cookies = (await owner.page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${h.base}${BASE}admin`, { method: 'POST', headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' }, body: 'description=defaced&csrf=forged' });
    assert.equal(forged.status, 403);
    const noToken = await fetch(`${h.base}${BASE}admin/members`, { method: 'POST', headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=remove&addresses=bob%40example.test' });
    assert.equal(noToken.status, 403);
    assert.equal(h.t.engine.ctx.lists.list(1)?.description, 'The book club');
    assert.ok(h.t.engine.ctx.lists.member(1, 'bob@example.test'));
    assert.equal((await fetch(`${h.base}${BASE}admin`)).status, 401);
    const token = await login(h.t.ports.http);
    assert.equal((await fetch(`${h.base}${BASE}admin`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const alias = await fetch(`${h.base}/mailman/admin/club`, { redirect: 'manual' });
    assert.equal(alias.headers.get('location'), `${BASE}admin`);
    assert.equal((await fetch(`${h.base}/mailman/admin/nolist`, { redirect: 'manual' })).status, 404);
    assert.equal((await fetch(`${h.base}/lists/nolist%40example.test/`)).status, 404);
    assert.equal((await fetch(`${h.base}/lists/%E0%A4%A/`)).status, 404);
    const huge = await fetch(`${h.base}${BASE}admin/members`, { method: 'POST', headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' }, body: `addresses=${'a'.repeat(1100 * 1024)}` });
    assert.equal(huge.status, 413);
  });

  it('every form needs the visitor\u2019s own token (the subscribe form too); the cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS', async () => {
    const anonymous = await fetch(`${h.base}${BASE}subscribe`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'address=victim%40example.test' });
    assert.equal(anonymous.status, 403);
    const plain = await fetch(h.base + BASE);
    assert.match(plain.headers.get('set-cookie') ?? '', /^pillarbox_lists=[\w-]{32}; Path=\/; HttpOnly; SameSite=Lax$/);
    const secure = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: h.t.ports.https, path: BASE, rejectUnauthorized: false, servername: 'mail.example.test' }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie'] ?? ''));
      }).on('error', reject);
    });
    assert.match(secure, /; HttpOnly; SameSite=Lax; Secure$/);
    // Logging out ends the login: the owner pages ask for one again.
    const context = await h.browser.createBrowserContext();
    const p = await context.newPage();
    await p.goto(`${h.base}${BASE}login`);
    await p.type('#admin-username', 'admin');
    await p.type('#admin-password', ADMIN_PASSWORD);
    await submit(p, '#admin-password ~ button');
    assert.equal(new URL(p.url()).pathname, `${BASE}admin`);
    assert.match((await p.$eval('.who', (el) => el.textContent)) ?? '', /admin/);
    await submit(p, 'header form button');
    assert.equal((await p.goto(`${h.base}${BASE}admin`))?.status(), 401);
    await context.close();
  });

  it('GraphQL has the same: moderators (refused like owners when not addresses) and a member\u2019s language', async () => {
    const token = await login(h.t.ports.http);
    const bad = await gql(h.t.ports.http, `mutation { updateList(input: { list: "${LIST}", moderators: ["not an address"] }) { moderators } }`, { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
    assert.equal(bad.errors?.[0].extensions?.field, 'moderators');
    const r = await gqlOk<{ updateListMember: { language: string } }>(h.t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "dan@example.test", language: JA }) { language } }`, { token });
    assert.equal(r.updateListMember.language, 'JA');
    const l = await gqlOk<{ list: { moderators: string[] } }>(h.t.ports.http, `{ list(address: "${LIST}") { moderators } }`, { token });
    assert.deepEqual(l.list.moderators, ['dan@example.test']);
  });

  it('every page in the list\u2019s language: the six of the seed', async () => {
    const token = await login(h.t.ports.http);
    for (const lang of ['de', 'es', 'ja', 'ko', 'ru', 'en'] as const) {
      await gqlOk(h.t.ports.http, `mutation { updateList(input: { list: "${LIST}", language: ${lang.toUpperCase()} }) { language } }`, { token });
      await page.goto(h.base + BASE);
      assert.equal(await page.$eval('html', (el) => el.getAttribute('lang')), lang);
      assert.equal(await page.$eval('h1', (el) => el.textContent), webText(lang, 'info.title', { list: LIST }));
      await owner.page.goto(`${h.base}${BASE}admin`);
      assert.equal(await owner.page.$eval('h1', (el) => el.textContent), webText(lang, 'settings.title', { list: LIST }));
      if (lang === 'ja' || lang === 'ru') {
        await look(page, `info-${lang}`);
        await look(owner.page, `settings-${lang}`);
      }
    }
    await page.goto(`${h.base}${BASE}login`);
    await look(page, 'login');
  });
});
