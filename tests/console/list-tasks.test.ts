import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { gqlOk, login as apiLogin } from '../graphql/client';
import {
  DESKTOP,
  PHONE,
  assertAccessible,
  changingControls,
  clickButton,
  fieldSelector,
  fill,
  login,
  pageProblems,
  screenshot,
  settled,
  skipReason,
  startConsole,
  visit,
  waitForPath,
  type ConsoleHarness,
} from './harness';

/**
 * The seed's list tasks in the Mailing lists pane, done in the browser and checked through
 * GraphQL: create a list (the seed's sheet), add subscribers in bulk, set a member's options,
 * remove members, change the list's settings (the API's error next to the field), delete it.
 */
interface PageElement {
  textContent: string | null;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement> };

interface ListData {
  address: string;
  language: string;
  owners: string[];
  selfSubscribe: boolean;
  maxMessageKb: number;
  subjectPrefix: string;
  bounceScoreThreshold: number;
  confirmDays: number;
}
interface MemberData {
  address: string;
  name: string;
  delivery: string;
  deliveryReason: string;
  digest: string;
}

describe('console: creating and running a mailing list', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let token: string;
  const ADDRESS = 'staff@example.test';
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    await h.t.engine.ctx.admins.create('watcher', 'watcher-password', 'monitor');
    token = await apiLogin(h.t.ports.http);
  });
  after(() => h?.close());

  const list = async () =>
    (await gqlOk<{ list: ListData | null }>(h.t.ports.http, `{ list(address: "${ADDRESS}") { address language owners selfSubscribe maxMessageKb subjectPrefix bounceScoreThreshold confirmDays } }`, { token })).list;
  const members = async () =>
    (await gqlOk<{ listMembers: { nodes: MemberData[] } }>(h.t.ports.http, `{ listMembers(list: "${ADDRESS}", first: 50) { nodes { address name delivery deliveryReason digest } } }`, { token })).listMembers.nodes;

  /** The API's error shown inside the field with this label. */
  const fieldErrorOf = (page: Page, label: string) =>
    page.evaluate((l) => {
      const found = [...document.querySelectorAll('main label')].find((x) => x.textContent?.trim() === l);
      return found?.closest('.field')?.querySelector('.field-error')?.textContent ?? null;
    }, label);

  const rowsOf = (page: Page) => page.evaluate(() => [...document.querySelectorAll('main [role=table][aria-label=Members] .data-table-body [role=row]')].map((r) => r.textContent ?? ''));

  it('creates a list with the seed\u2019s fields; a bad name is refused next to the field', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/mailing-lists', DESKTOP);
    await page.click('main a[href="/mailing-lists/new"]');
    await page.waitForSelector('form[aria-label="New mailing list"]');
    await assertAccessible(page, 'the new list form');
    await fill(page, 'List name', 'staff list');
    await fill(page, 'List administrators', 'alice');
    await page.select(await fieldSelector(page, 'Default language'), 'DE');
    await fill(page, 'Maximum message length (KB)', '512');
    await clickButton(page, 'Create list');
    await page.waitForFunction(() => document.querySelector('main .field-invalid .field-error') !== null);
    assert.match((await fieldErrorOf(page, 'List name')) ?? '', /INVALID_LIST_NAME/);
    await screenshot(page, 'list-new-error-desktop');
    await fill(page, 'List name', 'staff');
    await clickButton(page, 'Create list');
    await waitForPath(page, `/mailing-lists/${encodeURIComponent(ADDRESS)}`);
    await settled(page);
    const created = await list();
    assert.deepEqual(
      { language: created?.language, owners: created?.owners, selfSubscribe: created?.selfSubscribe, maxMessageKb: created?.maxMessageKb },
      { language: 'DE', owners: ['alice'], selfSubscribe: true, maxMessageKb: 512 },
    );
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('adds members in bulk, sets a member\u2019s delivery and digest, searches and removes', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, `/mailing-lists/${ADDRESS}`, DESKTOP);
    await fill(page, 'Addresses to add', 'bob@example.org\nCarol Jones <carol@example.org>\nnot an address\ndave@example.org');
    await page.click(`${await fieldSelector(page, 'Send the welcome message')}`);
    await clickButton(page, 'Add');
    await page.waitForFunction(() => (document.querySelector('main form[aria-label="Add members"] [role=alert]')?.textContent ?? '').includes('not an address'));
    await page.waitForFunction(() => document.querySelectorAll('main [role=table][aria-label=Members] .data-table-body [role=row]').length === 3);
    assert.deepEqual(
      (await members()).map((m) => [m.address, m.name]),
      [
        ['bob@example.org', ''],
        ['carol@example.org', 'Carol Jones'],
        ['dave@example.org', ''],
      ],
    );
    await assertAccessible(page, 'the list with members');
    await screenshot(page, 'list-members-desktop');

    await clickButton(page, 'Options of carol@example.org');
    await page.waitForSelector('form[aria-label="Options of carol@example.org"]');
    await page.select(await fieldSelector(page, 'Gets'), 'MIME');
    await page.select(await fieldSelector(page, 'Delivery'), 'BY_OWNER');
    await fill(page, 'Reason', 'on leave');
    await assertAccessible(page, 'a member\u2019s options');
    await clickButton(page, 'Save member');
    await page.waitForFunction(() => document.querySelector('main form[aria-label="Options of carol@example.org"]') === null);
    const carol = (await members()).find((m) => m.address === 'carol@example.org');
    assert.deepEqual([carol?.digest, carol?.delivery, carol?.deliveryReason], ['MIME', 'BY_OWNER', 'on leave']);
    await page.waitForFunction(() => [...document.querySelectorAll('main [role=row]')].some((r) => (r.textContent ?? '').includes('off (by an administrator)')));

    await fill(page, 'Search members', 'carol');
    await page.waitForFunction(() => document.querySelectorAll('main [role=table][aria-label=Members] .data-table-body [role=row]').length === 1);
    // Emptied as a person would (React hears the key, not a value set from outside).
    await page.click(await fieldSelector(page, 'Search members'), { clickCount: 3 });
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.querySelectorAll('main [role=table][aria-label=Members] .data-table-body [role=row]').length === 3);

    await page.click('input[aria-label="Select bob@example.org"]');
    await page.click('input[aria-label="Select dave@example.org"]');
    await clickButton(page, 'Remove selected');
    await page.waitForSelector('dialog[open]');
    await screenshot(page, 'list-remove-confirm-desktop');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('main [role=table][aria-label=Members] .data-table-body [role=row]').length === 1);
    assert.deepEqual((await rowsOf(page)).length, 1);
    assert.deepEqual((await members()).map((m) => m.address), ['carol@example.org']);
    await visit(page, h.base, `/mailing-lists/${ADDRESS}`, PHONE);
    await screenshot(page, 'list-members-phone');
    await assertAccessible(page, 'the list at phone width');
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('shows the list\u2019s statistics and links its web pages (info, owner, moderation, archive)', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, `/mailing-lists/${ADDRESS}`, DESKTOP);
    await page.waitForSelector('main section[aria-labelledby=stats-title]');
    const stats = await page.evaluate(() => document.querySelector('main section[aria-labelledby=stats-title]')?.textContent ?? '');
    const { listMembers } = await gqlOk<{ listMembers: { totalCount: number } }>(h.t.ports.http, `{ listMembers(list: "${ADDRESS}") { totalCount } }`, { token });
    assert.ok(stats.includes(`Members${listMembers.totalCount}:`), stats);
    assert.match(stats, /Posts in the last 14 days: 0/);
    const links = await page.evaluate(() => [...document.querySelectorAll('main nav[aria-label="The list\'s web pages"] a')].map((a) => [a.textContent, a.getAttribute('href')]));
    const base = `/lists/${encodeURIComponent(ADDRESS)}/`;
    assert.deepEqual(links, [
      ['Info page', base],
      ['Owner pages', `${base}admin`],
      ['Moderation page', `${base}admin/held`],
      ['Archive', `/lists/archives/${encodeURIComponent(ADDRESS)}/`],
    ]);
    await assertAccessible(page, 'the list with its statistics');
    await screenshot(page, 'list-stats-desktop');
    // The links lead to the list's own pages, served by the engine beside the console.
    await page.click('main nav[aria-label="The list\'s web pages"] a[href$="/"]');
    await page.waitForFunction((p) => (globalThis as unknown as { location: { pathname: string } }).location.pathname === p, {}, base);
    assert.equal((await page.evaluate(() => document.querySelector('h1')?.textContent ?? '')).includes('staff'), true);
    await page.close();
  });

  it('edits the list\u2019s settings through updateList, with the API\u2019s error next to the field', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, `/mailing-lists/${ADDRESS}/settings`, DESKTOP);
    await page.waitForSelector('form[aria-label="List settings"]');
    // Every field of UpdateListInput is on the page.
    const input = await gqlOk<{ __type: { inputFields: { name: string }[] } }>(h.t.ports.http, '{ __type(name: "UpdateListInput") { inputFields { name } } }', { token });
    for (const { name } of input.__type.inputFields.filter((f) => f.name !== 'list')) {
      assert.ok(await page.$(`form[aria-label="List settings"] [name="${name}"]`), `a field for ${name}`);
    }
    await assertAccessible(page, 'the list settings');
    await screenshot(page, 'list-settings-desktop');
    await fill(page, 'Confirm days', '0');
    await clickButton(page, 'Save');
    await page.waitForFunction(() => document.querySelector('main .field-invalid .field-error') !== null);
    assert.match((await fieldErrorOf(page, 'Confirm days')) ?? '', /INVALID_SETTING.*confirmDays/);
    await fill(page, 'Confirm days', '5');
    await fill(page, 'Subject prefix', '[Staff] ');
    await fill(page, 'Bounce score threshold', '2.5');
    await page.click(await fieldSelector(page, 'Users may self subscribe'));
    await clickButton(page, 'Save');
    await page.waitForFunction(() => (document.querySelector('main form[aria-label="List settings"] .saved')?.textContent ?? '').includes('Saved'));
    const changed = await list();
    assert.deepEqual([changed?.confirmDays, changed?.subjectPrefix, changed?.bounceScoreThreshold, changed?.selfSubscribe], [5, '[Staff] ', 2.5, false]);
    await visit(page, h.base, `/mailing-lists/${ADDRESS}/settings`, PHONE);
    await screenshot(page, 'list-settings-phone');
    await assertAccessible(page, 'the list settings at phone width');
    await page.close();
  });

  it('a MONITOR sees the list, its members and settings, and no control that changes anything', async () => {
    const page = await h.browser.newPage();
    await page.goto(h.base + '/');
    await login(page, 'watcher', 'watcher-password');
    for (const pathname of ['/mailing-lists', `/mailing-lists/${ADDRESS}`, `/mailing-lists/${ADDRESS}/settings`, '/mailing-lists/new']) {
      await visit(page, h.base, pathname, DESKTOP);
      assert.deepEqual(await changingControls(page), [], `${pathname}: a MONITOR is shown no control that changes anything`);
    }
    assert.equal(await page.$('main a[href="/mailing-lists/new"]'), null);
    await visit(page, h.base, `/mailing-lists/${ADDRESS}/settings`, DESKTOP);
    await screenshot(page, 'list-settings-monitor-desktop');
    await page.close();
  });

  it('deletes the list after the address is typed to confirm', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, `/mailing-lists/${ADDRESS}/settings`, DESKTOP);
    await clickButton(page, 'Delete list');
    await page.waitForSelector('dialog[open]');
    assert.equal(await page.$eval('dialog[open] button[type=submit]', (b) => (b as unknown as { disabled: boolean }).disabled), true);
    await page.type('dialog[open] input', ADDRESS);
    await page.click('dialog[open] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Mailing lists');
    assert.equal(await list(), null);
    await page.close();
  });
});
