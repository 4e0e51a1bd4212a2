import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, PHONE_SIZE, assertAccessible, currentPane, navPaths, screenshot, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

/**
 * The pane walk again in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi): axe-core at
 * desktop width (the markup is the same at both; Chromium's walk checks both), screenshots at
 * both. Firefox starts slowly (15 s on a busy machine), so this file does nothing else.
 */
describe('console in Firefox: every pane at desktop and phone widths', { skip: skipReason('firefox') }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ browser: 'firefox', users: [{ shortName: 'alice', password: 'alice-password-1' }] });
  });
  after(() => h?.close());

  it('walks every pane, accessible, with screenshots', async () => {
    const page = await h.loggedIn();
    const paths = await navPaths(page);
    assert.ok(paths.includes('/overview'));
    for (const pathname of paths) {
      const name = pathname.slice(1);
      await visit(page, h.base, pathname, DESKTOP);
      assert.equal(await currentPane(page), pathname);
      await screenshot(page, `firefox-${name}-desktop`);
      await assertAccessible(page, `Firefox: ${pathname} at desktop width`);
      await visit(page, h.base, pathname, PHONE_SIZE);
      await screenshot(page, `firefox-${name}-phone`);
    }
    await page.close();
  });
});
