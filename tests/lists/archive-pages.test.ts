import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { gqlOk, login } from '../graphql/client';
import { DESKTOP, PHONE, assertAccessible, screenshot, skipReason, startConsole, type ConsoleHarness } from '../console/harness';
import { mail } from './helpers';

const LIST = 'arch@example.test';

/**
 * The archive's web pages in a real browser (Debian's Chromium): reached by the seed's
 * /mailman/archives/LIST address, browsed by period and thread, a post read, the archive
 * searched with the form (the pages have no script: their CSP allows none), axe finds nothing serious, at desktop and phone
 * widths (screenshots in test-artifacts/console/).
 */
describe('list archive pages in Chromium', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsole({ users: ['alice', 'bob'].map((n) => ({ shortName: n, password: `${n}-password-1` })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    const token = await login(h.t.ports.http);
    await gqlOk(h.t.ports.http, `mutation { createList(input: { name: "arch", domain: "example.test", owners: ["alice"], description: "Archive walk", nonMemberAction: ACCEPT, language: DE }) { id } }`, { token });
    await gqlOk(h.t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
    await mail(h.t, 'bob@example.test', LIST, 'Topic A', 'First words about apples.', ['Message-ID: <a1@example.test>']);
    await mail(h.t, 'alice@example.test', LIST, 'Topic B', 'The zebra line.', ['Message-ID: <b1@example.test>']);
    await mail(h.t, 'alice@example.test', LIST, 'Re: Topic A', 'An answer <about> apples & pears.', ['Message-ID: <a2@example.test>', 'In-Reply-To: <a1@example.test>']);
    page = await h.browser.newPage();
  });
  after(() => h?.close());

  it('the seed\u2019s address leads to the periods page, in the list\u2019s language', async () => {
    await page.setViewport(DESKTOP);
    const res = await page.goto(`${h.base}/mailman/archives/arch`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/lists/archives/arch%40example.test/');
    assert.equal(await page.$eval('html', (el) => el.getAttribute('lang')), 'de');
    assert.equal(await page.$eval('h1', (el) => el.textContent), 'Das Archiv von arch@example.test');
    await assertAccessible(page, 'archive periods');
    await screenshot(page, 'lists-archive-desktop');
    await page.setViewport(PHONE);
    await screenshot(page, 'lists-archive-phone');
  });

  it('a period by thread, then a post, its text escaped', async () => {
    await page.setViewport(DESKTOP);
    await Promise.all([page.waitForNavigation(), page.click('a[href$="?order=thread"]')]);
    const subjects = await page.$$eval('tbody tr td:first-child a', (els) => els.map((e) => e.textContent));
    assert.deepEqual(subjects, ['[arch] Topic A', '[arch] Re: Topic A', '[arch] Topic B']);
    await assertAccessible(page, 'archive period');
    await screenshot(page, 'lists-archive-thread-desktop');
    await Promise.all([page.waitForNavigation(), page.click('tbody tr:nth-child(2) td:first-child a')]);
    assert.equal(await page.$eval('h1', (el) => el.textContent), '[arch] Re: Topic A');
    assert.equal(await page.$eval('pre', (el) => el.textContent?.trim()), 'An answer <about> apples & pears.');
    await assertAccessible(page, 'archived post');
    await page.setViewport(PHONE);
    await screenshot(page, 'lists-archive-post-phone');
  });

  it('the search form finds posts by their words', async () => {
    await page.setViewport(DESKTOP);
    await page.goto(`${h.base}/lists/archives/arch%40example.test/`);
    await page.type('#q', 'zebra');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match((await page.$eval('h2', (el) => el.textContent)) ?? '', /^1 Beitrag\/Beiträge zu „zebra“ gefunden$/);
    assert.deepEqual(await page.$$eval('tbody tr td:first-child a', (els) => els.map((e) => e.textContent)), ['[arch] Topic B']);
    await assertAccessible(page, 'archive search');
    await screenshot(page, 'lists-archive-search-desktop');
  });
});
