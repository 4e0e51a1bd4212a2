import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, PHONE, assertAccessible, changingControls, login, pageProblems, screenshot, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

/** The administration panes' own pages (a user, a domain, a job, a list, each settings tab) at both widths, and the MONITOR's view. */
describe('console: administration panes', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1', quotaMb: 5, names: ['ally'] }] });
    const { ctx } = h.t.engine;
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
