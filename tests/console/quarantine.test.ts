import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { JunkFilter } from '../../server/junk/filter';
import { smtpSend } from '../helpers/smtp';
import { ham, spam } from '../junk/fixtures';
import { DESKTOP, PHONE, assertAccessible, changingControls, clickButton, fieldSelector, login, pageProblems, screenshot, skipReason, startConsole, visit, type ConsoleHarness } from './harness';

interface PageElement {
  textContent: string | null;
}
declare const document: { querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement> };

/** The Junk & virus pane's quarantine with junk (junkAction QUARANTINE) and an infected message: filter, release, delete. */
describe('console: the quarantine holds junk and viruses', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  const inbox = async () => {
    const { store, directory } = h.t.engine.ctx;
    const box = store.mailbox(directory.userByName('alice')!.id, 'INBOX')!;
    return Promise.all(store.messages(box.id).map(async (m) => (await store.readMessage(m)).toString()));
  };
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    const { ctx } = h.t.engine;
    await ctx.admins.create('watcher', 'watcher-password', 'monitor');
    const trainer = JunkFilter.open(h.t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    ctx.settings.update({ junkScanEnabled: true, junkAction: 'quarantine' });
    for (const n of [3000, 3001]) await smtpSend(h.t.ports.smtp, 'deals@promo.example.biz', ['alice@example.test'], spam(n).toString('latin1'));
    await ctx.queue.idle();
    // An infected message as the virus stage keeps it (clamd is not needed to show one).
    const file = path.join(h.t.dataDir, 'infected.eml');
    fs.writeFileSync(file, 'Subject: invoice\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR\r\n');
    await ctx.virus.quarantine.add({ kind: 'virus', sender: 'mallory@example.org', recipients: [{ address: `local:${ctx.directory.userByName('alice')!.id}`, original: 'alice@example.test' }], virus: 'Eicar-Signature', client: 'x [192.0.2.1]', file, start: 0 });
  });
  after(() => h?.close());

  const rows = (page: Page) => page.evaluate(() => [...document.querySelectorAll('main [role=table][aria-label="Quarantined messages"] .data-table-body [role=row]')].map((r) => r.textContent ?? ''));
  const waitRows = (page: Page, n: number) =>
    page.waitForFunction((count: number) => document.querySelectorAll('main [role=table][aria-label="Quarantined messages"] .data-table-body [role=row]').length === count, {}, n);

  it('shows junk and viruses, one kind at a time, and releases and deletes junk', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/junk-virus', DESKTOP);
    await waitRows(page, 3);
    const shown = await rows(page);
    assert.equal(shown.filter((r) => /junk \(score \d+\.\d\)/.test(r)).length, 2);
    assert.equal(shown.filter((r) => r.includes('virus: Eicar-Signature')).length, 1);
    await assertAccessible(page, 'the quarantine');
    await screenshot(page, 'quarantine-desktop');
    await page.select(await fieldSelector(page, 'Show'), 'JUNK');
    await waitRows(page, 2);
    assert.ok((await rows(page)).every((r) => r.includes('FREE offer 300')));

    const [first, second] = h.t.engine.ctx.virus.quarantine.list('junk');
    await page.click(`input[aria-label="Select ${first.id}"]`);
    await clickButton(page, 'Release 1');
    await page.waitForSelector('dialog[open]');
    await page.click('dialog[open] button[type=submit]');
    await waitRows(page, 1);
    await h.t.engine.ctx.queue.idle();
    assert.equal((await inbox()).filter((m) => m.includes(first.subject)).length, 1, 'released to the INBOX');

    await page.click(`input[aria-label="Select ${second.id}"]`);
    await clickButton(page, 'Delete 1');
    await page.waitForSelector('dialog[open]');
    await page.click('dialog[open] button[type=submit]');
    await waitRows(page, 0).catch(() => undefined);
    await page.waitForFunction(() => [...document.querySelectorAll('main .quarantine')].some((e) => (e.textContent ?? '').includes('No junk in quarantine.')));
    assert.deepEqual(h.t.engine.ctx.virus.quarantine.list('junk'), []);
    assert.equal(h.t.engine.ctx.virus.quarantine.list('virus').length, 1, 'the infected message stays');
    await visit(page, h.base, '/junk-virus', PHONE);
    await screenshot(page, 'quarantine-phone');
    await assertAccessible(page, 'the quarantine at phone width');
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('a MONITOR sees the quarantine and no control that changes it', async () => {
    const page = await h.browser.newPage();
    await page.goto(h.base + '/');
    await login(page, 'watcher', 'watcher-password');
    await visit(page, h.base, '/junk-virus', DESKTOP);
    await waitRows(page, 1);
    assert.deepEqual(await changingControls(page), []);
    await page.close();
  });
});
