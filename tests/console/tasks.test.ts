import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { assertAccessible, attributeOf, screenshot, skipReason, startConsole, textOf, visit, type ConsoleHarness } from './harness';

// What the functions run in the page touch (the tests' TypeScript program has no DOM library).
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement>;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement> };

/** Waits until `check` holds, polling the engine (the browser's click reaches it through the API). */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rowTexts(page: Page, label: string): Promise<string[]> {
  return page.$$eval(`[role=table][aria-label="${label}"] .data-table-body [role=row]`, (rows) => rows.map((r) => r.textContent ?? ''));
}

/** The seed's tasks in the status panes, done in the browser as an administrator would. */
describe('console: the tasks of an administrator in the status panes', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let page: Page;
  const ids: string[] = [];

  before(async () => {
    // Outbound mail is held, so messages to a remote address stay in the queue.
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { holdOutbound: true } });
    h.t.engine.ctx.directory.createAlias('friend', ['friend@remote.test']);
    for (const subject of ['first for the queue', 'second for the queue']) {
      await smtpSend(h.t.ports.smtp, 'bob@example.org', ['friend@example.test'], simpleMessage(subject));
    }
    await smtpSend(h.t.ports.smtp, 'carol@example.net', ['friend@example.test'], simpleMessage('third, from carol'));
    await h.t.engine.ctx.queue.idle();
    ids.push(...h.t.engine.ctx.queue.entries().map((e) => e.id));
    assert.equal(ids.length, 3);
    page = await h.loggedIn();
  });
  after(() => h?.close());

  it('toggles a protocol off and on from the overview', async () => {
    await visit(page, h.base, '/overview');
    const imap = '[role=switch][aria-label="IMAP service"]';
    assert.equal(await attributeOf(page, imap, 'aria-checked'), 'true');
    await page.click(imap);
    await until(() => !h.t.engine.ctx.settings.get().imapEnabled, 'imapEnabled off');
    await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('aria-checked') === 'false', {}, imap);
    await page.waitForFunction(() => document.querySelector('.service-list')?.textContent?.includes('not listening') ?? false);
    await page.waitForSelector('.saved:not(:empty)');
    await screenshot(page, 'task-protocol-off-desktop');
    await page.click(imap);
    await until(() => h.t.engine.ctx.settings.get().imapEnabled, 'imapEnabled on');
    await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('aria-checked') === 'true', {}, imap);
  });

  it('holds and releases a queued message', async () => {
    await visit(page, h.base, '/queue');
    await page.waitForSelector(`[aria-label="Select ${ids[0]}"]`);
    assert.equal((await rowTexts(page, 'Queued messages')).length, 3);
    await page.click(`[aria-label="Select ${ids[0]}"]`);
    await page.click('::-p-aria([name="Hold"][role="button"])');
    await until(() => h.t.engine.ctx.queue.entry(ids[0])?.state === 'held', 'the message held');
    // The state's own cell: the last error says "outbound mail is held" before the hold too.
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('[role=row]')].some((r) => r.textContent?.includes(id) && [...r.querySelectorAll('[role=cell]')].some((c) => c.textContent?.trim() === 'held')),
      {},
      ids[0],
    );
    await screenshot(page, 'task-queue-held-desktop');
    await page.click(`[aria-label="Select ${ids[0]}"]`);
    await page.click('::-p-aria([name="Release"][role="button"])');
    await until(() => h.t.engine.ctx.queue.entry(ids[0])?.state !== 'held', 'the message released');
    await page.waitForFunction(() => document.querySelector('.saved')?.textContent?.includes('Released 1') ?? false);
  });

  it('searches the queue and shows the headers of a message', async () => {
    await visit(page, h.base, '/queue');
    await page.type('input[type=search]', 'carol@');
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="Queued messages"] .data-table-body [role=row]').length === 1);
    const [row] = await rowTexts(page, 'Queued messages');
    assert.match(row, /carol@example\.net/);
    const carol = ids.find((id) => row.includes(id));
    assert.ok(carol);
    await page.click(`button[aria-label="Headers of ${carol}"]`);
    await page.waitForSelector('.headers pre');
    assert.match((await textOf(page, '.headers pre')) ?? '', /Subject: third, from carol/);
    await assertAccessible(page, 'the queue with headers shown');
    await screenshot(page, 'task-queue-headers-desktop');
  });

  it('deletes a queued message after confirming', async () => {
    await visit(page, h.base, '/queue');
    await page.waitForSelector(`[aria-label="Select ${ids[2]}"]`);
    await page.click(`[aria-label="Select ${ids[2]}"]`);
    await page.click('::-p-aria([name="Delete…"][role="button"])');
    await page.waitForSelector('dialog.confirm[open]');
    await assertAccessible(page, 'the delete confirmation');
    await screenshot(page, 'task-queue-confirm-desktop');
    await page.click('dialog.confirm button[type=submit]');
    await until(() => h.t.engine.ctx.queue.entry(ids[2]) === undefined, 'the message deleted');
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="Queued messages"] .data-table-body [role=row]').length === 2);
  });

  it('searches the log by queue ID and by words', async () => {
    await visit(page, h.base, '/logs');
    await page.type('input[placeholder="relay denied"]', 'engine ready');
    await page.click('form[aria-label="Log filters"] button[type=submit]');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[aria-label="Log entries, newest first"] .data-table-body [role=row]')];
      return rows.length > 0 && rows.every((r) => r.textContent?.includes('engine ready'));
    });
    await page.click('form[aria-label="Log filters"] button[type=button]'); // Clear
    const queueId = (await page.$$('form[aria-label="Log filters"] input'))[2];
    await queueId.type(ids[0]);
    await page.click('form[aria-label="Log filters"] button[type=submit]');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('[aria-label="Log entries, newest first"] .data-table-body [role=row]')];
      return rows.length > 0 && rows.every((r) => r.textContent?.includes(id));
    }, {}, ids[0]);
    await screenshot(page, 'task-log-search-desktop');
  });

  it('follows the log live', async () => {
    await visit(page, h.base, '/logs');
    await page.click('form[aria-label="Log filters"] button[aria-pressed]');
    await page.waitForFunction(() => document.querySelector('main [role=status].muted')?.textContent?.includes('Following') ?? false);
    // The subscription is set up when the page says so; an entry written now must arrive.
    const marker = `console live tail ${Date.now()}`;
    const log = h.t.engine.ctx.logs.logger('server');
    const deadline = Date.now() + 15_000;
    // graphql-ws subscribes asynchronously: write the marker until the page shows it.
    while (!(await page.evaluate((m) => document.querySelector('main')?.textContent?.includes(m) ?? false, marker))) {
      assert.ok(Date.now() < deadline, 'the live entry never arrived');
      log.message(marker);
      await page.waitForFunction((m) => document.querySelector('main')?.textContent?.includes(m) ?? false, { timeout: 1000 }, marker).catch(() => undefined);
    }
    await screenshot(page, 'task-log-live-desktop');
  });
});
