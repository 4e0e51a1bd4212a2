import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { WK_DESKTOP, WK_PHONE, startWebKitConsole, webkitSkipReason, type WebKitConsole } from './webkit-harness';

/** What the walk checks once a pane is loaded: its heading, nothing loading, no error shown. */
const SETTLED = `document.querySelector('main h1') !== null && document.querySelector('main .state-loading') === null`;

/** Waits until `check` holds, polling the engine (the browser's click reaches it through the API). */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The pane walk in WebKit (WebKitGTK's MiniBrowser through Debian's WebKitWebDriver, on Xvfb):
 * every pane by its URL at desktop and phone widths, axe-core at desktop width, screenshots
 * with a webkit- prefix, and two of the administrator's tasks done with real clicks.
 */
describe('console in WebKit: every pane at desktop and phone widths, and two tasks', { skip: webkitSkipReason() }, () => {
  let h: WebKitConsole;
  let queued: string;
  before(async () => {
    // Outbound mail is held, so a message to a remote address stays in the queue for the task.
    h = await startWebKitConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { holdOutbound: true } });
    h.t.engine.ctx.directory.createAlias('friend', ['friend@remote.test']);
    await smtpSend(h.t.ports.smtp, 'bob@example.org', ['friend@example.test'], simpleMessage('for the queue'));
    await h.t.engine.ctx.queue.idle();
    queued = h.t.engine.ctx.queue.entries()[0].id;
    await h.login();
  });
  after(() => h?.close());

  it('walks every pane, accessible, with screenshots', async () => {
    const page = h.page;
    const paths = await page.evaluate<string[]>(`return [...document.querySelectorAll('nav[aria-label=Panes] a')].map((a) => new URL(a.href).pathname);`);
    assert.ok(paths.includes('/overview'), `panes in the navigation: ${paths.join(' ')}`);
    for (const [size, width] of [
      [WK_DESKTOP, 'desktop'],
      [WK_PHONE, 'phone'],
    ] as const) {
      const viewport = await page.setWindowSize(size);
      if (width === 'phone') assert.ok(viewport.width < 800, `a phone layout at ${viewport.width} px`);
      for (const pathname of paths) {
        await page.goto(h.base + pathname);
        await page.waitFor(SETTLED, `${pathname} at ${width} width to settle`);
        assert.equal(new URL(await page.location()).pathname, pathname, 'the pane keeps its URL');
        assert.equal(await page.evaluate<string | null>(`const a = document.querySelector('nav a[aria-current=page]'); return a && new URL(a.href).pathname;`), pathname);
        assert.equal(await page.evaluate<string | null>(`return document.querySelector('main .state-error')?.textContent ?? null;`), null, `${pathname}: no error shown`);
        const navDisplay = await page.evaluate<string>(`return getComputedStyle(document.querySelector('nav[aria-label=Panes]')).display;`);
        assert.equal(navDisplay === 'none', width === 'phone', `${pathname}: the navigation is behind the menu button at phone width only`);
        await page.screenshot(`webkit-${pathname.slice(1)}-${width}`);
        if (width === 'desktop') assert.deepEqual(await page.seriousAxeViolations(), [], `WebKit: ${pathname}: axe-core found serious violations`);
        assert.deepEqual(await page.problems(), [], `${pathname} at ${width} width: no script errors or refused resources`);
      }
    }
    await page.setWindowSize(WK_DESKTOP);
  });

  it('toggles a protocol off and on from the overview', async () => {
    const page = h.page;
    await page.goto(h.base + '/overview');
    await page.waitFor(SETTLED, 'the overview');
    const imap = '[role=switch][aria-label="IMAP service"]';
    const checked = (value: string) => `document.querySelector('${imap}')?.getAttribute('aria-checked') === '${value}'`;
    await page.waitFor(checked('true'), 'IMAP shown on');
    await page.click(imap);
    await until(() => !h.t.engine.ctx.settings.get().imapEnabled, 'imapEnabled off');
    await page.waitFor(checked('false'), 'IMAP shown off');
    await page.waitFor(`document.querySelector('.service-list')?.textContent.includes('not listening')`, 'IMAP not listening');
    await page.screenshot('webkit-task-protocol-off-desktop');
    await page.click(imap);
    await until(() => h.t.engine.ctx.settings.get().imapEnabled, 'imapEnabled on');
    await page.waitFor(checked('true'), 'IMAP shown on again');
    assert.deepEqual(await page.problems(), []);
  });

  it('holds and releases a queued message', async () => {
    const page = h.page;
    await page.goto(h.base + '/queue');
    await page.waitFor(SETTLED, 'the queue');
    const select = `[aria-label="Select ${queued}"]`;
    await page.waitFor(`document.querySelector('${select}')`, 'the queued message');
    await page.click(select);
    await page.clickButton('Hold');
    await until(() => h.t.engine.ctx.queue.entry(queued)?.state === 'held', 'the message held');
    // The state's own cell (the last error says "outbound mail is held" before the hold too).
    const rowState = (state: string) =>
      `[...document.querySelectorAll('[role=row]')].some((r) => r.textContent.includes('${queued}') && [...r.querySelectorAll('[role=cell]')].some((c) => c.textContent.trim() === '${state}'))`;
    await page.waitFor(rowState('held'), 'the row shown held');
    await page.screenshot('webkit-task-queue-held-desktop');
    await page.click(select);
    await page.clickButton('Release');
    await until(() => h.t.engine.ctx.queue.entry(queued)?.state !== 'held', 'the message released');
    await page.waitFor(`document.querySelector('.saved')?.textContent.includes('Released 1')`, '"Released 1" shown');
    await page.waitFor(rowState('deferred'), 'the row shown deferred again');
    assert.deepEqual(await page.problems(), []);
  });
});
