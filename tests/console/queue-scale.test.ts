import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

declare const document: { querySelector(s: string): { scrollTop: number; scrollHeight: number; textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<unknown> };
declare const window: { longTasks?: number[] } & Record<string, unknown>;
declare class PerformanceObserver {
  constructor(cb: (list: { getEntries(): { duration: number }[] }) => void);
  observe(opts: { type: string; buffered?: boolean }): void;
}

const MESSAGES = 10_000;

/**
 * A queue of 10,000 messages scrolls to its end: the table asks for pages of 500 as it goes
 * and keeps only the visible rows in the page. The longest main-thread task is reported.
 */
describe('console: a 10,000-message queue', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ settings: { holdOutbound: true } });
    // Held rows written straight into the queue's tables: the list reads rows, not spool files.
    const db = h.t.engine.ctx.db;
    const now = Date.now();
    const row = db.prepare("INSERT INTO queue (id, created_at, sender, size, path, client, state, next_attempt) VALUES (?, ?, ?, ?, ?, '192.0.2.1', 'held', ?)");
    const rcpt = db.prepare('INSERT INTO queue_recipients (queue_id, address, original) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const id = `ZSCALE${String(i).padStart(6, '0')}`;
        row.run(id, now + i, `sender${i}@example.org`, 1000 + i, `/nonexistent/${id}`, now + 86_400_000);
        rcpt.run(id, `rcpt${i}@remote.test`, `rcpt${i}@remote.test`);
      }
    })();
  });
  after(() => h?.close());

  it('scrolls to the last message, a page at a time, with few rows in the page', async () => {
    const page = await h.loggedIn();
    await page.evaluateOnNewDocument(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => window.longTasks?.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
    });
    await visit(page, h.base, '/queue', DESKTOP);
    await page.waitForSelector('.data-table-body [role=row]');
    await page.evaluate(() => (window.longTasks = []));
    const started = Date.now();
    const last = `ZSCALE${String(MESSAGES - 1).padStart(6, '0')}`;
    let mostRows = 0;
    while (!(await page.evaluate((id) => document.querySelector('.data-table-body')?.textContent?.includes(id) ?? false, last))) {
      assert.ok(Date.now() - started < 80_000, 'reached the end within 80 s');
      mostRows = Math.max(mostRows, await page.evaluate(() => document.querySelectorAll('.data-table-body [role=row]').length));
      await page.evaluate(() => {
        const body = document.querySelector('.data-table-body');
        if (body) body.scrollTop = body.scrollHeight;
      });
      await page.waitForFunction(() => true, { polling: 'raf' });
    }
    const scrolledMs = Date.now() - started;
    const longTasks = await page.evaluate(() => window.longTasks ?? []);
    const longest = Math.round(Math.max(0, ...longTasks));
    assert.ok(mostRows < 100, `virtualised: at most ${mostRows} rows in the page`);
    assert.match((await page.evaluate(() => document.querySelector('.data-table-foot')?.textContent)) ?? '', /10,?000 shown/);
    process.stdout.write(`# 10,000-message queue: scrolled to the end in ${scrolledMs} ms; longest main-thread task ${longest} ms (${longTasks.length} over 50 ms)\n`);
    await page.close();
  });
});
