import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../server/directory/passwords';
import { DESKTOP, settled, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

// What the functions run in the page touch (the tests' TypeScript program has no DOM library).
interface PageElement {
  textContent: string | null;
  scrollTop: number;
  scrollHeight: number;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): ArrayLike<PageElement> };

const USERS = 10_000;

// A page of accountUsage is sorted, searched and cut in SQL on the users' running totals (1-2 ms
// for a page of 10,000 users), so the stall watchdog's default limit holds here as everywhere.

describe('console: 10,000 users in the Accounts pane', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1', quotaMb: 5 }] });
    const { ctx } = h.t.engine;
    const hash = await hashPassword('user-password-1');
    ctx.db.transaction(() => {
      for (let i = 0; i < USERS - 1; i++) ctx.directory.createUserWithHash({ shortName: `user${String(i).padStart(5, '0')}`, quotaMb: i % 3 ? 100 : 0 }, hash);
    })();
  });
  after(() => h?.close());

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

});
