import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, PHONE_SIZE, assertAccessible, currentPane, navPaths, screenshot, skipReason, startConsole, type ConsoleHarness, visit } from './harness';

/**
 * The pane walk again in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi): axe-core at
 * desktop width (the markup is the same at both; Chromium's walk checks both), screenshots at
 * both. Firefox starts slowly (15 s on a busy machine) and walks slowly, so the panes are
 * shared between two files (`half` 0 takes the 1st, 3rd, … pane of the navigation, 1 the
 * others), each well inside the 120 s a test file gets.
 */
export function firefoxWalk(half: 0 | 1): void {
  describe(`console in Firefox: panes ${half ? 'two, four, …' : 'one, three, …'} at desktop and phone widths`, { skip: skipReason('firefox') }, () => {
    let h: ConsoleHarness;
    before(async () => {
      h = await startConsole({ browser: 'firefox', users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    });
    after(() => h?.close());

    it('walks its panes, accessible, with screenshots', async () => {
      const page = await h.loggedIn();
      const paths = (await navPaths(page)).filter((_, i) => i % 2 === half);
      assert.ok(paths.length > 0);
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
}
