import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { DESKTOP, PHONE_SIZE, assertAccessible, pageProblems, screenshot, skipReason, startConsole, textOf, type ConsoleHarness } from './harness';

// The browser objects the functions run in the page touch (tests compile without the DOM library).
declare const document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): Iterable<{ textContent: string | null }> };

/**
 * The mail user's own view at /me (role USER), in Chromium: log in, create an app password
 * (which then works for IMAP), change the password, set vacation, forwarding, a filter and the
 * junk lists, see the quota and the client settings; axe-core finds nothing serious.
 */
describe('console: the mail user\u2019s own view', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let page: Page;
  const userId = () => h.t.engine.ctx.directory.userByName('alice')!.id;

  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1', fullName: 'Alice Example', quotaMb: 100 }], settings: { usersMaySetForwarding: true } });
    page = await h.browser.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(String(err)));
    (page as Page & { problems?: string[] }).problems = problems;
    await page.setViewport(DESKTOP);
  });
  after(() => h?.close());

  /** Fills a form field (clearing it first) found by its label text within a form. */
  async function fill(form: string, label: string, value: string): Promise<void> {
    const id = await page.$$eval(`form[aria-label="${form}"] label`, (labels, wanted) => labels.find((l) => l.textContent?.trim() === wanted)?.getAttribute('for') ?? '', label);
    assert.ok(id, `${form}: no field labelled ${label}`);
    await page.$eval(`[id="${id}"]`, (el) => ((el as unknown as { value: string }).value = ''));
    await page.type(`[id="${id}"]`, value);
  }
  async function submit(form: string, saved = 'Saved'): Promise<void> {
    await page.click(`form[aria-label="${form}"] button[type=submit]`);
    await page.waitForFunction((f, s) => document.querySelector(`form[aria-label="${f}"] [role=status]`)?.textContent?.includes(s) === true, {}, form, saved);
  }

  it('a mail user logs in at /me and sees the account, the quota and how to set up a client', async () => {
    await page.goto(h.base + '/me');
    await page.waitForSelector('#login-username');
    await assertAccessible(page, 'user login');
    await page.type('#login-username', 'alice@example.test');
    await page.type('#login-password', 'alice-password-1');
    await page.click('button[type=submit]');
    await page.waitForSelector('#client-setup table');
    assert.match((await textOf(page, 'main .lede')) ?? '', /alice@example\.test.*of 100 MB/s);
    const rows = await page.$$eval('#client-setup tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.ok(rows.some((r) => r.startsWith('IMAP') && r.includes(String(h.t.ports.imaps))), rows.join(' | '));
    await assertAccessible(page, 'user view');
    await screenshot(page, 'user-view-desktop');
  });

  it('creates an app password, shown once, which the one password check accepts', async () => {
    await fill('New app password', 'Client name', 'Phone');
    await page.click('form[aria-label="New app password"] button[type=submit]');
    await page.waitForSelector('output.app-password');
    const password = (await textOf(page, 'output.app-password')) ?? '';
    assert.match(password, /^([A-Za-z0-9]{4}-){5}[A-Za-z0-9]{4}$/);
    assert.ok(await h.t.engine.ctx.directory.authenticate('alice', password));
    await page.waitForFunction(() => [...document.querySelectorAll('table caption')].some((c) => c.textContent === 'Your app passwords'));
    assert.deepEqual(h.t.engine.ctx.directory.appPasswords.list(userId()).map((p) => p.name), ['Phone']);
  });

  it('sets vacation, forwarding, a filter and the junk lists; the server has them', async () => {
    await page.click('form[aria-label="Vacation reply"] input[name=enabled]');
    await fill('Vacation reply', 'Reply', 'Back on Monday.');
    await submit('Vacation reply');
    assert.equal(h.t.engine.ctx.sieve.list(userId()).find((s) => s.name === 'vacation')?.active, true);

    await fill('Forwarding', 'Forward my mail to', 'alice@elsewhere.test');
    await submit('Forwarding');
    assert.deepEqual(h.t.engine.ctx.directory.user(userId())?.forwardTo, ['alice@elsewhere.test']);

    await fill('Filter script', 'Script name', 'lists');
    await fill('Filter script', 'Script', 'require "fileinto";\nif header :contains "list-id" "pillarbox" { fileinto "Lists"; }\n');
    await submit('Filter script');
    assert.ok(h.t.engine.ctx.sieve.get(userId(), 'lists'));

    await fill('Junk mail settings', 'Always junk: senders', 'spammer.example');
    await fill('Junk mail settings', 'Never junk: senders', 'friend@example.org');
    await page.select('form[aria-label="Junk mail settings"] select', 'MOST');
    await submit('Junk mail settings');
    assert.deepEqual(h.t.engine.ctx.userJunk.get(userId()), { permissiveness: 'most', allow: ['friend@example.org'], block: ['spammer.example'] });
    await assertAccessible(page, 'user view after changes');
  });

  it('shows a bad filter\u2019s error from the server next to the form', async () => {
    await fill('Filter script', 'Script', 'if true { keep }');
    await page.click('form[aria-label="Filter script"] button[type=submit]');
    await page.waitForSelector('form[aria-label="Filter script"] .field-error');
    assert.match((await textOf(page, 'form[aria-label="Filter script"] .field-error')) ?? '', /SIEVE_INVALID/);
  });

  it('changes the password (the current one is checked) and works at phone width', async () => {
    await fill('Change your password', 'Current password', 'wrong-password');
    await fill('Change your password', 'New password', 'alice-password-2');
    await page.click('form[aria-label="Change your password"] button[type=submit]');
    await page.waitForSelector('form[aria-label="Change your password"] .field-error');
    assert.match((await textOf(page, 'form[aria-label="Change your password"] .field-error')) ?? '', /INVALID_CREDENTIALS/);
    await fill('Change your password', 'Current password', 'alice-password-1');
    await submit('Change your password', 'Password changed');
    assert.ok(await h.t.engine.ctx.directory.authenticate('alice', 'alice-password-2'));
    await page.setViewport(PHONE_SIZE);
    await assertAccessible(page, 'user view at phone width');
    await screenshot(page, 'user-view-phone');
    assert.deepEqual(pageProblems(page), []);
  });
});
