import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, PHONE, assertAccessible, attributeOf, currentPane, displayOf, navPaths, textOf, waitForPath, pageProblems, screenshot, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

/**
 * Every pane of the navigation, as an administrator, at desktop and phone widths: it loads
 * by its own URL (bookmark, reload), axe-core finds no serious violation, and a screenshot
 * of each is kept in test-artifacts/console/.
 */
describe('console: every pane at desktop and phone widths', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
  });
  after(() => h?.close());

  it('walks every pane, accessible, with screenshots', async () => {
    const page = await h.loggedIn();
    const paths = await navPaths(page);
    assert.ok(paths.includes('/overview') && paths.length >= 1, `panes in the navigation: ${paths.join(' ')}`);
    await assertAccessible(page, 'the overview after login');
    for (const pathname of paths) {
      const name = pathname.slice(1);
      await visit(page, h.base, pathname, DESKTOP);
      assert.equal(new URL(page.url()).pathname, pathname, 'the pane keeps its URL');
      assert.equal(await currentPane(page), pathname);
      await screenshot(page, `${name}-desktop`);
      await assertAccessible(page, `${pathname} at desktop width`);
      await visit(page, h.base, pathname, PHONE);
      await screenshot(page, `${name}-phone`);
      await assertAccessible(page, `${pathname} at phone width`);
    }
    assert.deepEqual(pageProblems(page), [], 'no script errors or refused resources');
    await page.close();
  });

  it('the phone layout hides the navigation behind a menu button', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/overview', PHONE);
    assert.equal(await displayOf(page, 'nav[aria-label=Panes]'), 'none');
    await page.click('.menu-button');
    assert.equal(await attributeOf(page, '.menu-button', 'aria-expanded'), 'true');
    await page.waitForSelector('nav[aria-label=Panes] a', { visible: true });
    await screenshot(page, 'menu-phone');
    await assertAccessible(page, 'the open menu at phone width');
    await page.close();
  });

  it('back and forward move between panes; / goes to the overview; a reload keeps the pane', async () => {
    const page = await h.loggedIn();
    await page.goto(h.base + '/');
    await waitForPath(page, '/overview');
    const paths = await navPaths(page);
    const other = paths.find((p) => p !== '/overview');
    if (other) {
      await page.click(`nav a[href="${other}"]`);
      await waitForPath(page, other);
      await page.goBack();
      await waitForPath(page, '/overview');
      await page.goForward();
      await waitForPath(page, other);
      await page.reload();
      await page.waitForSelector('nav a[aria-current=page]');
      assert.equal(new URL(page.url()).pathname, other);
    }
    await page.close();
  });

  it('a revoked token sends the console back to the login form with a message', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/overview');
    // Changing the password revokes the account's tokens.
    await h.t.engine.ctx.admins.setPassword('admin', 'admin-password-for-tests');
    await page.reload();
    await page.waitForSelector('#login-username');
    assert.match((await textOf(page, '.notice')) ?? '', /session ended/i);
    await screenshot(page, 'login-desktop');
    await assertAccessible(page, 'the login form');
    await page.close();
  });
});
