import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../server/directory/passwords';
import { DESKTOP, PHONE, assertAccessible, changingControls, login, pageProblems, screenshot, settled, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

// What the functions run in the page touch (the tests' TypeScript program has no DOM library).
interface PageElement {
  textContent: string | null;
  scrollTop: number;
  scrollHeight: number;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): ArrayLike<PageElement> };

const USERS = 10_000;

/** The administration panes' own pages (a user, a domain, a job, a list, each settings tab) at both widths, the 10,000-user list, and the MONITOR's view. */
describe('console: administration panes', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1', quotaMb: 5, names: ['ally'] }] });
    const { ctx } = h.t.engine;
    const hash = await hashPassword('user-password-1');
    ctx.db.transaction(() => {
      for (let i = 0; i < USERS - 1; i++) ctx.directory.createUserWithHash({ shortName: `user${String(i).padStart(5, '0')}`, quotaMb: i % 3 ? 100 : 0 }, hash);
    })();
    await ctx.admins.create('watcher', 'watcher-password', 'monitor');
    ctx.lists.create({ name: 'team', domain: 'example.test', owners: ['alice@example.test'] });
  });
  after(() => h?.close());

  const PAGES = ['/accounts/1', '/domains/example.test', '/jobs/repair', '/mailing-lists/team@example.test', '/settings/general', '/settings/filters', '/settings/logging', '/settings/advanced'];

  it('each administration page loads by its URL, accessible at desktop and phone widths', async () => {
    const page = await h.loggedIn();
    for (const pathname of PAGES) {
      const name = pathname.slice(1).replace(/[/@.]/g, '-');
      await visit(page, h.base, pathname, DESKTOP);
      await screenshot(page, `${name}-desktop`);
      await assertAccessible(page, `${pathname} at desktop width`);
      await visit(page, h.base, pathname, PHONE);
      await screenshot(page, `${name}-phone`);
      await assertAccessible(page, `${pathname} at phone width`);
    }
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('10,000 users: sorted by the server, read a page at a time, only the visible rows drawn', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/accounts', DESKTOP);
    await page.waitForFunction((n: number) => (document.querySelector('.data-table-foot')?.textContent ?? '').includes(`of ${n.toLocaleString('en-US').replace(/,/g, '')}`) || (document.querySelector('.data-table-foot')?.textContent ?? '').includes(`of ${n}`), {}, USERS);
    const started = Date.now();
    let longest = 0;
    for (let i = 0; i < 12; i++) {
      const t0 = Date.now();
      await page.evaluate(() => {
        const body = document.querySelector('.data-table-body');
        if (body) body.scrollTop = body.scrollHeight;
      });
      await page.waitForFunction(() => document.querySelectorAll('.data-table-body [role=row]').length > 0);
      longest = Math.max(longest, Date.now() - t0);
    }
    const rows = await page.evaluate(() => document.querySelectorAll('.data-table-body [role=row]').length);
    assert.ok(rows < 120, `only the visible rows are in the page (${rows})`);
    const foot = await page.evaluate(() => document.querySelector('.data-table-foot')?.textContent ?? '');
    const loaded = Number(/^(\d+)/.exec(foot)?.[1] ?? 0);
    assert.ok(loaded > 300, `scrolling read further pages (${foot})`);
    console.log(`# 10,000 users: ${foot}; 12 scrolls to the end in ${Date.now() - started} ms, the longest ${longest} ms`);
    await page.click('[role=columnheader] button.sort');
    await settled(page);
    await page.close();
  });

  it('a MONITOR sees the administration panes and no control that changes anything', async () => {
    const page = await h.browser.newPage();
    await page.goto(h.base + '/');
    await login(page, 'watcher', 'watcher-password');
    for (const pathname of ['/accounts', '/accounts/1', '/domains', '/domains/example.test', '/relay', '/junk-virus', '/jobs', '/settings/general', '/settings/advanced', '/certificates', '/mailing-lists', '/mailing-lists/team@example.test', '/maintenance']) {
      await visit(page, h.base, pathname, DESKTOP);
      assert.deepEqual(await changingControls(page), [], `${pathname}: a MONITOR is shown no control that changes anything`);
    }
    await screenshot(page, 'settings-monitor-desktop');
    await page.close();
  });
});
